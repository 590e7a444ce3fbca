"""The web counter's desk in Debian's Chromium: an officer signs in with a PIN, pauses with a
reason (calls are then refused, and the page says why), and opens the counter again (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from display_server.contract import error_text
from tests.support.hall_config import test_config_text, token_for
from tests.support.server import ServerProcess
from tests.support.staff import ROSTER, SECRETS, set_pins

from .helpers import called_by, issue

pytestmark = pytest.mark.browser

GENEROUS = 15_000  # ms: a loaded machine, never a timing assertion


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The test hall with its roster; the PINs set at the server before it starts, as an admin does."""
    config = tmp_path / "antrian.toml"
    config.write_text(test_config_text(counters=4, extra=ROSTER), encoding="utf-8")
    set_pins(config, tmp_path / "data", {k: SECRETS[k] for k in ("budi", "ani", "wati")})
    process = ServerProcess(config, tmp_path / "data").start()
    yield process
    process.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 520, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the counter page: {errors}"


def open_desk(page, base_url: str, counter: str = "loket-1") -> None:
    page.goto(f"{base_url}/counter/{counter}")
    page.fill("#token-input", token_for(counter))
    page.click("#token-submit")
    page.locator("#link.online").wait_for(timeout=GENEROUS)


def sign_in(page, officer: str, pin: str) -> None:
    page.fill("#officer-input", officer)
    page.fill("#pin-input", pin)
    page.click("#sign-in-submit")


def test_an_officer_signs_in_with_the_right_pin_and_the_pin_is_not_kept(server, page):
    open_desk(page, server.url)
    assert page.is_visible("#sign-in-form")
    assert page.text_content("#officer-name") == "Belum ada petugas"

    sign_in(page, "budi", SECRETS["budi"])
    page.locator("#officer-name", has_text="Budi Santoso").wait_for(timeout=GENEROUS)
    assert page.is_hidden("#sign-in-form")
    assert page.is_visible("#sign-out") and page.is_visible("#change-officer")
    assert page.input_value("#pin-input") == ""
    stored = page.evaluate("JSON.stringify(window.localStorage)")
    assert SECRETS["budi"] not in stored

    page.reload()  # the desk is the server's: still signed in
    page.locator("#officer-name", has_text="Budi Santoso").wait_for(timeout=GENEROUS)

    page.click("#sign-out")
    page.locator("#officer-name", has_text="Belum ada petugas").wait_for(timeout=GENEROUS)
    assert page.is_visible("#sign-in-form")


def test_a_wrong_pin_shows_the_contracts_indonesian_error_and_signs_nobody_in(server, page):
    open_desk(page, server.url)
    sign_in(page, "budi", "000000")
    page.locator("#sign-in-error", has_text=error_text("wrong_pin")).wait_for(timeout=GENEROUS)
    assert page.text_content("#officer-name") == "Belum ada petugas"
    assert page.input_value("#pin-input") == ""

    sign_in(page, "wati", SECRETS["wati"])  # BPJS, at a Dukcapil counter
    page.locator("#sign-in-error", has_text=error_text("wrong_agency")).wait_for(timeout=GENEROUS)


def test_a_pause_with_a_reason_disables_calling_and_open_enables_it_again(server, page):
    issue(server.url, "ktp")
    open_desk(page, server.url)
    sign_in(page, "budi", SECRETS["budi"])
    page.locator("#officer-name", has_text="Budi Santoso").wait_for(timeout=GENEROUS)

    page.click("#pause-button")
    assert "Istirahat" in page.locator("#pause-reason option").all_text_contents()
    page.select_option("#pause-reason", "Salat")
    page.click("#pause-submit")
    page.locator("#desk-state[data-state='paused']", has_text="Salat").wait_for(timeout=GENEROUS)
    assert page.is_disabled("button.next")
    assert page.is_disabled("[data-action='recall']") and page.is_disabled("[data-action='call']")
    assert page.is_enabled("[data-action='finish']")
    assert page.text_content("#calls-blocked") == error_text("counter_paused")

    page.keyboard.press("Enter")  # the shortcut is refused on the page too, with the reason
    page.locator("#message.error", has_text=error_text("counter_paused")).wait_for(timeout=GENEROUS)
    assert called_by(server.url, "loket-1") == []

    page.click("#open-button")  # "Lanjutkan"
    page.locator("#desk-state[data-state='open']").wait_for(timeout=GENEROUS)
    assert page.is_enabled("button.next")
    assert page.text_content("#calls-blocked") == ""
    page.keyboard.press("Enter")
    page.locator("#current", has_text="A-001").wait_for(timeout=GENEROUS)
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-001"]


def test_a_closed_counter_opens_with_buka_loket(server, page):
    open_desk(page, server.url)
    page.click("#close-button")
    page.locator("#desk-state[data-state='closed']").wait_for(timeout=GENEROUS)
    assert page.is_disabled("button.next")
    assert page.text_content("#calls-blocked") == error_text("counter_closed")
    assert page.text_content("#open-button") == "Buka Loket"
    page.click("#open-button")
    page.locator("#desk-state[data-state='open']").wait_for(timeout=GENEROUS)
    assert page.is_enabled("button.next")


def test_signing_in_at_another_counter_brings_back_the_sign_in_form_here(server, browser, page):
    open_desk(page, server.url, "loket-1")
    sign_in(page, "ani", SECRETS["ani"])
    page.locator("#officer-name", has_text="Ani Lestari").wait_for(timeout=GENEROUS)

    other = browser.new_context(viewport={"width": 520, "height": 1000}).new_page()
    open_desk(other, server.url, "loket-3")
    sign_in(other, "ani", SECRETS["ani"])
    other.locator("#officer-name", has_text="Ani Lestari").wait_for(timeout=GENEROUS)
    other.context.close()

    page.locator("#officer-name", has_text="Belum ada petugas").wait_for(timeout=GENEROUS)
    assert page.is_visible("#sign-in-form")
