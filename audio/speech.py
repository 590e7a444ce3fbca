"""The speech engine: one worker process, one supervisor thread, one WAV cache, shared by the
announcers of every hall a server process serves.

    speech = Speech(data_dir)                                  # the cache is data_dir/audio
    await speech.start()
    a = Announcer(hall_a.voice, data_dir, speech=speech)      # each hall's words, keys and plan
    b = Announcer(hall_b.voice, data_dir, speech=speech)
    ...
    await speech.stop()                                        # its owner stops it, after the halls

Synthesis runs in one worker process (`antrian_voice.worker`), at a lower CPU priority, fed by
one supervisor thread, so neither a crash nor a hang of eSpeak can stall the event loop. The
supervisor notices a dead worker (end of its pipe) or a hung one (no reply within
`job_timeout`), logs why, starts a new one and retries the job once.

A call always goes first, whichever hall announced it, in the order announced. The halls'
prewarm plans are drawn from in turn, one job each (a candidate already made costs no turn),
only while no call is queued and no call was announced in the last `idle_after_call` seconds; a
candidate built while a call arrived is put back and that hall draws again first. At most the one prewarm job already in the worker
(tens of ms) runs ahead of a call. And only where it pays: while the worker's recent jobs took
longer than `prewarm_slower_than` (a slow board, a loaded machine); on a fast one a call's own
WAV is made on demand before the screen asks for it.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import cache
from .cache import PackSettings, Settings
from .languages import Part
from .prewarm import Plan
from .process import WORKER_NICE, WorkerDied, WorkerHung, WorkerProcess, worker_command
from .staging import Staging

log = logging.getLogger("antrian.audio")

_PENDING, _READY, _FAILED = "pending", "ready", "failed"
_STATUS_LIMIT = 50_000
IDLE_AFTER_CALL = 0.5  # seconds: the server is pushing the call to every screen meanwhile
# Prewarm only where a WAV made on demand would come late: when the worker's recent jobs took
# longer than this (median, wall clock). On a PC eSpeak NG takes 10-20 ms a sentence and a
# call's own WAV is ready before the TV asks for it; prewarming there would make ~9 WAVs a call
# (every counter of the called service, one number further), 8 never played, on the CPU the
# push to the screens runs on. A slow board, a loaded machine or a slow voice prewarms.
PREWARM_SLOWER_THAN = 0.05
JOB_TIMES_KEPT = 9
PRUNE_EVERY = 200  # jobs
PACK_RECHECK_SECONDS = 5.0  # how often a voice pack's files are looked at for a change
# A hall's prewarm plan alone is ~270 WAVs of ~350 kB: an engine serving many halls is given this
# much per hall, or it would prune one hall's prepared WAVs to make another's, without end.
CACHE_BYTES_PER_HALL = 512 * 1024 * 1024

__all__ = ["CACHE_BYTES_PER_HALL", "IDLE_AFTER_CALL", "PACK_RECHECK_SECONDS", "PREWARM_SLOWER_THAN", "Member", "Speech"]


class Member(Protocol):
    """What the engine asks of an announcer it serves, from the voice's thread."""

    @property
    def pack(self) -> PackSettings | None:
        """The hall's voice pack, if any: a new worker prepares its clips before calls need them."""

    @property
    def volume(self) -> float: ...

    def refresh(self) -> None:
        """Called between jobs and every `PACK_RECHECK_SECONDS` while idle: the announcer looks
        at its voice pack's files and, when they changed, gives a new plan."""


@dataclass
class _Job:
    key: str
    text: str
    settings: Settings
    parts: tuple[Part, ...]
    prewarm: bool = False


class Speech:
    def __init__(
        self,
        data_dir: Path,
        *,
        job_timeout: float = 3.0,
        startup_timeout: float = 15.0,
        cache_max_bytes: int = CACHE_BYTES_PER_HALL,
        nice: int = WORKER_NICE,
        idle_after_call: float = IDLE_AFTER_CALL,
        prewarm_slower_than: float = PREWARM_SLOWER_THAN,
        stage_in_memory: bool = True,
        command: Sequence[str] | None = None,
    ):
        """The WAVs go to DATA_DIR/audio, pruned past CACHE_MAX_BYTES (for N halls, give N times
        `CACHE_BYTES_PER_HALL`). The plans are drawn from only while the worker's recent jobs
        took longer than PREWARM_SLOWER_THAN seconds (0: always). With STAGE_IN_MEMORY a call's
        WAV is made in memory and written to the cache while idle (staging.py). COMMAND starts a
        worker (default: `python -m antrian_voice.worker --nice NICE`)."""
        self.cache_dir = Path(data_dir) / "audio"
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.job_timeout = job_timeout
        self.startup_timeout = startup_timeout
        self.cache_max_bytes = cache_max_bytes
        self.idle_after_call = idle_after_call
        self.prewarm_slower_than = prewarm_slower_than
        self.stage_in_memory = stage_in_memory
        self.command = list(command) if command is not None else worker_command(nice)

        self._cond = threading.Condition()
        self._queue: deque[_Job] = deque()  # calls only; prewarm jobs come from the plans
        self._status: dict[str, str] = {}
        self._waiters: dict[str, list[tuple[asyncio.AbstractEventLoop, asyncio.Future[Path | None]]]] = {}
        self._members: list[Member] = []
        self._plans: dict[Member, Plan] = {}
        self._turns: deque[Member] = deque()  # members with a plan, the next to draw first
        self._last_call = float("-inf")  # time.monotonic() of the last call
        self._stopping = False
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._worker: WorkerProcess | None = None
        self._staging: Staging | None = None  # calls' WAVs not yet on disk, from start to stop
        self._hang_next = 0.0
        self._since_prune = 0
        self._job_seconds: deque[float] = deque(maxlen=JOB_TIMES_KEPT)  # the supervisor's own
        self._packs_told: set[tuple[PackSettings, float]] = set()  # (pack, volume) the worker knows
        self._lacking_logged: set[tuple[str, str]] = set()  # (pack folder, "language: word")
        # Counters for tests and the bench: workers started, jobs the worker finished, restarts
        # after a failure.
        self.workers_started = 0
        self.jobs_done = 0
        self.restarts = 0

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None

    async def start(self) -> None:
        """Starts the supervisor thread (which starts the worker on the first job); returns at once."""
        if self._thread is not None:
            return
        self._stopping = False
        self._stop_event.clear()
        if self.stage_in_memory:
            self._staging = Staging.in_memory(self.cache_dir)
        self._thread = threading.Thread(target=self._supervise, name="antrian-audio", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Quits the worker; every pending `wav()` gets None."""
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._stopping = True
            self._stop_event.set()
            self._cond.notify_all()
        await asyncio.to_thread(thread.join, self.job_timeout + 10.0)
        self._thread = None
        staging, self._staging = self._staging, None
        if staging is not None:
            await asyncio.to_thread(staging.close)
        with self._cond:
            for key in [k for k, s in self._status.items() if s == _PENDING]:
                del self._status[key]
                self._resolve(key, None)
            self._queue.clear()

    # -- what the announcers use -----------------------------------------------------------

    def join(self, member: Member) -> None:
        with self._cond:
            if member not in self._members:
                self._members.append(member)
            self._cond.notify_all()

    def leave(self, member: Member) -> None:
        """MEMBER's plan is dropped; calls it queued are still made (another hall may share them)."""
        with self._cond:
            if member in self._members:
                self._members.remove(member)
            self._drop_plan(member)

    def set_plan(self, member: Member, plan: Plan | None) -> None:
        """Replace MEMBER's plan; the other halls' plans are untouched."""
        with self._cond:
            if plan is None or member not in self._members:
                self._drop_plan(member)
                return
            self._plans[member] = plan
            if member not in self._turns:
                self._turns.append(member)
            self._cond.notify_all()

    def call(self, key: str, text: str, settings: Settings, parts: tuple[Part, ...]) -> None:
        """Queue the WAV of a committed call. Takes a lock for a few microseconds, touches no file;
        the plans pause until the call's job is done and the server has had a moment."""
        with self._cond:
            self._last_call = time.monotonic()
            if self._status.get(key) not in (_PENDING, _READY):
                self._status[key] = _PENDING
                self._queue.append(_Job(key, text, settings, parts))
            self._cond.notify_all()

    def is_ready(self, key: str) -> bool:
        """KEY must be valid (`cache.valid_key`)."""
        return self._status.get(key) == _READY or self._located(key) is not None

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None:
        """The WAV for KEY (a valid key): at once when made (in memory or on disk), after
        synthesis when its job is pending; None for an unknown key, a failed job, or a timeout."""
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._status.get(key) != _PENDING:
                return self._located(key)
            future: asyncio.Future[Path | None] = loop.create_future()
            self._waiters.setdefault(key, []).append((loop, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            with self._cond:
                waiting = self._waiters.get(key, [])
                if (loop, future) in waiting:
                    waiting.remove((loop, future))
            return None

    def path(self, key: str) -> Path:
        """Where KEY's WAV is kept on disk."""
        return self.cache_dir / f"{key}.wav"

    def _located(self, key: str) -> Path | None:
        """Where KEY's WAV is read from now: in memory until its copy is on disk."""
        staging = self._staging
        if staging is not None and (staged := staging.located(key)) is not None:
            return staged
        path = self.path(key)
        return path if path.exists() else None

    @property
    def worker_pid(self) -> int | None:
        worker = self._worker
        return worker.pid if worker is not None and worker.alive() else None

    def _debug_hang_next_job(self, seconds: float) -> None:
        """Test hook: the worker sleeps SECONDS before the next job, as a stuck eSpeak would."""
        self._hang_next = seconds

    def _drop_plan(self, member: Member) -> None:
        """Call with the lock held."""
        self._plans.pop(member, None)
        if member in self._turns:
            self._turns.remove(member)

    # -- the supervisor thread ---------------------------------------------------------------

    def _resolve(self, key: str, result: Path | None) -> None:
        """Wake every `wav()` waiting on KEY. Call with the lock held."""
        for loop, future in self._waiters.pop(key, []):
            try:
                loop.call_soon_threadsafe(_set_result, future, result)
            except RuntimeError:  # that event loop is closed
                pass

    def _finish(self, key: str, ok: bool, *, staged: bool = False) -> None:
        with self._cond:
            if staged and self._staging is not None:
                self._staging.add(key)
            self._status[key] = _READY if ok else _FAILED
            self._resolve(key, self._located(key) if ok else None)
            if len(self._status) > _STATUS_LIMIT:
                # Months of calls: forget settled keys; the files on disk still answer for them.
                self._status = {k: s for k, s in self._status.items() if s == _PENDING}

    def _prewarm_pays(self) -> bool:
        """Whether a call's WAV made on demand would come late (no job timed yet: it might)."""
        if not self._job_seconds:
            return True
        return statistics.median(self._job_seconds) >= self.prewarm_slower_than

    def _quiet_for(self) -> float:
        """Seconds until the plans may be drawn from: 0 when idle. Call with the lock held."""
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

    def _refresh_members(self) -> None:
        with self._cond:
            members = list(self._members)
        for member in members:
            try:
                member.refresh()
            except Exception:  # one hall's pack must not silence every hall
                log.exception("checking a hall's voice pack failed; it is looked at again later")

    def _recheck_period(self) -> float | None:
        """How long to sleep with nothing to do. Call with the lock held."""
        return PACK_RECHECK_SECONDS if any(m.pack is not None for m in self._members) else None

    def _staged_waiting(self) -> str | None:
        """A call's WAV still to be written to disk. Call with the lock held."""
        return self._staging.waiting() if self._staging is not None else None

    def _persist(self, key: str) -> None:
        """Write KEY's staged WAV to the cache (outside the lock: a call never waits for it)."""
        staging = self._staging
        if staging is None:
            return
        ok = staging.persist(key)
        with self._cond:
            staging.persisted(key, ok)
            if not ok:
                self._status.pop(key, None)  # lost: made again when asked for

    def _take(self) -> _Job | None:
        """The next job: a call if any is queued, else (when idle) writing a call's WAV to disk
        or the next hall's plan's next candidate."""
        while True:
            self._refresh_members()
            member: Member | None = None
            to_disk: str | None = None
            with self._cond:
                while not self._stopping and not self._queue:
                    if self._staged_waiting() is not None:
                        if (quiet := self._quiet_for()) > 0:
                            self._cond.wait(quiet)
                            continue
                        break
                    if not self._turns or not self._prewarm_pays():
                        if not self._cond.wait(self._recheck_period()):
                            break  # idle for a while: look at the packs' files again
                    elif (quiet := self._quiet_for()) > 0:
                        self._cond.wait(quiet)
                    else:
                        break
                if self._stopping:
                    return None
                job = self._next_call()
                if job is None and self._quiet_for() == 0:
                    to_disk = self._staged_waiting()
                if job is None and to_disk is None and self._turns and self._prewarm_pays():
                    member = self._turns.popleft()
                    plan = self._plans[member]
            if job is not None:
                if self._located(job.key) is not None:  # made earlier (prewarm, a previous run)
                    self._finish(job.key, True)
                    continue
                return job
            if to_disk is not None:
                self._persist(to_disk)
                continue
            if member is None:
                continue
            # Sentences and keys of the plan are built outside the lock: a call never waits.
            try:
                candidate = plan.next()
            except Exception:  # one hall's plan must not silence every hall
                log.exception("a prewarm plan failed; that hall prewarms again from its next plan")
                candidate = None
            # A key already known needs no look at the disk (an unlocked read: a hint only).
            cached = (
                candidate is not None and candidate[1] not in self._status and self._located(candidate[1]) is not None
            )
            with self._cond:
                if self._plans.get(member) is not plan:  # replaced or dropped meanwhile
                    continue
                if candidate is None:
                    del self._plans[member]
                    continue
                if self._quiet_for() > 0:  # a call arrived meanwhile: it goes first, then this hall
                    plan.hold(candidate)
                    self._turns.appendleft(member)
                    continue
                sentence, key, parts = candidate
                if key not in self._status and not cached:
                    self._turns.append(member)  # a job: the next hall's turn
                    self._status[key] = _PENDING
                    return _Job(key, sentence, plan.settings, parts, prewarm=True)
                if cached:
                    self._status[key] = _READY
                self._turns.appendleft(member)  # nothing to make: the same hall draws again
            # Walking a plan of calls already made is Python that holds the GIL: let it go
            # between candidates, so a call arriving meanwhile takes it at once instead of
            # waiting out the interpreter's switch interval (5 ms) on each of its sends.
            time.sleep(0)

    def _supervise(self) -> None:
        try:
            self._prune()
            failures = 0
            while True:
                job = self._take()
                if job is None:
                    break
                ok = self._run(job)
                with self._cond:
                    # A hall that never pauses: its oldest WAVs go to disk now, memory is bounded.
                    crowded = self._staging is not None and self._staging.over_limit()
                    oldest = self._staged_waiting() if crowded else None
                if oldest is not None:
                    self._persist(oldest)
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
        self._packs_told = set()
        self.workers_started += 1
        log.info("audio worker %d started", self._worker.pid)
        return self._worker

    def _tell_packs(self, worker: WorkerProcess) -> None:
        """Tell WORKER of every hall's voice pack it has not heard of: it prepares their clips
        while idle, before the calls need them."""
        with self._cond:
            packs = {(m.pack, m.volume) for m in self._members if m.pack is not None}
        for pack, volume in packs - self._packs_told:
            worker.send({"op": "pack", "pack": pack.as_message(), "volume": volume})
        self._packs_told |= packs

    def _run(self, job: _Job) -> bool:
        """Make JOB's WAV: a call's in memory (when staging), a prewarm's (made while idle)
        straight on disk."""
        staging = self._staging if not job.prewarm else None
        out = staging.path(job.key) if staging is not None else self.path(job.key)
        message = {
            "op": "job",
            "text": job.text,
            "out": str(out),
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
        reply = self._exchange(job, message)
        if reply is not None and not reply.get("ok") and staging is not None:
            log.warning("making %r in memory failed (%s); making it on disk", job.text, reply.get("error"))
            staging, message["out"] = None, str(self.path(job.key))
            reply = self._exchange(job, message)
        if reply is None:
            log.error("audio for %r abandoned after the worker failed twice", job.text)
            self._finish(job.key, False)
            return False
        if reply.get("ok"):
            self._log_lacking(settings.pack, reply.get("lacking") or [])
            self.jobs_done += 1
            self._finish(job.key, True, staged=staging is not None)
            return True
        # The worker survived but could not say it: retrying would fail the same way.
        log.error("audio synthesis failed for %r: %s", job.text, reply.get("error"))
        self._finish(job.key, False)
        return False

    def _exchange(self, job: _Job, message: dict) -> dict | None:
        """Send MESSAGE to the worker and return its reply; on a dead or hung worker, start a
        new one and try once more; None when that fails too."""
        for attempt in (1, 2):
            message["id"] = attempt
            try:
                worker = self._ensure_worker()
                self._tell_packs(worker)
                started = time.monotonic()
                worker.send(message)
                reply = worker.read(self.job_timeout)
                while reply.get("id") != attempt:
                    reply = worker.read(self.job_timeout)
                self._job_seconds.append(time.monotonic() - started)
            except (WorkerDied, WorkerHung, OSError, ValueError) as exc:
                self._discard_worker(exc, job)
                message.pop("hang", None)
                continue
            return reply
        return None

    def _log_lacking(self, pack: PackSettings | None, lacking: list[str]) -> None:
        """Once per word a voice pack lacks (it was said by eSpeak NG in its place)."""
        folder = pack.folder if pack is not None else ""
        for unit in lacking:
            if (folder, unit) not in self._lacking_logged:
                self._lacking_logged.add((folder, unit))
                language, _, word = unit.partition(": ")
                log.warning(
                    "the voice pack has no clip for %r (%s); eSpeak NG says it (see antrian voice-pack check)",
                    word,
                    language,
                )

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
            if self._staging is not None:
                self._staging.forget(path.stem)
            path.unlink(missing_ok=True)
            return True


def _set_result(future: asyncio.Future[Path | None], result: Path | None) -> None:
    if not future.done():
        future.set_result(result)
