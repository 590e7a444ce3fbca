"""Fixtures shared by the whole suite.

Under CI=true a skipped browser, audio, PostgreSQL or nginx test is a failure: CI must prove those
paths.
"""

from __future__ import annotations

import compileall
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from display_server.store import SqliteStore, Store
from display_server.store.postgres import PostgresStore
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.hall_config import test_config_text
from tests.support.nginx import Nginx, require_nginx
from tests.support.postgres import PostgresServer, require_postgres
from tests.support.server import ServerProcess

STRICT_MARKERS = ("browser", "audio", "postgres", "nginx")
ROOT = Path(__file__).resolve().parent.parent


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile Antrian's modules once for the whole run. Each of the hundreds of servers the suite
    starts imports them; with PYTHONDONTWRITEBYTECODE set (as it is on the machines here) none of them
    would write its bytecode, and each would compile the same 100 modules again (0.2 s a start).
    Reading bytecode that is there is allowed either way."""
    for package in ("display_server", "audio", "counter_client"):
        compileall.compile_dir(ROOT / package, quiet=1)


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL for the session (Debian's binaries); each test gets its own database."""
    server = PostgresServer(require_postgres()).start()
    yield server
    server.close()


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database, dropped after the test."""
    postgres_server.start()  # a test before this one may have stopped or killed the server
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield postgres_server.create_database(name)
    if postgres_server.running:
        postgres_server.drop_database(name)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Callable[[list[int]], Nginx]]:
    """Starts nginx in front of the given upstream ports: `balancer = nginx([a.port, b.port])`."""
    binary = require_nginx()
    started: list[Nginx] = []

    def start(upstream_ports: list[int]) -> Nginx:
        balancer = Nginx(upstream_ports, tmp_path / f"nginx-{len(started)}", binary).start()
        started.append(balancer)
        return balancer

    yield start
    for balancer in started:
        balancer.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """New, unopened stores on one hall's data, once on SQLite and once on PostgreSQL: the
    hall-level tests that take it hold for both stores. Each call is a store a restart would open."""
    if request.param == "sqlite":
        return lambda: SqliteStore(tmp_path / "antrian.sqlite3")
    dsn = request.getfixturevalue("postgres_dsn")
    return lambda: PostgresStore(dsn)
