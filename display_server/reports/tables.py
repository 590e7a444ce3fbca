"""The reports' tables, as pure functions of the config and the store's rows.

Each table is computed here once; the page, the API, and the XLSX, CSV and PDF files render
what these return, so they always agree (docs/reports.md defines every figure).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..config import Config
from ..figures import percentile, service_level, share
from ..indonesian import DAYS, MONTHS
from ..store import DeskDay, Event, VisitCount

Only = Collection[str] | None  # the services a report is narrowed to (None: all of its agencies')
MAX_DAYS = 366 + 31  # a report covers at most about a year
DAILY_UP_TO = 31  # a recap of up to a month has a column per day; a longer one, per month


@dataclass(frozen=True)
class Column:
    """One column of the recap: a day, or a month of a long period."""

    label: str
    first: date
    last: date


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("'to' is before 'from'")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def columns(self) -> list[Column]:
        days = self.days
        if len(days) <= DAILY_UP_TO:
            one_month = self.first.month == self.last.month
            return [Column(str(d.day) if one_month else f"{d.day}/{d.month}", d, d) for d in days]
        months: dict[tuple[int, int], list[date]] = {}
        for day in days:
            months.setdefault((day.year, day.month), []).append(day)
        return [Column(f"{MONTHS[m - 1][:3]} {y}", ds[0], ds[-1]) for (y, m), ds in months.items()]

    def label(self) -> str:
        """`1-31 Desember 2026`, `1 November 2026 - 31 Januari 2027`."""
        first, last = self.first, self.last
        if (first.year, first.month) == (last.year, last.month):
            days = f"{first.day}" if first == last else f"{first.day}-{last.day}"
            return f"{days} {MONTHS[first.month - 1]} {first.year}"
        return f"{first.day} {MONTHS[first.month - 1]} {first.year} - {last.day} {MONTHS[last.month - 1]} {last.year}"

    def as_json(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


# --- 1. the recap matrix -------------------------------------------------------------------


@dataclass
class RecapRow:
    service: str
    name: str
    counts: list[int]  # one per column

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class RecapAgency:
    agency: str
    name: str
    rows: list[RecapRow]
    width: int  # columns

    @property
    def counts(self) -> list[int]:
        return [sum(r.counts[i] for r in self.rows) for i in range(self.width)]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


@dataclass
class Recap:
    """Rekap Jumlah Pemohon: issued tickets, agency -> service rows by days (by months for a
    period longer than a month), agency subtotals and totals."""

    period: Period
    columns: list[Column]
    agencies: list[RecapAgency]

    @property
    def counts(self) -> list[int]:
        return [sum(a.counts[i] for a in self.agencies) for i in range(len(self.columns))]

    @property
    def total(self) -> int:
        return sum(a.total for a in self.agencies)

    def as_json(self) -> dict:
        return {
            **self.period.as_json(),
            "columns": [
                {"label": c.label, "from": c.first.isoformat(), "to": c.last.isoformat()} for c in self.columns
            ],
            "agencies": [
                {
                    "agency": a.agency,
                    "name": a.name,
                    "services": [
                        {"service": r.service, "name": r.name, "counts": r.counts, "total": r.total} for r in a.rows
                    ],
                    "counts": a.counts,
                    "total": a.total,
                }
                for a in self.agencies
            ],
            "counts": self.counts,
            "total": self.total,
        }


def issued(count: VisitCount) -> bool:
    """A ticket taken: its first visit, its slip printed (docs/reports.md)."""
    return count.first and count.outcome not in ("cancelled", "pending")


def recap(
    config: Config, counts: Iterable[VisitCount], period: Period, agencies: Sequence[str], only: Only = None
) -> Recap:
    columns = period.columns()
    column_of = {day: i for i, c in enumerate(columns) for day in Period(c.first, c.last).days}
    cells: dict[str, list[int]] = defaultdict(lambda: [0] * len(columns))
    for count in counts:
        if issued(count) and count.service_date in column_of:
            cells[count.service][column_of[count.service_date]] += count.count
    blocks = []
    for agency_id in agencies:
        agency = config.agency(agency_id)
        if agency is None:
            continue
        rows = [
            RecapRow(s.id, s.name, list(cells[s.id]))
            for s in config.services
            if s.agency == agency_id and (only is None or s.id in only)
        ]
        blocks.append(RecapAgency(agency.id, agency.name, rows, len(columns)))
    return Recap(period, columns, blocks)


# --- 2. per agency and service -------------------------------------------------------------


SERVICE_FIELDS = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "transferred_in",
    "transferred_out",
    "priority_share",
    "wait_p50_seconds",
    "wait_p90_seconds",
    "wait_max_seconds",
    "service_p50_seconds",
    "service_p90_seconds",
    "service_level",
    "target_wait_minutes",
)


@dataclass
class Samples:
    """What a total's figures are computed from: counts, every wait and service time, and how
    many waits were within their service's target. Halls' samples add up to a regency's."""

    tally: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    waits: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    within: int = 0

    def __add__(self, other: Samples) -> Samples:
        tally: dict[str, int] = defaultdict(int)
        for key in (*self.tally, *other.tally):
            tally[key] = self.tally.get(key, 0) + other.tally.get(key, 0)
        return Samples(tally, self.waits + other.waits, self.times + other.times, self.within + other.within)

    def figures(self) -> dict:
        totals = _service_figures(self.tally, self.waits, self.times, None)
        totals["service_level"] = share(self.within, len(self.waits))
        return totals


def service_rows(
    config: Config,
    counts: Iterable[VisitCount],
    durations: Iterable[tuple[str, float | None, float | None]],
    agencies: Sequence[str],
    only: Only = None,
) -> tuple[list[dict], Samples]:
    """Each service's figures, and the samples of their total."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for count in counts:
        row = tally[count.service]
        if issued(count):
            row["issued"] += count.count
            row["priority"] += count.count if count.priority else 0
        if count.outcome in ("served", "no_show", "transferred"):
            row[{"transferred": "transferred_out"}.get(count.outcome, count.outcome)] += count.count
        if count.first and count.outcome == "cancelled":
            row["cancelled"] += count.count
        if not count.first:
            row["transferred_in"] += count.count
    waits: dict[str, list[float]] = defaultdict(list)
    service_times: dict[str, list[float]] = defaultdict(list)
    for service_id, wait, served in durations:
        if wait is not None:
            waits[service_id].append(wait)
        if served is not None:
            service_times[service_id].append(served)
    rows = []
    for service in (s for s in config.services if s.agency in agencies and (only is None or s.id in only)):
        rows.append(
            {
                "service": service.id,
                "name": service.name,
                "agency": service.agency,
                **_service_figures(tally[service.id], waits[service.id], service_times[service.id],
                                   config.target_wait_minutes(service)),
            }
        )  # fmt: skip
    total = Samples(
        waits=[w for s in rows for w in waits[s["service"]]],
        times=[t for s in rows for t in service_times[s["service"]]],
        within=sum(1 for s in rows for w in waits[s["service"]] if w <= s["target_wait_minutes"] * 60),
    )
    for service_row in rows:
        for key in ("issued", "served", "no_show", "cancelled", "transferred_in", "transferred_out"):
            total.tally[key] += service_row[key]
    total.tally["priority"] = sum(tally[s["service"]]["priority"] for s in rows)
    return rows, total


def _service_figures(tally: dict[str, int], waits: list[float], times: list[float], target: int | None) -> dict:
    waits, times = sorted(waits), sorted(times)
    return {
        "issued": tally["issued"],
        "served": tally["served"],
        "no_show": tally["no_show"],
        "cancelled": tally["cancelled"],
        "transferred_in": tally["transferred_in"],
        "transferred_out": tally["transferred_out"],
        "priority_share": share(tally["priority"], tally["issued"]),
        "wait_p50_seconds": percentile(waits, 50, presorted=True),
        "wait_p90_seconds": percentile(waits, 90, presorted=True),
        "wait_max_seconds": round(waits[-1]) if waits else None,
        "service_p50_seconds": percentile(times, 50, presorted=True),
        "service_p90_seconds": percentile(times, 90, presorted=True),
        "service_level": service_level(waits, target) if target is not None else None,
        "target_wait_minutes": target,
    }


# --- 4. hours and 5. channels --------------------------------------------------------------


def hours(arrivals: Iterable[tuple[int, int, float | None]]) -> dict:
    """Arrivals and the median wait by local weekday (0 = Monday) and hour."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    waits: dict[tuple[int, int], list[float]] = defaultdict(list)
    for weekday, hour, wait in arrivals:
        counts[weekday, hour] += 1
        if wait is not None:
            waits[weekday, hour].append(wait)
    used = sorted({hour for _, hour in counts}) or list(range(8, 16))
    hour_range = list(range(min(used), max(used) + 1))
    return {
        "hours": hour_range,
        "weekdays": list(DAYS),
        "arrivals": [[counts.get((d, h), 0) for h in hour_range] for d in range(7)],
        "wait_p50_seconds": [[percentile(waits.get((d, h), []), 50) for h in hour_range] for d in range(7)],
    }


CHANNEL_NAMES = {"kiosk": "Kiosk", "booking": "Booking online"}


def channels(
    counts: Iterable[VisitCount], services: set[str], bookings: Iterable[tuple[str, str, int]] = ()
) -> list[dict]:
    """Issued tickets by how they were taken; for online booking also its bookings by outcome
    (an expired booking is a booking no-show: docs/reports.md)."""
    by_channel: dict[str, int] = defaultdict(int)
    for count in counts:
        if issued(count) and count.service in services:
            by_channel[count.channel] += count.count
    booked: dict[str, int] = defaultdict(int)
    for service, status, n in bookings:
        if service in services:
            booked[status] += n
    if booked:
        by_channel.setdefault("booking", 0)
    total = sum(by_channel.values())
    rows = []
    for channel, n in sorted(by_channel.items()):
        row: dict = {
            "channel": channel,
            "name": CHANNEL_NAMES.get(channel, channel),
            "issued": n,
            "share": share(n, total),
        }
        if channel == "booking":
            row["bookings"] = {
                status: booked.get(status, 0) for status in ("booked", "checked_in", "cancelled", "expired")
            }
        rows.append(row)
    return rows


# --- 3. per counter and per officer ---------------------------------------------------------

DESK_EVENT_KINDS = ("signed_in", "signed_out", "paused", "opened", "closed")


@dataclass
class DeskTime:
    """Seconds a counter (or an officer at it) spent in each state, and what it did."""

    served: int = 0
    no_show: int = 0
    service_times: list[float] = field(default_factory=list)
    open: float = 0.0
    paused: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    closed: float = 0.0
    serving: float = 0.0

    def as_json(self) -> dict:
        return {
            "served": self.served,
            "no_show": self.no_show,
            "service_p50_seconds": percentile(self.service_times, 50),
            "open_seconds": round(self.open),
            "paused_seconds": round(sum(self.paused.values())),
            "paused_by_reason": {reason: round(s) for reason, s in sorted(self.paused.items())},
            "closed_seconds": round(self.closed),
            "serving_seconds": round(self.serving),
            "idle_seconds": round(max(0.0, self.open - self.serving)),
        }


def desk_times(
    config: Config,
    days: Iterable[DeskDay],
    service_times: Iterable[tuple[str, str | None, float]],
    events: Iterable[Event],
    service_ids: Collection[str],
) -> dict:
    """Per counter and per officer: served, service time p50, open / paused / idle (docs/reports.md),
    for the counters that serve any of SERVICE_IDS."""
    counters = [c for c in config.counters if set(c.services) & set(service_ids)]
    wanted = {c.id for c in counters}
    per_counter: dict[str, DeskTime] = defaultdict(DeskTime)
    per_officer: dict[str, DeskTime] = defaultdict(DeskTime)
    spans: dict[tuple[str, date], list[datetime]] = defaultdict(list)
    for day in days:
        if day.counter not in wanted:
            continue
        for tally in (per_counter[day.counter], *([per_officer[day.officer]] if day.officer else [])):
            tally.served += day.served
            tally.no_show += day.no_show
            tally.serving += day.serving_seconds
        spans[day.counter, day.service_date] += [day.began, day.ended]
    for counter_id, officer, seconds in service_times:
        if counter_id in wanted:
            per_counter[counter_id].service_times.append(seconds)
            if officer:
                per_officer[officer].service_times.append(seconds)
    by_day: dict[tuple[str, date], list[Event]] = defaultdict(list)
    for event in events:
        if event.counter in wanted:
            by_day[event.counter, date.fromisoformat(event.data["service_date"])].append(event)
    for key in set(spans) | set(by_day):
        day_events = sorted(by_day.get(key, []), key=lambda e: e.seq)
        _split_the_day(spans.get(key, []), day_events, per_counter[key[0]], per_officer)
    return {
        "counters": [
            {"counter": c.id, "name": c.name, **per_counter[c.id].as_json()} for c in counters if c.id in per_counter
        ],
        "officers": [
            {"officer": m.id, "name": m.name, **per_officer[m.id].as_json()}
            for m in config.staff
            if m.id in per_officer
        ],
    }


def _split_the_day(
    moments: list[datetime], events: list[Event], counter: DeskTime, officers: dict[str, DeskTime]
) -> None:
    """Walk one counter's day from its first activity to its last, adding each stretch of time
    to its state (open, paused by reason, closed), for the counter and the officer signed in."""
    moments = moments + [e.at for e in events]
    if not moments:
        return
    cursor, end = min(moments), max(moments)
    state, reason = "open", None
    officer = events[0].officer if events and events[0].kind != "signed_in" else None
    for event in [*events, None]:
        until = event.at if event is not None else end
        if until > cursor:
            seconds = (until - cursor).total_seconds()
            _add_state(counter, state, reason, seconds)
            if officer is not None:
                _add_state(officers[officer], state, reason, seconds)
            cursor = until
        if event is None:
            break
        if event.kind == "paused":
            state, reason = "paused", event.data.get("reason") or "?"
        elif event.kind in ("opened", "closed"):
            state, reason = ("open" if event.kind == "opened" else "closed"), None
        elif event.kind == "signed_in":
            officer = event.officer
        elif event.kind == "signed_out":
            officer = None


def _add_state(tally: DeskTime, state: str, reason: str | None, seconds: float) -> None:
    if state == "open":
        tally.open += seconds
    elif state == "paused":
        tally.paused[reason or "?"] += seconds
    else:
        tally.closed += seconds
