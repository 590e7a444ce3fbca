"""A paused or closed counter on the TVs, in Debian's Chromium against a real server (issue 13):
the grid's tile and the standard layout's list of calls say so ("Loket 1 — Istirahat")."""

from __future__ import annotations

import pytest

from tests.screens.helpers import call_tickets, run_async, wait_connected, wait_hero
from tests.support.clients import CounterConnection

pytestmark = pytest.mark.browser

PROMISE = 1_000  # ms: the promise, a paused counter appears paused within a second


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the screen page: {errors}"


def desk(server, counter: str, action: str, **fields) -> dict:
    """A desk command (pause, open, close) from the counter's real WebSocket; its ack."""

    async def go() -> dict:
        async with CounterConnection(server.ws_url, counter) as connection:
            return await connection.send(action, **fields)

    reply = run_async(go())
    assert reply["type"] == "ack", reply
    return reply


def tile(page, counter: str):
    return page.locator(f"#tiles .tile[data-counter='{counter}']")


def test_a_paused_counter_appears_paused_on_the_grid_and_resumes(page, server):
    page.goto(f"{server.url}/screen/tv1-grid")
    wait_connected(page)
    assert tile(page, "loket-1").get_attribute("data-state") == "open"

    desk(server, "loket-1", "pause", reason="Istirahat")
    paused = page.locator("#tiles .tile[data-counter='loket-1'][data-state='paused']")
    paused.wait_for(timeout=PROMISE)
    assert paused.inner_text().split("\n") == ["Loket 1", "Jeda", "Istirahat"]
    assert tile(page, "loket-3").get_attribute("data-state") == "open"  # the others as they were

    desk(server, "loket-1", "open")
    page.locator("#tiles .tile[data-counter='loket-1'][data-state='open']").wait_for(timeout=PROMISE)
    assert "Istirahat" not in tile(page, "loket-1").inner_text()


def test_a_closed_counter_shows_tutup_and_a_calling_counter_its_number_again(page, server):
    page.goto(f"{server.url}/screen/tv1-grid")
    wait_connected(page)
    desk(server, "loket-3", "close")
    closed = page.locator("#tiles .tile[data-counter='loket-3'][data-state='closed']")
    closed.wait_for(timeout=PROMISE)
    assert closed.inner_text().split("\n") == ["Loket 3", "Tutup"]

    desk(server, "loket-3", "open")
    number = call_tickets(server, "loket-3")[0]["ticket"]["number"]
    page.locator(f"#tiles .tile[data-counter='loket-3'][data-state='open'][data-number='{number}']").wait_for(
        timeout=PROMISE
    )


def test_the_standard_layouts_list_shows_a_paused_counter_by_its_reason(page, server):
    page.goto(f"{server.url}/screen/tv1")
    wait_connected(page)
    acks = call_tickets(server, "loket-1", count=2)
    wait_hero(page, acks[1]["ticket"]["number"])
    earlier = page.locator(f"#history-list li[data-number='{acks[0]['ticket']['number']}'] .dest")
    assert earlier.inner_text() == "Loket 1"

    desk(server, "loket-1", "pause", reason="Salat")
    page.locator("#history-list li[data-counter='loket-1'] .dest", has_text="Loket 1 \u2014 Salat").wait_for(
        timeout=PROMISE
    )
    desk(server, "loket-1", "open")
    page.locator("#history-list li[data-counter='loket-1'] .dest", has_text="Salat").wait_for(
        state="detached", timeout=PROMISE
    )
    assert earlier.inner_text() == "Loket 1"
