"""What is spoken for a call, language by language: the Indonesian sentence (the screens show
it), then, with `languages = ["id", "en"]`, the same call in English.

    parts(call, voice) -> (Part("id", "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga."),
                           Part("en", "Queue number ay one hundred twenty-three, please proceed to counter three."))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import english, text
from .call import SpokenCall
from .letters import spell

if TYPE_CHECKING:
    from .settings import Voice


@dataclass(frozen=True, slots=True)
class Part:
    language: str  # "id" or "en"
    text: str


def parts(call: SpokenCall, voice: Voice, indonesian: str | None = None) -> tuple[Part, ...]:
    """Each language of `voice.languages`, in order; INDONESIAN is the sentence when already built."""
    out = []
    for language in voice.languages:
        if language == "en":
            out.append(Part("en", english_sentence(call, voice)))
        else:
            out.append(Part("id", indonesian if indonesian is not None else text.sentence(call, voice)))
    return tuple(out)


def english_number(prefix: str, digits_: str, voice: Voice) -> str:
    """("A", "123") -> "ay one hundred twenty-three"; digits mode reads each digit."""
    value = english.digits(digits_) if voice.number_mode == "digits" else english.words(int(digits_))
    return f"{english.spell(prefix)} {value}" if prefix else value


def english_sentence(call: SpokenCall, voice: Voice) -> str:
    """The call in English. Names are the written ones (not the Indonesian `spoken_name`),
    through `[voice.en] dictionary` ("Loket" -> "counter") with numbers and letters in English."""
    settings = voice.en
    dictionary = english.for_voice(settings.dictionary)
    counter = english.speakable(call.counter, dictionary)
    booth = english.speakable(call.booth, dictionary) if call.booth else ""
    values = {
        "nomor": english_number(call.prefix, call.digits, voice),
        "tujuan": booth if voice.destination == "booth" and booth else counter,
        "layanan": english.speakable(call.service, dictionary),
        "loket": counter,
    }
    template = settings.recall_template if call.recall else settings.template
    return text.compose(template, values, dictionary, repeat_joiner=settings.repeat_joiner if voice.repeat else None)


def espeak_voice(voice: Voice, language: str) -> str:
    """The eSpeak NG voice of LANGUAGE: English takes the Indonesian voice's variant ("id+f3" -> "en+f3")."""
    if language != "en":
        return voice.voice
    if voice.en.voice:
        return voice.en.voice
    _, plus, variant = voice.voice.partition("+")
    return f"en+{variant}" if plus else "en"


def letter_name(letter: str, language: str) -> str:
    return english.spell(letter) if language == "en" else spell(letter)
