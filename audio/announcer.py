"""The voice the server uses: a call's words and its WAV's key at once, the WAV soon after.

    announcer = Announcer(config.voice, data_dir)
    await announcer.start()
    text = announcer.sentence(call)     # pure: the words the screens show
    key = announcer.key(text)           # pure, a hash: publish f"/audio/{key}.wav" with the call
    announcer.announce(text)            # once the call is committed; never blocks
    path = await announcer.wav(key)     # the GET /audio/{key}.wav route awaits this
    announcer.prewarm(upcoming)         # a callable of the calls likely next; used only when idle

Synthesis runs in one worker process (`antrian_voice.worker`), at a lower CPU priority, fed by
one supervisor thread, so neither a crash nor a hang of eSpeak can stall the event loop. The
supervisor notices a dead worker (end of its pipe) or a hung one (no reply within
`job_timeout`), logs why, starts a new one and retries the job once.

A call always goes first. The prewarm plan is drawn from only while no call is queued and
no call was announced in the last `idle_after_call` seconds; a candidate built while a call
arrived is put back. At most the one prewarm job already in the worker (tens of ms) runs
ahead of a call.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache, languages, pack, text
from .cache import Settings, cache_key
from .call import SpokenCall
from .languages import Part
from .prewarm import Plan, Upcoming
from .process import WORKER_NICE, WorkerDied, WorkerHung, WorkerProcess, worker_command

if TYPE_CHECKING:
    from .settings import Voice

log = logging.getLogger("antrian.audio")

_PENDING, _READY, _FAILED = "pending", "ready", "failed"
_STATUS_LIMIT = 50_000
IDLE_AFTER_CALL = 0.5  # seconds: the server is pushing the call to every screen meanwhile
PRUNE_EVERY = 200  # jobs
PACK_RECHECK_SECONDS = 5.0  # how often the voice pack's files are looked at for a change
_SPOKEN_LIMIT = 4096  # sentences whose other languages are remembered between sentence() and announce()

__all__ = ["Announcer", "Settings", "Upcoming", "cache_key"]


@dataclass
class _Job:
    key: str
    text: str
    settings: Settings
    parts: tuple[Part, ...]
    prewarm: bool = False


class Announcer:
    def __init__(
        self,
        voice: Voice,
        data_dir: Path,
        *,
        job_timeout: float = 3.0,
        startup_timeout: float = 15.0,
        cache_max_bytes: int = 512 * 1024 * 1024,
        nice: int = WORKER_NICE,
        idle_after_call: float = IDLE_AFTER_CALL,
        command: Sequence[str] | None = None,
    ):
        """COMMAND starts a worker (default: `python -m antrian_voice.worker --nice NICE`)."""
        self._voice = voice
        self._settings = Settings.of(voice)
        self.cache_dir = Path(data_dir) / "audio"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.job_timeout = job_timeout
        self.startup_timeout = startup_timeout
        self.cache_max_bytes = cache_max_bytes
        self.idle_after_call = idle_after_call
        self.command = list(command) if command is not None else worker_command(nice)

        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()  # calls only; prewarm jobs come from the plan
        self._status: dict[str, str] = {}
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[Path | None]]]] = {}
        self._upcoming: Upcoming | None = None
        self._plan: Plan | None = None
        self._last_call = float("-inf")  # time.monotonic() of the last announce()
        self._stopping = False
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: WorkerProcess | None = None
        self._hang_next = 0.0
        self._since_prune = 0
        # The Indonesian sentence -> every language said for it, from sentence(): the hall hands
        # announce() and key() the sentence only, and the screens show only the Indonesian one.
        self._spoken: OrderedDict[str, tuple[Part, ...]] = OrderedDict()
        self._pack_checked = time.monotonic()
        self._lacking_logged: set[str] = set()
        # Counters for tests and the bench: jobs the worker finished, restarts after a failure.
        self.jobs_done = 0
        self.restarts = 0

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._stop_event.clear()
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

    def set_voice(self, voice: Voice) -> None:
        """Takes effect for the next sentence and key; a voice change changes the keys, so files
        made for the old voice are simply not used. The prewarm plan starts over in the new voice."""
        settings = Settings.of(voice)  # reads the pack's manifest and clip stats: outside the lock
        with self._cond:
            self._voice = voice
            self._settings = settings
            self._spoken.clear()  # the other languages' words may have changed with the voice
            self._plan = self._new_plan()
            self._cond.notify_all()

    @property
    def voice(self) -> Voice:
        return self._voice

    # -- the call path: pure or non-blocking -----------------------------------------------

    def sentence(self, call: SpokenCall) -> str:
        """The Indonesian sentence (what the screens show); with more languages, the others are
        put into words now too and remembered for `key()` and `announce()` of this sentence."""
        voice = self._voice
        sentence = text.sentence(call, voice)
        if tuple(voice.languages) != ("id",):
            self._spoken[sentence] = languages.parts(call, voice, sentence)
            self._spoken.move_to_end(sentence)
            if len(self._spoken) > _SPOKEN_LIMIT:
                self._spoken.popitem(last=False)
        return sentence

    def key(self, text_: str) -> str:
        """The WAV's key for TEXT in the current voice; '' when speech is off."""
        settings = self._settings
        return cache_key(text_, settings, _pairs(self._parts(text_))) if settings.enabled else ""

    def _parts(self, text_: str) -> tuple[Part, ...]:
        """What is said for TEXT: the languages `sentence()` made for it, else TEXT itself."""
        return self._spoken.get(text_) or (Part("id", text_),)

    def announce(self, text_: str) -> None:
        """Queue the WAV of a committed call. Takes a lock for a few microseconds, touches no file;
        the plan pauses until the call's job is done and the server has had a moment."""
        settings = self._settings
        if not settings.enabled:
            return
        parts = self._parts(text_)
        key = cache_key(text_, settings, _pairs(parts))
        with self._cond:
            self._last_call = time.monotonic()
            if self._status.get(key) not in (_PENDING, _READY):
                self._status[key] = _PENDING
                self._queue.append(_Job(key, text_, settings, parts))
            self._cond.notify_all()

    def prewarm(self, upcoming: Upcoming) -> None:
        """Replace the plan. UPCOMING is called later, in the voice's thread, only when idle."""
        with self._cond:
            self._upcoming = upcoming
            self._plan = self._new_plan()
            self._cond.notify_all()

    def is_ready(self, key: str) -> bool:
        if not self._settings.enabled or not cache.valid_key(key):
            return False
        return self._status.get(key) == _READY or self._path(key).exists()

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None:
        """The WAV for KEY: at once when on disk, after synthesis when its job is pending;
        None for an unknown or malformed key, a failed job, or a timeout."""
        if not self._settings.enabled or not cache.valid_key(key):
            return None
        path = self._path(key)
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._status.get(key) == _PENDING:
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
        return worker.pid if worker is not None and worker.alive() else None

    def _path(self, key: str) -> Path:
        return self.cache_dir / f"{key}.wav"

    def _new_plan(self) -> Plan | None:
        if self._upcoming is None or not self._settings.enabled:
            return None
        return Plan(self._upcoming, self._voice, self._settings)

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

    def _quiet_for(self) -> float:
        """Seconds until the plan may be drawn from: 0 when idle. Call with the lock held."""
        if self._queue:
            return float("inf")
        return max(0.0, self._last_call + self.idle_after_call - time.monotonic())

    def _next_call(self) -> _Job | None:
        """A queued call job, or None when there is none. Call with the lock held."""
        while self._queue:
            job = self._queue.popleft()
            if self._status.get(job.key) == _PENDING:
                return job
        return None

    def _take(self) -> _Job | None:
        """The next job: a call if any is queued, else (when idle) the plan's next candidate."""
        while True:
            self._recheck_pack()
            with self._cond:
                while not self._stopping and not self._queue:
                    if self._plan is None:
                        if not self._cond.wait(PACK_RECHECK_SECONDS if self._settings.pack else None):
                            break  # idle for a while: look at the pack's files again
                    elif (quiet := self._quiet_for()) > 0:
                        self._cond.wait(quiet)
                    else:
                        break
                if self._stopping:
                    return None
                job = self._next_call()
                plan = self._plan
            if job is not None:
                if self._path(job.key).exists():  # made earlier (prewarm, a previous run)
                    self._finish(job.key, True)
                    continue
                return job
            if plan is None:
                continue
            # Sentences and keys of the plan are built outside the lock: announce() never waits.
            candidate = plan.next()
            # A key already known needs no look at the disk (an unlocked read: a hint only).
            cached = candidate is not None and candidate[1] not in self._status and self._path(candidate[1]).exists()
            with self._cond:
                if self._plan is not plan:  # replaced meanwhile
                    continue
                if candidate is None:
                    self._plan = None
                    continue
                if self._quiet_for() > 0:  # a call arrived meanwhile: it goes first
                    plan.hold(candidate)
                    continue
                sentence, key, parts = candidate
                if key in self._status:
                    continue
                if cached:
                    self._status[key] = _READY
                    continue
                self._status[key] = _PENDING
                return _Job(key, sentence, plan.settings, parts, prewarm=True)

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
                if self._since_prune >= PRUNE_EVERY:
                    self._prune()
        except Exception:  # pragma: no cover - a bug here must not go unnoticed
            log.exception("audio supervisor crashed; announcements stop")
        finally:
            worker, self._worker = self._worker, None
            if worker is not None:
                worker.close()

    def _ensure_worker(self) -> WorkerProcess:
        worker = self._worker
        if worker is not None and worker.alive():
            return worker
        if worker is not None:
            log.warning("audio worker %d has gone (%s); starting a new one", worker.pid, worker.exit_reason())
            worker.kill()
            self._worker = None
            self.restarts += 1
        self._worker = WorkerProcess(self.command, self.startup_timeout)
        log.info("audio worker %d started", self._worker.pid)
        pack = self._settings.pack
        if pack is not None:  # the worker prepares its clips while idle, before the calls need them
            self._worker.send({"op": "pack", "pack": pack.as_message(), "volume": self._settings.volume})
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
        settings = job.settings
        if not settings.plain:
            voices = dict(zip(settings.languages, settings.voices, strict=True))
            message["parts"] = [
                {"language": p.language, "text": p.text, "voice": voices.get(p.language, settings.voice)}
                for p in job.parts
            ]
            message["pack"] = settings.pack.as_message() if settings.pack is not None else None
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
            except (WorkerDied, WorkerHung, OSError, ValueError) as exc:
                self._discard_worker(exc, job)
                message.pop("hang", None)
                continue
            if reply.get("ok"):
                self._log_lacking(reply.get("lacking") or [])
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

    def _log_lacking(self, lacking: list[str]) -> None:
        """Once per word a voice pack lacks (it was said by eSpeak NG in its place)."""
        for unit in lacking:
            if unit not in self._lacking_logged:
                self._lacking_logged.add(unit)
                language, _, word = unit.partition(": ")
                log.warning(
                    "the voice pack has no clip for %r (%s); eSpeak NG says it (see antrian voice-pack check)",
                    word,
                    language,
                )

    def _recheck_pack(self) -> None:
        """A re-recorded clip or an edited manifest changes the keys from the next call on."""
        settings = self._settings
        if settings.pack is None or time.monotonic() - self._pack_checked < PACK_RECHECK_SECONDS:
            return
        self._pack_checked = time.monotonic()
        current = pack.signature(Path(settings.pack.folder))
        if current == settings.pack.signature:
            return
        log.info("the voice pack in %s changed; new announcements use it", settings.pack.folder)
        with self._cond:
            if self._settings is settings:
                self._settings = dataclasses.replace(
                    settings, pack=dataclasses.replace(settings.pack, signature=current)
                )
                self._plan = self._new_plan()
                self._cond.notify_all()

    def _discard_worker(self, exc: Exception, job: _Job) -> None:
        worker, self._worker = self._worker, None
        what = "hung" if isinstance(exc, WorkerHung) else "died"
        pid = worker.pid if worker is not None else "?"
        log.warning("audio worker %s %s on %r (%s); restarting it", pid, what, job.text, exc)
        if worker is not None:
            worker.kill()
        self.restarts += 1

    def _prune(self) -> None:
        self._since_prune = 0
        cache.prune(self.cache_dir, self.cache_max_bytes, self._remove)

    def _remove(self, path: Path) -> bool:
        with self._cond:
            if self._status.get(path.stem) == _PENDING:
                return False
            self._status.pop(path.stem, None)
            path.unlink(missing_ok=True)
            return True


def _pairs(parts: tuple[Part, ...]) -> list[tuple[str, str]]:
    return [(p.language, p.text) for p in parts]


def _set_result(future: asyncio.Future[Path | None], result: Path | None) -> None:
    if not future.done():
        future.set_result(result)
