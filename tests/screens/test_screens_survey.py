"""The SKM survey where visitors answer it: their phone's ticket page once served, and the
survey tablet beside the counter that served them (real server, Debian's Chromium).

Screenshots: survey-phone.png and survey-tablet.png (docs/screenshots with ANTRIAN_SCREENSHOTS=1).
"""

from __future__ import annotations

import httpx
import pytest

from tests.screens.helpers import ADMIN_TOKEN, run_async
from tests.support.clients import CounterConnection, issue
from tests.support.hall_config import token_for
from tests.support.screenshots import screenshot_folder

pytestmark = pytest.mark.browser

GENEROUS = 15_000  # ms: a loaded CI machine, never a timing assertion
PHONE = {"width": 412, "height": 915}
TABLET = {"width": 1280, "height": 800}
ANSWERS = [4, 3, 4, 2, 3, 4, 4, 1, 3]


def counter_does(server, counter: str, *actions: str) -> list[dict]:
    """Commands from the counter's real WebSocket, in order; every one must be acknowledged."""

    async def go() -> list[dict]:
        async with CounterConnection(server.ws_url, counter) as connection:
            replies = [await connection.send(action) for action in actions]
        assert all(r["type"] == "ack" for r in replies), replies
        return replies

    return run_async(go())


def new_ticket(server, service: str = "ktp") -> dict:
    return run_async(issue(server.url, service))


def ikm(server) -> dict:
    response = httpx.get(f"{server.url}/api/reports/ikm", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()


def answer_by_api(server, token: str, answers: list[int]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/survey", json={"ticket_token": token, "answers": answers}, timeout=30)


def choose(page, prefix: str, answers: dict[int, int]) -> None:
    """Tick answer `score` (1-4) of question `number` (1-9), as a visitor taps it."""
    for number, score in answers.items():
        page.locator(f"#{prefix}-q{number} input[value='{score}']").check()


def all_answers() -> dict[int, int]:
    return {number: score for number, score in enumerate(ANSWERS, start=1)}


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def tablet_page(browser):
    context = browser.new_context(viewport=TABLET, has_touch=True)
    yield context.new_page()
    context.close()


def open_ticket(page, server, token: str) -> None:
    page.goto(f"{server.url}/t/{token}")
    page.locator("#net.ok").wait_for(timeout=GENEROUS)


def test_a_served_visitor_answers_on_their_phone_and_the_index_counts_it(phone_page, server):
    ticket = new_ticket(server)
    open_ticket(phone_page, server, ticket["token"])
    assert not phone_page.locator("#survey").is_visible()  # waiting: no survey yet

    counter_does(server, "loket-1", "call_next", "finish")
    survey = phone_page.locator("#survey")
    survey.wait_for(timeout=GENEROUS)
    assert phone_page.get_by_role("radiogroup").count() == 9
    assert phone_page.get_by_role("radio", name="Sangat sesuai").count() == 2  # U1 and U5 share the wording

    missing_five = {n: s for n, s in all_answers().items() if n != 5}
    choose(phone_page, "p", missing_five)
    phone_page.get_by_role("button", name="Kirim").click()
    assert phone_page.locator("#p-problem").inner_text() == "Mohon jawab pertanyaan nomor 5."
    assert phone_page.locator("#p-q5").get_attribute("aria-invalid") == "true"
    assert not phone_page.locator("#survey-thanks").is_visible()

    choose(phone_page, "p", {5: ANSWERS[4]})
    phone_page.get_by_role("combobox", name="Usia").select_option("30-39")
    phone_page.get_by_role("textbox", name="Saran dan masukan").fill("Ruang tunggu <b>nyaman</b>, terima kasih.")
    survey.scroll_into_view_if_needed()
    phone_page.locator("#survey-title").scroll_into_view_if_needed()
    phone_page.screenshot(path=str(screenshot_folder() / "survey-phone.png"))
    phone_page.get_by_role("button", name="Kirim").click()

    thanks = phone_page.locator("#survey-thanks")
    thanks.wait_for(timeout=GENEROUS)
    assert "Terima kasih atas penilaian Anda." in thanks.inner_text()
    assert not survey.is_visible()

    results = ikm(server)
    assert results["hall"]["respondents"] == 1
    assert results["hall"]["nrr"] == pytest.approx(ANSWERS)  # one respondent: NRR is each answer
    assert results["channels"] == {"phone": 1}
    assert results["hall"]["ikm"] == pytest.approx(sum(ANSWERS) / 9, abs=0.01)
    assert [s["text"] for s in results["suggestions"]] == ["Ruang tunggu <b>nyaman</b>, terima kasih."]


def test_a_ticket_answers_once_and_its_page_then_shows_only_thanks(phone_page, server):
    ticket = new_ticket(server)
    counter_does(server, "loket-1", "call_next", "finish")
    assert answer_by_api(server, ticket["token"], ANSWERS).status_code == 201

    again = answer_by_api(server, ticket["token"], [1] * 9)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_answered"

    open_ticket(phone_page, server, ticket["token"])
    assert phone_page.locator("#survey-thanks").is_visible()
    assert not phone_page.locator("#survey").is_visible()
    assert phone_page.locator("#survey-form input").count() == 0
    assert ikm(server)["hall"]["respondents"] == 1


def test_a_no_show_never_sees_the_survey(phone_page, server):
    ticket = new_ticket(server)
    open_ticket(phone_page, server, ticket["token"])
    counter_does(server, "loket-1", "call_next", "skip")
    phone_page.locator("#status.st-no_show").wait_for(timeout=GENEROUS)
    assert not phone_page.locator("#survey").is_visible()
    assert not phone_page.locator("#survey-thanks").is_visible()

    open_ticket(phone_page, server, ticket["token"])  # nor after a reload
    assert phone_page.locator("#status.st-no_show").is_visible()
    assert not phone_page.locator("#survey").is_visible()
    assert phone_page.locator("#survey-form input").count() == 0
    assert answer_by_api(server, ticket["token"], ANSWERS).json()["error"]["code"] == "not_served"


def test_the_counters_tablet_offers_the_ticket_it_just_served(tablet_page, server):
    tablet_page.goto(f"{server.url}/survey/loket-1")
    tablet_page.locator("#token-form").wait_for(timeout=GENEROUS)
    tablet_page.fill("#token-input", token_for("loket-1"))
    tablet_page.get_by_role("button", name="Masuk").click()
    tablet_page.get_by_text("Silakan menunggu nomor berikutnya").wait_for(timeout=GENEROUS)

    new_ticket(server)
    number = counter_does(server, "loket-1", "call_next", "finish")[0]["ticket"]["number"]
    offer = tablet_page.locator("#offer")
    offer.wait_for(timeout=GENEROUS)
    assert offer.get_by_role("heading", level=2).inner_text() == (
        f"Terima kasih telah dilayani, nomor {number}. Bagaimana pelayanan kami?"
    )
    choose(tablet_page, "t", {1: 4, 2: 3})
    tablet_page.screenshot(path=str(screenshot_folder() / "survey-tablet.png"))
    choose(tablet_page, "t", all_answers())
    tablet_page.get_by_role("combobox", name="Jenis kelamin").select_option("Perempuan")
    tablet_page.get_by_role("button", name="Kirim").click()
    tablet_page.locator("#thanks").wait_for(timeout=GENEROUS)

    results = ikm(server)
    assert results["channels"] == {"tablet": 1}
    assert results["hall"]["respondents"] == 1
    assert results["hall"]["nrr"] == pytest.approx(ANSWERS)
    assert results["profile"]["sex"] == {"Perempuan": 1}
    # After the thanks, the tablet waits for the counter's next visitor.
    tablet_page.get_by_text("Silakan menunggu nomor berikutnya").wait_for(timeout=GENEROUS)
    assert not offer.is_visible()


def test_a_wrong_token_on_the_tablet_is_asked_again(tablet_page, server):
    tablet_page.goto(f"{server.url}/survey/loket-1")
    tablet_page.fill("#token-input", "not-the-token")
    tablet_page.get_by_role("button", name="Masuk").click()
    tablet_page.locator("#token-error").get_by_text("token salah").wait_for(timeout=GENEROUS)
    assert tablet_page.locator("#token-form").is_visible()
    assert tablet_page.evaluate("localStorage.getItem('antrian.counter.loket-1.token')") is None


def test_an_unknown_counters_tablet_is_a_404_page(tablet_page, server):
    response = tablet_page.goto(f"{server.url}/survey/nope")
    assert response is not None and response.status == 404
    assert tablet_page.get_by_role("heading", level=1).inner_text() == "Loket tidak ditemukan"
