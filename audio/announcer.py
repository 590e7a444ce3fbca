"""The announcer the server uses: sentence -> cache key at once, WAV file soon after.

    announcer = Announcer(config, data_dir)
    await announcer.start()
    text = announcer.sentence("A-123", "loket-3")
    key = announcer.request(text)           # never blocks; publish f"/audio/{key}.wav" now
    path = await announcer.wav(key)         # the GET /audio/{key}.wav route awaits this

Synthesis runs in one worker process (`audio.worker`) fed by one supervisor thread, so
neither a crash nor a hang of eSpeak can stall the event loop. The supervisor notices a
dead worker (end of its pipe) or a hung one (no reply within `job_timeout`), logs why,
starts a new one and retries the job once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from display_server.config.model import Config
from display_server.engine.tickets import format_number

from . import sound, text

log = logging.getLogger("antrian.audio")

KEY_LENGTH = 24
_KEY = re.compile(rf"^[0-9a-f]{{{KEY_LENGTH}}}$")
_PENDING, _READY, _FAILED = "pending", "ready", "failed"
PREWARM_AHEAD = 10
_STATUS_LIMIT = 50_000


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
    def of(cls, config: Config) -> Settings:
        v = config.voice
        return cls(v.enabled, v.voice, v.rate, v.pitch, v.volume, v.chime, v.closing_tone)


def cache_key(text_: str, settings: Settings) -> str:
    payload = json.dumps(
        [sound.SOUND_VERSION, text_, settings.voice, settings.rate, settings.pitch,
         round(settings.volume, 3), settings.chime, settings.closing],
        ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(payload.encode()).hexdigest()[:KEY_LENGTH]


@dataclass
class _Job:
    key: str
    text: str
    settings: Settings
    prewarm: bool = False


class _WorkerDied(Exception):
    pass


class _WorkerHung(Exception):
    pass


class _Worker:
    """One `python -m antrian_voice.worker` child and a line reader with deadlines."""

    def __init__(self, startup_timeout: float):
        self.proc = subprocess.Popen(
            # -P: the working folder is not put on sys.path, so a user's `antrian_voice.py` there
            # cannot stand in for the worker.
            [sys.executable, "-P", "-m", "antrian_voice.worker"],
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
                raise _WorkerDied(f"unexpected greeting {hello!r}")
        except BaseException:
            self.kill()
            raise

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise _WorkerDied(f"cannot write to it ({exc})") from exc

    def read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                raise _WorkerHung(f"no answer within {timeout:g} s")
            chunk = os.read(self._out, 65536)
            if not chunk:
                raise _WorkerDied(self.exit_reason())
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
        if self.proc.poll() is None:
            try:
                self.send({"op": "quit"})
                self.proc.wait(timeout=grace)
            except (_WorkerDied, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
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


class _PrewarmPlan:
    """Calls likely to come next, in the order they are likely to come; sentences built lazily."""

    def __init__(self, config: Config, numbers: Mapping[str, int | str]):
        self.config = config
        self.settings = Settings.of(config)
        self._calls: Iterator[tuple[str, str, str]] = self._expand(config, dict(numbers))
        self._held: tuple[str, str] | None = None

    @staticmethod
    def _expand(config: Config, numbers: dict[str, int | str]) -> Iterator[tuple[str, str, str]]:
        pairs = [(s, c) for c in config.counters for sid in c.services if (s := config.service(sid))]
        for step in range(PREWARM_AHEAD):
            for service, counter in pairs:
                start = numbers.get(service.id)
                if start is None:
                    continue
                number = ticket_after(service.prefix, start, step)
                if number is not None:
                    yield number, counter.id, service.id

    def next(self) -> tuple[str, str] | None:
        """(text, key) of the next prewarm candidate, or None when the plan is done."""
        if self._held is not None:
            held, self._held = self._held, None
            return held
        for number, counter_id, service_id in self._calls:
            try:
                sentence = text.sentence(self.config, number, counter_id, service_id=service_id)
            except ValueError:
                continue
            return sentence, cache_key(sentence, self.settings)
        return None

    def hold(self, candidate: tuple[str, str]) -> None:
        """Give CANDIDATE back; `next()` returns it again."""
        self._held = candidate


def ticket_after(prefix: str, start: int | str, step: int) -> str | None:
    """The ticket STEP places after START, printed as the engine prints it ("A-009" -> "A-010")."""
    if isinstance(start, int):
        return format_number(prefix, start + step)
    match = re.match(r"^(.*?)(\d+)\s*$", start)
    if not match:
        return None
    head, digits = match.groups()
    return f"{head}{int(digits) + step:0{len(digits)}d}"


class Announcer:
    def __init__(
        self,
        config: Config,
        data_dir: Path,
        *,
        job_timeout: float = 3.0,
        startup_timeout: float = 15.0,
        prewarm_on_start: bool = True,
        cache_max_bytes: int = 512 * 1024 * 1024,
    ):
        self._config = config
        self._settings = Settings.of(config)
        self.cache_dir = Path(data_dir) / "audio"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.job_timeout = job_timeout
        self.startup_timeout = startup_timeout
        self.cache_max_bytes = cache_max_bytes
        self._prewarm_on_start = prewarm_on_start

        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()
        self._status: dict[str, str] = {}
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[Path | None]]]] = {}
        self._plan: _PrewarmPlan | None = None
        self._prewarm_numbers: dict[str, int | str] | None = None
        self._stopping = False
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: _Worker | None = None
        self._hang_next = 0.0
        self._since_prune = 0
        # Counters for tests and the bench: jobs the worker finished, restarts after a failure.
        self.jobs_done = 0
        self.restarts = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._stop_event.clear()
        if self._prewarm_on_start and self._prewarm_numbers is None:
            # Until the server says where the day stands, assume it starts at ticket 1.
            self.prewarm({s.id: 1 for s in self._config.services})
        self._thread = threading.Thread(target=self._supervise, name="antrian-audio", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._stopping = True
            self._stop_event.set()
            self._cond.notify_all()
        await asyncio.to_thread(thread.join, self.job_timeout + 10.0)
        self._thread = None
        with self._cond:
            for key in [k for k, s in self._status.items() if s == _PENDING]:
                del self._status[key]
                self._resolve(key, None)
            self._queue.clear()

    def update_config(self, config: Config) -> None:
        with self._cond:
            self._config = config
            self._settings = Settings.of(config)
            self._plan = None
            if self._prewarm_numbers is not None and config.voice.enabled:
                self._plan = _PrewarmPlan(config, self._prewarm_numbers)
            self._cond.notify_all()

    def prewarm(self, numbers: Mapping[str, int | str]) -> None:
        """Synthesise, when idle, the next few calls of each service at each counter serving it.

        NUMBERS maps a service id to the next ticket likely to be called (the first one
        waiting), as a sequence (5 -> "A-005", the engine's format) or as printed
        ("A-005"). Call it at start-up with the day's state and again whenever it moves on;
        it replaces the previous plan, and files already cached are skipped.
        """
        with self._cond:
            self._prewarm_numbers = dict(numbers)
            self._plan = _PrewarmPlan(self._config, numbers) if self._settings.enabled else None
            self._cond.notify_all()

    # -- the fast path ---------------------------------------------------------------------

    def sentence(
        self, number: str, counter_id: str, *, service_id: str | None = None, recall: bool = False
    ) -> str:
        return text.sentence(self._config, number, counter_id, service_id=service_id, recall=recall)

    def request(self, text_: str) -> str:
        settings = self._settings
        if not settings.enabled:
            return ""  # no audio: the call event carries `audio: null` (docs/protocol.md)
        key = cache_key(text_, settings)
        with self._cond:
            state = self._status.get(key)
            if state in (_PENDING, _READY):
                return key
            if self._path(key).exists():
                self._status[key] = _READY
                return key
            self._status[key] = _PENDING
            self._queue.append(_Job(key, text_, settings))
            self._cond.notify_all()
        return key

    def is_ready(self, key: str) -> bool:
        if not self._settings.enabled or not _KEY.match(key):
            return False
        return self._status.get(key) == _READY or self._path(key).exists()

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None:
        if not self._settings.enabled or not _KEY.match(key):
            return None
        path = self._path(key)
        loop = asyncio.get_running_loop()
        with self._cond:
            state = self._status.get(key)
            if state == _PENDING:
                future: asyncio.Future[Path | None] = loop.create_future()
                self._waiters.setdefault(key, []).append((loop, future))
            elif path.exists():
                return path
            else:
                return None
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            with self._cond:
                waiting = self._waiters.get(key, [])
                if (loop, future) in waiting:
                    waiting.remove((loop, future))
            return None

    @property
    def worker_pid(self) -> int | None:
        worker = self._worker
        return worker.pid if worker is not None and worker.proc.poll() is None else None

    def _path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.wav"

    def _debug_hang_next_job(self, seconds: float) -> None:
        """Test hook: the worker sleeps SECONDS before the next job, as a stuck eSpeak would."""
        self._hang_next = seconds

    # -- the supervisor thread ---------------------------------------------------------------

    def _resolve(self, key: str, result: Path | None) -> None:
        """Wake every `wav()` waiting on KEY. Call with the lock held."""
        for loop, future in self._waiters.pop(key, []):
            try:
                loop.call_soon_threadsafe(_set_result, future, result)
            except RuntimeError:  # that event loop is closed
                pass

    def _finish(self, key: str, ok: bool) -> None:
        with self._cond:
            self._status[key] = _READY if ok else _FAILED
            self._resolve(key, self._path(key) if ok else None)
            if len(self._status) > _STATUS_LIMIT:
                # Months of calls: forget settled keys; the files on disk still answer for them.
                self._status = {k: s for k, s in self._status.items() if s == _PENDING}

    def _take(self) -> _Job | None:
        while True:
            with self._cond:
                while not self._stopping and not self._queue and self._plan is None:
                    self._cond.wait()
                if self._stopping:
                    return None
                if self._queue:
                    job = self._queue.popleft()
                    if self._status.get(job.key) == _PENDING:
                        return job
                    continue
                plan = self._plan
            # Building prewarm sentences happens outside the lock so requests never wait on it.
            candidate = plan.next() if plan is not None else None
            with self._cond:
                if candidate is None:
                    if self._plan is plan:
                        self._plan = None
                    continue
                sentence, key = candidate
                if self._plan is not plan or key in self._status:
                    continue
                if self._queue:  # a real request arrived meanwhile: it goes first
                    plan.hold(candidate)
                    continue
                if self._path(key).exists():
                    self._status[key] = _READY
                    continue
                self._status[key] = _PENDING
                return _Job(key, sentence, plan.settings, prewarm=True)

    def _supervise(self) -> None:
        try:
            self._prune()
            failures = 0
            while True:
                job = self._take()
                if job is None:
                    break
                ok = self._run(job)
                failures = 0 if ok else failures + 1
                if failures >= 3:
                    # Something is wrong with every job (e.g. eSpeak cannot start): slow down.
                    self._stop_event.wait(min(5.0, 0.2 * 2**failures))
                self._since_prune += 1
                if self._since_prune >= 200:
                    self._prune()
        except Exception:  # pragma: no cover - a bug here must not go unnoticed
            log.exception("audio supervisor crashed; announcements stop")
        finally:
            worker, self._worker = self._worker, None
            if worker is not None:
                worker.close()

    def _ensure_worker(self) -> _Worker:
        worker = self._worker
        if worker is not None and worker.proc.poll() is None:
            return worker
        if worker is not None:
            log.warning("audio worker %d has gone (%s); starting a new one", worker.pid, worker.exit_reason())
            worker.kill()
            self._worker = None
            self.restarts += 1
        self._worker = _Worker(self.startup_timeout)
        log.info("audio worker %d started", self._worker.pid)
        return self._worker

    def _run(self, job: _Job) -> bool:
        message = {
            "op": "job",
            "text": job.text,
            "out": str(self._path(job.key)),
            "voice": job.settings.voice,
            "rate": job.settings.rate,
            "pitch": job.settings.pitch,
            "volume": job.settings.volume,
            "chime": job.settings.chime,
            "closing": job.settings.closing,
        }
        if self._hang_next:
            message["hang"], self._hang_next = self._hang_next, 0.0
        for attempt in (1, 2):
            message["id"] = attempt
            try:
                worker = self._ensure_worker()
                worker.send(message)
                reply = worker.read(self.job_timeout)
                while reply.get("id") != attempt:
                    reply = worker.read(self.job_timeout)
            except (_WorkerDied, _WorkerHung, OSError, ValueError) as exc:
                self._discard_worker(exc, job)
                message.pop("hang", None)
                continue
            if reply.get("ok"):
                self.jobs_done += 1
                self._finish(job.key, True)
                return True
            # The worker survived but could not say it: retrying would fail the same way.
            log.error("audio synthesis failed for %r: %s", job.text, reply.get("error"))
            self._finish(job.key, False)
            return False
        log.error("audio for %r abandoned after the worker failed twice", job.text)
        self._finish(job.key, False)
        return False

    def _discard_worker(self, exc: Exception, job: _Job) -> None:
        worker, self._worker = self._worker, None
        what = "hung" if isinstance(exc, _WorkerHung) else "died"
        pid = worker.pid if worker is not None else "?"
        log.warning("audio worker %s %s on %r (%s); restarting it", pid, what, job.text, exc)
        if worker is not None:
            worker.kill()
        self.restarts += 1

    def _prune(self) -> None:
        """Keep the cache under `cache_max_bytes`, oldest files first; drop stale temp files."""
        self._since_prune = 0
        files: list[tuple[float, int, Path]] = []
        total = 0
        try:
            entries = list(os.scandir(self.cache_dir))
        except OSError as exc:
            log.warning("cannot list %s: %s", self.cache_dir, exc)
            return
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            if entry.name.startswith("."):  # a temp file a killed worker left behind
                if time.time() - st.st_mtime > 60:
                    Path(entry.path).unlink(missing_ok=True)
                continue
            if entry.name.endswith(".wav"):
                files.append((st.st_mtime, st.st_size, Path(entry.path)))
                total += st.st_size
        if total <= self.cache_max_bytes:
            return
        files.sort()
        target = self.cache_max_bytes * 0.8
        for _, size, path in files:
            if total <= target:
                break
            key = path.stem
            with self._cond:
                if self._status.get(key) == _PENDING:
                    continue
                self._status.pop(key, None)
                path.unlink(missing_ok=True)
            total -= size
        log.info("audio cache pruned to %.0f MB", total / 1e6)


def _set_result(future: asyncio.Future[Path | None], result: Path | None) -> None:
    if not future.done():
        future.set_result(result)
