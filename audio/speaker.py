"""`antrian speaker`: play a zone's announcements on this PC's sound card.

For halls that wire the PA system to a PC rather than to a TV. Two layers, kept apart:

- `SpeakerProtocol` is pure (no sockets, no clock, no files): it takes the messages of
  `/ws/zone/{zone_id}` (docs/protocol.md) and the current time, and decides what to play and
  in which order. It is tested without a server.
- `Speaker` does the I/O around it: one WebSocket at a time, reconnecting by itself, fetching
  each call's WAV over HTTP and playing it with an external command, one at a time.

The rules are the screens' rules:

- strictly first in, first out, one announcement at a time: the next one starts only when the
  player process of the previous one has ended, so a quick second call never cuts off the first;
- each call `id` is played once. The calls of the first snapshot are history and are never
  played. A later snapshot (after a reconnect or a resync) offers its calls not seen before,
  oldest first: those are calls made while the link was down. The ids seen are remembered
  (a bounded set) across reconnects, so a reconnect never replays anything;
- a call older than `max_age` seconds is skipped, when it arrives and again when its turn comes.
  Its age is measured on the server's clock: the local clock corrected by the snapshot's
  `server_time`, so a PC whose clock is off still judges ages right;
- a message whose `prev_seq` is not the last `seq` seen means a message was lost: resync
  (reconnect for a fresh snapshot). So does close code 4008 (the server found us too slow).

The wire's facts (the `prev_seq` rule, close codes, the backoff policy) come from
`display_server.contract`, the one module of the server the voice imports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shlex
import shutil
import signal
import tempfile
import time
import urllib.error
import urllib.request
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from display_server.contract import PING_SECONDS, Backoff, Close, missed_messages

log = logging.getLogger("antrian.speaker")

DEFAULT_MAX_AGE = 60.0
REMEMBERED_IDS = 1000  # far more than a snapshot holds (20 calls)
FETCH_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)  # then give up on that call
FETCH_TIMEOUT = 15.0  # the server itself waits up to 10 s for a WAV being synthesised
PLAYER_TIMEOUT = 120.0  # an announcement lasts 3-12 s; a player stuck longer is killed
# Slower than a TV's: a speaker PC that cannot reach the server has nothing to show meanwhile.
SPEAKER_BACKOFF = Backoff(base=0.5, cap=15.0)

PLAYERS: tuple[tuple[str, str], ...] = (
    ("aplay", "aplay -q {file}"),
    ("paplay", "paplay {file}"),
    ("ffplay", "ffplay -nodisp -autoexit -loglevel quiet {file}"),
)
NO_PLAYER_MESSAGE = (
    "no audio player found (looked for aplay, paplay, ffplay). "
    "Install one: apt install alsa-utils (for aplay), or pass --player 'COMMAND {file}'."
)


# --- the pure part ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queued:
    """A call was put in the queue."""

    call: dict


@dataclass(frozen=True, slots=True)
class Skipped:
    call: dict
    reason: str


@dataclass(frozen=True, slots=True)
class Synced:
    """A snapshot was taken. `history` calls were marked as heard without playing them."""

    seq: int | None
    history: int
    first: bool


@dataclass(frozen=True, slots=True)
class Resync:
    """A message was lost: drop the connection and reconnect for a fresh snapshot."""

    reason: str


@dataclass(frozen=True, slots=True)
class Refused:
    """The server refused us (e.g. `unknown_zone`)."""

    code: str
    message: str


Event = Queued | Skipped | Synced | Resync | Refused


class SeenIds:
    """The last `limit` call ids seen, oldest forgotten first."""

    def __init__(self, limit: int = REMEMBERED_IDS):
        self.limit = limit
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, call_id: str) -> None:
        self._ids[call_id] = None
        self._ids.move_to_end(call_id)
        while len(self._ids) > self.limit:
            self._ids.popitem(last=False)


def parse_time(value: object) -> float | None:
    """An ISO 8601 time with offset -> POSIX seconds, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()


@dataclass
class SpeakerProtocol:
    """Decides what a zone's speaker plays. No I/O: `now` is the local clock, in POSIX seconds.

        protocol = SpeakerProtocol(max_age=60)
        protocol.connection_made()
        for event in protocol.receive(message, time.time()): ...
        call, skipped = protocol.next_call(time.time())   # the next call to play, or None

    `max_age` <= 0 plays calls of any age.
    """

    max_age: float = DEFAULT_MAX_AGE
    seen: SeenIds = field(default_factory=SeenIds)
    queue: deque[dict] = field(default_factory=deque)
    last_seq: int | None = None
    clock_offset: float = 0.0  # server clock minus local clock, from the last snapshot
    synced: bool = False  # a snapshot was received on this connection
    ever_synced: bool = False  # a snapshot was received on any connection

    def connection_made(self) -> None:
        self.last_seq = None
        self.synced = False

    def connection_lost(self) -> None:
        self.last_seq = None
        self.synced = False

    def receive(self, message: dict, now: float) -> list[Event]:
        kind = message.get("type")
        if kind == "snapshot":
            return self._snapshot(message, now)
        if kind == "error":
            return [Refused(str(message.get("code")), str(message.get("message", "")))]
        seq = message.get("seq")
        if isinstance(seq, int) and not isinstance(seq, bool):
            if not self.synced:
                return [Resync(f"a {kind!r} message (seq {seq}) came before the snapshot")]
            if missed_messages(self.last_seq, message):
                expected, got = self.last_seq, message.get("prev_seq")
                self.connection_lost()
                return [Resync(f"missed a message: prev_seq {got}, last seq seen {expected}")]
            self.last_seq = seq
        if kind == "call" and isinstance(message.get("call"), dict):
            return self._offer(message["call"], now)
        return []  # counter, pong: nothing a speaker says

    def next_call(self, now: float) -> tuple[dict | None, list[Skipped]]:
        """The next call to play (None if the queue is empty) and the calls skipped to reach it."""
        skipped: list[Skipped] = []
        while self.queue:
            call = self.queue.popleft()
            reason = self.too_old(call, now)
            if reason is None:
                return call, skipped
            skipped.append(Skipped(call, reason))
        return None, skipped

    def age(self, call: dict, now: float) -> float | None:
        at = parse_time(call.get("at"))
        return None if at is None else now + self.clock_offset - at

    # --- inside ---

    def _snapshot(self, message: dict, now: float) -> list[Event]:
        seq = message.get("seq")
        self.last_seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        server_time = parse_time(message.get("server_time"))
        if server_time is not None:
            self.clock_offset = server_time - now
        calls = [c for c in message.get("calls") or () if isinstance(c, dict) and isinstance(c.get("id"), str)]
        first = not self.ever_synced
        self.synced = self.ever_synced = True
        events: list[Event] = []
        history = 0
        for call in reversed(calls):  # the snapshot lists newest first; oldest first here
            if first:
                if call["id"] not in self.seen:
                    history += 1
                self.seen.add(call["id"])
            else:
                events.extend(self._offer(call, now))
        return [Synced(self.last_seq, history, first), *events]

    def _offer(self, call: dict, now: float) -> list[Event]:
        call_id = call.get("id")
        if not isinstance(call_id, str) or call_id in self.seen:
            return []
        self.seen.add(call_id)  # claimed now: never queued or played twice
        reason = self.too_old(call, now)
        if reason is not None:
            return [Skipped(call, reason)]
        self.queue.append(call)
        return [Queued(call)]

    def too_old(self, call: dict, now: float) -> str | None:
        if self.max_age <= 0:
            return None
        age = self.age(call, now)
        if age is not None and age > self.max_age:
            return f"{age:.0f} s old (max age {self.max_age:g} s)"
        return None


# --- URLs, player --------------------------------------------------------------------------


def server_urls(server: str, zone: str) -> tuple[str, str]:
    """`http://host:8000` (or `host:8000`, `ws://…`) -> (the zone's WebSocket URL, the HTTP base)."""
    if "://" not in server:
        server = f"http://{server}"
    parts = urlsplit(server)
    http_scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    ws_scheme = {"http": "ws", "https": "wss"}.get(http_scheme, "ws")
    base_path = parts.path.rstrip("/")
    base = urlunsplit((http_scheme, parts.netloc, base_path, "", ""))
    ws = urlunsplit((ws_scheme, parts.netloc, f"{base_path}/ws/zone/{quote(zone, safe='')}", "", ""))
    return ws, base


def default_player(which: Callable[[str], str | None] = shutil.which) -> str | None:
    """The first player command template whose program is installed."""
    for program, template in PLAYERS:
        if which(program):
            return template
    return None


def player_argv(template: str, file: str) -> list[str]:
    """The template split like a shell would, with `{file}` replaced in every argument."""
    return [arg.replace("{file}", file) for arg in shlex.split(template)]


def describe(call: dict) -> str:
    counter = call.get("counter") or {}
    name = counter.get("name") or counter.get("id") or "?"
    return f"{call.get('number', '?')} to {name}{' (recall)' if call.get('recall') else ''}"


# --- the I/O part ----------------------------------------------------------------------------


class FetchError(Exception):
    pass


def fetch_wav(url: str, timeout: float = FETCH_TIMEOUT) -> bytes:
    """GET a WAV; FetchError unless it answers 200 with a RIFF/WAVE body. Blocking (stdlib only)."""
    request = urllib.request.Request(url, headers={"User-Agent": "antrian-speaker"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(str(reason) or type(exc).__name__) from None
    if len(body) < 12 or body[:4] != b"RIFF" or body[8:12] != b"WAVE":
        raise FetchError(f"not a WAV file ({len(body)} bytes)")
    return body


class SpeakerRefused(Exception):
    """The server refused the zone before the speaker ever connected: a usage error."""


class Speaker:
    """Connects, queues, plays; reconnects forever. `run()` returns when `stop()` is called."""

    def __init__(
        self,
        server: str,
        zone: str,
        player: str,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        backoff: Backoff = SPEAKER_BACKOFF,
        fetch: Callable[[str], bytes] = fetch_wav,
        retry_delays: Sequence[float] = FETCH_RETRY_DELAYS,
        clock: Callable[[], float] | None = None,
        open_timeout: float = 5.0,
        ping_interval: float = PING_SECONDS,
    ):
        self.zone = zone
        self.url, self.base = server_urls(server, zone)
        self.player = player
        self.protocol = SpeakerProtocol(max_age=max_age)
        self.backoff = backoff
        self.fetch = fetch
        self.retry_delays = tuple(retry_delays)
        self.clock = clock or time.time
        self.open_timeout = open_timeout
        self.ping_interval = ping_interval
        self.played: list[str] = []  # call ids, in the order played (for tests and the log)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._socket: Any = None  # the open websockets connection, to close it on stop()
        self._player_process: asyncio.subprocess.Process | None = None

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._socket is not None:
            asyncio.ensure_future(self._socket.close())

    async def run(self) -> None:
        with tempfile.TemporaryDirectory(prefix="antrian-speaker-") as tmp:
            tasks = [
                asyncio.create_task(self._connect_loop()),
                asyncio.create_task(self._play_loop(Path(tmp))),
                asyncio.create_task(self._stopping.wait()),
            ]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if not task.cancelled() and (error := task.exception()) is not None:
                        raise error
            finally:
                self._stopping.set()
                await self._kill_player()
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task

    # --- the connection ---

    async def _connect_loop(self) -> None:
        import websockets

        errors = (OSError, asyncio.TimeoutError, websockets.WebSocketException)
        attempt = 0
        while not self._stopping.is_set():
            resync_now = False
            self._synced_this_connection = False
            try:
                resync_now = await self._serve_one_connection()
            except websockets.ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd else None
                if code == Close.TOO_SLOW:
                    log.warning("the server dropped us as too slow (close code %d): resyncing", Close.TOO_SLOW)
                    resync_now = True
                elif code == Close.NOT_FOUND:
                    log.error("the server closed the connection: unknown zone %r", self.zone)
                else:
                    log.warning("connection lost (%s)", _closed_reason(exc))
            except errors as exc:
                log.warning("cannot reach %s (%s)", self.url, _error_text(exc))
            finally:
                self._socket = None
                self.protocol.connection_lost()
            if self._stopping.is_set():
                break
            if self._synced_this_connection:
                attempt = 0  # it worked for a while: start the backoff over
            if resync_now:
                delay = self.backoff.delay(0) / 5  # lost a message, the server is up: come back soon
            else:
                delay = self.backoff.delay(attempt)
                attempt += 1
            log.info("reconnecting in %.1f s", delay)
            await self._sleep(delay)

    _synced_this_connection = False

    async def _serve_one_connection(self) -> bool:
        """One connection, until it closes; True when it ended to resync."""
        import websockets

        async with websockets.connect(
            self.url,
            open_timeout=self.open_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_interval,
            close_timeout=1,
            max_size=4 * 1024 * 1024,
        ) as socket:
            self._socket = socket
            self.protocol.connection_made()
            if self._stopping.is_set():
                return False
            async for raw in socket:
                try:
                    message = json.loads(raw)
                except ValueError:
                    log.warning("ignored a message that is not JSON")
                    continue
                if not isinstance(message, dict):
                    continue
                for event in self.protocol.receive(message, self.clock()):
                    if isinstance(event, Resync):
                        log.warning("%s: resyncing", event.reason)
                        await socket.close()
                        return True
                    if isinstance(event, Refused):
                        if event.code == "unknown_zone" and not self.protocol.ever_synced:
                            raise SpeakerRefused(event.message or f"unknown zone {self.zone!r}")
                        log.error("the server refused: %s (%s)", event.code, event.message)
                        continue
                    self._log_event(event)
                    if isinstance(event, Synced):
                        self._synced_this_connection = True
                    if isinstance(event, Queued):
                        self._wake.set()
            if not self._stopping.is_set():
                log.warning("the server closed the connection (code %s)", socket.close_code)
        return False

    def _log_event(self, event: Event) -> None:
        if isinstance(event, Synced):
            if event.first:
                log.info(
                    "connected to %s: listening (%d earlier calls are history, not played)", self.url, event.history
                )
            else:
                log.info("connected to %s again", self.url)
        elif isinstance(event, Queued):
            log.info("queued %s (%d waiting)", describe(event.call), len(self.protocol.queue))
        elif isinstance(event, Skipped):
            log.info("skipped %s: %s", describe(event.call), event.reason)

    # --- the player ---

    async def _play_loop(self, folder: Path) -> None:
        while not self._stopping.is_set():
            call, skipped = self.protocol.next_call(self.clock())
            for event in skipped:
                self._log_event(event)
            if call is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            body = await self._fetch_with_retries(call)
            if body is None or self._stopping.is_set():
                continue
            # Fetching may have taken a while: is it still fresh?
            reason = self.protocol.too_old(call, self.clock())
            if reason is not None:
                log.info("skipped %s: %s", describe(call), reason)
                continue
            await self._play(call, body, folder)

    async def _fetch_with_retries(self, call: dict) -> bytes | None:
        audio = call.get("audio")
        if not audio:
            log.warning("skipped %s: the call has no audio (speech is off on the server)", describe(call))
            return None
        url = self.base + audio if audio.startswith("/") else audio
        for attempt in range(len(self.retry_delays) + 1):
            try:
                return await asyncio.to_thread(self.fetch, url)
            except FetchError as exc:
                if attempt == len(self.retry_delays):
                    log.error(
                        "skipped %s: cannot fetch %s (%s), gave up after %d tries",
                        describe(call),
                        url,
                        exc,
                        attempt + 1,
                    )
                    return None
                delay = self.retry_delays[attempt]
                log.warning("cannot fetch the WAV of %s (%s): retrying in %.1f s", describe(call), exc, delay)
                await self._sleep(delay)
                if self._stopping.is_set():
                    return None
        return None

    async def _play(self, call: dict, body: bytes, folder: Path) -> None:
        name = re.sub(r"[^\w.-]", "_", f"{call.get('number', 'call')}-{call['id']}")[:80]
        path = folder / f"{name}.wav"
        path.write_bytes(body)
        argv = player_argv(self.player, str(path))
        log.info("playing %s: %s", describe(call), call.get("text", ""))
        try:
            self._player_process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            log.error("cannot run the player %r: %s", argv[0], exc)
            path.unlink(missing_ok=True)
            return
        process = self._player_process
        try:
            code = await asyncio.wait_for(process.wait(), PLAYER_TIMEOUT)
        except TimeoutError:
            log.error("the player ran over %.0f s on %s: stopped it", PLAYER_TIMEOUT, describe(call))
            await self._kill_player()
            code = None
        finally:
            if process.returncode is None:  # cancelled (stopping): do not leave it playing
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            self._player_process = None
            path.unlink(missing_ok=True)
        self.played.append(call["id"])
        if code:
            log.warning("the player exited with status %s on %s", code, describe(call))

    async def _kill_player(self) -> None:
        process = self._player_process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 2)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)


def _closed_reason(exc: Exception) -> str:
    rcvd = getattr(exc, "rcvd", None)
    if rcvd is None:
        return "closed without a close frame"
    return f"closed with code {rcvd.code}" + (f": {rcvd.reason}" if rcvd.reason else "")


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


async def run_speaker(speaker: Speaker) -> None:
    """Run until Ctrl-C or SIGTERM, then stop cleanly (the playing announcement is stopped)."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, speaker.stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
    try:
        await speaker.run()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def player_program(template: str) -> str | None:
    try:
        argv = shlex.split(template)
    except ValueError:
        return None
    return argv[0] if argv else None


__all__ = [
    "FetchError",
    "Queued",
    "Refused",
    "Resync",
    "SeenIds",
    "Skipped",
    "Speaker",
    "SpeakerProtocol",
    "SpeakerRefused",
    "Synced",
    "default_player",
    "fetch_wav",
    "player_argv",
    "run_speaker",
    "server_urls",
]
