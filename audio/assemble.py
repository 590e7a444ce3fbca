"""The speech of one announcement, in the worker process: eSpeak NG alone, or a voice pack's
clips joined, with eSpeak NG for what the pack lacks; one language after the other.

It runs in the worker, not in the server: preparing clips (resampling, loudness) is plain
Python and would hold the server's GIL; in the worker it runs at a lower priority, beside
eSpeak, and a broken clip can only fail one job.
"""

from __future__ import annotations

import logging
import wave
from array import array
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import mix
from .pack import Clip, Manifest, Missing, PackError, Pause, read_manifest, split

log = logging.getLogger("antrian.audio.worker")

COMMA_PAUSE_MS = 250
STOP_PAUSE_MS = 450
LANGUAGE_PAUSE_MS = 700  # between the Indonesian call and the English one
_SAID_LIMIT = 512  # eSpeak pieces kept for reuse (a missing word comes back call after call)

# (text, eSpeak voice) -> PCM mono 16-bit 22,050 Hz frames
Synthesise = Callable[[str, str], bytes]


class Assembler:
    def __init__(self) -> None:
        self._synthesise: Synthesise = _no_synthesis
        self._manifests: dict[str, tuple[tuple[int, int], Manifest]] = {}
        # A clip's path, loudness and fade -> (its size and time when prepared, the prepared samples)
        self._clips: dict[tuple[Path, float, int], tuple[tuple[int, int], array]] = {}
        self._said: OrderedDict[tuple[str, str, float, int, tuple[object, ...]], array] = OrderedDict()
        self._style: tuple[object, ...] = ()
        self._to_prepare: list[tuple[Path, float, int]] = []  # clips of the packs in use, not yet prepared
        # Every pack told of, as (folder, loudness, fade, manifest's stamp): the halls of one server
        # share this worker, each with its own pack.
        self._expected: set[tuple[str, float, int, tuple[int, int]]] = set()

    def expect(self, pack: Mapping[str, Any], volume: float) -> None:
        """A pack the next calls use: its clips are prepared ahead, one at a time, by
        `prepare_next()` while the worker is idle. Packs told of before stay prepared."""
        target, fade = mix.TARGET_RMS * volume, int(pack["crossfade_ms"])
        folder = Path(pack["folder"])
        try:
            manifest = self._manifest(folder)
        except (OSError, PackError) as exc:
            log.warning("voice pack unusable: %s", exc)
            return
        expected = (str(folder), target, fade, self._manifests[str(folder)][0])  # an edited manifest is new
        if expected not in self._expected:
            self._expected.add(expected)
            self._to_prepare += [(clip, target, fade) for clip in manifest.files()]

    def unprepared(self) -> int:
        return len(self._to_prepare)

    def prepare_next(self) -> None:
        clip, target, fade = self._to_prepare.pop()
        try:
            self._clip(clip, target, fade)
        except (OSError, PackError) as exc:  # said again, and logged, when a call needs it
            log.warning("%s", exc)

    def speech(
        self,
        parts: Sequence[Mapping[str, str]],
        pack: Mapping[str, Any] | None,
        volume: float,
        style: tuple[object, ...] = (),
        *,
        synthesise: Synthesise,
    ) -> tuple[bytes, list[str]]:
        """PARTS: {"language", "text", "voice"} each; STYLE: what else changes eSpeak's sound
        (rate, pitch); SYNTHESISE says a text in a voice. The frames, and "language: word" for
        each word the pack lacked. Prepared clips and eSpeak pieces are kept for the next job."""
        self._synthesise, self._style = synthesise, style
        if pack is None:
            spoken = [self._synthesise(p["text"], p["voice"]) for p in parts]
            return _joined_raw(spoken), []
        self.expect(pack, volume)
        try:
            tables: Mapping[str, Mapping[str, Path]] = self._manifest(Path(pack["folder"])).units
        except (OSError, PackError) as exc:  # a pack gone or broken must not silence the hall
            log.error("voice pack unusable (%s); eSpeak NG says the call", exc)
            tables = {}
        target = mix.TARGET_RMS * volume
        fade = int(pack["crossfade_ms"])
        sounds: list[array | int] = []
        lacking: list[str] = []
        for part in parts:
            if sounds:
                sounds.append(mix.ms(LANGUAGE_PAUSE_MS))
            units = tables.get(part["language"], {})
            pieces = split(part["text"], units) if units else []
            missing = [p.words for p in pieces if isinstance(p, Missing)]
            lacking += [f"{part['language']}: {word}" for run in missing for word in run.split()]
            if not units or (missing and pack["fallback"] == "sentence"):
                sounds.append(self._said_by_espeak(part["text"], part["voice"], target, fade, keep=False))
                continue
            for piece in pieces:
                if isinstance(piece, Clip):
                    try:
                        sounds.append(self._clip(units[piece.unit], target, fade))
                    except (OSError, PackError) as exc:  # one bad clip: that unit is eSpeak's
                        log.error("%s; eSpeak NG says %r", exc, piece.unit)
                        sounds.append(self._said_by_espeak(piece.unit, part["voice"], target, fade))
                elif isinstance(piece, Missing):
                    sounds.append(self._said_by_espeak(piece.words, part["voice"], target, fade))
                elif isinstance(piece, Pause):
                    sounds.append(mix.ms(STOP_PAUSE_MS if piece.stop else COMMA_PAUSE_MS))
        gap = mix.ms(int(pack["gap_ms"]))
        joined = mix.join(sounds, gap=gap, crossfade=mix.ms(max(fade, mix.MIN_FADE_MS)))
        return mix.to_bytes(joined), lacking

    def _manifest(self, folder: Path) -> Manifest:
        path = folder / "manifest.toml"
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        known = self._manifests.get(str(folder))
        if known is None or known[0] != stamp:
            known = (stamp, read_manifest(folder))
            self._manifests[str(folder)] = known
        return known[1]

    def _clip(self, path: Path, target: float, fade_ms: int) -> array:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        known = self._clips.get((path, target, fade_ms))
        if known is not None and known[0] == stamp:
            return known[1]
        try:
            clip = mix.prepared(mix.read_wav(path), target=target, fade_ms=fade_ms)
        except (wave.Error, EOFError, ValueError) as exc:
            raise PackError(f"clip {path} cannot be read as a PCM WAV: {exc}") from exc
        self._clips[(path, target, fade_ms)] = (stamp, clip)  # a re-recorded clip replaces the old one
        return clip

    def _said_by_espeak(self, text: str, voice: str, target: float, fade_ms: int, *, keep: bool = True) -> array:
        """TEXT by eSpeak NG, prepared like a clip; a word or two is KEPT for the next calls
        (a whole sentence is not: it rarely comes back, and it is large)."""
        key = (text, voice, target, fade_ms, self._style)
        said = self._said.get(key)
        if said is None:
            said = mix.prepared(mix.from_bytes(self._synthesise(text, voice)), target=target, fade_ms=fade_ms)
            if not keep:
                return said
            self._said[key] = said
            if len(self._said) > _SAID_LIMIT:
                self._said.popitem(last=False)
        else:
            self._said.move_to_end(key)
        return said


def _no_synthesis(text: str, voice: str) -> bytes:
    raise RuntimeError("no synthesiser")


def _joined_raw(spoken: list[bytes]) -> bytes:
    """eSpeak's own output, languages apart by a pause; one language is exactly eSpeak's file."""
    pause = bytes(2 * mix.ms(LANGUAGE_PAUSE_MS))
    return pause.join(spoken)
