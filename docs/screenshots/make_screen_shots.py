"""Screenshots of the TV screens after a few calls: `python docs/screenshots/make_screen_shots.py`.

Runs a real server on a throwaway hall (45 counters on the ground floor, to show the grid
at its largest) and Debian's Chromium; writes docs/screenshots/screen-*.png.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.screens.helpers import tiny_png  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.clients import CounterConnection, issue  # noqa: E402
from tests.support.hall_config import test_config_text  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

OUT = Path(__file__).resolve().parent
RUNNING_TEXT = (
    "Selamat datang di Mal Pelayanan Publik. Siapkan KTP-el dan berkas Anda sebelum dipanggil. "
    "Layanan prioritas untuk lansia, penyandang disabilitas dan ibu hamil."
)
EXTRA_SCREENS = """
[[screens]]
id = "tv1-media"
zone = "lantai1"
layout = "media"
title = "Lantai 1"
media_folder = "media"

[[screens]]
id = "tv1-portrait"
zone = "lantai1"
layout = "standard"
orientation = "portrait"
title = "Lantai 1 - Dukcapil"
history = 7
"""
SHOTS = [
    ("screen-standard-1920x1080.png", "tv1", 1920, 1080),
    ("screen-grid-1920x1080.png", "tv1-grid", 1920, 1080),
    ("screen-media-1920x1080.png", "tv1-media", 1920, 1080),
    ("screen-standard-portrait-1080x1920.png", "tv1-portrait", 1080, 1920),
    ("screen-standard-1280x720.png", "tv1", 1280, 720),
]


def write_hall(folder: Path) -> Path:
    (folder / "media").mkdir()
    (folder / "media" / "poster.png").write_bytes(tiny_png(320, 180, (22, 66, 110)))
    text = test_config_text(counters=90, extra=EXTRA_SCREENS)
    text = text.replace('running_text = "Selamat datang di MPP Uji"', f'running_text = "{RUNNING_TEXT}"')
    text = text.replace('name = "MPP Uji"', 'name = "Mal Pelayanan Publik Kabupaten Paser"')
    path = folder / "antrian.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def make_calls(server: ServerProcess) -> None:
    """Calls spread over several counters, the last one a recall, as in a busy morning."""
    for _ in range(30):
        await issue(server.url, "ktp")
    for _ in range(6):
        await issue(server.url, "kk")
    for i, counter in enumerate(
        [
            "loket-1",
            "loket-3",
            "loket-5",
            "loket-7",
            "loket-9",
            "loket-11",
            "loket-13",
            "loket-15",
            "loket-1",
            "loket-3",
        ]
    ):
        async with CounterConnection(server.ws_url, counter) as connection:
            for _ in range(1 + i % 3):
                await connection.send("call_next")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = ServerProcess(write_hall(folder), folder / "data").start()
        try:
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, make_calls(server)).result(timeout=120)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, screen, width, height in SHOTS:
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(f"{server.url}/screen/{screen}")
                    page.wait_for_selector("body[data-connected='1']")
                    page.wait_for_timeout(7000)  # past the call flash; the ticker has moved in
                    page.screenshot(path=str(OUT / name))
                    page.close()
                    print(OUT / name)
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
