"""Our own chime and the announcement WAV: PCM mono 16-bit 22,050 Hz, safe on old TV browsers.

The chime is synthesised here (two decaying bell tones, "ding-dong") so the project ships
no third-party sound file.
"""

from __future__ import annotations

import math
import os
import sys
import wave
from array import array
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

RATE = 22_050
WIDTH = 2  # bytes per sample
CHANNELS = 1
# Bumped whenever the chime or the layout of an announcement changes: it is part of the
# cache key, so old files are not served for the new sound.
SOUND_VERSION = 1

_PARTIALS = ((1.0, 1.0), (2.0, 0.32), (3.0, 0.12), (4.2, 0.05))  # bell-like overtones


def _bell(samples: list[float], start: float, freq: float, length: float, decay: float, amp: float) -> None:
    first = int(start * RATE)
    attack = int(0.006 * RATE)  # a few ms of fade-in avoids a click
    for i in range(min(int(length * RATE), len(samples) - first)):
        t = i / RATE
        envelope = amp * math.exp(-t / decay) * min(1.0, i / attack if attack else 1.0)
        value = sum(weight * math.sin(2 * math.pi * freq * ratio * t) for ratio, weight in _PARTIALS)
        samples[first + i] += envelope * value


def _pcm(samples: list[float], fade_out: float = 0.05) -> bytes:
    tail = int(fade_out * RATE)
    n = len(samples)
    out = array("h")
    for i, value in enumerate(samples):
        if i >= n - tail:
            value *= (n - i) / tail
        out.append(max(-32767, min(32767, int(value * 32767))))
    if sys.byteorder == "big":  # WAV is little-endian
        out.byteswap()
    return out.tobytes()


@lru_cache(maxsize=1)
def chime() -> bytes:
    """Ding (E5) then dong (C5), about 1.6 s; peak near -6 dBFS so speech stays the loudest part."""
    samples = [0.0] * int(1.6 * RATE)
    _bell(samples, 0.0, 659.25, 1.0, 0.32, 0.36)
    _bell(samples, 0.42, 523.25, 1.18, 0.45, 0.36)
    return _pcm(samples)


@lru_cache(maxsize=1)
def closing_tone() -> bytes:
    """One soft low bell (G4), about 0.9 s, marking the end of the announcement."""
    samples = [0.0] * int(0.9 * RATE)
    _bell(samples, 0.0, 392.0, 0.9, 0.3, 0.28)
    return _pcm(samples)


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * RATE) * WIDTH)


def read_pcm(path: Path) -> bytes:
    """Frames of a WAV that must already be PCM mono 16-bit 22,050 Hz (eSpeak's output)."""
    with wave.open(str(path), "rb") as f:
        if (f.getnchannels(), f.getsampwidth(), f.getframerate()) != (CHANNELS, WIDTH, RATE):
            raise ValueError(
                f"unexpected speech format: {f.getnchannels()} ch, {8 * f.getsampwidth()} bit, {f.getframerate()} Hz"
            )
        return f.readframes(f.getnframes())


def announcement(speech: bytes, *, with_chime: bool, with_closing: bool) -> bytes:
    parts = []
    if with_chime:
        parts += [chime(), silence(0.15)]
    parts.append(speech)
    if with_closing:
        parts += [silence(0.2), closing_tone()]
    return b"".join(parts)


def write_atomic(path: Path, frames: bytes) -> None:
    """Write a WAV so a reader never sees half a file: temp file in the same folder, synced to
    disk, then renamed. Synced here, right after the call was pushed, the WAV's blocks and
    metadata are written in the worker's time. Left to the kernel, they went out with the
    server's next commit (its fsync) or a writeback 30 s later, and slowed a counter's ack;
    and after a power cut an unsynced new file can come back empty under its final name."""

    def wav(file: BinaryIO) -> None:
        with wave.open(file, "wb") as f:
            f.setnchannels(CHANNELS)
            f.setsampwidth(WIDTH)
            f.setframerate(RATE)
            f.writeframes(frames)

    write_synced(path, wav)


def write_synced(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """WRITE's bytes under PATH, whole or absent: a temp file in the same folder, synced, then
    renamed."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
