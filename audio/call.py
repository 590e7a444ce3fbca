"""What the voice needs to say one call: built by the server from its config, spoken here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpokenCall:
    """One call, as the voice reads it.

    The names are as configured; `*_spoken` are the hall's own spellings for the voice
    (`spoken_name`, `spoken_booth`) and win over the written ones when set.
    """

    prefix: str  # "A", "PID", or "" for a bare number
    digits: str  # as printed, zero padding kept: "007"
    counter: str  # "Loket 3"
    service: str  # "Perekaman KTP-el"
    counter_spoken: str | None = None
    service_spoken: str | None = None
    booth: str | None = None  # the agency's booth: "Gerai BPJS Kesehatan"
    booth_spoken: str | None = None
    recall: bool = False

    @property
    def value(self) -> int:
        return int(self.digits)
