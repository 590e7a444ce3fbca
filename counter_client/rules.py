"""Rules a counter UI applies before a press becomes a command (shared by desktop and CLI)."""

from __future__ import annotations

import time
from collections.abc import Callable

from display_server.contract import CALL_ACTIONS, Action, parse_number

from .protocol import View

GUARD_SECONDS = 0.8


class PressGuard:
    """Drops a repeated press: the same action within the guard time, or a second call
    while one is still awaiting its ack (a bouncing foot switch must not call two tickets)."""

    def __init__(self, guard_seconds: float = GUARD_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.guard_seconds = guard_seconds
        self.clock = clock
        self._last: dict[str, float] = {}

    def allow(self, action: str, pending: tuple[str, ...]) -> bool:
        now = self.clock()
        last = self._last.get(action)
        if last is not None and now - last < self.guard_seconds:
            return False
        if action in pending or (action in CALL_ACTIONS and CALL_ACTIONS.intersection(pending)):
            return False
        self._last[action] = now
        return True


def needs_skip_instead(action: str, view: View) -> bool:
    """After `recall_limit` recalls the counter proposes Lewati (no-show) instead of another recall."""
    return action == Action.RECALL and view.recall_limit_reached


def typed_number(text: str | None) -> str | None:
    """A ticket number as typed for Panggil Nomor (`a12`, `A-012`) -> `A-12`; None when it is not one."""
    parsed = parse_number(text or "")
    return str(parsed) if parsed else None
