"""What the announcer tests share: waiting for the voice's thread, and saying a sentence."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from antrian_voice import Announcer


async def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def said(announcer: Announcer, text: str) -> Path:
    """Announce TEXT and wait for its WAV."""
    announcer.announce(text)
    path = await announcer.wav(announcer.key(text), timeout=30.0)
    assert path is not None, f"no WAV for {text!r}"
    return path
