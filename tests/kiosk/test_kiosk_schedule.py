"""Hours, quotas, breaks, holidays and the service date at the edges, with the time passed in."""

from __future__ import annotations

import contextlib
import tomllib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from display_server.announce import TextAnnouncer
from display_server.config.model import Break, Config, Schedule
from display_server.engine import availability
from display_server.hall import CommandError, Hall
from display_server.hub import Hub
from display_server.store import SqliteStore
from tests.kiosk.conftest import in_own_loop
from tests.support.hall_config import test_config_text

WITA = ZoneInfo("Asia/Makassar")
# Friday 27 November 2026; 17 August 2026 is a Monday (Independence Day).
SCHEDULE = Schedule(
    days=["mon", "tue", "wed", "thu", "fri"],
    open=time(8, 0),
    close=time(15, 0),
    issue_cutoff=time(14, 30),
    breaks=[Break(days=["fri"], start=time(11, 30), end=time(13, 0), reason="Istirahat salat Jumat")],
    holidays=[date(2026, 8, 17)],
)


def at(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=WITA)


FRIDAY = date(2026, 11, 27)
THURSDAY = date(2026, 11, 26)


def test_open_one_minute_before_cutoff_and_closed_at_it():
    assert availability(SCHEDULE, at(THURSDAY, 14, 29), WITA, 0, None).open
    closed = availability(SCHEDULE, at(THURSDAY, 14, 30), WITA, 0, None)
    assert (closed.open, closed.code) == (False, "closed")
    assert closed.reason == "Pengambilan nomor sudah ditutup untuk hari ini"


def test_closing_time_is_the_edge_without_a_cutoff():
    schedule = SCHEDULE.model_copy(update={"issue_cutoff": None})
    assert availability(schedule, at(THURSDAY, 14, 59), WITA, 0, None).open
    assert availability(schedule, at(THURSDAY, 15, 0), WITA, 0, None).code == "closed"


def test_one_minute_before_opening_says_when_it_opens():
    early = availability(SCHEDULE, at(THURSDAY, 7, 59), WITA, 0, None)
    assert (early.open, early.code, early.reason) == (False, "not_open_yet", "Belum buka, dibuka pukul 08:00")
    assert availability(SCHEDULE, at(THURSDAY, 8, 0), WITA, 0, None).open


def test_friday_break_edges():
    assert availability(SCHEDULE, at(FRIDAY, 11, 29), WITA, 0, None).open
    pause = availability(SCHEDULE, at(FRIDAY, 11, 30), WITA, 0, None)
    assert (pause.code, pause.reason) == ("break", "Istirahat salat Jumat, dibuka kembali pukul 13:00")
    assert availability(SCHEDULE, at(FRIDAY, 12, 59), WITA, 0, None).code == "break"
    assert availability(SCHEDULE, at(FRIDAY, 13, 0), WITA, 0, None).open
    assert availability(SCHEDULE, at(THURSDAY, 12, 0), WITA, 0, None).open  # the break is Friday only


def test_holiday_and_weekend():
    holiday = availability(SCHEDULE, at(date(2026, 8, 17), 10, 0), WITA, 0, None)
    assert (holiday.code, holiday.reason) == ("holiday", "Tutup: hari libur")
    assert availability(SCHEDULE, at(date(2026, 11, 28), 10, 0), WITA, 0, None).code == "closed_day"


def test_the_last_ticket_before_the_quota():
    assert availability(SCHEDULE, at(THURSDAY, 10, 0), WITA, 49, 50).open
    full = availability(SCHEDULE, at(THURSDAY, 10, 0), WITA, 50, 50)
    assert (full.code, full.reason) == ("quota_reached", "Kuota hari ini sudah habis")


def test_hours_are_the_halls_local_time_not_utc():
    # 00:30 UTC is 08:30 WITA: open. A UTC reading (00:30) would say "not open yet".
    assert availability(SCHEDULE, datetime(2026, 11, 26, 0, 30, tzinfo=UTC), WITA, 0, None).open


# --- the running hall with an injected clock ---------------------------------------------------


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def hall_config(extra_service: str = "") -> Config:
    return Config.model_validate(tomllib.loads(test_config_text(counters=2) + extra_service))


@contextlib.asynccontextmanager
async def running_hall(path: Path, config: Config, clock: Clock):
    store = SqliteStore(path / "hall.sqlite3")
    await store.open()
    try:
        hall = Hall(config, store, Hub(), TextAnnouncer(config.voice), clock)
        await hall.start()
        yield hall
    finally:
        await store.close()


@in_own_loop
async def test_quota_allows_the_last_ticket_then_refuses(tmp_path):
    clock = Clock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    async with running_hall(tmp_path, hall_config(), clock) as hall:  # service "kuota" has daily_quota = 2
        assert (await hall.issue("kuota"))["ticket"]["number"] == "Q-001"
        assert hall.service_availability("kuota").open
        assert (await hall.issue("kuota"))["ticket"]["number"] == "Q-002"  # the last one
        assert hall.service_availability("kuota").code == "quota_reached"
        with pytest.raises(CommandError) as refused:
            await hall.issue("kuota")
        assert refused.value.code == "quota_reached"


@in_own_loop
async def test_a_cancelled_pending_ticket_gives_its_quota_place_back(tmp_path):
    clock = Clock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    async with running_hall(tmp_path, hall_config(), clock) as hall:
        await hall.issue("kuota")
        pending = (await hall.issue("kuota", pending=True))["ticket"]
        assert hall.service_availability("kuota").code == "quota_reached"
        await hall.settle_pending(pending["id"], printed=False)
        assert hall.service_availability("kuota").open
        assert hall.state.waiting_count("kuota") == 1


@in_own_loop
async def test_cutoff_edge_in_the_hall(tmp_path):
    service = """
[[services]]
id = "paspor"
name = "Paspor"
agency = "dukcapil"
prefix = "P"
[services.schedule]
open = 08:00:00
close = 15:00:00
issue_cutoff = 14:30:00
"""
    clock = Clock(at(THURSDAY, 14, 29, 59).astimezone(UTC))
    async with running_hall(tmp_path, hall_config(service), clock) as hall:
        assert (await hall.issue("paspor"))["ticket"]["number"] == "P-001"
        clock.now += timedelta(seconds=1)
        with pytest.raises(CommandError) as refused:
            await hall.issue("paspor")
        assert refused.value.code == "closed"
        assert hall.service_availability("ktp").open  # the site default (around the clock) still issues


@in_own_loop
async def test_numbering_restarts_at_local_midnight_in_makassar(tmp_path):
    # 15:59 UTC is 23:59 WITA on the 26th; 16:00 UTC is 00:00 WITA on the 27th.
    # (The default schedule closes at 23:59:59, so the last second of the day does not issue.)
    clock = Clock(datetime(2026, 11, 26, 15, 58, 0, tzinfo=UTC))
    async with running_hall(tmp_path, hall_config(), clock) as hall:
        await hall.issue("ktp")
        clock.now = datetime(2026, 11, 26, 15, 59, 0, tzinfo=UTC)
        late = (await hall.issue("ktp"))["ticket"]
        assert (late["number"], late["service_date"]) == ("A-002", "2026-11-26")
        clock.now = datetime(2026, 11, 26, 16, 0, 0, tzinfo=UTC)
        first = (await hall.issue("ktp"))["ticket"]
        assert (first["number"], first["service_date"]) == ("A-001", "2026-11-27")
        assert first["id"] == "20261127-ktp-1"


@in_own_loop
async def test_quota_counts_per_service_date(tmp_path):
    clock = Clock(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    async with running_hall(tmp_path, hall_config(), clock) as hall:
        await hall.issue("kuota")
        await hall.issue("kuota")
        assert hall.service_availability("kuota").code == "quota_reached"
        clock.now = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
        await hall.refresh_day()  # what the kiosk state does before showing open/closed
        assert hall.service_availability("kuota").open
        assert (await hall.issue("kuota"))["ticket"]["number"] == "Q-001"
