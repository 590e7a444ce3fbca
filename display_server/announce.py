"""What the hall asks of the voice, and the spoken call it hands over.

The hall builds a `SpokenCall` from its config (names, booth, the number's parts), asks the
voice for the sentence and the WAV's key (both pure and cheap), commits and publishes the
call, and only then asks the voice to make the WAV. The voice (`antrian_voice`) never reads
the server's config or engine.

`antrian_voice.Announcer` is the real implementation (speech worker, chime, cache);
`TextAnnouncer` is the fallback when speech cannot start: screens still show the call and
its sentence, without audio.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from antrian_voice.call import SpokenCall
from antrian_voice.prewarm import Upcoming
from antrian_voice.settings import Voice
from antrian_voice.text import sentence

from .config import Config, Counter, Service
from .contract import parse_number

__all__ = [
    "Announcer",
    "SpokenCall",
    "TextAnnouncer",
    "UnknownCall",
    "Upcoming",
    "prewarm_plan",
    "spoken_call",
    "upcoming_calls",
]


class Announcer(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def set_voice(self, voice: Voice) -> None: ...
    def sentence(self, call: SpokenCall) -> str:
        """The exact words for a call (pure)."""

    def key(self, text: str) -> str:
        """The WAV's key for `text` (pure, a hash); '' when there is no audio."""

    def announce(self, text: str) -> None:
        """Make the WAV for an already committed call, soon; never blocks. Call it before the
        next `await` after publishing: `wav(key)` waits only for a key already announced."""

    def prewarm(self, upcoming: Upcoming) -> None:
        """Replace the plan of calls likely next; they are synthesised only while idle.
        UPCOMING is called later, in the voice's own thread (see `prewarm_plan`)."""

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None: ...


class TextAnnouncer:
    """No speech: the sentence is still built (screens show it), no WAV is ever made."""

    def __init__(self, voice: Voice):
        self.voice = voice

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def set_voice(self, voice: Voice) -> None:
        self.voice = voice

    def sentence(self, call: SpokenCall) -> str:
        return sentence(call, self.voice)

    def key(self, text: str) -> str:
        return ""

    def announce(self, text: str) -> None:
        pass

    def prewarm(self, upcoming: Upcoming) -> None:
        pass

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None:
        return None


class UnknownCall(ValueError):
    """A call that cannot be put into words: not a ticket number, unknown counter or service."""


def spoken_call(
    config: Config, number: str, counter_id: str, *, service_id: str | None = None, recall: bool = False
) -> SpokenCall:
    """The call of NUMBER to COUNTER_ID, with the names the voice needs from the config."""
    counter = config.counter(counter_id)
    if counter is None:
        raise UnknownCall(f"unknown counter {counter_id!r}")
    parsed = parse_number(number)
    if parsed is None:
        raise UnknownCall(f"not a ticket number: {number!r} (expected up to 3 letters and up to 9 digits, e.g. A-123)")
    service = _service_for(config, parsed.prefix, counter, service_id)
    agency = config.agency(service.agency)
    return SpokenCall(
        prefix=parsed.prefix,
        digits=parsed.digits,
        counter=counter.name,
        counter_spoken=counter.spoken_name,
        service=service.name,
        service_spoken=service.spoken_name,
        booth=agency.booth if agency else None,
        booth_spoken=agency.spoken_booth if agency else None,
        recall=recall,
    )


def _service_for(config: Config, prefix: str, counter: Counter, service_id: str | None) -> Service:
    """The explicit service, else the one whose prefix the ticket carries, else the counter's first."""
    if service_id is not None:
        service = config.service(service_id)
        if service is None:
            raise UnknownCall(f"unknown service {service_id!r}")
        return service
    served = [s for s in (config.service(sid) for sid in counter.services) if s is not None]
    by_prefix = [s for s in served if s.prefix == prefix] or [s for s in config.services if s.prefix == prefix]
    if by_prefix:
        return by_prefix[0]
    if served:
        return served[0]
    raise UnknownCall(f"counter {counter.id!r} serves no known service")


def upcoming_calls(config: Config, next_numbers: Mapping[str, str], ahead: int) -> Iterator[SpokenCall]:
    """The calls likely next, most likely first: each service's next AHEAD numbers at each counter
    serving it. NEXT_NUMBERS maps a service id to its next number as printed ("A-009").
    Lazy: the voice draws from it only while idle."""
    pairs = [(s, c) for c in config.counters for sid in c.services if (s := config.service(sid))]
    for step in range(ahead):
        for service, counter in pairs:
            start = parse_number(next_numbers.get(service.id, ""))
            if start is None:
                continue
            try:
                call = spoken_call(config, str(start.after(step)), counter.id, service_id=service.id)
            except UnknownCall:  # past the grammar's 9 digits
                continue
            yield call


def prewarm_plan(config: Config, next_numbers: Mapping[str, str], ahead: int) -> Upcoming:
    """What to hand to `Announcer.prewarm`: NEXT_NUMBERS is copied now, on the event loop, because
    the voice walks the plan later in its own thread. Cheap: no sentence is built here."""
    snapshot = dict(next_numbers)
    return lambda: upcoming_calls(config, snapshot, ahead)
