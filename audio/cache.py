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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import sound
from .pack import signature

if TYPE_CHECKING:
    from .settings import Voice

log = logging.getLogger("antrian.audio")

KEY_LENGTH = 24
_KEY = re.compile(rf"^[0-9a-f]{{{KEY_LENGTH}}}$")
STALE_TEMP_SECONDS = 60.0


@dataclass(frozen=True)
class PackSettings:
    """A voice pack in use: its folder, a signature of its content, and how clips are joined."""

    folder: str
    signature: str
    gap_ms: int
    crossfade_ms: int
    fallback: str

    def as_message(self) -> dict[str, object]:
        return {
            "folder": self.folder,
            "gap_ms": self.gap_ms,
            "crossfade_ms": self.crossfade_ms,
            "fallback": self.fallback,
        }


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
    languages: tuple[str, ...] = ("id",)
    voices: tuple[str, ...] = ()  # eSpeak NG's voice for each language, in order
    pack: PackSettings | None = None

    @classmethod
    def of(cls, voice: Voice) -> Settings:
        """Reads the pack's manifest and the clips' sizes and times when a pack is set: call it when
        the voice is set, not per call."""
        from .languages import espeak_voice

        pack = None
        if voice.pack is not None:
            folder = Path(voice.pack)
            pack = PackSettings(
                str(folder), signature(folder), voice.pack_gap_ms, voice.pack_crossfade_ms, voice.pack_fallback
            )
        return cls(
            voice.enabled, voice.voice, voice.rate, voice.pitch, voice.volume, voice.chime, voice.closing_tone,
            tuple(voice.languages), tuple(espeak_voice(voice, lang) for lang in voice.languages), pack,
        )  # fmt: skip

    @property
    def plain(self) -> bool:
        """Indonesian by eSpeak NG only, as before packs and languages: the key stays the same."""
        return self.pack is None and self.languages == ("id",)


def cache_key(text: str, settings: Settings, spoken: Sequence[tuple[str, str]] = ()) -> str:
    """SPOKEN: (language, text) of each language said, when more than the Indonesian TEXT is."""
    fields: list[object] = [
        sound.SOUND_VERSION, text, settings.voice, settings.rate, settings.pitch,
        round(settings.volume, 3), settings.chime, settings.closing,
    ]  # fmt: skip
    if not settings.plain:
        pack = settings.pack
        fields += [
            [list(p) for p in spoken],
            list(settings.voices),
            None if pack is None else [pack.folder, pack.signature, pack.gap_ms, pack.crossfade_ms, pack.fallback],
        ]
    payload = json.dumps(fields, ensure_ascii=False)
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
