"""A stand-in for `antrian_voice.worker`, for tests of the announcer's scheduling.

It speaks the worker's JSON-lines protocol but makes a short silent WAV instead of speech, and
appends each job's text and its own pid to LOG (one JSON line per job, when the job starts).
With a GATE path it waits, before each job, until that file exists: a test holds the worker busy
that way. A number in the file lets that many jobs through in all (counted from the log, so
over every worker a test starts); an empty file lets every job through.

    python fake_worker.py LOG [GATE]
"""

from __future__ import annotations

import json
import os
import sys
import time
import wave
from pathlib import Path


def main() -> None:
    log = Path(sys.argv[1])
    gate = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    replies = sys.stdout.buffer

    def reply(message: dict) -> None:
        replies.write(json.dumps(message).encode() + b"\n")
        replies.flush()

    reply({"ready": True, "pid": os.getpid()})
    for line in sys.stdin.buffer:
        message = json.loads(line)
        if message.get("op") == "quit":
            return
        if message.get("op") != "job":
            continue
        with log.open("a") as f:
            f.write(json.dumps({"text": message["text"], "nice": os.nice(0), "pid": os.getpid()}) + "\n")
        started = len(log.read_text().splitlines())
        while gate is not None and not _lets_through(gate, started):
            time.sleep(0.01)
        out = Path(message["out"])
        tmp = out.with_name(f".{out.stem}.tmp")
        with wave.open(str(tmp), "wb") as f:
            f.setnchannels(1)
            f.setsampwidth(2)
            f.setframerate(22050)
            f.writeframes(b"\0\0" * 2205)
        os.replace(tmp, out)
        reply({"id": message["id"], "ok": True})


def _lets_through(gate: Path, jobs: int) -> bool:
    try:
        allowed = gate.read_text().strip()
    except FileNotFoundError:
        return False
    return not allowed or int(allowed) >= jobs


if __name__ == "__main__":
    main()
