"""Estimated waiting time: pure, from the day's served tickets."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from display_server.engine import Status, Ticket
from display_server.engine.estimate import (
    DEFAULT_SERVICE_SECONDS,
    estimated_wait_seconds,
    service_durations,
    typical_service_seconds,
    wait_minutes,
)

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)


def served(n: int, seconds: float, service: str = "ktp", status: Status = Status.SERVED) -> Ticket:
    called = T0 + timedelta(minutes=10 * n)
    return Ticket(
        id=f"t{n}", service_date=date(2026, 11, 26), origin_service=service, service=service, sequence=n,
        number=f"A-{n:03d}", priority=False, status=status, issued_at=T0, token=f"tok{n}", queued_at=T0,
        called_at=called, finished_at=called + timedelta(seconds=seconds),
    )


def test_median_of_recent_services_resists_an_outlier():
    tickets = [served(1, 240), served(2, 300), served(3, 2400), served(4, 180), served(5, 360)]
    assert typical_service_seconds(tickets, "ktp") == 300


def test_default_until_there_are_enough_samples():
    assert typical_service_seconds([served(1, 60), served(2, 60)], "ktp") == DEFAULT_SERVICE_SECONDS


def test_only_this_services_served_tickets_count():
    tickets = [served(1, 100, "kk"), served(2, 100, status=Status.NO_SHOW), served(3, 5)]  # 5 s: a mis-click
    assert service_durations(tickets, "ktp") == []


def test_only_the_latest_n_are_used():
    tickets = [served(i, 600) for i in range(1, 11)] + [served(i, 120) for i in range(11, 31)]
    assert typical_service_seconds(tickets, "ktp") == 120


def test_wait_divides_by_counters_and_rounds_up_to_minutes():
    assert estimated_wait_seconds(4, 300, 2) == 600
    assert wait_minutes(estimated_wait_seconds(3, 100, 2)) == 3  # 150 s -> 3 minutes
    assert estimated_wait_seconds(0, 300, 2) == 0
    assert estimated_wait_seconds(5, 60, 0) == 300  # no counter configured: as if one
