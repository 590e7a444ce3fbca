"""One LISTEN connection per database for every hall a process serves.

A deployment of many halls would otherwise hold one idle connection per hall per node just to
hear the other nodes. Each hall's store subscribes to its channel here; the connection LISTENs
to all of them. After every (re)connect each subscriber gets `None`, meaning "you may have
missed some: read the journal's head", so nothing committed while the connection was down is
lost.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

RECONNECT_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)  # seconds, then the last one again
POLL_SECONDS = 0.5  # how soon a newly subscribed channel is LISTENed to on a live connection

Heard = asyncio.Queue[int | None]  # a committed seq, or None after a (re)connect
_listeners: dict[tuple[int, str], Listener] = {}  # by (event loop, database)


def listener_for(dsn: str) -> Listener:
    key = (id(asyncio.get_running_loop()), dsn)
    if key not in _listeners:
        _listeners[key] = Listener(dsn, key)
    return _listeners[key]


class Listener:
    def __init__(self, dsn: str, key: tuple[int, str]):
        self.dsn = dsn
        self.key = key
        self.subscribers: dict[str, set[Heard]] = {}
        self._listening: set[str] = set()  # channels LISTENed to on the current connection
        self._task: asyncio.Task | None = None

    def subscribe(self, channel: str) -> Heard:
        heard: Heard = asyncio.Queue()
        self.subscribers.setdefault(channel, set()).add(heard)
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"antrian-listen-{self.dsn.rsplit('/', 1)[-1]}")
        return heard

    def unsubscribe(self, channel: str, heard: Heard) -> None:
        self.subscribers.get(channel, set()).discard(heard)
        if not self.subscribers.get(channel):
            self.subscribers.pop(channel, None)
        if not self.subscribers and self._task is not None:
            self._task.cancel()
            self._task = None
            _listeners.pop(self.key, None)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as connection:
                    self._listening = set()
                    await self._listen_to_new(connection)  # each subscriber reads the head: what
                    failures = 0  # committed while nobody here listened
                    while True:
                        async for notice in connection.notifies(timeout=POLL_SECONDS):
                            for heard in self.subscribers.get(notice.channel, ()):
                                heard.put_nowait(int(notice.payload))
                        await self._listen_to_new(connection)
            except psycopg.OperationalError as error:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("listening for other nodes' events: %s; again in %.2f s", error, delay)
                await asyncio.sleep(delay)

    async def _listen_to_new(self, connection: psycopg.AsyncConnection) -> None:
        for channel in list(self.subscribers):
            if channel not in self._listening:
                await connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                self._listening.add(channel)
                for heard in self.subscribers[channel]:
                    heard.put_nowait(None)
