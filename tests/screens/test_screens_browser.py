"""TV screens in a real headless Chromium against a real server process."""

from __future__ import annotations

import httpx
import pytest

from tests.screens.helpers import (
    ADMIN_TOKEN,
    call_tickets,
    page_events,
    rewrite_config,
    wait_connected,
    wait_hero,
    wait_until,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    # wait_for_function evaluates a string, which the pages' CSP (no 'unsafe-eval') refuses;
    # the CSP itself is proved in tests/proof/test_proof_headers.py.
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the screen page: {errors}"


def open_screen(page, server, screen_id: str):
    page.goto(f"{server.url}/screen/{screen_id}")
    wait_connected(page)
    return page


@pytest.mark.parametrize("screen_id", ["tv1", "tv1-grid", "tv1-media"])
def test_a_counter_call_appears_on_every_layout(page, server, screen_id):
    open_screen(page, server, screen_id)
    ack = call_tickets(server, "loket-1")[0]
    number = ack["ticket"]["number"]
    wait_hero(page, number)
    assert page.inner_text("#hero-number") == number
    assert "Loket 1" in page.inner_text("#hero-dest")
    assert page.inner_text("#hero-service") == "KTP Elektronik"
    assert any(e["detail"] == number for e in page_events(page, "call-shown"))
    if screen_id == "tv1-grid":
        tile = page.locator("#tiles .tile[data-counter='loket-1']")
        assert tile.get_attribute("data-number") == number
        assert page.locator("#tiles .tile").count() == 2  # loket-1 and loket-3 are on lantai1


def test_history_shifts_and_a_recall_flashes_again(page, server):
    open_screen(page, server, "tv1")
    acks = call_tickets(server, "loket-1", count=3)
    numbers = [a["ticket"]["number"] for a in acks]
    wait_hero(page, numbers[-1])
    history = page.eval_on_selector_all("#history-list li[data-number]", "rows => rows.map(r => r.dataset.number)")
    assert history == [numbers[1], numbers[0]]
    first_call = page.get_attribute("#hero", "data-call-id")
    call_tickets(server, "loket-1", action="recall")
    page.wait_for_function("id => document.getElementById('hero').dataset.callId !== id", arg=first_call)
    assert "recall" in page.get_attribute("#hero", "class")
    assert "flash" in page.get_attribute("#hero", "class")
    # The recalled ticket is not listed twice.
    history = page.eval_on_selector_all("#history-list li[data-number]", "rows => rows.map(r => r.dataset.number)")
    assert history == [numbers[1], numbers[0]]


def test_two_quick_calls_are_announced_in_order_without_overlap(page, server):
    open_screen(page, server, "tv1")
    page.wait_for_selector("body[data-audio='ok']")
    acks = call_tickets(server, "loket-1", count=2)
    wait_hero(page, acks[1]["ticket"]["number"])
    calls = page.evaluate("window.antrianScreen.state.calls.map(c => [c.id, c.number])")
    by_number = {number: call_id for call_id, number in calls}
    ids = [by_number[a["ticket"]["number"]] for a in acks]

    def settled():
        done = {e["id"] for e in page_events(page) if e["type"] in ("audio-end", "audio-skip", "audio-stalled")}
        return all(i in done for i in ids)

    assert wait_until(settled, timeout=60), page_events(page)
    events = [e for e in page_events(page) if e["id"] in ids and e["type"].startswith("audio-")]
    attempts = [e["id"] for e in events if e["type"] == "audio-attempt"]
    assert attempts[0] == ids[0] and ids[1] in attempts
    assert attempts.index(ids[1]) > max(i for i, e in enumerate(attempts) if e == ids[0])  # FIFO
    starts = [e["id"] for e in events if e["type"] == "audio-start"]
    if starts:  # real speech: both played, the second only after the first ended
        assert starts == ids
        kinds = [(e["type"], e["id"]) for e in events if e["type"] in ("audio-start", "audio-end")]
        assert kinds == [("audio-start", ids[0]), ("audio-end", ids[0]), ("audio-start", ids[1]), ("audio-end", ids[1])]

    # A reload does not announce the same calls again.
    page.reload()
    wait_connected(page)
    page.wait_for_timeout(1500)
    assert not [e for e in page_events(page, "audio-queued") if e["id"] in ids]


def test_old_calls_are_shown_but_not_announced(page, server, config_file):
    rewrite_config(config_file, 'title = "Lantai 1"', 'title = "Lantai 1"\nannounce_max_age_seconds = 0')
    assert wait_until(lambda: '"announce_max_age_seconds": 0' in httpx.get(f"{server.url}/screen/tv1").text, 5)
    ack = call_tickets(server, "loket-1")[0]
    page.wait_for_timeout(300)
    open_screen(page, server, "tv1")
    wait_hero(page, ack["ticket"]["number"])
    page.wait_for_selector("body[data-audio='ok']")
    page.wait_for_timeout(1000)
    assert not page_events(page, "audio-queued")


def test_the_page_recovers_by_itself_after_a_server_restart(page, server):
    open_screen(page, server, "tv1")
    server.restart()
    # Shown while the server is away, then gone once the page has reconnected by itself.
    wait_connected(page, timeout=20_000)
    assert page_events(page, "disconnected")
    ack = call_tickets(server, "loket-1")[0]
    wait_hero(page, ack["ticket"]["number"], timeout=15_000)
    assert page.locator("#badge").is_hidden()


def test_connection_loss_shows_the_badge_and_keeps_the_data(page, server):
    open_screen(page, server, "tv1")
    ack = call_tickets(server, "loket-1")[0]
    wait_hero(page, ack["ticket"]["number"])
    server.stop()
    page.wait_for_selector("#badge", state="visible", timeout=15_000)
    assert "Koneksi terputus" in page.inner_text("#badge")
    assert page.get_attribute("#hero", "data-number") == ack["ticket"]["number"]
    server.start()
    wait_connected(page, timeout=20_000)
    assert page.locator("#badge").is_hidden()


def test_a_gap_in_seq_makes_the_page_resync(page, server):
    open_screen(page, server, "tv1")
    snapshots = len(page_events(page, "snapshot"))
    page.evaluate("window.antrianScreen.connection.lastSeq = -5")  # as if a message had been lost
    ack = call_tickets(server, "loket-1")[0]
    wait_hero(page, ack["ticket"]["number"])
    assert page_events(page, "gap")
    assert wait_until(lambda: len(page_events(page, "snapshot")) > snapshots, 10)


def test_a_config_edit_changes_the_running_text_live(page, server, config_file):
    open_screen(page, server, "tv1")
    assert page.get_attribute("#ticker-text", "data-text") == "Selamat datang di MPP Uji"
    loads = page.evaluate("performance.getEntriesByType('navigation').length")
    rewrite_config(
        config_file, 'running_text = "Selamat datang di MPP Uji"', 'running_text = "Loket tutup pukul 15.00 WITA"'
    )
    page.wait_for_function(
        "document.getElementById('ticker-text').getAttribute('data-text') === 'Loket tutup pukul 15.00 WITA'",
        timeout=2_000 + 1_000,  # 2 s is the promise; the watcher polls every 0.5 s
    )
    assert page.evaluate("performance.getEntriesByType('navigation').length") == loads
    assert not page_events(page, "reload")


def test_a_theme_edit_is_applied_without_reload(page, server, config_file):
    open_screen(page, server, "tv1")
    rewrite_config(config_file, 'title = "Lantai 1"', 'title = "Lantai Satu"\ntheme = { accent = "#00ff00" }')
    page.wait_for_function("document.getElementById('screen-title').textContent === 'Lantai Satu'", timeout=5_000)
    colour = page.evaluate("getComputedStyle(document.getElementById('hero-number')).color")
    assert colour == "rgb(0, 255, 0)"


def test_an_invalid_edit_is_rejected_and_shown_on_the_status_page(page, server, config_file):
    open_screen(page, server, "tv1")
    rewrite_config(config_file, 'layout = "grid"', 'layout = "gird"')
    page.goto(f"{server.url}/admin/screens?token={ADMIN_TOKEN}")

    def problem_shown():
        page.reload()
        return page.locator("#config-problems").count() > 0

    assert wait_until(problem_shown, timeout=10, interval=0.5)
    assert "screens.1.layout" in page.inner_text("#config-problems")
    # The previous config stays in force: the screen still works.
    screen = page.context.new_page()
    open_screen(screen, server, "tv1-grid")
    assert screen.get_attribute("body", "data-layout") == "grid"


def test_status_page_shows_online_screens_and_their_audio(page, server, browser):
    tv = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        open_screen(tv, server, "tv1")
        tv.wait_for_selector("body[data-audio='ok']")
        page.goto(f"{server.url}/admin/screens?token={ADMIN_TOKEN}")

        def online():
            page.reload()
            row = page.locator("tr[data-screen='tv1']")
            return row.get_attribute("data-online") == "1" and row.get_attribute("data-audio") == "ok"

        assert wait_until(online, timeout=10, interval=0.5)
        assert page.locator("tr[data-screen='tv2']").get_attribute("data-online") == "0"
    finally:
        tv.close()


def test_blocked_autoplay_asks_for_a_key_press(server, browser):
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    args = [a for a in CHROMIUM_ARGS if not a.startswith("--autoplay-policy")] + [
        "--autoplay-policy=document-user-activation-required"
    ]
    strict = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        page = strict.new_page()
        open_screen(page, server, "tv1")
        page.wait_for_selector("body[data-audio='blocked']", timeout=10_000)
        assert "mengaktifkan suara" in page.inner_text("#unlock")
        page.keyboard.press("Enter")
        page.wait_for_selector("body[data-audio='ok']", timeout=10_000)
        assert page.locator("#unlock").is_hidden()
    finally:
        strict.close()


def test_unknown_screen_page_in_the_browser(page, server):
    response = page.goto(f"{server.url}/screen/lantai9")
    assert response.status == 404
    assert page.locator("a[href='/screen/tv1']").count() == 1


@pytest.mark.parametrize(
    "screen_id, width, height",
    [("tv1", 1920, 1080), ("tv1", 1280, 720), ("tv1", 1080, 1920), ("tv1-media", 1920, 1080), ("tv1-grid", 1920, 1080)],
)
def test_the_hero_number_is_big_and_nothing_overflows(browser, server, screen_id, width, height):
    call_tickets(server, "loket-1", count=2)
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        open_screen(page, server, screen_id)
        size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('hero-number')).fontSize)")
        assert size >= 0.14 * height, f"hero number {size}px on a {height}px screen"
        overflowing = page.evaluate(
            """() => Array.from(document.querySelectorAll('.fit, .t-num, #history-list li, #site-name, #clock-time, #clock-date'))
                 .filter(el => el.offsetParent !== null && (el.scrollWidth > el.clientWidth + 1))
                 .map(el => el.id || el.className)"""
        )
        assert not overflowing
        outside = page.evaluate(
            """() => Array.from(document.querySelectorAll('.panel, #top, #ticker, .tile'))
                 .filter(el => el.offsetParent !== null)
                 .map(el => el.getBoundingClientRect())
                 .filter(r => r.left < 20 || r.top < 20 || r.right > innerWidth - 20 || r.bottom > innerHeight - 20).length"""
        )
        assert outside == 0  # overscan margin kept everywhere
    finally:
        page.close()
