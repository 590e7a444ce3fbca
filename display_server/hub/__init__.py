"""Connections and fan-out.

Every subscriber has its own bounded queue. `publish` never awaits: it serialises the
message once and offers it to each interested queue. A subscriber whose queue is full is
*dropped* (its connection is closed and it must resync from a snapshot), so one stalled
TV never delays the others, and its backlog never grows the server's memory.

Each delivered message carries `seq` (the event's global, monotonic number) and
`prev_seq` (the `seq` of the previous message this same subscriber was sent). A client
that sees `prev_seq` differ from the last `seq` it saw has missed something and resyncs.
Filtered subscribers see gaps in `seq` by design; `prev_seq` makes those gaps harmless.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

DEFAULT_QUEUE_LIMIT = 256


class Subscriber:
    def __init__(self, topics: Iterable[str], *, kind: str, key: str, limit: int, seq: int):
        self.topics = frozenset(topics)
        self.kind = kind  # "screen", "counter", "ticket", ...
        self.key = key  # the screen id, counter id, ... for status views
        self.queue: asyncio.Queue[str] = asyncio.Queue(limit)
        self.last_seq = seq
        self.dropped = asyncio.Event()

    def offer(self, seq: int, body: str) -> bool:
        """Queue a message serialised without its seq fields; False when the queue is full."""
        framed = f'{{"seq":{seq},"prev_seq":{self.last_seq},{body[1:]}' if body != "{}" else body
        try:
            self.queue.put_nowait(framed)
        except asyncio.QueueFull:
            return False
        self.last_seq = seq
        return True

    async def next_message(self) -> str:
        return await self.queue.get()


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
        """Deliver to every subscriber of any of `topics`, once each. Returns how many got it."""
        if seq is not None:
            self.seq = max(self.seq, seq)
        else:
            self.seq += 1
        body = _encode(message)
        targets: set[Subscriber] = set()
        for topic in topics:
            targets |= self._by_topic.get(topic, set())
        delivered = 0
        for subscriber in targets:
            if subscriber.offer(self.seq, body):
                delivered += 1
            else:
                self._drop(subscriber)
        return delivered

    def resend_snapshot(self, subscriber: Subscriber, snapshot: dict) -> None:
        """Send a fresh snapshot (after a config change): it restarts the subscriber's chain."""
        if not subscriber.offer(self.seq, _encode(snapshot)):
            self._drop(subscriber)

    def _drop(self, subscriber: Subscriber) -> None:
        log.warning("dropping slow %s subscriber %s: its queue is full", subscriber.kind, subscriber.key)
        self.dropped_total += 1
        self.unsubscribe(subscriber)
        subscriber.dropped.set()

    def subscribers_of(self, kind: str) -> list[Subscriber]:
        return [s for s in self.subscribers if s.kind == kind]

    def count(self, kind: str, key: str | None = None) -> int:
        return sum(1 for s in self.subscribers if s.kind == kind and (key is None or s.key == key))

    def listening(self, topic: str) -> bool:
        """Whether anyone follows TOPIC (so a costly message is built only when it will be read)."""
        return bool(self._by_topic.get(topic))


def _encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
