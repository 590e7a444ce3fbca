"""When a service issues tickets: local hours, cut-off, breaks, holidays, quota."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from display_server.config.model import Break, Schedule
from display_server.engine import availability, service_date

WITA = ZoneInfo("Asia/Makassar")
WEEKDAYS = Schedule(
    days=["mon", "tue", "wed", "thu", "fri"],
    open=time(8),
    close=time(15),
    issue_cutoff=time(14, 30),
    breaks=[Break(days=["fri"], start=time(11, 30), end=time(13), reason="Istirahat salat Jumat")],
    holidays=[date(2026, 12, 25)],
)


def at(local: str) -> datetime:
    """A moment given in WITA, as the server would pass it (aware, UTC)."""
    return datetime.fromisoformat(local).replace(tzinfo=WITA).astimezone(UTC)


@pytest.mark.parametrize(
    "moment, code",
    [
        ("2026-11-24 07:59", "not_open_yet"),  # Tuesday
        ("2026-11-24 08:00", ""),
        ("2026-11-24 14:29", ""),
        ("2026-11-24 14:30", "closed"),  # the issuing cut-off
        ("2026-11-27 11:29", ""),  # Friday, before the prayer break
        ("2026-11-27 11:30", "break"),
        ("2026-11-27 12:59", "break"),
        ("2026-11-27 13:00", ""),
        ("2026-11-24 11:45", ""),  # the Friday break is only on Fridays
        ("2026-11-28 10:00", "closed_day"),  # Saturday
        ("2026-12-25 10:00", "holiday"),
    ],
)
def test_opening_hours_in_local_time(moment, code):
    result = availability(WEEKDAYS, at(moment), WITA, issued_today=0, quota=None)
    assert result.code == code
    assert result.open == (code == "")


def test_closed_reasons_are_in_indonesian():
    assert availability(WEEKDAYS, at("2026-11-27 12:00"), WITA, 0, None).reason == (
        "Istirahat salat Jumat, dibuka kembali pukul 13:00"
    )
    assert "08:00" in availability(WEEKDAYS, at("2026-11-24 07:00"), WITA, 0, None).reason


def test_the_quota_allows_the_last_ticket_then_closes():
    moment = at("2026-11-24 10:00")
    assert availability(WEEKDAYS, moment, WITA, issued_today=49, quota=50).open
    result = availability(WEEKDAYS, moment, WITA, issued_today=50, quota=50)
    assert (result.open, result.code) == (False, "quota_reached")


def test_the_service_date_is_local_not_utc():
    # 07:30 WITA on the 24th is 23:30 UTC on the 23rd.
    assert service_date(at("2026-11-24 07:30"), WITA) == date(2026, 11, 24)
    assert service_date(datetime(2026, 11, 23, 15, 59, tzinfo=UTC), WITA) == date(2026, 11, 23)
    assert service_date(datetime(2026, 11, 23, 16, 0, tzinfo=UTC), WITA) == date(2026, 11, 24)
