"""Accessibility as a test: axe-core in Chromium on every page and layout, plus what axe cannot see.

axe-core comes from the `axe-playwright-python` wheel (it ships `axe.min.js`): the test set-up
installs it with the test extras, and nothing is fetched from the web at run time. The script is
injected into each page through Playwright (`bypass_csp`, so a strict page policy does not block
the injected copy). Any critical or serious violation fails.

Beyond axe: every page has exactly one `h1`, the visitor's phone announces its status and the
call through live regions (assertive for the call), the kiosk's error overlay is an alert, and
the admin's screen status updates itself without `meta refresh`.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.support.clients import CounterConnection, call_next_in_thread
from tests.support.hall_config import test_config_text, token_for
from tests.support.server import ServerProcess

pytestmark = pytest.mark.browser

GENEROUS = 15_000  # ms: a loaded CI machine, never a timing assertion
ADMIN_TOKEN = "admin-secret-token"
BLOCKING = ("critical", "serious")

TV = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
PHONE = {"width": 412, "height": 915}
DESK = {"width": 1280, "height": 800}

EXTRA_SCREENS = """
[[screens]]
id = "tv-media"
zone = "lantai1"
layout = "media"
media_folder = "media"

[[screens]]
id = "tv-portrait"
zone = "lantai2"
layout = "standard"
orientation = "portrait"
"""

# A service that takes bookings, for the booking page, the holder's page and the admin's day.
BOOKING_SERVICE = """
[[services]]
id = "legalisir"
name = "Legalisir Dokumen"
agency = "dukcapil"
prefix = "L"
requirements = ["Dokumen asli", "Fotokopi dokumen"]
booking = { days_ahead = 7, sessions = [{ start = 08:00:00, end = 12:00:00, quota = 20 }, { start = 13:00:00, end = 15:00:00, quota = 10 }] }
"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + "  " + (n.failureSummary || "").split("\\n").join(" "))
  }));
}"""


def axe_source() -> str:
    try:
        return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pytest.skip("axe-core is not installed (pip install the test extras: axe-playwright-python)")


@dataclass
class Hall:
    server: ServerProcess
    waiting_token: str
    called_token: str
    served_token: str = ""


def desk_command_in_thread(ws_url: str, counter: str, action: str, **fields) -> dict:
    """A desk command (pause, open, close) from the counter's real WebSocket, in its own thread."""
    result: dict = {}

    async def run() -> None:
        async with CounterConnection(ws_url, counter) as connection:
            result.update(await connection.send(action, **fields))

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join(30)
    return result


def issue_at_kiosk(url: str, service: str) -> str:
    response = httpx.post(
        f"{url}/api/kiosk/default/tickets", json={"service": service, "request_id": uuid.uuid4().hex}, timeout=30
    )
    response.raise_for_status()
    return response.json()["status_url"].rsplit("/t/", 1)[1]


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    root: Path = tmp_path_factory.mktemp("a11y")
    (root / "media").mkdir()
    Image.new("RGB", (64, 36), "#12304f").save(root / "media" / "poster.png")
    (root / "antrian.toml").write_text(
        test_config_text(counters=4, extra=EXTRA_SCREENS + BOOKING_SERVICE), encoding="utf-8"
    )
    server = ServerProcess(root / "antrian.toml", root / "data").start()
    try:
        # Served first (calling the next ticket finishes it), so the survey shows on its phone
        # and loket-1's survey tablet offers it.
        served = issue_at_kiosk(server.url, "ktp")
        assert call_next_in_thread(server.ws_url, "loket-1").get("type") == "ack"
        called = issue_at_kiosk(server.url, "ktp")
        assert call_next_in_thread(server.ws_url, "loket-1").get("type") == "ack"
        # A paused counter, so its look on the TV grid, the hall view and its desk is checked too.
        assert desk_command_in_thread(server.ws_url, "loket-1", "pause", reason="Istirahat").get("type") == "ack"
        waiting = issue_at_kiosk(server.url, "jkn")
        yield Hall(server, waiting_token=waiting, called_token=called, served_token=served)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


def settle_screen(page) -> None:
    page.locator('body[data-connected="1"]').wait_for(timeout=GENEROUS)


def settle_ticket(page) -> None:
    page.locator("#net.ok").wait_for(timeout=GENEROUS)


def settle_kiosk(page) -> None:
    page.locator("#agency-list button").first.wait_for(timeout=GENEROUS)


def settle_kiosk_ticket(page) -> None:
    settle_kiosk(page)
    page.locator("#agency-list button").first.click()
    page.locator("#step-service.active button, #step-priority.active button").first.wait_for(timeout=GENEROUS)
    if page.locator("#step-service.active").count():
        page.locator("#step-service.active button").first.click()
    page.locator("#step-priority.active button").first.wait_for(timeout=GENEROUS)
    page.locator("#step-priority.active button").first.click()
    page.locator("#step-ticket.active").wait_for(timeout=GENEROUS)


def settle_counter_form(page) -> None:
    page.locator("#token-form:not([hidden])").wait_for(timeout=GENEROUS)


def settle_counter_desk(page) -> None:
    settle_counter_form(page)
    page.fill("#token-input", token_for("loket-3"))
    page.click("#token-submit")
    page.locator("#desk:not([hidden])").wait_for(timeout=GENEROUS)


def sign_in_admin(page) -> None:
    """Through a bookmark's `?token=`, which the server trades for a session cookie."""
    page.goto(page.url.split("/admin/")[0] + f"/admin/screens?token={ADMIN_TOKEN}")
    page.locator("#screen-status").wait_for(timeout=GENEROUS)


def settle_admin_screens(page) -> None:
    sign_in_admin(page)


def settle_admin_hall(page) -> None:
    sign_in_admin(page)
    page.goto(page.url.split("/admin/")[0] + "/admin/hall")
    page.locator("#hall[data-connected='1']").wait_for(timeout=GENEROUS)


def settle_counter_paused(page) -> None:
    settle_counter_form(page)
    page.fill("#token-input", token_for("loket-1"))
    page.click("#token-submit")
    page.locator("#desk-state[data-state='paused']").wait_for(timeout=GENEROUS)


def settle_admin_staff(page) -> None:
    sign_in_admin(page)
    page.goto(page.url.split("/admin/")[0] + "/admin/staff")
    page.locator("#admin-staff").wait_for(timeout=GENEROUS)


def settle_admin_reports(page) -> None:
    sign_in_admin(page)
    page.goto(page.url.split("/admin/")[0] + "/admin/reports")
    page.locator('table[data-report="recap"]').wait_for(timeout=GENEROUS)


def settle_ticket_survey(page) -> None:
    settle_ticket(page)
    page.locator("#survey .sq").first.wait_for(timeout=GENEROUS)


def settle_survey_form(page) -> None:
    page.locator("#token-form:not([hidden])").wait_for(timeout=GENEROUS)


def settle_survey_offer(page) -> None:
    settle_survey_form(page)
    page.fill("#token-input", token_for("loket-1"))
    page.click("#token-submit")
    page.locator("#offer:not([hidden]) .sq").first.wait_for(timeout=GENEROUS)


def settle_admin_survey(page) -> None:
    sign_in_admin(page)
    page.goto(page.url.split("/admin/")[0] + "/admin/survey")
    page.locator("#skm-summary").wait_for(timeout=GENEROUS)


def settle_admin_printers(page) -> None:
    sign_in_admin(page)
    page.goto(page.url.split("/admin/")[0] + "/admin/printers")


def settle_booking(page) -> None:
    """One agency with one bookable service: the page opens at its dates."""
    page.locator("#date-list button").first.wait_for(timeout=GENEROUS)


def settle_booking_done(page) -> None:
    """Booked through the page: tomorrow's first session (today's may be over)."""
    settle_booking(page)
    page.locator("#date-list button").nth(1).click()
    page.locator("#session-list button:not([disabled])").first.click()
    page.locator("#book").click()
    page.locator("#step-done:not([hidden])").wait_for(timeout=GENEROUS)


def settle_booking_holder(page) -> None:
    settle_booking_done(page)
    page.locator("#done-link").click()
    page.locator("#status.st-booked").wait_for(timeout=GENEROUS)


def settle_kiosk_check_in(page) -> None:
    page.locator("#checkin-open:not([hidden])").wait_for(timeout=GENEROUS)
    page.locator("#checkin-open").click()
    page.locator("#step-checkin.active").wait_for(timeout=GENEROUS)


def settle_admin_bookings(page) -> None:
    """Tomorrow's day, where the booking cases above booked: a table and a cancel form."""
    sign_in_admin(page)
    page.goto(page.url.split("/admin/")[0] + "/admin/bookings")
    today = date.fromisoformat(page.locator("#admin-bookings").get_attribute("data-date") or "")
    page.goto(page.url.split("/admin/")[0] + f"/admin/bookings?date={today + timedelta(days=1)}")
    page.locator("#admin-bookings").wait_for(timeout=GENEROUS)


@dataclass(frozen=True)
class PageCase:
    name: str
    path: str  # {waiting}, {called} and {served} stand for the tickets' tokens
    viewport: dict
    settle: Callable | None = None
    status: int = 200


PAGES = [
    PageCase("screen-standard", "/screen/tv1", TV, settle_screen),
    PageCase("screen-grid", "/screen/tv1-grid", TV, settle_screen),
    PageCase("screen-media", "/screen/tv-media", TV, settle_screen),
    PageCase("screen-portrait", "/screen/tv-portrait", PORTRAIT, settle_screen),
    PageCase("kiosk", "/kiosk", PORTRAIT, settle_kiosk),
    PageCase("kiosk-ticket", "/kiosk", PORTRAIT, settle_kiosk_ticket),
    PageCase("ticket-waiting", "/t/{waiting}", PHONE, settle_ticket),
    PageCase("ticket-called", "/t/{called}", PHONE, settle_ticket),
    PageCase("ticket-survey", "/t/{served}", PHONE, settle_ticket_survey),
    PageCase("survey-tablet-sign-in", "/survey/loket-1", DESK, settle_survey_form),
    PageCase("survey-tablet", "/survey/loket-1", DESK, settle_survey_offer),
    PageCase("slip", "/t/{waiting}/slip", PHONE),
    PageCase("counter-sign-in", "/counter/loket-3", DESK, settle_counter_form),
    PageCase("counter-desk", "/counter/loket-3", DESK, settle_counter_desk),
    PageCase("counter-desk-paused", "/counter/loket-1", DESK, settle_counter_paused),
    PageCase("admin-hall", "/admin/hall", DESK, settle_admin_hall, status=401),
    PageCase("admin-hall-phone", "/admin/hall", PHONE, settle_admin_hall, status=401),
    PageCase("admin-login", "/admin/screens", DESK, status=401),
    PageCase("admin-staff", "/admin/staff", DESK, settle_admin_staff, status=401),
    PageCase("admin-reports", "/admin/reports", DESK, settle_admin_reports, status=401),
    PageCase("admin-reports-phone", "/admin/reports", PHONE, settle_admin_reports, status=401),
    PageCase("staff-pin", "/staff/pin", PHONE),
    PageCase("admin-survey", "/admin/survey", DESK, settle_admin_survey, status=401),
    PageCase("skm-public", "/skm", DESK),
    PageCase("skm-public-phone", "/skm", PHONE),
    PageCase("admin-screens", "/admin/screens", DESK, settle_admin_screens, status=401),
    PageCase("admin-printers-login", "/admin/printers", DESK, status=401),
    PageCase("admin-printers", "/admin/screens", DESK, settle_admin_printers, status=401),
    PageCase("booking", "/booking", PHONE, settle_booking),
    PageCase("booking-done", "/booking", PHONE, settle_booking_done),
    PageCase("booking-holder", "/booking", PHONE, settle_booking_holder),
    PageCase("kiosk-check-in", "/kiosk", PORTRAIT, settle_kiosk_check_in),
    PageCase("admin-bookings", "/admin/bookings", DESK, settle_admin_bookings, status=401),
    PageCase("admin-bookings-phone", "/admin/bookings", PHONE, settle_admin_bookings, status=401),
    PageCase("screen-404", "/screen/nope", TV, status=404),
    PageCase("ticket-404", "/t/no-such-token", PHONE, status=404),
    PageCase("kiosk-404", "/kiosk/nope", PORTRAIT, status=404),
    PageCase("counter-404", "/counter/nope", DESK, status=404),
    PageCase("survey-tablet-404", "/survey/nope", DESK, status=404),
]


@pytest.fixture
def open_page(browser, hall: Hall):
    contexts = []

    def open_(case: PageCase):
        # bypass_csp: the injected axe script is inline; the page's own policy stays as served.
        context = browser.new_context(viewport=case.viewport, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        path = case.path.format(waiting=hall.waiting_token, called=hall.called_token, served=hall.served_token)
        response = page.goto(hall.server.url + path)
        assert response is not None and response.status == case.status, path
        if case.settle:
            case.settle(page)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize("case", PAGES, ids=[c.name for c in PAGES])
def test_no_serious_axe_violation_and_one_h1(case: PageCase, open_page, axe: str) -> None:
    page = open_page(case)
    page.add_script_tag(content=axe)
    violations = page.evaluate(AXE_RUN)
    problems = [
        f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
        if v["impact"] in BLOCKING
    ]
    headings = page.locator("h1").count()
    if headings != 1:
        problems.append(f"{headings} h1 elements: a page has exactly one")
    assert problems == [], f"{case.name}:\n" + "\n".join(problems)


def test_kiosk_allows_zoom(open_page) -> None:
    page = open_page(PageCase("kiosk", "/kiosk", PORTRAIT, settle_kiosk))
    viewport = page.locator('meta[name="viewport"]').get_attribute("content") or ""
    assert "user-scalable=no" not in viewport.replace(" ", "")
    assert "maximum-scale=1" not in viewport.replace(" ", "")


def test_kiosk_error_overlay_is_an_alert(open_page) -> None:
    page = open_page(PageCase("kiosk", "/kiosk", PORTRAIT, settle_kiosk))
    assert page.locator("#alert").get_attribute("role") == "alert"


def test_phone_announces_status_politely_and_the_call_assertively(open_page) -> None:
    page = open_page(PageCase("ticket-called", "/t/{called}", PHONE, settle_ticket))
    assert page.locator("#status").get_attribute("aria-live") == "polite"
    assert page.locator('[aria-live="assertive"] #called').is_visible()
    # The assertive region is on the page, always displayed, from the first paint of a waiting
    # ticket: a screen reader speaks what is added to a live region it already knows, not a
    # region that appears.
    waiting = open_page(PageCase("ticket-waiting", "/t/{waiting}", PHONE, settle_ticket))
    region = waiting.locator('[aria-live="assertive"]:has(#called)')
    assert region.count() == 1
    assert region.evaluate("node => getComputedStyle(node).display") != "none"
    assert not waiting.locator("#called").is_visible()


def test_admin_screens_update_live_without_meta_refresh(open_page, hall: Hall) -> None:
    page = open_page(PageCase("admin-screens", "/admin/screens", DESK, settle_admin_screens, status=401))
    assert page.locator('meta[http-equiv="refresh" i]').count() == 0
    row = page.locator('#screen-status tr[data-screen="tv2"]')
    assert row.get_attribute("data-online") == "0"
    tv = page.context.new_page()  # the same context: a TV opened in another tab comes online
    tv.goto(hall.server.url + "/screen/tv2")
    settle_screen(tv)
    page.locator('#screen-status tr[data-screen="tv2"][data-online="1"]').wait_for(timeout=GENEROUS)
    tv.close()


def test_survey_questions_are_named_radiogroups_and_a_missing_answer_is_an_alert(open_page) -> None:
    page = open_page(PageCase("ticket-survey", "/t/{served}", PHONE, settle_ticket_survey))
    groups = page.get_by_role("radiogroup")
    assert groups.count() == 9
    assert groups.first.get_attribute("aria-required") == "true"
    assert page.get_by_role("radiogroup", name="1. Persyaratan").get_by_role("radio").count() == 4
    page.get_by_role("button", name="Kirim").click()
    alert = page.locator("#survey [role='alert']")
    assert "Belum dijawab: nomor 1, 2, 3, 4, 5, 6, 7, 8, 9" in alert.inner_text()
    assert page.evaluate("document.activeElement.name") == "p-q1"  # focus moves to the first unanswered
