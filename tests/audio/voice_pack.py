"""Voice packs for the tests, written as a hall would install them: a folder, WAV clips in
assorted formats, a manifest.toml.

- `tone_pack`: each unit is a pure tone of its own pitch and loudness, so a test can find
  every clip in an announcement by its frequency, measure the gaps between clips and compare
  their loudness, without trusting the code under test to tell it where they are.
- `recorded_pack`: each unit recorded with eSpeak NG in another voice (`id+f3`), as a hall
  records a speaker; what the pack lacks is said in the hall's own voice.

The clips come in the formats halls send: 44.1 kHz stereo, 16 kHz 24-bit, 11,025 Hz, 8 kHz
8-bit, 22,050 Hz mono, at very different volumes. They are converted here by plain sample
picking, not by the code under test.
"""

from __future__ import annotations

import math
import wave
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

RATE = 22_050


@dataclass(frozen=True)
class Format:
    rate: int
    channels: int
    width: int  # bytes per sample
    gain: float  # the clip's loudness relative to the others


# Clips are written in these formats in turn.
FORMATS = (
    Format(44_100, 2, 2, 0.25),
    Format(16_000, 1, 3, 1.6),
    Format(11_025, 1, 2, 0.6),
    Format(8_000, 1, 1, 2.2),
    Format(22_050, 1, 2, 1.0),
)


def write_wav(path: Path, samples: Sequence[float], fmt: Format) -> None:
    """SAMPLES (at 22,050 Hz, full scale 1.0) written in FMT, by picking the nearest sample."""
    count = int(len(samples) * fmt.rate / RATE)
    picked = [
        max(-0.999, min(0.999, samples[min(len(samples) - 1, int(i * RATE / fmt.rate))] * fmt.gain))
        for i in range(count)
    ]
    frames = bytearray()
    for value in picked:
        if fmt.width == 1:
            sample = bytes([int(value * 127) + 128])
        elif fmt.width == 2:
            sample = int(value * 32767).to_bytes(2, "little", signed=True)
        else:
            sample = int(value * 8_388_607).to_bytes(3, "little", signed=True)
        frames += sample * fmt.channels
    with wave.open(str(path), "wb") as f:
        f.setnchannels(fmt.channels)
        f.setsampwidth(fmt.width)
        f.setframerate(fmt.rate)
        f.writeframes(bytes(frames))


def tone(freq: float, seconds: float = 0.3, amplitude: float = 0.2, padding: float = 0.08) -> list[float]:
    """A pure tone with PADDING seconds of silence before and after, as a recording has."""
    pad = [0.0] * int(padding * RATE)
    body = [amplitude * math.sin(2 * math.pi * freq * i / RATE) for i in range(int(seconds * RATE))]
    return pad + body + pad


def write_manifest(folder: Path, tables: dict[str, dict[str, str]], name: str = "Pack uji") -> None:
    lines = [f'name = "{name}"']
    for language, units in tables.items():
        lines += ["", f"[{language}]"] + [f'"{unit}" = "{file}"' for unit, file in units.items()]
    (folder / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def tone_pack(folder: Path, tones: dict[str, float], language: str = "id") -> dict[str, float]:
    """A pack whose unit UNIT is a tone at TONES[UNIT] Hz; each clip in the next of `FORMATS`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for i, (unit, freq) in enumerate(tones.items()):
        name = f"{language}-{i:02d}.wav"
        write_wav(folder / name, tone(freq), FORMATS[i % len(FORMATS)])
        files[unit] = name
    write_manifest(folder, {language: files})
    return tones


def read_speech(path: Path, skip_seconds: float) -> array:
    """The samples of an announcement WAV after its chime (SKIP_SECONDS), as 16-bit mono."""
    with wave.open(str(path)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getcomptype()) == (1, 2, RATE, "NONE")
        f.readframes(int(skip_seconds * RATE))
        return array("h", f.readframes(f.getnframes()))


@dataclass(frozen=True)
class Segment:
    start: int
    end: int  # sample after the last
    freq: float  # from zero crossings
    rms: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start) / RATE


def segments(samples: Sequence[int], *, silence: int = 150, min_gap_ms: float = 25) -> list[Segment]:
    """Stretches of sound separated by at least MIN_GAP_MS of samples quieter than SILENCE."""
    min_gap = int(min_gap_ms * RATE / 1000)
    out: list[Segment] = []
    start = last_loud = None
    for i, value in enumerate(samples):
        if abs(value) >= silence:
            if start is None:
                start = i
            elif i - last_loud > min_gap:  # type: ignore[operator]
                out.append(_segment(samples, start, last_loud + 1))  # type: ignore[operator]
                start = i
            last_loud = i
    if start is not None:
        out.append(_segment(samples, start, last_loud + 1))  # type: ignore[operator]
    return out


def _segment(samples: Sequence[int], start: int, end: int) -> Segment:
    body = samples[start:end]
    crossings = sum(1 for a, b in zip(body, body[1:], strict=False) if (a < 0) != (b < 0))
    rms = math.sqrt(sum(v * v for v in body) / max(1, len(body)))
    return Segment(start, end, crossings / 2 / max(1e-9, len(body) / RATE), rms)


def name_of(segment: Segment, tones: dict[str, float], tolerance: float = 0.03) -> str | None:
    """The unit whose tone SEGMENT is, or None (speech, not one of the pack's tones)."""
    for unit, freq in tones.items():
        if abs(segment.freq - freq) <= freq * tolerance:
            return unit
    return None


def named(found: Iterable[Segment], tones: dict[str, float]) -> list[str]:
    """Each segment's unit; runs of segments that are no tone become one "<speech>"."""
    out: list[str] = []
    for segment in found:
        name = name_of(segment, tones) or "<speech>"
        if not (name == "<speech>" and out and out[-1] == "<speech>"):
            out.append(name)
    return out
