"""Screenshots of the live hall view and the web counter's sign-in: `python scripts/screenshots_issue13.py`.

Runs a real server on a throwaway hall (the test hall with its roster), makes a morning's
traffic (tickets, calls, an officer signed in, a counter paused, a wait past its target), and
photographs it in Debian's Chromium: docs/screenshots/hall-view.png (1280 px),
hall-view-phone.png (412 px) and counter-sign-in.png.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.admin_area import sign_in_admin_area  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.clients import CounterConnection, issue  # noqa: E402
from tests.support.hall_config import test_config_text, token_for  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402
from tests.support.staff import ROSTER, SECRETS, set_pins  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
TARGET_MINUTES = 1  # so a wait crosses its target while the browser's clock runs ahead


async def morning(server: ServerProcess) -> None:
    """Tickets waiting, calls made, Budi signed in at Loket 1, Loket 3 paused, Wati at Loket 2."""
    for service in ["ktp"] * 6 + ["kk"] * 3 + ["jkn"] * 4:
        await issue(server.url, service)
    async with CounterConnection(server.ws_url, "loket-1") as desk:
        await desk.send("sign_in", officer="budi", pin=SECRETS["budi"])
        for _ in range(3):
            await desk.send("call_next")
        await desk.send("finish")
        await desk.send("call_next")
    async with CounterConnection(server.ws_url, "loket-2") as desk:
        await desk.send("sign_in", officer="wati", pin=SECRETS["wati"])
        await desk.send("call_next")
    async with CounterConnection(server.ws_url, "loket-3") as desk:
        await desk.send("call_next")
        await desk.send("finish")
        await desk.send("pause", reason="Istirahat")
    async with CounterConnection(server.ws_url, "loket-4") as desk:
        await desk.send("close")


def photograph(server: ServerProcess) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, width, height in (("hall-view.png", 1280, 900), ("hall-view-phone.png", 412, 915)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.clock.install()
            sign_in_admin_area(page, server.url, "kepala")
            with page.expect_websocket() as opened:
                page.goto(f"{server.url}/admin/hall")
            page.locator("#hall[data-connected='1']").wait_for()
            for _ in range(6):  # past the target, in steps the link survives (see the hall view's test)
                with opened.value.expect_event("framereceived", predicate=lambda p: '"pong"' in str(p)):
                    page.clock.fast_forward(12_000)
            page.locator("#hall-alert.shown").wait_for()
            page.screenshot(path=str(OUT / name), full_page=name == "hall-view.png")
            context.close()

        context = browser.new_context(viewport={"width": 520, "height": 900})
        page = context.new_page()
        page.goto(f"{server.url}/counter/loket-3")
        page.fill("#token-input", token_for("loket-3"))
        page.click("#token-submit")
        page.locator("#link.online").wait_for()
        page.fill("#officer-input", "ani")
        page.locator("#officer-input").focus()
        page.screenshot(path=str(OUT / "counter-sign-in.png"), full_page=True)
        context.close()
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = root / "antrian.toml"
        text = test_config_text(counters=4, extra=ROSTER)
        text = text.replace("[queue]\n", f"[queue]\ntarget_wait_minutes = {TARGET_MINUTES}\n", 1)
        config.write_text(text.replace('name = "MPP Uji"', 'name = "MPP Kabupaten Buleleng"'), encoding="utf-8")
        set_pins(config, root / "data", {k: SECRETS[k] for k in ("kepala", "budi", "wati")})
        server = ServerProcess(config, root / "data").start()
        try:
            asyncio.run(morning(server))
            photograph(server)
        finally:
            server.stop()
    for name in ("hall-view.png", "hall-view-phone.png", "counter-sign-in.png"):
        print(OUT / name)


if __name__ == "__main__":
    main()
