"""The web counter in Debian's Chromium: token once, calls, errors, a lost ack across a reload."""

from __future__ import annotations

import httpx
import pytest

from tests.support.screenshots import screenshot_folder

from .helpers import called_by, issue, tickets, wait_until


def test_an_unknown_counter_gets_an_indonesian_404(server):
    response = httpx.get(f"{server.url}/counter/loket-99", timeout=5)
    assert response.status_code == 404
    assert "Loket tidak ditemukan" in response.text and "loket-99" in response.text


def test_the_page_and_its_script_are_served_without_any_cdn(server):
    page = httpx.get(f"{server.url}/counter/loket-1", timeout=5).text
    script = httpx.get(f"{server.url}/static/counter.js", timeout=5).text
    assert "Panggil Berikutnya" in page and "https://" not in page
    for modern in ("=>", "let ", "const ", "async ", "`"):
        assert modern not in script, f"counter.js must stay ES5 ({modern!r})"


@pytest.fixture
def page(browser):
    # wait_for_function evaluates a string, which the pages' CSP (no 'unsafe-eval') refuses;
    # the CSP itself is proved in tests/proof/test_proof_headers.py.
    context = browser.new_context(viewport={"width": 520, "height": 860}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base_url: str, token: str = "token-loket-1") -> None:
    page.goto(f"{base_url}/counter/loket-1")
    page.fill("#token-input", token)
    page.click("#token-submit")


@pytest.mark.browser
def test_token_once_call_next_and_an_empty_queue(server, page):
    issue(server.url, "ktp")
    sign_in(page, server.url, token="salah")
    page.wait_for_selector("text=Gagal: token salah")
    assert page.is_visible("#token-form")

    page.fill("#token-input", "token-loket-1")
    page.click("#token-submit")
    page.wait_for_selector("#link.online")
    assert page.text_content("#waiting") == "1"
    page.click("button.next")
    page.wait_for_function("document.getElementById('current').textContent === 'A-001'")
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-001"]
    page.wait_for_function("document.getElementById('waiting').textContent === '0'")

    page.wait_for_timeout(900)  # past the double-press guard
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Tidak ada antrean")
    page.screenshot(path=str(screenshot_folder() / "counter-web.png"))

    page.reload()  # the token was kept: no form again
    page.wait_for_selector("#link.online")
    assert not page.is_visible("#token-form")
    assert page.text_content("#current") == "A-001"


@pytest.mark.browser
def test_a_double_press_calls_one_ticket_and_recall_limit_proposes_skip(server, page):
    for _ in range(3):
        issue(server.url, "ktp")
    sign_in(page, server.url)
    page.wait_for_selector("#link.online")
    page.keyboard.press("NumpadAdd")
    page.keyboard.press("NumpadAdd")
    page.wait_for_function("document.getElementById('current').textContent === 'A-001'")
    page.wait_for_selector("#pending", state="hidden")
    assert len(called_by(server.url, "loket-1")) == 1

    for recalls in (1, 2, 3):
        page.wait_for_timeout(900)
        page.keyboard.press("F2")
        page.wait_for_selector(f"text=panggil ulang {recalls}/3")
    page.wait_for_timeout(900)
    page.keyboard.press("F2")
    page.wait_for_selector("text=Tekan Lewati bila pengunjung tidak hadir")
    assert page.get_attribute("#skip", "class") == "suggest"
    page.keyboard.press("NumpadSubtract")
    page.wait_for_function("document.getElementById('current').textContent === '—'")
    assert {t["number"]: t["status"] for t in tickets(server.url)}["A-001"] == "no_show"


@pytest.mark.browser
def test_transfer_and_call_by_number(server, page):
    issue(server.url, "ktp")
    issue(server.url, "ktp")
    sign_in(page, server.url)
    page.wait_for_selector("#link.online")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('current').textContent === 'A-001'")
    page.keyboard.press("F5")
    page.select_option("#transfer-service", "jkn")
    page.click("#transfer-form button[type=submit]")
    page.wait_for_selector("text=A-001 dialihkan")
    page.keyboard.press("F6")
    page.fill("#call-number", "a2")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('current').textContent === 'A-002'")
    by_number = {t["number"]: t for t in tickets(server.url)}
    assert by_number["A-001"]["service"] == "jkn" and by_number["A-001"]["status"] == "waiting"


@pytest.mark.browser
def test_a_lost_ack_then_a_reload_still_calls_once(server, browser):
    for _ in range(2):
        issue(server.url, "ktp")
    # wait_for_function evaluates a string, which the pages' CSP (no 'unsafe-eval') refuses;
    # the CSP itself is proved in tests/proof/test_proof_headers.py.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dropping = [True]

    def drop_acks(route) -> None:
        upstream = route.connect_to_server()
        route.on_message(upstream.send)
        upstream.on_message(
            lambda message: None if dropping[0] and '"type":"ack"' in str(message) else route.send(message)
        )

    page.route_web_socket("**/ws/counter", drop_acks)
    sign_in(page, server.url)
    page.wait_for_selector("#link.online")
    page.keyboard.press("Enter")
    wait_until(lambda: len(called_by(server.url, "loket-1")) == 1, what="the server to act")
    assert page.is_visible("#pending"), "the ack was dropped, so the press still waits"
    assert "call_next" in page.evaluate("localStorage.getItem('antrian.counter.loket-1.outbox')")

    dropping[0] = False  # from here on the network is fine again
    page.reload()
    page.wait_for_selector("#pending", state="hidden")
    page.wait_for_function("document.getElementById('current').textContent === 'A-001'")
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-001"]
    assert page.evaluate("localStorage.getItem('antrian.counter.loket-1.outbox')") is None
    context.close()


@pytest.mark.browser
def test_a_press_while_the_server_is_down_is_sent_once_it_is_back(server, page):
    issue(server.url, "ktp")
    sign_in(page, server.url)
    page.wait_for_selector("#link.online")
    server.stop()
    page.wait_for_selector("#link.connecting")
    page.keyboard.press("Enter")
    assert page.is_visible("#pending")
    server.start()
    page.wait_for_function("document.getElementById('current').textContent === 'A-001'", timeout=30000)
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-001"]
