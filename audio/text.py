"""The sentence spoken for a call. Pure functions, no I/O, no config.

    sentence(SpokenCall(prefix="A", digits="123", counter="Loket 3", service="KTP"), voice)
    -> "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga."

The server reads its config and parses the ticket number (`display_server.announce.spoken_call`);
the voice gets the number's parts and the names, and only puts them into words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .call import SpokenCall
from .dictionary import Dictionary, for_voice, speakable
from .letters import spell
from .numbers import digits, words

if TYPE_CHECKING:  # the model needs pydantic; the voice only reads its fields
    from .settings import Voice

_PLACEHOLDER = re.compile(r"{(nomor|tujuan|layanan|loket)}")


def spoken_number(prefix: str, digits_: str, voice: Voice) -> str:
    """("A", "007") -> "a tujuh" in words mode, "a nol nol tujuh" in digits mode."""
    if voice.number_mode == "digits":
        value = digits(digits_, voice.zero_word)
    else:
        value = words(int(digits_))
    return f"{spell(prefix)} {value}" if prefix else value


def destination(call: SpokenCall, voice: Voice, counter: str, dictionary: Dictionary) -> str:
    """{tujuan}: the counter, or with `destination = "booth"` the agency's booth when it has one."""
    booth = call.booth_spoken or call.booth
    if voice.destination == "booth" and booth:
        return speakable(booth, dictionary)
    return counter


def sentence(call: SpokenCall, voice: Voice) -> str:
    """The exact text spoken for CALL (see module docstring)."""
    dictionary = for_voice(voice.dictionary)
    # "Loket 12" -> "loket dua belas"; the hall's own spelling (`spoken_name`) wins when set.
    loket = speakable(call.counter_spoken or call.counter, dictionary)
    values = {
        "nomor": spoken_number(call.prefix, call.digits, voice),
        "tujuan": destination(call, voice, loket, dictionary),
        "layanan": speakable(call.service_spoken or call.service, dictionary),
        "loket": loket,
    }
    template = voice.recall_template if call.recall else voice.template
    return compose(template, values, dictionary, repeat_joiner=voice.repeat_joiner if voice.repeat else None)


def compose(template: str, values: dict[str, str], dictionary: Dictionary, *, repeat_joiner: str | None) -> str:
    """TEMPLATE filled with VALUES; said twice, joined by REPEAT_JOINER, when one is given."""
    first = render(template, values, dictionary)
    if repeat_joiner is None:
        return first
    again = render(_repeated_part(template), values, dictionary)
    joiner = repeat_joiner.strip().rstrip(",.")
    return f"{_terminated(first)} {_capitalised(joiner)}, {_decapitalised(again)}"


def render(template: str, values: dict[str, str], dictionary: Dictionary) -> str:
    """Fill the placeholders; the template's own words go through the dictionary too."""
    out: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(dictionary.replace(template[pos : match.start()]))
        out.append(values[match.group(1)])
        pos = match.end()
    out.append(dictionary.replace(template[pos:]))
    return _tidy("".join(out))


def _repeated_part(template: str) -> str:
    """The template from the clause holding {nomor} on: a lead-in such as "Panggilan ulang,"
    is said once, the number and destination twice."""
    at = template.find("{nomor}")
    if at < 0:
        return template
    cut = max(template.rfind(p, 0, at) for p in ",.;:!?")
    return template[cut + 1 :]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    text = re.sub(r",(?:\s*,)+", ",", text)  # an empty placeholder leaves ", ,"
    text = re.sub(r",\s*([.?!])", r"\1", text)
    return text.lstrip(", ")


def _terminated(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text.rstrip(",") + "."


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decapitalised(text: str) -> str:
    # Leave acronyms alone ("BPJS ..."), lower only an ordinary capitalised first word.
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
