"""A hall of a deployment in Debian's Chromium: its screen, admin area and visitor's page all
work under the hall's base (`/h/{hall}/...`), and hear only their own hall."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.halls.conftest import ADMIN_TOKENS, DESA, KOTA, HallAddress, counter_token
from tests.screens.helpers import page_events, run_async, wait_connected, wait_hero
from tests.support.admin_area import sign_in_admin_area
from tests.support.clients import CounterConnection, issue
from tests.support.server import ServerProcess
from tests.support.staff import SECRETS, set_pin

pytestmark = pytest.mark.browser

GENEROUS = 15_000  # ms: a loaded machine, never a timing assertion
SPEECH = 60_000  # ms: the first call's WAV is synthesised on demand


@pytest.fixture
def context(browser):
    # bypass_csp: wait_for_function evaluates a string, which the pages' CSP refuses
    # (the CSP itself is proved in tests/proof/test_proof_headers.py).
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def call_next(hall: HallAddress, counter: str = "loket-1") -> dict:
    async def go() -> dict:
        async with CounterConnection(hall.ws_url, counter, token=counter_token(hall.id, counter)) as connection:
            reply = await connection.send("call_next")
            assert reply["type"] == "ack", reply
            return reply

    return run_async(go())


def test_a_halls_screen_shows_and_speaks_its_own_halls_calls(context, kota: HallAddress, desa: HallAddress):
    page = context.new_page()
    page.goto(f"{kota.url}/screen/tv1")
    wait_connected(page)
    run_async(issue(desa.url, "ktp"))
    run_async(issue(kota.url, "kk"))
    at_desa = call_next(desa)["ticket"]["number"]
    at_kota = call_next(kota)["ticket"]["number"]
    assert (at_desa, at_kota) == ("A-001", "B-001")
    wait_hero(page, at_kota)
    assert "Loket 1" in page.inner_text("#hero-dest")
    # The call's audio ("/audio/<key>.wav", relative to the hall's base) plays from this hall.
    page.wait_for_function(
        "() => (window.antrianEvents || []).some(e => e.type === 'audio-start' || e.type === 'audio-skip')",
        timeout=SPEECH,
    )
    assert page_events(page, "audio-start"), page_events(page)
    assert [e["detail"] for e in page_events(page, "call-shown")] == [at_kota]


def test_the_admin_sign_in_and_the_live_hall_view_work_under_the_halls_base(context, kota: HallAddress, desa):
    page = context.new_page()
    page.goto(f"{kota.url}/admin/hall")
    page.fill("#token", ADMIN_TOKENS[KOTA])
    page.click("button[type=submit]")
    page.wait_for_url(f"{kota.url}/admin/hall", timeout=GENEROUS)
    page.locator("#hall[data-connected='1']").wait_for(timeout=GENEROUS)
    run_async(issue(kota.url, "ktp"))
    page.locator("[data-agency='dukcapil'] [data-service='ktp'] .waiting", has_text="1").wait_for(timeout=GENEROUS)
    called = call_next(kota)["ticket"]["number"]
    page.locator("[data-counter='loket-1'] .current", has_text=called).wait_for(timeout=GENEROUS)
    # The navigation stays in the hall; the other hall asks for its own sign-in.
    assert page.get_attribute("nav a[aria-current='page']", "href") == f"{kota.base}/admin/hall"
    other = context.new_page()
    other.goto(f"{desa.url}/admin/hall")
    assert other.locator("#token").is_visible()


@pytest.fixture
def staffed_deployment(tmp_path: Path, halls_dir: Path) -> Iterator[ServerProcess]:
    """The deployment with the Kota hall's admin `kepala` given a password, as an admin does."""
    set_pin(halls_dir / f"{KOTA}.toml", tmp_path / "data" / KOTA, "kepala", SECRETS["kepala"])
    process = ServerProcess(None, tmp_path / "data", config_dir=halls_dir).start()
    yield process
    process.stop()


def test_a_roster_sign_in_belongs_to_its_hall(context, staffed_deployment: ServerProcess):
    kota, desa = HallAddress(staffed_deployment, KOTA), HallAddress(staffed_deployment, DESA)
    page = context.new_page()
    sign_in_admin_area(page, staffed_deployment.url, "kepala", base=kota.base)
    page.goto(f"{kota.url}/admin/staff")
    assert page.locator("h1").count() and not page.locator("#token").count()
    page.goto(f"{desa.url}/admin/staff")
    assert page.locator("#token").is_visible()  # no password was ever set at Desa, and no cookie reaches it


def test_the_visitors_ticket_page_under_the_halls_base_follows_its_ticket(context, kota: HallAddress):
    issued = httpx.post(f"{kota.url}/api/kiosk/default/tickets", json={"service": "ktp", "request_id": "phone-1"})
    status_url = issued.json()["status_url"]
    assert status_url.startswith(f"{kota.url}/t/")
    phone = context.new_page()
    phone.goto(status_url)
    phone.locator("#net.ok").wait_for(timeout=GENEROUS)
    call_next(kota)
    phone.locator("#status.st-called").wait_for(timeout=GENEROUS)
    assert "Loket 1" in phone.inner_text("#c-counter")


def test_the_kiosk_under_the_halls_base_issues_the_halls_ticket(context, kota: HallAddress, desa: HallAddress):
    run_async(issue(desa.url, "ktp"))  # Desa's A-001 does not make Kota's ticket A-002
    kiosk = context.new_page()
    kiosk.goto(f"{kota.url}/kiosk")
    kiosk.get_by_role("button", name="Dukcapil").click()
    kiosk.get_by_role("button", name="KTP Elektronik").click()
    kiosk.get_by_role("button", name="Umum", exact=True).click()
    kiosk.locator("#t-number", has_text="A-001").wait_for(timeout=GENEROUS)
    assert kiosk.get_attribute("#t-qr", "src").startswith(f"{kota.base}/t/")
    assert kiosk.get_attribute("#print-frame", "src").startswith(f"{kota.base}/t/")  # the browser-printed slip


def test_the_web_counters_of_two_halls_keep_their_own_tokens_in_one_browser(context, kota: HallAddress, desa):
    run_async(issue(kota.url, "ktp"))
    run_async(issue(desa.url, "kk"))
    at_kota = context.new_page()
    at_kota.goto(f"{kota.url}/counter/loket-1")
    at_kota.fill("#token-input", counter_token(KOTA, "loket-1"))
    at_kota.click("#token-submit")
    at_kota.wait_for_selector("#link.online", timeout=GENEROUS)
    at_kota.click("button.next")
    at_kota.locator("#current", has_text="A-001").wait_for(timeout=GENEROUS)
    # Same counter id, same browser, another hall: its own token is asked, Kota's is never sent.
    at_desa = context.new_page()
    at_desa.goto(f"{desa.url}/counter/loket-1")
    at_desa.locator("#token-form").wait_for(timeout=GENEROUS)
    at_desa.fill("#token-input", counter_token(DESA, "loket-1"))
    at_desa.click("#token-submit")
    at_desa.wait_for_selector("#link.online", timeout=GENEROUS)
    at_desa.click("button.next")
    at_desa.locator("#current", has_text="B-001").wait_for(timeout=GENEROUS)
    assert at_kota.text_content("#current") == "A-001"
