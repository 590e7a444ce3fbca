"""Reports a hall must deliver: the recap, services, counters and officers, hours, channels.

    book = await build(store, config, Period(first, last), agencies)
    book.recap, book.services, ...

`tables` computes each table once, purely; `build` reads the rows it needs from the store.
The page, the API and every file format render a `Book`, so they always show the same
numbers. docs/reports.md defines each figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from ..config import Config
from ..store import Store
from .tables import DESK_EVENT_KINDS, Only, Period, Recap, Samples, channels, desk_times, hours, recap, service_rows

__all__ = ["Book", "Only", "Period", "Recap", "build", "build_recap"]


@dataclass
class Book:
    """Every report of one period, for the agencies one person may see."""

    site: str
    period: Period
    agencies: list[str]
    recap: Recap
    services: dict
    desks: dict
    hours: dict
    channels: list[dict]
    samples: Samples = field(default_factory=Samples)  # what the services' totals come from

    @property
    def totals(self) -> dict:
        return self.services["totals"]

    def as_json(self) -> dict:
        return {
            "site": self.site,
            **self.period.as_json(),
            "agencies": self.agencies,
            "recap": self.recap.as_json(),
            "services": self.services,
            "counters": self.desks["counters"],
            "officers": self.desks["officers"],
            "hours": self.hours,
            "channels": self.channels,
        }


async def build_recap(store: Store, config: Config, period: Period, agencies: list[str], only: Only = None) -> Recap:
    return recap(config, await store.visit_counts(period.first, period.last), period, agencies, only)


async def build(store: Store, config: Config, period: Period, agencies: list[str], only: Only = None) -> Book:
    """Every report of PERIOD for AGENCIES, narrowed to the services ONLY when given."""
    first, last = period.first, period.last
    counts = await store.visit_counts(first, last)
    durations = await store.visit_durations(first, last)
    arrivals = await store.arrivals_by_hour(first, last, utc_offset_minutes(config.site.zone_info, first))
    desk_days = await store.desk_days(first, last)
    desk_service_times = await store.desk_service_times(first, last)
    events = await store.events_between(first, last, DESK_EVENT_KINDS)
    bookings = await store.booking_counts(first, last)
    service_ids = {s.id for s in config.services if s.agency in agencies and (only is None or s.id in only)}
    rows, samples = service_rows(config, counts, durations, agencies, only)
    return Book(
        site=config.site.name,
        period=period,
        agencies=agencies,
        recap=recap(config, counts, period, agencies, only),
        services={**period.as_json(), "services": rows, "totals": samples.figures()},
        desks=desk_times(config, desk_days, desk_service_times, events, service_ids),
        hours=hours((weekday, hour, wait) for service, weekday, hour, wait in arrivals if service in service_ids),
        channels=channels(counts, service_ids, bookings),
        samples=samples,
    )


def utc_offset_minutes(zone: ZoneInfo, day: date) -> int:
    """The hall's offset from UTC on DAY (fixed for Indonesia's zones: no daylight saving time)."""
    offset = datetime.combine(day, time(12), zone).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
