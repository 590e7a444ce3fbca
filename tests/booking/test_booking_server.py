"""Booking through the real server: racing for the last place, checking in, a cancelled
session, and the walk-in path untouched."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.clients import CounterConnection, issue
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess
from tests.support.staff import ROSTER, SECRETS, set_pins

ADMIN = {"Authorization": "Bearer admin-secret-token"}
BOOKABLE = """prefix = "B"
booking = { days_ahead = 3, sessions = [{ start = 00:00:00, end = 23:59:00, quota = 1 }, { start = 00:01:00, end = 23:58:00, quota = 50 }, { start = 23:59:00, end = 23:59:59, quota = 5 }] }
requirements = ["KTP asli", "Kartu Keluarga"]
"""


def booking_config() -> str:
    text = test_config_text(extra=ROSTER).replace('prefix = "B"\n', BOOKABLE, 1)
    return text.replace("[security]\n", "[security]\nbookings_per_minute = 1000\nopen_bookings_per_address = 1000\n", 1)


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> ServerProcess:
    root: Path = tmp_path_factory.mktemp("booking")
    config = root / "antrian.toml"
    config.write_text(booking_config(), encoding="utf-8")
    set_pins(config, root / "data", {"sari": SECRETS["sari"]})
    server = ServerProcess(config, root / "data").start()
    yield server
    server.stop()


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Makassar")).date().isoformat()


async def test_ten_bookers_racing_for_the_last_place_one_wins(hall):
    async with httpx.AsyncClient(base_url=hall.url) as client:
        body = {"service": "kk", "date": today(), "session": "00:00"}
        replies = await asyncio.gather(*(client.post("/api/bookings", json=body) for _ in range(10)))
    assert sorted(r.status_code for r in replies) == [201] + [409] * 9
    assert {r.json()["error"]["code"] for r in replies if r.status_code == 409} == {"slot_full"}
    slots = httpx.get(f"{hall.url}/api/booking/slots", params={"service": "kk", "date": today()}).json()
    assert slots["sessions"][0]["left"] == 0


async def test_a_booking_checks_in_at_the_kiosk_and_is_called_like_any_ticket(hall):
    booked = httpx.post(f"{hall.url}/api/bookings", json={"service": "kk", "date": today(), "session": "00:01"})
    assert booked.status_code == 201, booked.text
    mine = booked.json()
    assert len(mine["code"]) == 6 and mine["requirements"] == ["KTP asli", "Kartu Keluarga"]
    checked = httpx.post(f"{hall.url}/api/bookings/{mine['code'].lower()}/check-in")  # typed in lower case
    assert checked.status_code == 201, checked.text
    ticket = checked.json()
    assert ticket["number"].startswith("B-") and ticket["channel"] == "booking" and ticket["token"]
    twice = httpx.post(f"{hall.url}/api/bookings/{mine['code']}/check-in")
    assert twice.json()["error"]["code"] == "already_checked_in"
    async with CounterConnection(hall.ws_url, "loket-1") as counter:
        called = await counter.send("call", number=ticket["number"])
    assert called["ticket"]["number"] == ticket["number"]
    view = httpx.get(f"{hall.url}/api/bookings/{mine['token']}").json()
    assert view["status"] == "checked_in" and view["ticket_url"] == f"/t/{ticket['token']}"
    page = httpx.get(f"{hall.url}/b/{mine['token']}")  # the holder's page leads to the ticket's own
    assert page.status_code == 303 and page.headers["location"] == f"/t/{ticket['token']}"


async def test_a_booking_for_another_day_is_told_so_at_the_kiosk(hall):
    tomorrow = datetime.fromordinal(datetime.now(ZoneInfo("Asia/Makassar")).date().toordinal() + 1).date()
    booked = httpx.post(
        f"{hall.url}/api/bookings", json={"service": "kk", "date": tomorrow.isoformat(), "session": "00:01"}
    )
    refused = httpx.post(f"{hall.url}/api/bookings/{booked.json()['code']}/check-in")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "other_day")


def test_unknown_codes_and_bad_input_are_clear_errors(hall):
    assert httpx.post(f"{hall.url}/api/bookings/XXXXXX/check-in").json()["error"]["code"] == "booking_not_found"
    assert httpx.post(f"{hall.url}/api/bookings/0OIL12/check-in").json()["error"]["code"] == "booking_not_found"
    bad = httpx.post(f"{hall.url}/api/bookings", json={"service": "kk", "date": "besok", "session": "10:00"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_request")
    off = httpx.post(f"{hall.url}/api/bookings", json={"service": "ktp", "date": today(), "session": "00:00"})
    assert off.json()["error"]["code"] == "booking_off"
    far = httpx.post(f"{hall.url}/api/bookings", json={"service": "kk", "date": "2099-01-01", "session": "00:00"})
    assert far.json()["error"]["code"] == "too_far_ahead"


def test_a_supervisor_cancels_a_session_and_its_holders_page_says_why(hall):
    tomorrow = datetime.now(ZoneInfo("Asia/Makassar")).date().toordinal() + 1
    day = datetime.fromordinal(tomorrow).date().isoformat()
    booked = httpx.post(f"{hall.url}/api/bookings", json={"service": "kk", "date": day, "session": "23:59"}).json()
    with httpx.Client(base_url=hall.url) as client:
        signed = client.post("/admin/login", data={"user": "sari", "token": SECRETS["sari"], "next": "/admin/bookings"})
        assert signed.status_code == 303, signed.text[:500]
        page = client.get("/admin/bookings", params={"date": day})
        assert page.status_code == 200 and booked["code"] in page.text
        cancelled = client.post(
            "/admin/bookings/cancel-session",
            data={"service": "kk", "date": day, "session": "23:59", "reason": "Gangguan sistem Dukcapil"},
            headers={"Origin": hall.url},
        )
        assert cancelled.status_code in (200, 303)
    view = httpx.get(f"{hall.url}/api/bookings/{booked['token']}").json()
    assert (view["status"], view["reason"]) == ("cancelled", "Gangguan sistem Dukcapil")
    again = httpx.post(f"{hall.url}/api/bookings/{booked['code']}/check-in").json()["error"]["code"]
    assert again in ("booking_cancelled", "other_day")


async def test_the_walk_in_path_is_unchanged_by_booking(hall):
    ticket = await issue(hall.url, "ktp")
    async with CounterConnection(hall.ws_url, "loket-1") as counter:
        called = await counter.send("call", number=ticket["number"])
    assert called["ticket"]["number"] == ticket["number"] and called["ticket"]["channel"] == "kiosk"
