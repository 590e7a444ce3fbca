"""Shared bits for the counter tests: waiting on a condition, the admin's ticket list."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.system import require_or_skip

ADMIN = {"Authorization": "Bearer admin-secret-token"}


async def until(condition: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def wait_until(condition: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def tickets(base_url: str) -> list[dict]:
    response = httpx.get(f"{base_url}/api/tickets", headers=ADMIN, timeout=5)
    response.raise_for_status()
    return response.json()["tickets"]


def called_by(base_url: str, counter: str) -> list[dict]:
    return [t for t in tickets(base_url) if t["counter"] == counter and t["status"] != "waiting"]


def issue(base_url: str, service: str) -> dict:
    response = httpx.post(f"{base_url}/api/tickets", json={"service": service}, timeout=5)
    response.raise_for_status()
    return response.json()


def start_xvfb(display: int) -> subprocess.Popen:
    require_or_skip(shutil.which("Xvfb") is not None, "Xvfb is not installed (run scripts/install-system-deps)")
    process = subprocess.Popen(
        ["Xvfb", f":{display}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display}")
    wait_until(lambda: socket.exists() or process.poll() is not None, 10, "Xvfb")
    if process.poll() is not None:
        raise RuntimeError(f"Xvfb :{display} exited with {process.returncode}")
    return process


def free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number")
