"""The I/O loop around `CounterProtocol`: one WebSocket at a time, reconnecting by itself.

    session = CounterSession("http://server:8000", "loket-1", "token", on_change=print)
    task = asyncio.create_task(session.run())
    reply = await session.command("call_next")

`SessionThread` runs a session in a background thread for a UI toolkit that owns the main
thread (Tk): presses go in with `submit`, views and replies come out through callbacks
called in the session's thread, so the UI must hand them to its own thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import websockets

from display_server.contract import PING_SECONDS, SILENCE_SECONDS, Action, Backoff

from .protocol import Command, CounterProtocol, Event, Fatal, Link, Reply, View

log = logging.getLogger(__name__)

ViewListener = Callable[[View], None]
EventListener = Callable[[Event], None]
CONNECTION_ERRORS = (OSError, asyncio.TimeoutError, websockets.WebSocketException, ValueError)


def counter_url(server: str) -> str:
    """`http://host:8000`, `host:8000` or `ws://host:8000/ws/counter` -> the WebSocket URL.

    A path is the hall's base and is kept: `http://host:8000/h/mpp-kota` (a hall of a
    deployment of many) -> `ws://host:8000/h/mpp-kota/ws/counter`."""
    if "://" not in server:
        server = f"http://{server}"
    parts = urlsplit(server)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    if not path.endswith("/ws/counter"):
        path += "/ws/counter"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class SessionFailed(Exception):
    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class CounterSession:
    def __init__(
        self,
        server: str,
        counter_id: str,
        token: str,
        *,
        on_change: ViewListener | None = None,
        on_event: EventListener | None = None,
        backoff: Backoff = Backoff(),
        ping_interval: float = PING_SECONDS,
        silence: float = SILENCE_SECONDS,
        open_timeout: float = 5.0,
        outbox_path: Path | None = None,
    ):
        self.url = counter_url(server)
        self.protocol = CounterProtocol(counter_id, token)
        self.on_change = on_change
        self.on_event = on_event
        self.backoff = backoff
        self.ping_interval = ping_interval
        # websockets pings every ping_interval; a pong still missing when `silence` has passed
        # since the last one means the link is dead (the contract's rule for every client)
        self.ping_timeout = max(silence - ping_interval, ping_interval)
        self.open_timeout = open_timeout
        self._waiters: dict[str, asyncio.Future[Reply]] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._socket: websockets.ClientConnection | None = None
        self.outbox_path = outbox_path
        self._saved_ids: tuple[str, ...] = ()
        if outbox_path is not None:
            self.protocol.restore(load_outbox(outbox_path))
            self._saved_ids = tuple(self.protocol.outbox)

    @property
    def view(self) -> View:
        return self.protocol.view

    # --- commands ------------------------------------------------------------------------

    def submit(self, kind: Action | str, **fields: str) -> Command:
        """Queue a command (sent now if online, else on the next welcome). Call in the loop."""
        command = self.protocol.submit(kind, **fields)
        self._wake.set()
        self._changed()
        return command

    async def command(self, kind: Action | str, **fields: str) -> Reply:
        """Submit and wait for the reply; raises SessionFailed when the session dies for good."""
        command = self.submit(kind, **fields)
        future = self._waiters[command.id] = asyncio.get_running_loop().create_future()
        return await future

    async def wait_online(self) -> View:
        while self.view.link is not Link.ONLINE:
            if self.view.link is Link.FAILED:
                raise SessionFailed(self.view.fatal or "failed")
            await asyncio.sleep(0.02)
        return self.view

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._socket is not None:
            asyncio.ensure_future(self._socket.close())

    # --- the loop ------------------------------------------------------------------------

    async def run(self) -> View:
        """Connect, serve, reconnect; returns when stopped or refused for good."""
        attempt = 0
        while not self._stopping.is_set():
            try:
                await self._serve_one_connection()
            except CONNECTION_ERRORS as exc:
                log.info("counter %s: connection lost (%s)", self.view.counter_id, exc or type(exc).__name__)
            finally:
                self._socket = None
                self.protocol.connection_lost()
                self._changed()
            if self.view.link is Link.FAILED:
                self._fail_waiters(SessionFailed(self.view.fatal or "failed"))
                break
            attempt = 0 if self.view.failures <= 1 and self.view.connected_once else attempt + 1
            await self._sleep(self.backoff.delay(attempt))
        if self.view.link is not Link.FAILED:
            self.protocol.stop()
            self._fail_waiters(SessionFailed("stopped"))
            self._changed()
        return self.view

    async def _serve_one_connection(self) -> None:
        async with websockets.connect(
            self.url,
            open_timeout=self.open_timeout,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            close_timeout=1,
        ) as socket:
            self._socket = socket
            self.protocol.connection_made()
            writer = asyncio.create_task(self._write(socket))
            try:
                await self._read(socket)
            finally:
                writer.cancel()

    async def _read(self, socket: websockets.ClientConnection) -> None:
        async for raw in socket:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            events = self.protocol.receive(message)
            self._wake.set()
            self._changed()
            for event in events:
                self._deliver(event)
            if self.view.link is Link.FAILED:
                return

    async def _write(self, socket: websockets.ClientConnection) -> None:
        self._wake.set()
        while True:
            await self._wake.wait()
            self._wake.clear()
            for message in self.protocol.data_to_send():
                await socket.send(json.dumps(message, separators=(",", ":")))

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass

    # --- listeners -----------------------------------------------------------------------

    def _deliver(self, event: Event) -> None:
        if isinstance(event, Reply):
            waiter = self._waiters.pop(event.command.id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(event)
        if self.on_event is not None:
            self.on_event(event)

    def _fail_waiters(self, error: Exception) -> None:
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(error)
        self._waiters.clear()

    def _changed(self) -> None:
        self._save_outbox()
        if self.on_change is not None:
            self.on_change(self.view)

    def _save_outbox(self) -> None:
        ids = tuple(self.protocol.outbox)
        if self.outbox_path is None or ids == self._saved_ids:
            return
        save_outbox(self.outbox_path, list(self.protocol.outbox.values()))
        self._saved_ids = ids


def load_outbox(path: Path) -> list[Command]:
    """Commands pending when the client last stopped; they are resent with their ids."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        return [Command(str(c["id"]), str(c["type"]), dict(c.get("fields", {}))) for c in saved]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def save_outbox(path: Path, commands: list[Command]) -> None:
    """Commands still awaiting their reply, but never a sign-in: its PIN must not reach the
    disk (after a restart of the client the officer signs in again)."""
    commands = [c for c in commands if not c.has_secrets]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        json.dumps([{"id": c.id, "type": c.type, "fields": c.fields} for c in commands]), encoding="utf-8"
    )
    temporary.replace(path)  # atomic: a crash leaves the old or the new outbox, never half


class SessionThread:
    """A session running in its own thread and event loop, for UIs that own the main thread."""

    def __init__(self, session_factory: Callable[[], CounterSession]):
        self._factory = session_factory
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.session: CounterSession | None = None
        self._thread = threading.Thread(target=self._main, name="counter-session", daemon=True)

    def start(self) -> SessionThread:
        self._thread.start()
        self._ready.wait(5)
        return self

    def submit(self, kind: Action | str, **fields: str) -> None:
        session = self.session
        if session is not None:  # started: `start()` waits for it
            self._loop.call_soon_threadsafe(lambda: session.submit(kind, **fields))

    def stop(self, timeout: float = 3.0) -> None:
        if self.session is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.session.stop)
        self._thread.join(timeout)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self.session = self._factory()  # built in its loop: its asyncio primitives bind here
        self._ready.set()
        try:
            self._loop.run_until_complete(self.session.run())
        finally:
            self._loop.close()


__all__ = ["CounterSession", "Fatal", "Reply", "SessionFailed", "SessionThread", "counter_url"]
