"""The call in English after the Indonesian one: number words (read back by a small parser of
our own, for every number to 999,999, in both modes), letter names, names of the hall, templates."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antrian_voice import english
from antrian_voice.languages import Part, espeak_voice, parts
from display_server.announce import spoken_call
from tests.audio.audio_config import make_config, say

_SMALL = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], start=2)
}
_LETTERS = {name: letter for letter, name in english.LETTER_NAMES.items()}


def parse_words(text: str) -> int:
    """A listener's reading of English number words: "two thousand one hundred twenty-three" -> 2123."""
    total = current = 0
    for word in text.replace("-", " ").split():
        if word in _SMALL:
            current += _SMALL[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = total + current * 1000, 0
        else:
            raise ValueError(f"not a number word: {word!r}")
    return total + current


def parse_digits(text: str) -> str:
    return "".join(str(_SMALL[word]) for word in text.split())


@given(st.integers(min_value=0, max_value=999_999))
def test_english_number_words_read_back_to_the_number(n: int) -> None:
    spoken = english.words(n)
    assert parse_words(spoken) == n
    assert "and" not in spoken.split() and "  " not in spoken


@given(st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_english_digits_read_back_to_the_digits(digits: str) -> None:
    assert parse_digits(english.digits(digits)) == digits


@pytest.mark.parametrize(
    ("n", "spoken"),
    [
        (0, "zero"), (7, "seven"), (13, "thirteen"), (20, "twenty"), (21, "twenty-one"), (100, "one hundred"),
        (110, "one hundred ten"), (123, "one hundred twenty-three"), (1000, "one thousand"),
        (1001, "one thousand one"), (12_345, "twelve thousand three hundred forty-five"),
        (999_999, "nine hundred ninety-nine thousand nine hundred ninety-nine"),
    ],
)  # fmt: skip
def test_english_number_words(n: int, spoken: str) -> None:
    assert english.words(n) == spoken


BILINGUAL = make_config(languages=["id", "en"])
DIGITS = make_config(languages=["id", "en"], number_mode="digits")


@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(["A", "PID", "S", ""]))
def test_the_bilingual_call_says_the_same_number_in_both_languages(n: int, prefix: str) -> None:
    number = f"{prefix}-{n}" if prefix else str(n)
    counter = {"A": "loket-3", "PID": "meja-3a", "S": "sim-1", "": "loket-3"}[prefix]
    for config in (BILINGUAL, DIGITS):
        call = spoken_call(config, number, counter)
        indonesian, en = parts(call, config.voice)
        assert indonesian == Part("id", say(config, number, counter))  # as the screens show it
        match = re.fullmatch(r"Queue number (.+), please proceed to (.+)\.", en.text)
        assert match, en.text
        words = match.group(1).split()
        letters = "".join(_LETTERS[w] for w in words[: len(prefix)])
        assert letters == prefix
        spoken = " ".join(words[len(prefix) :])
        if config.voice.number_mode == "words":
            assert parse_words(spoken) == n
        else:
            assert parse_digits(spoken) == call.digits


@pytest.mark.parametrize(
    ("number", "counter", "recall", "english_text"),
    [
        ("A-123", "loket-3", False, "Queue number ay one hundred twenty-three, please proceed to counter three."),
        ("A-7", "loket-3", True, "Repeat call, queue number ay seven, please proceed to counter three."),
        ("PID-12", "meja-3a", False, "Queue number pee eye dee twelve, please proceed to desk three ay."),
        ("B-20", "loket-b2", False, "Queue number bee twenty, please proceed to counter bee two."),
        ("Q-5", "loket-100", False, "Queue number queue five, please proceed to counter one hundred."),
    ],
)
def test_english_sentences(number: str, counter: str, recall: bool, english_text: str) -> None:
    call = spoken_call(BILINGUAL, number, counter, recall=recall)
    assert parts(call, BILINGUAL.voice)[1] == Part("en", english_text)


def test_english_has_its_own_templates_joiner_and_names() -> None:
    config = make_config(
        languages=["en", "id"],
        repeat=True,
        destination="booth",
        en={
            "template": "Number {nomor}, {tujuan} please.",
            "repeat_joiner": "again",
            "dictionary": {"Gerai Dukcapil": "the civil registry booth"},
        },
    )
    call = spoken_call(config, "C-5", "loket-5")
    assert call.booth == "Gerai Dukcapil"
    en, indonesian = parts(call, config.voice)  # the order of `languages` is the order spoken
    assert en == Part(
        "en",
        "Number see five, the civil registry booth please. Again, number see five, the civil registry booth please.",
    )
    assert indonesian.language == "id" and indonesian.text.startswith("Nomor antrean ce lima, silakan menuju gerai")


@pytest.mark.parametrize(
    ("voice", "en_voice", "expected"), [("id", None, "en"), ("id+f3", None, "en+f3"), ("id+f3", "en-us+m2", "en-us+m2")]
)
def test_english_is_said_in_the_hall_voices_variant(voice: str, en_voice: str | None, expected: str) -> None:
    config = make_config(voice=voice, languages=["id", "en"], en={"voice": en_voice})
    assert espeak_voice(config.voice, "en") == expected
    assert espeak_voice(config.voice, "id") == voice
