"""Estimated waiting time from the day's recent service times. Pure: tickets are passed in.

    per_visitor = typical_service_seconds(tickets, "ktp")      # median of the last N services
    at_work = staffed_counters(tickets, "ktp", now)             # counters that called lately
    wait = estimated_wait_seconds(ahead=4, per_visitor=per_visitor, counters=len(at_work) or 2)

A median resists the outliers halls see every day (a visitor who takes 40 minutes, a
ticket finished a second after its call because the visitor was already at the counter).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from statistics import median

from .tickets import Status, Ticket

DEFAULT_SERVICE_SECONDS = 300.0  # before the day has enough served tickets to measure
RECENT_SERVICES = 20
MIN_SAMPLES = 3
SHORTEST_PLAUSIBLE = 15.0  # seconds; shorter "services" are mis-clicks or auto-finishes, not service
STAFFED_WINDOW = timedelta(minutes=30)  # longer than one visitor's service, shorter than a break


def service_durations(tickets: Iterable[Ticket], service_id: str, limit: int = RECENT_SERVICES) -> list[float]:
    """Seconds from call to finish of the latest `limit` served tickets of this service."""
    spans = sorted(
        (t.finished_at, t.called_at)
        for t in tickets
        if t.service == service_id and t.status == Status.SERVED and t.called_at and t.finished_at
    )
    durations = [(finished - called).total_seconds() for finished, called in spans[-limit:]]
    return [d for d in durations if d >= SHORTEST_PLAUSIBLE]


def typical_service_seconds(
    tickets: Iterable[Ticket], service_id: str, default: float = DEFAULT_SERVICE_SECONDS
) -> float:
    durations = service_durations(tickets, service_id)
    return median(durations) if len(durations) >= MIN_SAMPLES else default


def staffed_counters(
    tickets: Iterable[Ticket], service_id: str, now: datetime, window: timedelta = STAFFED_WINDOW
) -> set[str]:
    """Counters that called a ticket of this service within `window` before `now`.

    Halls rarely staff every counter they have, so dividing by the configured counters
    promised visitors too short a wait. Empty at the start of the day: callers fall back
    to the configured counters.
    """
    since = now - window
    return {
        t.counter
        for t in tickets
        if t.service == service_id and t.counter and t.called_at is not None and since <= t.called_at <= now
    }


def estimated_wait_seconds(ahead: int, per_visitor: float, counters: int) -> float:
    """Counters work in parallel: `ahead` visitors take ahead × per_visitor / counters."""
    if ahead <= 0:
        return 0.0
    return ahead * per_visitor / max(counters, 1)


def wait_minutes(seconds: float) -> int:
    """Whole minutes, rounded up, as shown to visitors (0 means "segera")."""
    return math.ceil(seconds / 60) if seconds > 0 else 0
