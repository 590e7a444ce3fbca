"""The server's handle on one speech worker process (`python -m antrian_voice.worker`).

JSON lines both ways (see audio/worker.py); every read has a deadline, so a hung eSpeak is
noticed, and the end of the pipe tells a dead one.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

log = logging.getLogger("antrian.audio")

# Synthesis runs below the server's priority: pushing a call to the TVs always wins the CPU.
WORKER_NICE = 10


def worker_command(nice: int = WORKER_NICE) -> list[str]:
    # -P: the working folder is not put on sys.path, so a user's `antrian_voice.py` there
    # cannot stand in for the worker.
    return [sys.executable, "-P", "-m", "antrian_voice.worker", "--nice", str(nice)]


class WorkerDied(Exception):
    pass


class WorkerHung(Exception):
    pass


class WorkerProcess:
    """One worker child and a line reader with deadlines."""

    def __init__(self, command: Sequence[str], startup_timeout: float):
        self.proc = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C in the terminal reaches the server, not the worker
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdout.fileno()
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._out, selectors.EVENT_READ)
        try:
            hello = self.read(startup_timeout)
            if not hello.get("ready"):
                raise WorkerDied(f"unexpected greeting {hello!r}")
        except BaseException:
            self.kill()
            raise

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise WorkerDied(f"cannot write to it ({exc})") from exc

    def read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise WorkerHung(f"no answer within {timeout:g} s")
            chunk = os.read(self._out, 65536)
            if not chunk:
                raise WorkerDied(self.exit_reason())
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def exit_reason(self) -> str:
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "its pipe closed"
        if code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exited with code {code}"

    def close(self, grace: float = 2.0) -> None:
        if self.alive():
            try:
                self.send({"op": "quit"})
                self.proc.wait(timeout=grace)
            except (WorkerDied, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
            log.error("audio worker %d did not exit after SIGKILL", self.proc.pid)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self._selector.close()
