"""Kiosk test fixtures: a fake ESC/POS network printer and a server whose kiosks print to it."""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
from pathlib import Path

import pytest

from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess, free_port


class FakePrinter:
    """A TCP listener on 127.0.0.1 that keeps every connection's bytes, like a raw port-9100 printer."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.received = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        data = b""
        with conn:
            conn.settimeout(10)
            try:
                while chunk := conn.recv(65536):
                    data += chunk
            except OSError:
                pass
        with self.received:
            self.jobs.append(data)
            self.received.notify_all()

    def wait_for_job(self, containing: bytes, timeout: float = 10.0) -> bytes:
        with self.received:
            self.received.wait_for(lambda: any(containing in j for j in self.jobs), timeout)
            return next(j for j in self.jobs if containing in j)

    def close(self) -> None:
        self.sock.close()


def kiosk_config(printer_port: int, dead_port: int) -> str:
    return test_config_text(
        counters=4,
        extra=f"""
[[kiosks]]
id = "lobi"
name = "Kiosk Lobi"
printer = {{ kind = "network", host = "127.0.0.1", port = {printer_port} }}
print_timeout_seconds = 5

[[kiosks]]
id = "rusak"
name = "Kiosk Printer Mati"
printer = {{ kind = "network", host = "127.0.0.1", port = {dead_port} }}
print_timeout_seconds = 3

[[kiosks]]
id = "bpjs"
name = "Kiosk BPJS"
agencies = ["bpjs-kes"]

[[services]]
id = "arsip"
name = "Legalisir Arsip"
agency = "dukcapil"
prefix = "L"
[services.schedule]
days = []
""",
    )


@pytest.fixture
def fake_printer():
    printer = FakePrinter()
    yield printer
    printer.close()


@pytest.fixture
def kiosk_server(tmp_path: Path, fake_printer: FakePrinter):
    """A real server with three kiosks: one printing to the fake printer, one to a closed port, one browser-printing."""
    path = tmp_path / "antrian.toml"
    path.write_text(kiosk_config(fake_printer.port, free_port()), encoding="utf-8")
    process = ServerProcess(path, tmp_path / "data").start()
    yield process
    process.stop()


def in_own_loop(test):
    """Run an async test with asyncio.run in its own thread.

    The session's Playwright browser (sync API) keeps an event loop in the main thread, so
    pytest-asyncio cannot run coroutines there once a browser test has started.
    """

    @functools.wraps(test)
    def run(*args, **kwargs):
        outcome: dict = {}

        def target() -> None:
            try:
                asyncio.run(test(*args, **kwargs))
            except BaseException as exc:  # re-raised in the test's thread
                outcome["error"] = exc

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]

    return run
