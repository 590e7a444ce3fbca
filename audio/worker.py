"""The speech worker process: `python -m antrian_voice.worker [--nice N]`, driven by
`antrian_voice.announcer`.

eSpeak NG can end its whole process on bad input, and pyttsx3 allows one engine per
process driven from one thread, so synthesis lives here, away from the server.

Protocol: one JSON object per line. The parent writes jobs on our stdin:
    {"op": "job", "id": 7, "text": "...", "out": "/data/audio/<key>.wav",
     "voice": "id", "rate": 140, "pitch": 50, "volume": 1.0, "chime": true, "closing": false}
    {"op": "quit"}
and we answer on the original stdout: {"ready": true, "pid": 123} once, then
{"id": 7, "ok": true} or {"id": 7, "ok": false, "error": "..."} per job.
The real fd 1 is pointed at /dev/null because pyttsx3 prints "Audio saved to ..." there.
`--nice N` lowers our CPU priority first thing, so synthesis never competes with the server
pushing a call to the screens.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import logging
import os
import select
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from . import sound
from .assemble import Assembler

log = logging.getLogger("antrian.audio.worker")


def load_engine() -> Any:
    """pyttsx3 on the eSpeak NG shipped by `espeakng-loader`, no system package needed."""
    import espeakng_loader

    # pyttsx3 dlopens "libespeak-ng.so.1" by name; loading the wheel's copy first, globally,
    # makes that lookup find it (its SONAME is libespeak-ng.so.1).
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = short_data_path(espeakng_loader.get_data_path())
    import pyttsx3

    return pyttsx3.init()


def short_data_path(path: str, limit: int = 140) -> str:
    """eSpeak 1.52 keeps the data path in a fixed buffer of about 150 bytes; a venv deep in a
    home folder can exceed it, so a long path is reached through a short symlink instead."""
    if len(path.encode()) <= limit:
        return path
    # One link per target, so two installations on one machine never redirect each other.
    link = Path(tempfile.gettempdir()) / f"antrian-espeak-{hashlib.sha256(path.encode()).hexdigest()[:12]}"
    try:
        if link.is_symlink() and os.readlink(link) == path:
            return str(link)
        tmp = link.with_name(f"{link.name}.{os.getpid()}")
        tmp.symlink_to(path, target_is_directory=True)
        os.replace(tmp, link)
        return str(link)
    except OSError as exc:
        log.warning("eSpeak data path is %d bytes long and no short link could be made (%s)", len(path), exc)
        return path


class Synthesiser:
    # espeak-ng synthesises on its own thread and pyttsx3's runAndWait can return before the
    # file exists (it polls every 10 ms): each job also waits for eSpeak to go idle and for the
    # "finished-utterance" notification, so no callback of job N runs into job N+1.
    FINISH_TIMEOUT = 60.0

    def __init__(self, engine: Any):
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver

        self.engine = engine
        self._espeak = _espeak
        self._driver = EspeakDriver
        self._props: dict[str, Any] = {}
        self.assembler = Assembler()
        self._finished = threading.Event()
        self._completed = False
        engine.connect("finished-utterance", self._on_finished)

    def _on_finished(self, completed: bool = False, **_: Any) -> None:
        self._completed = completed
        self._finished.set()

    def _wait_idle(self, timeout: float = 5.0) -> None:
        # pyttsx3 cancels "the current utterance" when a new runAndWait finds eSpeak still
        # busy, which would cut the new one short: start only once the last one is over.
        deadline = time.monotonic() + timeout
        while self._espeak.IsPlaying():
            if time.monotonic() > deadline:
                self._espeak.Cancel()
                break
            time.sleep(0.002)

    def _utter(self, text: str, path: Path) -> bytes:
        """One save_to_file + runAndWait; the frames, or b"" if eSpeak cut it short."""
        self._wait_idle()
        self._finished.clear()
        self._completed = False
        self.engine.save_to_file(text, str(path))
        self.engine.runAndWait()
        self._espeak.Synchronize()
        if not self._finished.wait(self.FINISH_TIMEOUT):
            log.error("eSpeak never finished %r; exiting so a fresh worker takes over", text)
            os._exit(3)
        if not self._completed or not path.exists():
            return b""
        return sound.read_pcm(path)

    def _set(self, name: str, value: Any) -> None:
        # Straight to eSpeak (same thread, between utterances): pyttsx3's queued setProperty
        # would only report a bad voice as a notification, after the fact.
        if self._props.get(name) != value:
            self._driver.setProperty(name, value)
            self._props[name] = value

    def _say(self, text: str, voice: str, scratch: Path) -> bytes:
        """TEXT in VOICE (rate, pitch and volume already set): eSpeak's frames."""
        try:
            self._set("voice", voice)
        except ValueError as exc:  # an unknown variant must not silence the hall
            language = voice.split("+")[0].split("-")[0]
            fallback = language if language in ("id", "en") else "id"
            log.warning("voice %r unusable (%s); falling back to %r", voice, exc, fallback)
            self._set("voice", fallback)
        for attempt in range(3):
            speech = self._utter(text, scratch)
            if speech:
                return speech
            log.warning("eSpeak cut %r short (attempt %d); saying it again", text, attempt + 1)
        raise RuntimeError("eSpeak produced no audio")

    def run(self, job: dict[str, Any]) -> list[str]:
        """Make the job's WAV; the words its voice pack lacked ("id: tiga"), said by eSpeak."""
        out = Path(job["out"])
        speech_path = out.with_name(f".{out.stem}.speech.{os.getpid()}.tmp.wav")
        parts = job.get("parts") or [{"language": "id", "text": job["text"], "voice": job["voice"]}]
        try:
            self._wait_idle()
            self._set("rate", int(job["rate"]))
            self._set("pitch", int(job["pitch"]))
            self._set("volume", float(job["volume"]))
            speech, lacking = self.assembler.speech(
                parts,
                job.get("pack"),
                float(job["volume"]),
                style=(job["rate"], job["pitch"]),
                synthesise=lambda text, voice: self._say(text, voice, speech_path),
            )
        finally:
            speech_path.unlink(missing_ok=True)
        frames = sound.announcement(speech, with_chime=job["chime"], with_closing=job["closing"])
        sound.write_atomic(out, frames)
        return lacking


def serve(requests: BinaryIO, replies: BinaryIO, synth: Synthesiser) -> None:
    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    reply({"ready": True, "pid": os.getpid()})
    for line in _lines(requests, synth.assembler):
        message = json.loads(line)
        op = message.get("op")
        if op == "quit":
            return
        if op == "pack":
            synth.assembler.expect(message["pack"], float(message["volume"]))
            continue
        if op != "job":
            continue
        if message.get("hang"):  # test hook: behave like a stuck eSpeak
            time.sleep(float(message["hang"]))
        try:
            lacking = synth.run(message)
            reply({"id": message["id"], "ok": True, "lacking": lacking})
        except Exception as exc:
            log.exception("synthesis failed for %r", message.get("text"))
            reply({"id": message["id"], "ok": False, "error": f"{type(exc).__name__}: {exc}"})


def _lines(requests: BinaryIO, assembler: Assembler) -> Iterator[bytes]:
    """The parent's lines. While none is waiting, the voice pack's clips are prepared one at a
    time (each a few ms), so calls find them ready; a call waits at most for that one clip."""
    fd = requests.fileno()
    buffer = b""
    while True:
        while b"\n" not in buffer:
            waiting = assembler.unprepared()
            if waiting and not select.select([fd], [], [], 0)[0]:
                assembler.prepare_next()
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        yield line


def lower_priority(increment: int) -> None:
    if increment <= 0:
        return
    try:
        os.nice(increment)
    except (AttributeError, OSError) as exc:  # no os.nice on Windows
        log.warning("cannot lower the worker's priority (%s)", exc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m antrian_voice.worker")
    parser.add_argument("--nice", type=int, default=0, help="lower the CPU priority by this much")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="audio-worker: %(levelname)s %(message)s")
    lower_priority(args.nice)
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    synth = Synthesiser(load_engine())
    sound.chime()  # computed once, before we announce readiness
    sound.closing_tone()
    serve(sys.stdin.buffer, replies, synth)


if __name__ == "__main__":
    main()
