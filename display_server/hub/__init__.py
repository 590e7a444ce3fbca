"""Connections and fan-out.

Every subscriber has its own bounded queue. `publish` never awaits: it serialises the
message once and offers it to each interested subscriber. A subscriber whose backlog is full is
*dropped* (its connection is closed and it must resync from a snapshot), so one stalled
TV never delays the others, and its backlog never grows the server's memory.

Each delivered message carries `seq` (the event's global, monotonic number) and
`prev_seq` (the `seq` of the previous message this same subscriber was sent). A client
that sees `prev_seq` differ from the last `seq` it saw has missed something and resyncs.
Filtered subscribers see gaps in `seq` by design; `prev_seq` makes those gaps harmless.

A connection that can take wire frames straight to its socket registers a `FrameWriter`.
While it has nothing queued and nothing being sent, `publish` writes to it directly: the
message is framed once per distinct `prev_seq` (all the TVs of a zone usually share one,
so once per call) and the same bytes go to every such connection. Otherwise, or when the
writer's backlog is over its bound, the message takes the queue, so order is kept and a
stalled TV is still dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Protocol

log = logging.getLogger(__name__)

DEFAULT_QUEUE_LIMIT = 256


class FrameWriter(Protocol):
    """A connection's socket, below the server's message API (e.g. ASGI)."""

    def frame(self, text: str) -> bytes:
        """TEXT as bytes for the wire; the same for every writer of a server."""
        ...

    def write(self, frame: bytes) -> bool:
        """Write without waiting; False when the connection's backlog is over its bound."""
        ...


Frames = dict[int, bytes]  # one publish's framed message by prev_seq


class Subscriber:
    def __init__(self, topics: Iterable[str], *, kind: str, key: str, limit: int, seq: int):
        self.topics = frozenset(topics)
        self.kind = kind  # "screen", "counter", "ticket", ...
        self.key = key  # the screen id, counter id, ... for status views
        self.queue: asyncio.Queue[str] = asyncio.Queue(limit)
        self.last_seq = seq
        self.dropped = asyncio.Event()
        self.writer: FrameWriter | None = None  # set by a connection whose messages need no shaping
        self._sending = False  # the connection's sender holds a message from the queue

    def offer(self, seq: int, body: str, frames: Frames | None = None) -> bool:
        """Deliver a message serialised without its seq fields; False when the backlog is full.

        FRAMES, shared by one publish's subscribers, lets a message be framed once per prev_seq.
        """
        writer = self._direct_writer()
        if writer is None:
            delivered = self._enqueue(_stamp(seq, self.last_seq, body))
        else:
            frames = {} if frames is None else frames
            frame = frames.get(self.last_seq)
            if frame is None:
                frame = frames[self.last_seq] = writer.frame(_stamp(seq, self.last_seq, body))
            delivered = writer.write(frame)
        if delivered:
            self.last_seq = seq
        return delivered

    def send(self, text: str) -> bool:
        """Deliver a reply (no seq fields) after everything before it; False when the backlog is full."""
        writer = self._direct_writer()
        if writer is None:
            return self._enqueue(text)
        return writer.write(writer.frame(text))

    async def next_message(self) -> str:
        """The next queued message for the connection's one sender; it holds it until it asks again."""
        self._sending = False
        text = await self.queue.get()
        self._sending = True
        return text

    def _direct_writer(self) -> FrameWriter | None:
        """The writer, when nothing queued or being sent could be overtaken by writing to it."""
        if self._sending or not self.queue.empty():
            return None
        return self.writer

    def _enqueue(self, text: str) -> bool:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True


class Hub:
    def __init__(self, seq: int = 0, queue_limit: int = DEFAULT_QUEUE_LIMIT):
        self.seq = seq
        self.queue_limit = queue_limit
        self._by_topic: dict[str, set[Subscriber]] = {}
        self.subscribers: set[Subscriber] = set()
        self.dropped_total = 0

    def subscribe(self, topics: Iterable[str], *, kind: str, key: str, snapshot: dict | None = None) -> Subscriber:
        """Register a subscriber; its first message is `snapshot`, stamped with the current seq.

        Call this and build the snapshot in the same synchronous step (no await between),
        so that no event can fall between the snapshot and the stream.
        """
        subscriber = Subscriber(topics, kind=kind, key=key, limit=self.queue_limit, seq=self.seq)
        for topic in subscriber.topics:
            self._by_topic.setdefault(topic, set()).add(subscriber)
        self.subscribers.add(subscriber)
        if snapshot is not None:
            subscriber.offer(self.seq, _encode(snapshot))
        return subscriber

    def retopic(self, subscriber: Subscriber, topics: Iterable[str]) -> None:
        """Move a live subscriber to other topics (a phone whose ticket was transferred)."""
        self.unsubscribe(subscriber)
        subscriber.topics = frozenset(topics)
        for topic in subscriber.topics:
            self._by_topic.setdefault(topic, set()).add(subscriber)
        self.subscribers.add(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        for topic in subscriber.topics:
            group = self._by_topic.get(topic)
            if group is not None:
                group.discard(subscriber)
                if not group:
                    del self._by_topic[topic]

    def publish(self, topics: Iterable[str], message: dict, seq: int | None = None) -> int:
        """Deliver to every subscriber of any of `topics`, once each. Returns how many got it.

        SEQ is the committed event's; a message that is no event (a booking's news) carries the
        current seq and does not advance it: seq stays the journal's, the same on every node."""
        if seq is not None:
            self.seq = max(self.seq, seq)
        body = _encode(message)
        targets: set[Subscriber] = set()
        for topic in topics:
            targets |= self._by_topic.get(topic, set())
        delivered = 0
        frames: Frames = {}
        for subscriber in targets:
            if subscriber.offer(self.seq, body, frames):
                delivered += 1
            else:
                self._drop(subscriber)
        return delivered

    def resend_snapshot(self, subscriber: Subscriber, snapshot: dict) -> None:
        """Send a fresh snapshot (after a config change): it restarts the subscriber's chain."""
        if not subscriber.offer(self.seq, _encode(snapshot)):
            self._drop(subscriber)

    def _drop(self, subscriber: Subscriber) -> None:
        log.warning("dropping slow %s subscriber %s: its backlog is full", subscriber.kind, subscriber.key)
        self.dropped_total += 1
        self.unsubscribe(subscriber)
        subscriber.dropped.set()

    def subscribers_of(self, kind: str) -> list[Subscriber]:
        return [s for s in self.subscribers if s.kind == kind]

    def count(self, kind: str, key: str | None = None) -> int:
        return sum(1 for s in self.subscribers if s.kind == kind and (key is None or s.key == key))

    def subscribers_to(self, topic: str) -> frozenset[Subscriber]:
        return frozenset(self._by_topic.get(topic, ()))

    def listening(self, topic: str) -> bool:
        """Whether anyone follows TOPIC (so a costly message is built only when it will be read)."""
        return bool(self._by_topic.get(topic))


def _stamp(seq: int, prev_seq: int, body: str) -> str:
    return f'{{"seq":{seq},"prev_seq":{prev_seq},{body[1:]}' if body != "{}" else body


def _encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
