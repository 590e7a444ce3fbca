"""Booking through the hall's write path, with a hand-set clock: expiry at the window's end
(a booking no-show in the reports) and the check-in across the hall's local midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import CommandError, Hall
from display_server.hub import Hub
from display_server.reports import Period, build
from tests.reports.conftest import Clock
from tests.support.hall_config import test_config_text

SESSIONS = 'prefix = "B"\nbooking = { days_ahead = 2, sessions = [{ start = 08:00:00, end = 10:00:00, quota = 3 }] }\n'


@pytest.fixture
async def hall(store_factory):
    config = parse_config(test_config_text().replace('prefix = "B"\n', SESSIONS, 1))
    store = store_factory()
    await store.open()
    clock = Clock()
    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice), clock)
    hall.clock_for_test = clock
    await hall.start()
    yield hall
    await store.close()


def at(hall, day: int, hour: int, minute: int = 0) -> None:
    """The hall's clock at HOUR:MINUTE WITA on DAY December (WITA is UTC+8)."""
    utc_hour = hour - 8
    hall.clock_for_test.now = datetime(2026, 12, day + (utc_hour < 0) * -1, utc_hour % 24, minute, tzinfo=UTC)


async def test_a_booking_not_checked_in_expires_at_the_end_of_its_window_and_is_a_no_show(hall):
    at(hall, 2, 7)
    booking = await hall.book("kk", date(2026, 12, 2), time(8), holder="h", phone=None)
    at(hall, 2, 10, 15)  # the window ends 15 minutes after the session (the default)
    assert await hall.expire_bookings() == 0
    at(hall, 2, 10, 16)
    assert await hall.expire_bookings() == 1
    with pytest.raises(CommandError) as refused:
        await hall.check_in(booking.code)
    assert refused.value.code == "too_late"
    book = await build(hall.store, hall.config, Period(date(2026, 12, 2), date(2026, 12, 2)), ["dukcapil"])
    [booked] = [c for c in book.channels if c["channel"] == "booking"]
    assert booked["bookings"] == {"booked": 0, "checked_in": 0, "cancelled": 0, "expired": 1}


async def test_a_booking_checks_in_on_its_own_local_date_across_midnight(hall):
    at(hall, 2, 23, 50)
    booking = await hall.book("kk", date(2026, 12, 3), time(8), holder="h", phone=None)
    with pytest.raises(CommandError) as refused:
        await hall.check_in(booking.code)  # 23:50 WITA on the 2nd: still the day before
    assert refused.value.code == "other_day"
    at(hall, 3, 7, 45)  # 07:45 WITA on the 3rd is 23:45 UTC on the 2nd: the hall's date is the 3rd
    reply = await hall.check_in(booking.code)
    ticket = reply["ticket"]
    assert ticket["service_date"] == "2026-12-03" and ticket["channel"] == "booking"
    assert ticket["booked_for"] == datetime(2026, 12, 3, 0, 0, tzinfo=UTC).isoformat()  # 08:00 WITA


async def test_an_early_check_in_waits_behind_walk_ins_who_came_before_its_session(hall):
    at(hall, 2, 7)
    booking = await hall.book("kk", date(2026, 12, 2), time(8), holder="h", phone=None)
    at(hall, 2, 7, 35)
    first = await hall.issue("kk")
    at(hall, 2, 7, 40)
    booked = await hall.check_in(booking.code)  # early: it stands as if it came at 08:00
    at(hall, 2, 7, 50)
    second = await hall.issue("kk")
    at(hall, 2, 8, 5)
    third = await hall.issue("kk")
    order = [t.number for t in hall.state.waiting(["kk"])]
    assert order == [first["ticket"]["number"], second["ticket"]["number"], booked["ticket"]["number"],
                     third["ticket"]["number"]]  # fmt: skip
