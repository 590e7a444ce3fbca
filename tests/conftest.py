"""Fixtures shared by the whole suite.

Under CI=true a skipped browser or audio test is a failure: CI must prove those paths.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess

STRICT_MARKERS = ("browser", "audio")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and any(item.get_closest_marker(m) for m in STRICT_MARKERS):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {report.longrepr}"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "antrian.toml"
    path.write_text(test_config_text(counters=4), encoding="utf-8")
    return path


@pytest.fixture
def server(tmp_path: Path, config_file: Path):
    """A real server process on the test hall config, stopped after the test."""
    process = ServerProcess(config_file, tmp_path / "data").start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Not per session: sync Playwright keeps an event loop
    running in the main thread while it is open, and pytest-asyncio tests in later modules
    would then fail with "Runner.run() cannot be called from a running event loop"."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
