"""The WAV cache: one file per (text, sound settings), named by a hash of both.

A key is pure and cheap (a SHA-256 of a short JSON list), so the server can publish a call's
`/audio/{key}.wav` before the file exists.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import sound

if TYPE_CHECKING:
    from .settings import Voice

log = logging.getLogger("antrian.audio")

KEY_LENGTH = 24
_KEY = re.compile(rf"^[0-9a-f]{{{KEY_LENGTH}}}$")
STALE_TEMP_SECONDS = 60.0


@dataclass(frozen=True)
class Settings:
    """Everything besides the text that changes the sound, hence part of the cache key."""

    enabled: bool
    voice: str
    rate: int
    pitch: int
    volume: float
    chime: bool
    closing: bool

    @classmethod
    def of(cls, voice: Voice) -> Settings:
        return cls(voice.enabled, voice.voice, voice.rate, voice.pitch, voice.volume, voice.chime, voice.closing_tone)


def cache_key(text: str, settings: Settings) -> str:
    payload = json.dumps(
        [sound.SOUND_VERSION, text, settings.voice, settings.rate, settings.pitch,
         round(settings.volume, 3), settings.chime, settings.closing],
        ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()[:KEY_LENGTH]


def valid_key(key: str) -> bool:
    """Only 24 lowercase hex digits: a key can never name another path."""
    return bool(_KEY.match(key))


def prune(folder: Path, max_bytes: int, remove: Callable[[Path], bool]) -> None:
    """Keep FOLDER under MAX_BYTES, oldest WAVs first, down to 80 %; drop stale temp files.

    REMOVE deletes one WAV and says whether it did (the caller keeps a file still being made).
    """
    files: list[tuple[float, int, Path]] = []
    total = 0
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc)
        return
    for entry in entries:
        try:
            st = entry.stat()
        except OSError:
            continue
        if entry.name.startswith("."):  # a temp file a killed worker left behind
            if time.time() - st.st_mtime > STALE_TEMP_SECONDS:
                Path(entry.path).unlink(missing_ok=True)
            continue
        if entry.name.endswith(".wav"):
            files.append((st.st_mtime, st.st_size, Path(entry.path)))
            total += st.st_size
    if total <= max_bytes:
        return
    files.sort()
    target = max_bytes * 0.8
    for _, size, path in files:
        if total <= target:
            break
        if remove(path):
            total -= size
    log.info("audio cache pruned to %.0f MB", total / 1e6)
