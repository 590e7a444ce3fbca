"""Helpers for the screen tests: drive real counters from sync Playwright tests, wait on the page."""

from __future__ import annotations

import asyncio
import concurrent.futures
import struct
import time
import zlib
from pathlib import Path

from tests.support.clients import CounterConnection, issue
from tests.support.hall_config import test_config_text

ADMIN_TOKEN = "admin-secret-token"

MEDIA_SCREEN = """
[[screens]]
id = "tv1-media"
zone = "lantai1"
layout = "media"
audio = true
title = "Media Lantai 1"
media_folder = "media"
logo = "logo.png"
"""


def run_async(coroutine):
    """Run a coroutine to completion on its own loop (sync Playwright owns this thread's loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=60)


def call_tickets(
    server, counter: str = "loket-1", service: str = "ktp", count: int = 1, action: str = "call_next"
) -> list[dict]:
    """Issue `count` tickets and call them from `counter` over its real WebSocket; returns the acks."""

    async def go() -> list[dict]:
        for _ in range(count if action == "call_next" else 0):
            await issue(server.url, service)
        acks = []
        async with CounterConnection(server.ws_url, counter) as connection:
            for _ in range(count):
                reply = await connection.send(action)
                assert reply["type"] == "ack", reply
                acks.append(reply)
        return acks

    return run_async(go())


def hero_number(page) -> str:
    return page.get_attribute("#hero", "data-number") or ""


def wait_hero(page, number: str, timeout: float = 10_000) -> None:
    page.wait_for_function(
        "n => document.getElementById('hero').getAttribute('data-number') === n", arg=number, timeout=timeout
    )


def wait_connected(page, timeout: float = 15_000) -> None:
    page.wait_for_selector("body[data-connected='1']", timeout=timeout)


def page_events(page, kind: str | None = None) -> list[dict]:
    events = page.evaluate("window.antrianEvents || []")
    return [e for e in events if kind is None or e["type"] == kind]


def rewrite_config(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def tiny_png(width: int = 64, height: int = 36, rgb: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    """A solid-colour PNG, written without any imaging library."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def write_screen_hall(folder: Path, counters: int = 4) -> Path:
    """The shared test hall plus a media screen whose playlist folder sits next to the config."""
    media = folder / "media"
    media.mkdir(exist_ok=True)
    (media / "01-info.png").write_bytes(tiny_png())
    (media / "02-clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    (folder / "secret.txt").write_text("not for screens")
    (folder / "logo.png").write_bytes(tiny_png(40, 40, (255, 200, 61)))
    path = folder / "antrian.toml"
    path.write_text(test_config_text(counters=counters, extra=MEDIA_SCREEN), encoding="utf-8")
    return path
