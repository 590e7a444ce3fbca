"""The call in English, after the Indonesian one: number words, letter names, the hall's names.

    words(123) -> "one hundred twenty-three"       (no "and", as a caller says it)
    spell("PID") -> "pee eye dee"
    speakable("Loket 3", dictionary) -> "counter three"

Letters are written as their names ("ay", "bee") so eSpeak's English voice and a recorded pack
both read them as letters, never as the article "a".
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from .dictionary import Dictionary, Lexicon, speakable_with

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES: tuple[tuple[int, str], ...] = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
MAX_WORDS = 999_999_999_999

LETTER_NAMES: dict[str, str] = {
    "A": "ay", "B": "bee", "C": "see", "D": "dee", "E": "ee", "F": "ef", "G": "jee",
    "H": "aitch", "I": "eye", "J": "jay", "K": "kay", "L": "el", "M": "em", "N": "en",
    "O": "oh", "P": "pee", "Q": "queue", "R": "ar", "S": "ess", "T": "tee", "U": "you",
    "V": "vee", "W": "double you", "X": "ex", "Y": "why", "Z": "zed",
}  # fmt: skip

# The words of a hall's names an English listener needs translated; `[voice.en] dictionary`
# adds to or overrides them (a whole name works too: "Gerai BPJS Kesehatan" = "the BPJS Health booth").
DEFAULT_DICTIONARY: dict[str, str] = {
    "Loket": "counter",
    "Meja": "desk",
    "Gerai": "booth",
    "Ruang": "room",
    "Ruangan": "room",
    "Lantai": "floor",
    "Konsultasi": "consultation",
    "Kesehatan": "health",
    "Ketenagakerjaan": "employment",
    "Pengaduan": "complaints",
    "Informasi": "information",
    "Kasir": "cashier",
    "Teller": "teller",
    "Customer Service": "customer service",
}


def _below_thousand(n: int) -> list[str]:
    out: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        out += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        out.append(f"{_TENS[tens]}-{_ONES[ones]}" if ones else _TENS[tens])
    elif rest:
        out.append(_ONES[rest])
    return out


def words(n: int) -> str:
    """0 -> "zero", 1000 -> "one thousand", 2_500 -> "two thousand five hundred"."""
    if not 0 <= n <= MAX_WORDS:
        raise ValueError(f"number out of range 0..{MAX_WORDS}: {n}")
    if n == 0:
        return _ONES[0]
    out: list[str] = []
    for scale, name in _SCALES:
        chunk, n = divmod(n, scale)
        if chunk:
            out += [*_below_thousand(chunk), name]
    out += _below_thousand(n)
    return " ".join(out)


def digits(text: str) -> str:
    """ "007" -> "zero zero seven"."""
    if not text or not text.isascii() or not text.isdigit():
        raise ValueError(f"not a string of digits: {text!r}")
    return " ".join(_ONES[int(d)] for d in text)


def letter(ch: str) -> str:
    return LETTER_NAMES.get(ch.upper(), ch.lower())


def spell(text: str) -> str:
    """ "PID" -> "pee eye dee"."""
    return " ".join(letter(ch) for ch in text if not ch.isspace())


LEXICON = Lexicon(words=words, spell=spell, symbols={"&": "and", "+": "plus", "%": "percent", "@": "at", "#": "number"})


@lru_cache(maxsize=32)
def _compiled(items: tuple[tuple[str, str], ...]) -> Dictionary:
    merged = {k.casefold(): (k, v) for k, v in DEFAULT_DICTIONARY.items()}
    for key, value in items:
        if key.strip():
            merged[key.strip().casefold()] = (key.strip(), value)
    return Dictionary(dict(merged.values()))


def for_voice(overrides: Mapping[str, str] | None) -> Dictionary:
    """The built-in English dictionary merged with `[voice.en] dictionary` (config wins)."""
    return _compiled(tuple(sorted((overrides or {}).items())))


def speakable(text: str, dictionary: Dictionary) -> str:
    """ "Loket 12" -> "counter twelve"; "Meja 3A" -> "desk three ay"."""
    return speakable_with(text, dictionary, LEXICON)
