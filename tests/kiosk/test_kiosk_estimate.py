"""Estimated waiting time: pure, from the day's tickets; then as the kiosk shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from display_server import views
from display_server.announce import TextAnnouncer
from display_server.app.kiosk import find_kiosk
from display_server.config import parse_config
from display_server.engine import Status, Ticket
from display_server.engine.estimate import (
    DEFAULT_SERVICE_SECONDS,
    estimated_wait_seconds,
    service_durations,
    staffed_counters,
    typical_service_seconds,
    wait_minutes,
)
from display_server.hall import Hall
from display_server.hub import Hub
from display_server.store import SqliteStore
from tests.support.hall_config import test_config_text

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def served(n: int, seconds: float, service: str = "ktp", status: Status = Status.SERVED) -> Ticket:
    called = T0 + timedelta(minutes=10 * n)
    return Ticket(
        id=f"t{n}",
        service_date=date(2026, 11, 26),
        origin_service=service,
        service=service,
        sequence=n,
        number=f"A-{n:03d}",
        priority=False,
        status=status,
        issued_at=T0,
        token=f"tok{n}",
        queued_at=T0,
        called_at=called,
        finished_at=called + timedelta(seconds=seconds),
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


def called_by(counter: str, minutes_ago: float, service: str = "ktp", n: int = 1) -> Ticket:
    return served(n, 300, service).evolve(counter=counter, called_at=T0 - timedelta(minutes=minutes_ago))


def test_counters_at_work_are_those_that_called_this_service_lately():
    tickets = [
        called_by("loket-1", 2, n=1),
        called_by("loket-1", 12, n=2),
        called_by("loket-3", 25, n=3),
        called_by("loket-5", 45, n=4),  # on a break for longer than the window
        called_by("loket-7", 1, "kk", n=5),  # another service
    ]
    assert staffed_counters(tickets, "ktp", T0) == {"loket-1", "loket-3"}


def test_no_counter_at_work_before_the_first_call_of_the_day():
    assert staffed_counters([], "ktp", T0) == set()
    assert staffed_counters([called_by("loket-1", -5)], "ktp", T0) == set()  # not yet, by the clock passed in


async def test_the_kiosk_divides_the_wait_by_the_counters_at_work(tmp_path):
    config = parse_config(test_config_text(counters=4))  # ktp is served by loket-1 and loket-3
    store = SqliteStore(tmp_path / "antrian.sqlite3")
    await store.open()
    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice))
    await hall.start()
    try:
        for i in range(5):
            await hall.issue("ktp", request_id=f"k{i}")
        assert ktp_wait_minutes(hall) == 13  # nobody has called yet: 5 x 300 s over the 2 configured
        await hall.command("loket-1", "call_next", "c1")
        assert ktp_wait_minutes(hall) == 20  # only loket-1 is at work: 4 x 300 s over 1
    finally:
        await store.close()


def ktp_wait_minutes(hall: Hall) -> int:
    config = hall.config
    availability = {s.id: hall.service_availability(s.id) for s in config.services}
    state = views.kiosk_state(config, hall.state, find_kiosk(config, None), availability, None, hall.clock())
    return next(s["wait_minutes"] for a in state["agencies"] for s in a["services"] if s["id"] == "ktp")
