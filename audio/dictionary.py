"""Pronunciation dictionary and the normaliser that turns a written name into speakable text.

eSpeak's Indonesian voice reads lowercase words well but guesses badly at acronyms
("BPJS"), digits inside names ("Loket 12") and English words ("Customer Service").
Names from the config pass through `speakable()` before they reach a template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .letters import letter, spell
from .numbers import words

# Built-in entries; `voice.dictionary` in the config is merged on top (config wins).
DEFAULT_DICTIONARY: dict[str, str] = {
    "BPJS": "be pe je es",
    "SKCK": "es ka ce ka",
    "KTP": "ka te pe",
    "e-KTP": "e ka te pe",
    "KTP-el": "ka te pe el",
    "NPWP": "en pe we pe",
    "NIB": "en i be",
    "NIK": "en i ka",
    "IKD": "i ka de",
    "KK": "ka ka",
    "KIA": "ka i a",
    "JKN": "je ka en",
    "KIS": "ka i es",
    "SIM": "sim",
    "STNK": "es te en ka",
    "BPKB": "be pe ka be",
    "PBB": "pe be be",
    "Samsat": "samsat",
    "Dukcapil": "dukcapil",
    "Polres": "polres",
    "Polresta": "polresta",
    "Bapenda": "bapenda",
    "MPP": "em pe pe",
    "PTSP": "pe te es pe",
    "DPMPTSP": "de pe em pe te es pe",
    "PLN": "pe el en",
    "PDAM": "pe de a em",
    "BRI": "be er i",
    "BNI": "be en i",
    "BPD": "be pe de",
    "CS": "ce es",
    "Customer Service": "kastemer servis",
    "Customer": "kastemer",
    "Service": "servis",
    "Teller": "teler",
    "Front Office": "fron ofis",
    "Help Desk": "help desk",
    "Helpdesk": "help desk",
    "Drive Thru": "draif tru",
    "Online": "onlain",
}

# Punctuation inside a name becomes a pause (a comma for eSpeak) or a word.
_PAUSE = set('.,;:()[]{}/|!?\u2013\u2014"')
_SPACE = set("-_'\u2019`~*")
_WORDS = {"&": "dan", "+": "plus", "%": "persen", "@": "et", "#": "nomor"}
_TOKEN = re.compile(r"\d+|[^\W\d_]+|\S")
# Acronyms of this length that the dictionary does not know are spelled letter by letter.
_ACRONYM_MAX = 5


def merged(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Defaults plus overrides; keys compare case-insensitively and an override wins."""
    out = {k.casefold(): (k, v) for k, v in DEFAULT_DICTIONARY.items()}
    for key, value in (overrides or {}).items():
        if key.strip():
            out[key.strip().casefold()] = (key.strip(), value)
    return dict(out.values())


class Dictionary:
    """Whole-word, case-insensitive replacement; the longest key wins where keys overlap."""

    def __init__(self, entries: Mapping[str, str]):
        self._lookup = {" ".join(k.split()).casefold(): v for k, v in entries.items()}
        keys = sorted(entries, key=len, reverse=True)
        # A key with inner spaces also matches other whitespace runs ("Customer  Service").
        alternatives = [r"\s+".join(re.escape(part) for part in k.split()) for k in keys]
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE) if alternatives else None
        )

    def replace(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._lookup[" ".join(m.group(0).split()).casefold()], text)


@lru_cache(maxsize=32)
def _compiled(items: tuple[tuple[str, str], ...]) -> Dictionary:
    return Dictionary(merged(dict(items)))


def for_voice(overrides: Mapping[str, str] | None) -> Dictionary:
    """The built-in dictionary merged with a config's `voice.dictionary`, compiled once."""
    return _compiled(tuple(sorted((overrides or {}).items())))


@dataclass(frozen=True)
class Lexicon:
    """How one language reads numbers, letters and symbols inside a name."""

    words: Callable[[int], str]
    spell: Callable[[str], str]
    symbols: Mapping[str, str]


INDONESIAN = Lexicon(words=words, spell=spell, symbols=_WORDS)


def speakable(text: str, dictionary: Dictionary) -> str:
    """ "Perizinan Berusaha (NIB)" -> "perizinan berusaha, en i be"; "Meja 3A" -> "meja tiga a"."""
    return speakable_with(text, dictionary, INDONESIAN)


def speakable_with(text: str, dictionary: Dictionary, lexicon: Lexicon) -> str:
    """`speakable` in the language of LEXICON (audio/english.py uses it for the English call)."""
    parts: list[str] = []  # words, and "," for a pause

    def pause() -> None:
        if parts and parts[-1] != ",":
            parts.append(",")

    replaced = dictionary.replace(text)
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(replaced)]
    for i, (tok, start, end) in enumerate(tokens):
        if tok.isdigit():
            parts.append(lexicon.words(int(tok)) if len(tok) <= 12 else " ".join(tok))
        elif tok[0].isalpha():
            # A letter glued to a digit ("3A", "B2") or standing alone is read by its name.
            glued = (i > 0 and tokens[i - 1][2] == start and tokens[i - 1][0].isdigit()) or (
                i + 1 < len(tokens) and tokens[i + 1][1] == end and tokens[i + 1][0].isdigit()
            )
            if len(tok) == 1 or (glued and tok.isupper()):
                parts.append(lexicon.spell(tok) if tok.isascii() else tok.lower())
            elif tok.isupper() and tok.isascii() and len(tok) <= _ACRONYM_MAX:
                parts.append(lexicon.spell(tok))
            else:
                parts.append(tok.lower())
        elif tok in _PAUSE:
            pause()
        elif tok in lexicon.symbols:
            parts.append(lexicon.symbols[tok])
        # Anything else (hyphens, quotes, symbols) just separates words.
    while parts and parts[0] == ",":
        parts.pop(0)
    while parts and parts[-1] == ",":
        parts.pop()
    return " ".join(parts).replace(" ,", ",")


__all__ = [
    "DEFAULT_DICTIONARY",
    "Dictionary",
    "Lexicon",
    "for_voice",
    "letter",
    "merged",
    "speakable",
    "speakable_with",
]
