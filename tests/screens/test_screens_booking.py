"""Booking ahead, end to end in Chromium against a real server: book on the phone, check in at
the kiosk, be called, and follow it on the booking's own page; the kiosk's refusals; the admin's
day of bookings and a cancelled session."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from display_server import contract
from tests.screens.helpers import ADMIN_TOKEN, run_async
from tests.support.clients import CounterConnection
from tests.support.hall_config import test_config_text
from tests.support.screenshots import screenshot_folder

pytestmark = pytest.mark.browser

GENEROUS = 15_000  # ms: a loaded machine, never a timing assertion
HOLDER_REFRESH = 45_000  # ms: the holder's page re-reads its booking every 20 s
HALL_ZONE = ZoneInfo("Asia/Makassar")  # the test hall's
PHONE = {"width": 412, "height": 915}
KIOSK = {"width": 1080, "height": 1920}

ALL_DAY = "sessions = [{ start = 00:00:00, end = 23:59:00, quota = 5 }]"
KTP_BOOKING = (
    f"booking = {{ days_ahead = 7, {ALL_DAY}, check_in_early_minutes = 30, check_in_late_minutes = 15 }}\n"
    'requirements = ["KTP-el lama", "Kartu Keluarga asli"]\n'
)


def later_today_session() -> str | None:
    """A session that starts at least an hour and a half from now in the hall, if today has one."""
    start = (datetime.now(HALL_ZONE) + timedelta(minutes=150)).replace(minute=0, second=0, microsecond=0)
    if start.date() != datetime.now(HALL_ZONE).date() or start.hour >= 23:
        return None
    return f"{start:%H}:00:00"


def booking_hall(kk_sessions: str) -> str:
    kk_booking = f"booking = {{ days_ahead = 7, sessions = [{kk_sessions}] }}\n"
    text = test_config_text(counters=4)
    text = text.replace('prefix = "A"\n', 'prefix = "A"\n' + KTP_BOOKING, 1)
    text = text.replace('prefix = "B"\n', 'prefix = "B"\n' + kk_booking, 1)
    return text.replace("[security]\n", "[security]\nbookings_per_minute = 100\nopen_bookings_per_address = 20\n", 1)


LATER = later_today_session()
KK_SESSIONS = (
    f"{{ start = {LATER}, end = 23:59:00, quota = 5 }}" if LATER else "{ start = 00:00:00, end = 23:59:00, quota = 5 }"
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "antrian.toml"
    path.write_text(booking_hall(KK_SESSIONS), encoding="utf-8")
    return path


@pytest.fixture
def open_page(browser):
    contexts, errors = [], []

    def open_(url: str, viewport: dict):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors: {errors}"


def hall_today() -> str:
    return datetime.now(HALL_ZONE).date().isoformat()


def book(server, service: str, day: str, session: str) -> dict:
    response = httpx.post(f"{server.url}/api/bookings", json={"service": service, "date": day, "session": session})
    assert response.status_code == 201, response.text
    return response.json()


def call_next(server, counter: str) -> dict:
    async def go() -> dict:
        async with CounterConnection(server.ws_url, counter) as connection:
            return await connection.send("call_next")

    return run_async(go())


def open_kiosk(open_page, server):
    kiosk = open_page(f"{server.url}/kiosk", KIOSK)
    kiosk.locator("#checkin-open:not([hidden])").wait_for(timeout=GENEROUS)
    return kiosk


def kiosk_alert(kiosk) -> tuple[str, str]:
    kiosk.locator("#alert.show").wait_for(timeout=GENEROUS)
    return kiosk.inner_text("#alert-title"), kiosk.inner_text("#alert-text")


def test_book_on_the_phone_check_in_at_the_kiosk_and_follow_the_call(open_page, server):
    phone = open_page(f"{server.url}/booking", PHONE)
    # One agency takes bookings, so the page starts at its services.
    phone.get_by_role("button", name="KTP Elektronik").click()
    phone.locator("#date-list button").first.click()  # today
    session = phone.locator('#session-list button[data-session="00:00"]')
    session.wait_for(timeout=GENEROUS)
    assert "Sisa 5 dari 5 tempat" in session.inner_text()
    session.click()
    assert "KTP Elektronik" in phone.inner_text("#confirm-summary")
    phone.fill("#phone", "081234567890")
    phone.get_by_role("button", name="Pesan").click()

    phone.locator("#step-done:not([hidden])").wait_for(timeout=GENEROUS)
    shown_code = phone.inner_text("#done-code")
    code = shown_code.replace(" ", "")
    assert contract.normal_booking_code(code) == code and shown_code == f"{code[:3]} {code[3:]}"
    assert phone.inner_text("#done-window") == "Check-in: 23.30\u201300.14"  # 30 min before 00.00 to 15 after 23.59
    assert "KTP-el lama" in phone.inner_text("#done-bring")
    assert phone.evaluate("document.getElementById('done-qr').naturalWidth") > 0  # the QR loaded
    phone.screenshot(path=str(screenshot_folder() / "booking-phone.png"), full_page=True)

    # The holder's page: waiting for check-in, and no NIK or name anywhere.
    phone.click("#done-link")
    phone.locator("#status.st-booked").wait_for(timeout=GENEROUS)
    assert phone.inner_text("#status") == "Menunggu check-in"
    assert phone.inner_text("#code") == shown_code

    # At the kiosk, a scanner types the code and Enter, with nothing focused.
    kiosk = open_kiosk(open_page, server)
    kiosk.keyboard.type(code.lower())
    kiosk.locator("#step-checkin.active").wait_for(timeout=GENEROUS)
    assert kiosk.input_value("#checkin-code").upper() == code
    kiosk.screenshot(path=str(screenshot_folder() / "booking-kiosk-check-in.png"))
    kiosk.keyboard.press("Enter")
    kiosk.locator("#step-ticket.active").wait_for(timeout=GENEROUS)
    number = kiosk.inner_text("#t-number")
    assert number.startswith("A")
    assert kiosk.inner_text("#t-service") == "KTP Elektronik"
    assert "Booking" in kiosk.inner_text("#t-agency")
    assert "/slip" in (kiosk.get_attribute("#print-frame", "src") or "")  # printed like any other

    # The booking's page leads to the ticket's page by itself (it re-reads every 20 s, and at
    # once when the visitor comes back to it: that is what the test does), which shows the call.
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    phone.wait_for_url("**/t/**", timeout=HOLDER_REFRESH)
    phone.locator("#net.ok").wait_for(timeout=GENEROUS)
    assert phone.inner_text("#number") == number
    ack = call_next(server, "loket-1")
    assert ack["type"] == "ack" and ack["ticket"]["number"] == number
    phone.locator("#called.show").wait_for(timeout=GENEROUS)
    assert "Loket 1" in phone.inner_text("#c-counter")

    # The same code again at the kiosk: already checked in.
    kiosk.click("#done")
    kiosk.click("#checkin-open")
    kiosk.fill("#checkin-code", shown_code)
    kiosk.click("#checkin-submit")
    assert kiosk_alert(kiosk)[1] == contract.ERRORS["already_checked_in"].text


def test_a_check_in_before_its_window_is_refused_with_a_clear_message(open_page, server):
    if LATER:  # a session later today: too early
        booking, expected = book(server, "kk", hall_today(), LATER[:5]), "too_early"
    else:  # late in the evening: tomorrow's session is for another day
        tomorrow = (datetime.now(HALL_ZONE) + timedelta(days=1)).date().isoformat()
        booking, expected = book(server, "kk", tomorrow, "00:00"), "other_day"
    kiosk = open_kiosk(open_page, server)
    kiosk.click("#checkin-open")
    kiosk.fill("#checkin-code", booking["code"])
    kiosk.click("#checkin-submit")
    title, text = kiosk_alert(kiosk)
    assert title == "Check-in gagal"
    assert text == contract.ERRORS[expected].text
    assert kiosk.locator("#step-ticket.active").count() == 0

    # The next visitor scans over the message: a code that is no booking.
    kiosk.keyboard.type("ZZZ000")
    kiosk.keyboard.press("Enter")
    assert kiosk_alert(kiosk)[1] == contract.ERRORS["booking_not_found"].text


def test_the_holder_cancels_after_confirming(open_page, server):
    booking = book(server, "ktp", hall_today(), "00:00")
    phone = open_page(booking["status_url"], PHONE)
    phone.click("#cancel-ask")
    assert phone.locator("#cancel-confirm").is_visible()
    phone.click("#cancel-no")
    assert phone.inner_text("#status") == "Menunggu check-in"
    phone.click("#cancel-ask")
    phone.click("#cancel-yes")
    phone.locator("#status.st-cancelled").wait_for(timeout=GENEROUS)
    assert phone.inner_text("#status") == "Dibatalkan"
    assert not phone.locator("#cancel").is_visible()
    slots = httpx.get(f"{server.url}/api/booking/slots", params={"service": "ktp", "date": hall_today()}).json()
    assert slots["sessions"][0]["left"] == 5  # the place is free again


def test_the_admin_sees_the_days_bookings_and_cancels_a_session(open_page, server):
    kept = book(server, "ktp", hall_today(), "00:00")
    book(server, "ktp", hall_today(), "00:00")
    admin = open_page(f"{server.url}/admin/screens?token={ADMIN_TOKEN}", {"width": 1280, "height": 800})
    admin.goto(f"{server.url}/admin/bookings")
    section = admin.locator('.booking-session[data-service="ktp"][data-session="00:00"]')
    assert section.locator('[data-count="booked"]').inner_text() == "2 menunggu check-in"
    assert section.locator(f'tr[data-code="{kept["code"]}"]').count() == 1

    section.get_by_label("Alasan pembatalan sesi").fill("Gangguan sistem instansi")
    section.get_by_role("button", name="Batalkan sesi").click()
    section = admin.locator('.booking-session[data-service="ktp"][data-session="00:00"]')
    section.locator('[data-count="cancelled"]').wait_for(timeout=GENEROUS)
    assert section.locator('[data-count="cancelled"]').inner_text() == "2 dibatalkan"

    holder = open_page(kept["status_url"], PHONE)
    assert holder.inner_text("#status") == "Dibatalkan: Gangguan sistem instansi"
    # At the kiosk, the cancelled code is refused in Indonesian.
    kiosk = open_kiosk(open_page, server)
    kiosk.click("#checkin-open")
    kiosk.fill("#checkin-code", kept["code"])
    kiosk.click("#checkin-submit")
    assert kiosk_alert(kiosk)[1] == contract.ERRORS["booking_cancelled"].text
