"""Commands taking turns: the hall's group commit.

A command that writes the journal does not take the hall's lock itself. It joins the queue of
turns and waits. One task leads: it takes every turn waiting and, under the lock, decides each
on a `Draft` of the hall's memory (a copy, each decision applied to it in order, so the second
sees the first), writes them all in one transaction, then puts the draft in force, tells each
counter, and publishes the events in seq order. While one batch is being written, the next
turns gather: a burst of N commands costs one fsync and one lock round, not N.

Memory, the screens and the acks only ever show what is committed: the draft is put in force
after its commit, in one synchronous step with the acks and the publishing, and a batch that
is not committed leaves nothing behind (docs/architecture.md, "group commit").
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .engine import Desk, QueueState
from .store import Entry

Effect = Callable[[], object]
Publish = Callable[[list[str], dict, int | None], object]  # Hub.publish


class Draft:
    """The hall's memory with a batch's decisions applied, and what to do once they are on disk."""

    def __init__(
        self,
        state: QueueState,
        desks: dict[str, Desk],
        recent_calls: dict[str, deque[dict]],
        applied_seq: int,
        publish: Publish,
    ):
        self._publish = publish
        self.state = state.copy()
        self.desks = dict(desks)
        self.recent_calls = {zone: deque(calls, maxlen=calls.maxlen) for zone, calls in recent_calls.items()}
        self.applied_seq = applied_seq
        self.entries: list[Entry] = []
        self.acks: list[Effect] = []  # each counter told, before any screen
        self.effects: list[Effect] = []  # publications and announcements, in seq order
        self.called = False  # a call was made: the voice's prewarm plan moves on

    # No closure over the draft here: a cycle through it would keep a copy of the day's queue
    # alive until Python's full collection, whose pause (100-250 ms at 1000 TVs) stalls every call.
    def later(self, effect: Callable[..., Any], *args: Any) -> None:
        self.effects.append(functools.partial(effect, *args))

    def send(self, topics: list[str], message: dict, seq: int | None = None) -> None:
        """`Hub.publish`, once the batch is committed."""
        self.effects.append(functools.partial(self._publish, topics, message, seq))


DraftFunction = Callable[[Draft], dict]  # decides on the draft (synchronously); the reply


@dataclass(eq=False)
class Turn:
    """One command waiting for its batch.

    PREPARE reads what the decision needs from the store (under the lock, before any draft)
    and returns the function that decides. KEY is (scope, request_id): a request already
    answered gets that answer; one sent again while the first still waits shares its turn."""

    prepare: Callable[[], Awaitable[DraftFunction]]
    key: tuple[str, str] | None = None
    future: asyncio.Future[dict] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    twins: list[Turn] = field(default_factory=list)
    reply: dict | None = None  # decided, to be given once committed
    error: BaseException | None = None  # refused, to be said once the batch is through

    def resolve(self) -> None:
        for turn in (self, *self.twins):
            if turn.future.done():
                continue
            if self.error is not None:
                turn.future.set_exception(self.error)
            else:
                assert self.reply is not None
                turn.future.set_result(self.reply)

    def fail(self, error: BaseException) -> None:
        self.reply, self.error = None, error
        self.resolve()

    def forget_decision(self) -> None:
        self.reply, self.error = None, None

    @property
    def done(self) -> bool:
        return self.future.done()


def without_twins(turns: list[Turn]) -> list[Turn]:
    """The turns with a request sent twice folded into its first turn."""
    first: dict[tuple[str, str], Turn] = {}
    distinct = []
    for turn in turns:
        if turn.key is not None and (earlier := first.get(turn.key)) is not None:
            earlier.twins.append(turn)
            continue
        if turn.key is not None:
            first[turn.key] = turn
        distinct.append(turn)
    return distinct
