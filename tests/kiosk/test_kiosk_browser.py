"""The kiosk and the visitor's phone in Debian's Chromium, against a real server (screenshots in docs/)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.clients import call_next_in_thread
from tests.support.screenshots import screenshot_folder

GENEROUS = 15_000  # ms: a slow CI machine is not a failure; nothing here asserts timing


def shot(page, name: str) -> None:
    page.screenshot(path=str(screenshot_folder() / name))


def busy_hall(url: str) -> None:
    """A few visitors already waiting, so the screens show real numbers."""
    for service in ("ktp", "ktp", "ktp", "jkn", "jkn"):
        httpx.post(f"{url}/api/kiosk/lobi/tickets", json={"service": service}, timeout=30).raise_for_status()


def take_ticket(page, agency: str, service: str, priority: str = "Umum") -> str:
    page.get_by_role("button", name=agency).first.click()
    page.get_by_role("button", name=service).first.click()
    page.get_by_role("button", name=priority, exact=True).click()
    number = page.locator("#t-number")
    page.locator("#step-ticket.active").wait_for(timeout=GENEROUS)
    return number.inner_text()


@pytest.mark.browser
def test_take_a_ticket_then_follow_it_on_a_phone_until_called(browser, kiosk_server, fake_printer):
    busy_hall(kiosk_server.url)
    kiosk = browser.new_page(viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{kiosk_server.url}/kiosk/lobi")
    kiosk.get_by_role("button", name="Dukcapil").wait_for(timeout=GENEROUS)
    shot(kiosk, "kiosk-portrait-agencies.png")
    kiosk.get_by_role("button", name="Dukcapil").click()
    kiosk.get_by_text("Tutup hari ini").wait_for(timeout=GENEROUS)  # the closed service, with its reason
    shot(kiosk, "kiosk-portrait-services.png")
    kiosk.get_by_role("button", name="KTP Elektronik").click()
    shot(kiosk, "kiosk-portrait-priority.png")
    kiosk.get_by_role("button", name="Umum", exact=True).click()
    kiosk.locator("#step-ticket.active").wait_for(timeout=GENEROUS)
    assert kiosk.locator("#t-number").inner_text() == "A-004"
    assert kiosk.locator("#t-ahead").inner_text() == "3"
    kiosk.locator("#t-qr").evaluate("img => img.complete || new Promise(r => img.onload = r)")
    shot(kiosk, "kiosk-portrait-ticket.png")
    fake_printer.wait_for_job(b"A-004")

    token_url = kiosk.locator("#t-qr").get_attribute("src").replace("/qr.svg", "")
    # wait_for_function evaluates a string, which the pages' CSP (no 'unsafe-eval') refuses;
    # the CSP itself is proved in tests/proof/test_proof_headers.py.
    phone_context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    phone = phone_context.new_page()
    phone.goto(f"{kiosk_server.url}{token_url}")
    phone.get_by_text("Terhubung").wait_for(timeout=GENEROUS)
    assert phone.locator("#number").inner_text() == "A-004"
    assert phone.locator("#ahead").inner_text() == "3"
    phone.locator("#sound").tap()  # unlocks WebAudio, as a visitor's first tap does
    shot(phone, "phone-waiting.png")

    for expected in ("A-001", "A-002"):
        assert call_next_in_thread(kiosk_server.ws_url, "loket-1")["ticket"]["number"] == expected
    phone.wait_for_function("document.getElementById('ahead').textContent === '1'", timeout=GENEROUS)
    assert call_next_in_thread(kiosk_server.ws_url, "loket-3")["ticket"]["number"] == "A-003"
    assert call_next_in_thread(kiosk_server.ws_url, "loket-1")["ticket"]["number"] == "A-004"
    phone.get_by_text("Silakan menuju Loket 1").wait_for(timeout=GENEROUS)
    assert phone.locator("#status").inner_text() == "Dipanggil"
    shot(phone, "phone-called.png")
    phone_context.close()
    kiosk.close()


@pytest.mark.browser
def test_landscape_kiosk_with_browser_printing(browser, kiosk_server):
    busy_hall(kiosk_server.url)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{kiosk_server.url}/kiosk/bpjs")  # one agency, no printer: straight to its services
    page.get_by_role("button", name="Kepesertaan JKN").wait_for(timeout=GENEROUS)
    shot(page, "kiosk-landscape-services.png")
    page.get_by_role("button", name="Kepesertaan JKN").click()
    page.get_by_role("button", name="Lansia").click()
    page.locator("#step-ticket.active").wait_for(timeout=GENEROUS)
    assert page.locator("#t-number").inner_text() == "C-003"
    assert page.locator("#t-ahead").inner_text() == "0"  # priority goes first
    page.locator("#t-qr").evaluate("img => img.complete || new Promise(r => img.onload = r)")
    frame = page.frame_locator("#print-frame")
    frame.get_by_text("C-003").wait_for(
        state="attached", timeout=GENEROUS
    )  # the printable slip was loaded for the print dialog
    shot(page, "kiosk-landscape-ticket.png")


@pytest.mark.browser
def test_printer_failure_and_closed_service_messages(browser, kiosk_server):
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{kiosk_server.url}/kiosk/rusak")
    page.get_by_role("button", name="Dukcapil").click()
    page.get_by_role("button", name="Legalisir Arsip").click()
    page.get_by_text("Tutup hari ini").last.wait_for(timeout=GENEROUS)
    assert page.locator("#alert").is_visible()
    page.get_by_role("button", name="OK").click()
    page.get_by_role("button", name="KTP Elektronik").click()
    page.get_by_role("button", name="Umum", exact=True).click()
    page.get_by_text("Printer bermasalah, silakan hubungi petugas").wait_for(timeout=GENEROUS)
    shot(page, "kiosk-printer-error.png")
    state = httpx.get(f"{kiosk_server.url}/api/state").json()
    assert next(s["waiting"] for s in state["services"] if s["id"] == "ktp") == 0
