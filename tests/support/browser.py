"""Debian's Chromium driven by Playwright: never a downloaded browser."""

from __future__ import annotations

import os
import shutil

from tests.support.system import require_or_skip

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google's hosts at start-up on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def require_chromium() -> None:
    installed = os.path.exists(CHROMIUM) or shutil.which("chromium") is not None
    require_or_skip(installed, "Debian's chromium is not installed (run scripts/install-system-deps)")
