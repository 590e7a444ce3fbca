"""Clips into one voice: read any common WAV, make it PCM mono 16-bit 22,050 Hz, trim its
silence, match its loudness, fade its edges, and join clips with gaps or a crossfade.

Plain Python on `array("h")` (no numpy): a clip is prepared once per worker and kept, and a
join only copies arrays and touches the few samples of each fade.
"""

from __future__ import annotations

import math
import operator
import sys
import wave
from array import array
from collections.abc import Iterable, Sequence
from itertools import repeat
from pathlib import Path

from .sound import RATE

# The loudness every clip and every eSpeak piece is brought to: RMS of the speech (quiet
# frames left out) at -20 dBFS, near eSpeak NG's own, so the chime keeps its place beside it.
TARGET_RMS = 0.1 * 32767
PEAK_CEILING = 32000  # a quiet clip is never raised so far that it clips
MIN_FADE_MS = 3  # even with no crossfade, an edge is never a click
_FRAME = RATE // 100  # 10 ms
_GATE_DB = 35.0  # frames this far below the loudest are pauses, not speech
_TRIM_RATIO = 0.03  # leading and trailing samples below 3 % of the peak are silence
_TRIM_MARGIN = RATE // 200  # 5 ms kept around the speech
_SAME_GAIN = 0.055  # within 0.5 dB of the target: not worth a pass over the samples


def ms(milliseconds: float) -> int:
    """Samples at 22,050 Hz."""
    return round(milliseconds * RATE / 1000)


def read_wav(path: Path) -> array:
    """Any PCM WAV (8, 16, 24 or 32-bit; mono or stereo; any rate) as mono 16-bit 22,050 Hz."""
    with wave.open(str(path), "rb") as f:
        channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
        frames = f.readframes(f.getnframes())
    samples = _sixteen_bit(frames, width)
    if channels > 1:
        samples = _mono(samples, channels)
    return resample(samples, rate)


def _sixteen_bit(frames: bytes, width: int) -> array:
    if width == 1:  # unsigned 8-bit
        return array("h", ((v - 128) << 8 for v in frames))
    if width not in (2, 3, 4):
        raise ValueError(f"unsupported sample width: {8 * width} bit")
    if width == 2:
        data = frames
    else:  # keep the two most significant bytes of each little-endian sample
        out = bytearray(len(frames) // width * 2)
        out[0::2] = frames[width - 2 :: width]
        out[1::2] = frames[width - 1 :: width]
        data = bytes(out)
    samples = array("h", data[: len(data) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _mono(samples: array, channels: int) -> array:
    # map() over whole lanes runs in C: several times faster than a loop over frames.
    lanes = [samples[c::channels] for c in range(channels)]
    if channels == 2:
        return array("h", map(operator.rshift, map(operator.add, lanes[0], lanes[1]), repeat(1)))
    total: Iterable[int] = lanes[0]
    for lane in lanes[1:]:
        total = map(operator.add, total, lane)
    return array("h", map(operator.floordiv, total, repeat(channels)))


def resample(samples: array, rate: int, to: int = RATE) -> array:
    """Linear interpolation; when going down, a moving average first keeps aliasing low.
    Twice the rate (44.1 kHz) is the mean of each pair, which is both, and fast."""
    if rate == to or not samples:
        return array("h", samples)
    if rate == 2 * to:
        return array("h", map(operator.rshift, map(operator.add, samples[0::2], samples[1::2]), repeat(1)))
    values: Sequence[float] = samples
    if rate > to:
        width = max(1, round(rate / to))
        if width > 1:
            values = _moving_average(samples, width)
    step = rate / to
    last = len(values) - 1
    count = int(len(values) / step)
    out = array("h", bytes(2 * count))
    for i in range(count):
        pos = i * step
        j = int(pos)
        frac = pos - j
        a = values[j]
        b = values[j + 1] if j < last else a
        out[i] = int(a + (b - a) * frac)
    return out


def _moving_average(samples: array, width: int) -> list[float]:
    total = 0
    out: list[float] = []
    for i, v in enumerate(samples):
        total += v
        if i >= width:
            total -= samples[i - width]
        out.append(total / min(i + 1, width))
    return out


def peak(samples: array) -> int:
    return max(max(samples), -min(samples)) if samples else 0


def trimmed(samples: array) -> array:
    """Without the silence a recording starts and ends with (a few ms kept). The threshold is
    relative to the peak of every fourth sample: close enough, and four times faster."""
    peak_ = peak(samples[::4])
    if peak_ == 0:
        return samples
    threshold = peak_ * _TRIM_RATIO
    start = _first_loud(samples, threshold)
    end = len(samples) - _first_loud(samples[::-1], threshold)
    return samples[max(0, start - _TRIM_MARGIN) : min(len(samples), end + _TRIM_MARGIN)]


def _first_loud(samples: array, threshold: float) -> int:
    """The index of the first sample louder than THRESHOLD (one exists): the 10 ms frame is
    found with max()/min() in C, the sample within it in Python."""
    for at in range(0, len(samples), _FRAME):
        frame = samples[at : at + _FRAME]
        if max(frame) > threshold or -min(frame) > threshold:
            return at + next(i for i, v in enumerate(frame) if abs(v) > threshold)
    return 0


def loudness(samples: array) -> float:
    """RMS of the speech in SAMPLES: 10 ms frames more than 35 dB below the loudest are left out.
    Every second sample is enough for an RMS, and twice as fast."""
    every_other = samples[::2]
    half = _FRAME // 2
    frames = [every_other[i : i + half] for i in range(0, len(every_other), half)]
    energies = [sum(map(operator.mul, frame, frame)) / len(frame) for frame in frames]
    if not energies or max(energies) == 0:
        return 0.0
    gate = max(energies) * 10 ** (-_GATE_DB / 10)
    loud = [e for e in energies if e >= gate]
    return math.sqrt(sum(loud) / len(loud))


def normalised(samples: array, target: float = TARGET_RMS) -> array:
    """SAMPLES at loudness TARGET (within 0.5 dB), never raised past the peak ceiling."""
    level = loudness(samples)
    if level == 0:
        return array("h", samples)
    gain = target / level
    if abs(gain - 1) < _SAME_GAIN:  # eSpeak NG often speaks that near the target already
        return array("h", samples)
    if gain > 1:  # only a louder clip can reach the ceiling
        gain = min(gain, PEAK_CEILING / peak(samples))
    # Fixed point, all in C: the product of a sample and the gain never leaves the ceiling.
    return array("h", map(operator.rshift, map(operator.mul, samples, repeat(round(gain * 32768))), repeat(15)))


def faded(samples: array, length: int) -> array:
    """Linear fade-in and fade-out over LENGTH samples at each edge."""
    out = array("h", samples)
    n = min(length, len(out) // 2)
    for i in range(n):
        out[i] = int(out[i] * i / n)
        out[-1 - i] = int(out[-1 - i] * i / n)
    return out


def prepared(samples: array, *, target: float = TARGET_RMS, fade_ms: float = 10) -> array:
    """A clip or an eSpeak piece ready to join: trimmed, loudness-matched, edges faded."""
    return faded(normalised(trimmed(samples), target), ms(max(fade_ms, MIN_FADE_MS)))


def join(items: Sequence[array | int], *, gap: int, crossfade: int) -> array:
    """Sounds (prepared arrays) in order, GAP samples of silence between two; an int in ITEMS
    is a pause that replaces the gap there (a comma, a full stop). With a gap of 0 the next
    sound starts CROSSFADE samples before the last ends, their faded edges overlapping."""
    out = array("h")
    pause: int | None = None
    for item in items:
        if isinstance(item, int):
            pause = max(pause or 0, item)
            continue
        if out and item:
            silence = gap if pause is None else pause
            if silence > 0:
                out.extend(array("h", bytes(2 * silence)))
            elif crossfade > 0:
                overlap = min(crossfade, len(out), len(item))
                tail = len(out) - overlap
                for i in range(overlap):
                    out[tail + i] = max(-32767, min(32767, out[tail + i] + item[i]))
                item = item[overlap:]
        out.extend(item)
        pause = None
    return out


def to_bytes(samples: array) -> bytes:
    """Little-endian PCM, as a WAV holds it."""
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def from_bytes(frames: bytes) -> array:
    samples = array("h", frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples
