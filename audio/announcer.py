"""The voice of one hall: a call's words and its WAV's key at once, the WAV soon after.

    announcer = Announcer(config.voice, data_dir)
    await announcer.start()
    text = announcer.sentence(call)     # pure: the words the screens show
    key = announcer.key(text)           # pure, a hash: publish f"/audio/{key}.wav" with the call
    announcer.announce(text)            # once the call is committed; never blocks
    path = await announcer.wav(key)     # the GET /audio/{key}.wav route awaits this
    announcer.prewarm(upcoming)         # a callable of the calls likely next; used only when idle

The WAVs are made by a speech engine (`antrian_voice.speech.Speech`: the worker process, its
supervisor thread, the cache). An announcer makes its own, started and stopped with it; a
server of many halls makes one and hands it to each hall's announcer (`speech=`), and starts
and stops it itself. The announcer keeps what is the hall's: its voice and settings, the
sentences in every language, the keys, and its prewarm plan.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache, languages, pack, text
from .cache import PackSettings, Settings, cache_key
from .call import SpokenCall
from .languages import Part
from .prewarm import Known, Plan, Upcoming
from .process import WORKER_NICE
from .speech import CACHE_BYTES_PER_HALL, IDLE_AFTER_CALL, PACK_RECHECK_SECONDS, PREWARM_SLOWER_THAN, Speech

if TYPE_CHECKING:
    from .settings import Voice

log = logging.getLogger("antrian.audio")

_SPOKEN_LIMIT = 4096  # sentences whose other languages are remembered between sentence() and announce()

__all__ = ["Announcer", "Settings", "Speech", "Upcoming", "cache_key"]


class Announcer:
    def __init__(
        self,
        voice: Voice,
        data_dir: Path,
        *,
        speech: Speech | None = None,
        job_timeout: float = 3.0,
        startup_timeout: float = 15.0,
        cache_max_bytes: int = CACHE_BYTES_PER_HALL,
        nice: int = WORKER_NICE,
        idle_after_call: float = IDLE_AFTER_CALL,
        prewarm_slower_than: float = PREWARM_SLOWER_THAN,
        command: Sequence[str] | None = None,
    ):
        """SPEECH: a shared engine, which its owner starts and stops; then DATA_DIR and the
        engine's options (JOB_TIMEOUT to COMMAND) are the engine's own and not used here.
        Without it the announcer makes its own engine, caching in DATA_DIR/audio, with those
        options (COMMAND starts a worker; default `python -m antrian_voice.worker --nice NICE`)."""
        self._voice = voice
        self._settings = Settings.of(voice)
        self._owns_speech = speech is None
        self.speech = speech or Speech(
            data_dir,
            job_timeout=job_timeout,
            startup_timeout=startup_timeout,
            cache_max_bytes=cache_max_bytes,
            nice=nice,
            idle_after_call=idle_after_call,
            prewarm_slower_than=prewarm_slower_than,
            command=command,
        )
        # Settings and the plan change from the event loop (set_voice, prewarm) and from the
        # voice's thread (a changed pack): this lock keeps them together. Taken before the
        # engine's, never inside it.
        self._lock = threading.Lock()
        self._upcoming: Upcoming | None = None
        self._known: Known = {}  # the plans' candidates in the current voice (prewarm.Known)
        self._started = False
        # The Indonesian sentence -> every language said for it, from sentence(): the hall hands
        # announce() and key() the sentence only, and the screens show only the Indonesian one.
        self._spoken: OrderedDict[str, tuple[Part, ...]] = OrderedDict()
        self._pack_checked = time.monotonic()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Joins the engine (and starts it when it is the announcer's own); the plan given so
        far is drawn from from now on."""
        with self._lock:
            if not self._started:
                self._started = True
                self.speech.join(self)
                self.speech.set_plan(self, self._new_plan())
        if self._owns_speech:
            await self.speech.start()

    async def stop(self) -> None:
        """Leaves the engine: this hall's plan is dropped. An own engine is stopped (its worker
        quits, pending waiters get None); a shared one goes on for the other halls."""
        with self._lock:
            self._started = False
            self.speech.leave(self)
        if self._owns_speech:
            await self.speech.stop()

    def set_voice(self, voice: Voice) -> None:
        """Takes effect for the next sentence and key; a voice change changes the keys, so files
        made for the old voice are simply not used. The prewarm plan starts over in the new voice."""
        settings = Settings.of(voice)  # reads the pack's manifest and clip stats: outside the lock
        with self._lock:
            self._voice = voice
            self._settings = settings
            self._spoken.clear()  # the other languages' words may have changed with the voice
            self._known = {}
            self._replan()

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
        """Queue the WAV of a committed call, behind the calls of every hall announced before it.
        Takes a lock for a few microseconds, touches no file; every hall's plan pauses until the
        call's job is done and the server has had a moment."""
        settings = self._settings
        if not settings.enabled:
            return
        parts = self._parts(text_)
        self.speech.call(cache_key(text_, settings, _pairs(parts)), text_, settings, parts)

    def prewarm(self, upcoming: Upcoming) -> None:
        """Replace this hall's plan. UPCOMING is called later, in the voice's thread, only when
        idle, in turn with the other halls' plans."""
        with self._lock:
            self._upcoming = upcoming
            self._replan()

    def is_ready(self, key: str) -> bool:
        if not self._settings.enabled or not cache.valid_key(key):
            return False
        return self.speech.is_ready(key)

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None:
        """The WAV for KEY: at once when on disk, after synthesis when its job is pending;
        None for an unknown or malformed key, a failed job, or a timeout."""
        if not self._settings.enabled or not cache.valid_key(key):
            return None
        return await self.speech.wav(key, timeout)

    # -- the engine's, seen from the hall --------------------------------------------------

    @property
    def cache_dir(self) -> Path:
        return self.speech.cache_dir

    @property
    def command(self) -> list[str]:
        return self.speech.command

    @property
    def worker_pid(self) -> int | None:
        return self.speech.worker_pid

    @property
    def jobs_done(self) -> int:
        """Jobs the engine's worker finished, for every hall it serves."""
        return self.speech.jobs_done

    @property
    def restarts(self) -> int:
        """Restarts of the engine's worker after a failure."""
        return self.speech.restarts

    def _debug_hang_next_job(self, seconds: float) -> None:
        """Test hook: the worker sleeps SECONDS before the next job, as a stuck eSpeak would."""
        self.speech._debug_hang_next_job(seconds)

    # -- what the engine asks of a member, from the voice's thread --------------------------

    @property
    def pack(self) -> PackSettings | None:
        return self._settings.pack

    @property
    def volume(self) -> float:
        return self._settings.volume

    def refresh(self) -> None:
        """A re-recorded clip or an edited manifest changes the keys from the next call on."""
        settings = self._settings
        if settings.pack is None or time.monotonic() - self._pack_checked < PACK_RECHECK_SECONDS:
            return
        self._pack_checked = time.monotonic()
        current = pack.signature(Path(settings.pack.folder))
        if current == settings.pack.signature:
            return
        log.info("the voice pack in %s changed; new announcements use it", settings.pack.folder)
        with self._lock:
            if self._settings is settings:
                self._settings = dataclasses.replace(
                    settings, pack=dataclasses.replace(settings.pack, signature=current)
                )
                self._known = {}
                self._replan()

    def _replan(self) -> None:
        """A new plan from the start, in the current voice. Call with the lock held."""
        if self._started:
            self.speech.set_plan(self, self._new_plan())

    def _new_plan(self) -> Plan | None:
        if self._upcoming is None or not self._settings.enabled:
            return None
        return Plan(self._upcoming, self._voice, self._settings, self._known)


def _pairs(parts: tuple[Part, ...]) -> list[tuple[str, str]]:
    return [(p.language, p.text) for p in parts]
