"""The units a hall's voice pack should hold: the templates' fixed phrases, the letters of its
ticket prefixes, the number words, and its own names (counters, booths, services), in each
language it speaks. `antrian voice-pack script` lists them, `check` compares them with a pack.

The voice does not read the hall's config: the server hands over one call per counter and
service (`SpokenCall`s), and the names come from those calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import english, languages, numbers, text
from .call import SpokenCall
from .dictionary import for_voice, speakable
from .pack import Manifest, PackError, missing_words, read_manifest, unit_key

if TYPE_CHECKING:
    from .settings import Voice

Kind = Literal["phrase", "letter", "number", "name"]
KINDS: tuple[Kind, ...] = ("phrase", "letter", "number", "name")
KIND_TITLES = {
    "phrase": "fixed phrases of the templates",
    "letter": "letters of the ticket prefixes",
    "number": "number words",
    "name": "the hall's names",
}
EXAMPLE_NUMBER = "123"
_CLAUSE = re.compile(r"[,.;:!?]")
_PLACEHOLDER = re.compile(r"{\w+}")


@dataclass(frozen=True)
class Need:
    language: str
    unit: str  # as a pack's manifest names it: "nomor antrean"
    kind: Kind
    example: str  # a sentence it is said in

    @property
    def file_name(self) -> str:
        """A suggested clip file: "nomor-antrean.wav", "en-queue-number.wav"."""
        slug = self.unit.replace(" ", "-")
        return f"{slug}.wav" if self.language == "id" else f"{self.language}-{slug}.wav"


@dataclass(frozen=True)
class Coverage:
    need: Need
    recorded: bool  # the pack has this unit as one clip
    lacking: tuple[str, ...]  # words no clip covers (empty: covered, whole or by smaller units)


def needed_units(voice: Voice, calls: Iterable[SpokenCall]) -> list[Need]:
    """Every unit VOICE says for CALLS (one call per counter and service is enough), in
    `voice.languages` order, each kind in turn."""
    calls = list(calls)
    found: dict[tuple[str, str], Need] = {}

    def add(language: str, unit_text: str, kind: Kind, example: str) -> None:
        for clause in _CLAUSE.split(unit_text):
            unit = unit_key(clause)
            if unit and (language, unit) not in found:
                found[(language, unit)] = Need(language, unit, kind, example)

    for language in voice.languages:
        say = _sayer(voice, language)
        for call in calls:  # phrases first, so a word of a phrase is not listed as a name
            for template, recall in _templates(voice, language):
                example = say(_with_number(call, EXAMPLE_NUMBER, recall))
                for literal in _literals(template, voice, language):
                    add(language, literal, "phrase", example)
        for call in calls:
            for letter in call.prefix:
                add(language, languages.letter_name(letter, language), "letter", say(call))
        for word in _number_words(voice, language):
            example = say(_with_number(calls[0], _example_number(word, voice, language), False)) if calls else ""
            add(language, word, "number", example)
        for call in calls:
            for name in _names(call, voice, language):
                add(language, name, "name", say(call))
    order: list[str] = list(voice.languages)
    return sorted(found.values(), key=lambda n: (order.index(n.language), KINDS.index(n.kind)))


def coverage(needs: Iterable[Need], manifest: Manifest) -> list[Coverage]:
    out = []
    for need in needs:
        units: Mapping[str, object] = manifest.units.get(need.language, {})
        out.append(Coverage(need, need.unit in units, tuple(missing_words(need.unit, units))))
    return out


def missing_units(voice: Voice, calls: Iterable[SpokenCall], manifest: Manifest) -> list[Coverage]:
    """The needs a pack leaves to eSpeak NG (in a language the pack records at all)."""
    recorded = manifest.languages()
    return [c for c in coverage(needed_units(voice, calls), manifest) if c.lacking and c.need.language in recorded]


def _sayer(voice: Voice, language: str) -> Callable[[SpokenCall], str]:
    if language == "en":
        return lambda call: languages.english_sentence(call, voice)
    return lambda call: text.sentence(call, voice)


def _templates(voice: Voice, language: str) -> list[tuple[str, bool]]:
    settings = voice.en if language == "en" else voice
    return [(settings.template, False), (settings.recall_template, True)]


def _literals(template: str, voice: Voice, language: str) -> list[str]:
    """The template's own words between placeholders (and the repeat joiner), as spoken."""
    if language == "en":
        dictionary = english.for_voice(voice.en.dictionary)
        joiner = voice.en.repeat_joiner
    else:
        dictionary = for_voice(voice.dictionary)
        joiner = voice.repeat_joiner
    chunks = [dictionary.replace(chunk) for chunk in _PLACEHOLDER.split(template)]
    return chunks + ([joiner] if voice.repeat else [])


def _number_words(voice: Voice, language: str) -> list[str]:
    """The words of every ticket number (1 to 999,999) in the voice's number mode."""
    if language == "en":
        ones = [english.words(n) for n in range(10)]
        if voice.number_mode == "digits":
            return ones
        return (
            ones[1:]
            + [english.words(n) for n in range(10, 20)]
            + [english.words(n) for n in range(20, 100, 10)]
            + ["hundred", "thousand"]
        )
    if voice.number_mode == "digits":
        return [voice.zero_word] + [numbers.words(n) for n in range(1, 10)]
    return [numbers.words(n) for n in range(1, 10)] + [
        "sepuluh",
        "sebelas",
        "belas",
        "puluh",
        "ratus",
        "seratus",
        "ribu",
        "seribu",
    ]


def _example_number(word: str, voice: Voice, language: str) -> str:
    """The smallest ticket number whose words hold WORD ("ribu" -> "2000")."""
    for n in range(1, 3000):
        digits = str(n).zfill(3) if voice.number_mode == "digits" else str(n)
        spoken = (
            languages.english_number("", digits, voice) if language == "en" else text.spoken_number("", digits, voice)
        )
        if word in unit_key(spoken).split() or word == unit_key(spoken):
            return digits
    return EXAMPLE_NUMBER


def _names(call: SpokenCall, voice: Voice, language: str) -> list[str]:
    """The spoken names the templates use: the destination, the counter, the service."""
    templates = " ".join(t for t, _ in _templates(voice, language))
    if language == "en":
        dictionary = english.for_voice(voice.en.dictionary)
        counter = english.speakable(call.counter, dictionary)
        booth = english.speakable(call.booth, dictionary) if call.booth else ""
        service = english.speakable(call.service, dictionary)
    else:
        dictionary = for_voice(voice.dictionary)
        counter = speakable(call.counter_spoken or call.counter, dictionary)
        booth_name = call.booth_spoken or call.booth
        booth = speakable(booth_name, dictionary) if booth_name else ""
        service = speakable(call.service_spoken or call.service, dictionary)
    names = []
    if "{tujuan}" in templates:
        names.append(booth if voice.destination == "booth" and booth else counter)
    if "{loket}" in templates:
        names.append(counter)
    if "{layanan}" in templates:
        names.append(service)
    return names


def _with_number(call: SpokenCall, digits: str, recall: bool) -> SpokenCall:
    return replace(call, digits=digits, recall=recall)


def pack_warnings(voice: Voice, calls: Iterable[SpokenCall], shown: int = 8) -> list[str]:
    """For `antrian check-config`: a line about the units the configured pack lacks (none: [])."""
    if voice.pack is None:
        return []
    try:
        manifest = read_manifest(Path(voice.pack))
    except PackError as exc:
        return [f"voice.pack: {exc}"]
    missing = missing_units(voice, calls, manifest)
    if not missing:
        return []
    listed = ", ".join(f'{c.need.language} "{c.need.unit}"' for c in missing[:shown])
    more = f" and {len(missing) - shown} more" if len(missing) > shown else ""
    return [
        f"voice.pack: {len(missing)} units the hall needs have no clip (eSpeak NG says them): "
        f"{listed}{more}; see antrian voice-pack check {voice.pack}"
    ]


__all__ = ["KINDS", "KIND_TITLES", "Coverage", "Need", "coverage", "missing_units", "needed_units", "pack_warnings"]
