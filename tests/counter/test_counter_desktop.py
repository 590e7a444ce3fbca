"""The Tk counter window under Xvfb, driven by real key presses (xdotool), checked on the server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.screenshots import screenshot_folder
from tests.support.system import require_or_skip

from .helpers import free_display, issue, start_xvfb, tickets, wait_until

pytestmark = pytest.mark.browser  # needs an X server: a skip is a failure under CI=true


@pytest.fixture
def display():
    number = free_display()
    xvfb = start_xvfb(number)
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


@pytest.fixture
def window(server, display, tmp_path):
    require_or_skip(shutil.which("xdotool") is not None, "xdotool is not installed (run scripts/install-system-deps)")
    env = {**os.environ, "DISPLAY": display, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "display_server",
            "counter",
            "--server",
            server.url,
            "--counter",
            "loket-1",
            "--token",
            "token-loket-1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "window.log", "wb"),
    )
    window_id = ""

    def found() -> bool:
        nonlocal window_id
        result = xdo(display, "search", "--name", "Antrian", check=False)
        window_id = result.stdout.split()[0] if result.stdout.strip() else ""
        return bool(window_id)

    wait_until(found, 20, "the counter window")
    xdo(display, "windowfocus", "--sync", window_id)
    yield Window(display, window_id)
    process.terminate()
    process.wait(10)


class Window:
    def __init__(self, display: str, window_id: str):
        self.display = display
        self.id = window_id

    def press(self, *keys: str) -> None:
        xdo(self.display, "key", *keys)

    def type(self, text: str) -> None:
        xdo(self.display, "type", "--delay", "30", text)

    @property
    def title(self) -> str:
        return xdo(self.display, "getwindowname", self.id).stdout.strip()

    def screenshot(self, path) -> None:
        from PIL import ImageGrab

        geometry = dict(
            line.split("=") for line in xdo(self.display, "getwindowgeometry", "--shell", self.id).stdout.split()
        )
        x, y, w, h = (int(geometry[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        ImageGrab.grab(bbox=(x, y, x + w, y + h), xdisplay=self.display).save(path)


def xdo(display: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        check=check,
        timeout=10,
    )


def counter_current(base_url: str) -> dict | None:
    state = httpx.get(f"{base_url}/api/state", timeout=5).json()
    return next(c for c in state["counters"] if c["id"] == "loket-1")["current"]


def statuses(base_url: str) -> dict[str, str]:
    return {t["number"]: t["status"] for t in tickets(base_url)}


def test_keys_call_next_recall_and_skip(server, window):
    for _ in range(3):
        issue(server.url, "ktp")
    wait_until(lambda: "—" in window.title, 15, "the window to connect")

    window.press("KP_Enter", "KP_Enter")  # a bouncing foot switch: one ticket only
    wait_until(lambda: window.title.startswith("A-001"), what="A-001 on the window")
    assert statuses(server.url) == {"A-001": "called", "A-002": "waiting", "A-003": "waiting"}

    window.press("F2")
    wait_until(lambda: (counter_current(server.url) or {}).get("recalls") == 1, what="the recall")

    window.press("KP_Subtract")
    wait_until(lambda: statuses(server.url)["A-001"] == "no_show", what="the skip")
    wait_until(lambda: window.title.startswith("—"), what="the window to clear the ticket")

    time.sleep(0.9)  # past the double-press guard, so this is a deliberate second call
    window.press("KP_Add")
    wait_until(lambda: window.title.startswith("A-002"), what="A-002 on the window")
    assert statuses(server.url) == {"A-001": "no_show", "A-002": "called", "A-003": "waiting"}

    window.screenshot(screenshot_folder() / "counter-desktop.png")
