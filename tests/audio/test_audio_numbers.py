"""Numbers in words, checked against a second, recursive formulation of the same rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antrian_voice.letters import LETTER_NAMES, spell
from antrian_voice.numbers import digits, words

_DIGIT = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def reference(n: int) -> str:
    """Written straight from the grammar, top down, one rule per line."""
    if n < 10:
        return _DIGIT[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{_DIGIT[n - 10]} belas"
    if n < 100:
        return _join(f"{_DIGIT[n // 10]} puluh", n % 10)
    if n < 200:
        return _join("seratus", n - 100)
    if n < 1000:
        return _join(f"{_DIGIT[n // 100]} ratus", n % 100)
    if n < 2000:
        return _join("seribu", n - 1000)
    if n < 1_000_000:
        return _join(f"{reference(n // 1000)} ribu", n % 1000)
    raise ValueError(n)


def _join(head: str, rest: int) -> str:
    return head if rest == 0 else f"{head} {reference(rest)}"


@settings(max_examples=3000)
@given(st.integers(min_value=0, max_value=999_999))
def test_words_matches_reference(n: int) -> None:
    assert words(n) == reference(n)


def test_words_every_value_below_two_thousand() -> None:
    # The irregular forms (sepuluh, sebelas, belas, seratus, seribu) all live down here.
    for n in range(2000):
        assert words(n) == reference(n)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1_000_000, "satu juta"),
        (1_001_000, "satu juta seribu"),
        (2_500_000, "dua juta lima ratus ribu"),
        (1_000_000_000, "satu miliar"),
        (999_999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
    ],
)
def test_words_beyond_a_million(n: int, expected: str) -> None:
    assert words(n) == expected


def test_words_out_of_range() -> None:
    with pytest.raises(ValueError):
        words(-1)


@given(st.text(alphabet="0123456789", min_size=1, max_size=9), st.sampled_from(["nol", "kosong"]))
def test_digits_one_word_per_digit(text: str, zero: str) -> None:
    spoken = digits(text, zero).split(" ")
    assert len(spoken) == len(text)
    for digit, word in zip(text, spoken):
        assert word == (zero if digit == "0" else _DIGIT[int(digit)])


@pytest.mark.parametrize("bad", ["", "12a", "-1", "١٢"])
def test_digits_refuses_non_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        digits(bad)


def test_letter_names() -> None:
    assert spell("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == (
        "a be ce de e ef ge ha i je ka el em en o pe ki er es te u fe we eks ye zet"
    )
    assert len(LETTER_NAMES) == 26
    assert spell("pid") == "pe i de"
