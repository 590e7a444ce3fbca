"""The Tk counter window's desk under Xvfb: sign in with a PIN, pause, resume, close, sign out.

Driven by real key presses (xdotool) and checked on the real server.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.hall_config import test_config_text
from tests.support.screenshots import screenshot_folder
from tests.support.staff import PINS, ROSTER, set_pins

from .helpers import issue, tickets, wait_until
from .test_counter_desk_cli import desk
from .test_counter_desktop import display, window  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser  # needs an X server: a skip is a failure under CI=true

ATTENDANCE = '\n[attendance]\nrequire_sign_in = true\npause_reasons = ["Istirahat", "Salat"]\n'


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "antrian.toml"
    path.write_text(test_config_text(counters=2, extra=ATTENDANCE + ROSTER), encoding="utf-8")
    set_pins(path, tmp_path / "data", {"budi": PINS["budi"]})  # the data folder the server fixture uses
    return path


def statuses(base_url: str) -> dict[str, str]:
    return {t["number"]: t["status"] for t in tickets(base_url)}


def test_sign_in_pause_resume_close_and_sign_out(server, window):  # noqa: F811 (fixture)
    issue(server.url, "ktp")
    issue(server.url, "ktp")
    wait_until(lambda: window.title.endswith("— Loket 1 — Buka — Antrian"), 15, "the window to connect")
    window.screenshot(screenshot_folder() / "counter-desktop-sign-in.png")

    window.press("KP_Enter")  # nobody signed in, and the hall requires it: not even sent
    window.type("budi")
    window.press("Return")
    window.type(PINS["budi"])
    window.press("Return")
    wait_until(lambda: "— Budi Santoso —" in window.title, what="the window to show the officer")
    assert (desk(server.url)["officer"] or {}).get("id") == "budi"
    assert statuses(server.url) == {"A-001": "waiting", "A-002": "waiting"}

    window.press("KP_Enter")
    wait_until(lambda: window.title.startswith("A-001"), what="A-001 called after signing in")

    window.press("F9")  # Jeda with the first of the hall's reasons
    wait_until(lambda: "— Jeda —" in window.title, what="the window to show the pause")
    assert (desk(server.url)["state"], desk(server.url)["reason"]) == ("paused", "Istirahat")
    window.screenshot(screenshot_folder() / "counter-desktop-paused.png")
    time.sleep(0.9)
    window.press("KP_Enter")  # refused while paused

    window.press("F10")  # Lanjutkan
    wait_until(lambda: "— Buka —" in window.title, what="the window to show it open again")
    assert statuses(server.url) == {"A-001": "called", "A-002": "waiting"}
    window.press("KP_Enter")
    wait_until(lambda: window.title.startswith("A-002"), what="A-002 called after the pause")

    window.press("F11")  # Tutup Loket
    wait_until(lambda: "— Tutup —" in window.title, what="the window to show it closed")
    window.press("F8")  # Keluar
    wait_until(lambda: desk(server.url)["officer"] is None, what="the sign-out")
    assert desk(server.url)["state"] == "closed"
