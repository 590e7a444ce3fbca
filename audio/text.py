"""The sentence spoken for a call, built from the config. Pure functions, no I/O.

    sentence(config, "A-123", "loket-3")
    -> "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga."
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from display_server.config.model import Agency, Config, Counter, Service, Voice

from .dictionary import Dictionary, for_voice, speakable
from .letters import spell
from .numbers import digits, words

_NUMBER = re.compile(r"^\s*([A-Za-z]{0,3})\s*[-_./ ]?\s*(\d{1,9})\s*$")
_PLACEHOLDER = re.compile(r"{(nomor|tujuan|layanan|loket)}")


class AnnouncementError(ValueError):
    """A call that cannot be put into words: bad number, unknown counter or service."""


@dataclass(frozen=True)
class TicketNumber:
    prefix: str  # "A", "PID", or "" for a bare number
    digits: str  # as printed, zero padding kept: "007"

    @property
    def value(self) -> int:
        return int(self.digits)

    def __str__(self) -> str:
        return f"{self.prefix}{self.digits}"


def parse_number(text: str) -> TicketNumber:
    """"A-123", "A123", "a 123", "PID-12" and "123" are accepted."""
    match = _NUMBER.match(text)
    if not match:
        raise AnnouncementError(
            f"not a ticket number: {text!r} (expected up to 3 letters and up to 9 digits, e.g. A-123)"
        )
    return TicketNumber(match.group(1).upper(), match.group(2))


def spoken_number(number: TicketNumber, voice: Voice) -> str:
    """"A-007" -> "a tujuh" in words mode, "a nol nol tujuh" in digits mode."""
    if voice.number_mode == "digits":
        value = digits(number.digits, voice.zero_word)
    else:
        value = words(number.value)
    return f"{spell(number.prefix)} {value}" if number.prefix else value


def counter_destination(counter: Counter, dictionary: Dictionary) -> str:
    """"Loket 12" -> "loket dua belas"; an explicit `spoken_name` is used as written."""
    return speakable(counter.spoken_name or counter.name, dictionary)


def booth_destination(agency: Agency | None, dictionary: Dictionary) -> str | None:
    if agency is None or not (agency.spoken_booth or agency.booth):
        return None
    return speakable(agency.spoken_booth or agency.booth or "", dictionary)


def service_for(config: Config, number: TicketNumber, counter: Counter, service_id: str | None) -> Service:
    """The explicit service, else the one whose prefix the ticket carries, else the counter's first."""
    if service_id is not None:
        service = config.service(service_id)
        if service is None:
            raise AnnouncementError(f"unknown service {service_id!r}")
        return service
    served = [s for s in (config.service(sid) for sid in counter.services) if s is not None]
    by_prefix = [s for s in served if s.prefix == number.prefix] or [
        s for s in config.services if s.prefix == number.prefix
    ]
    if by_prefix:
        return by_prefix[0]
    if served:
        return served[0]
    raise AnnouncementError(f"counter {counter.id!r} serves no known service")


def sentence(
    config: Config,
    number: str,
    counter_id: str,
    *,
    service_id: str | None = None,
    recall: bool = False,
) -> str:
    """The exact text spoken for calling NUMBER to COUNTER_ID (see module docstring)."""
    voice = config.voice
    counter = config.counter(counter_id)
    if counter is None:
        raise AnnouncementError(f"unknown counter {counter_id!r}")
    ticket = parse_number(number)
    service = service_for(config, ticket, counter, service_id)
    dictionary = for_voice(voice.dictionary)

    loket = counter_destination(counter, dictionary)
    tujuan = loket
    if voice.destination == "booth":
        tujuan = booth_destination(config.agency(service.agency), dictionary) or loket
    values = {
        "nomor": spoken_number(ticket, voice),
        "tujuan": tujuan,
        "layanan": speakable(service.spoken_name or service.name, dictionary),
        "loket": loket,
    }
    template = voice.recall_template if recall else voice.template
    first = render(template, values, dictionary)
    if not voice.repeat:
        return first
    again = render(_repeated_part(template), values, dictionary)
    joiner = voice.repeat_joiner.strip().rstrip(",.")
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
