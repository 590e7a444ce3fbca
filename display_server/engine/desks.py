"""Who serves at each counter, and whether it is open: pure decisions, like the queue's.

A counter's desk is *open*, *paused* (with a reason from the hall's list) or *closed*, and
has at most one officer signed in; an officer is signed in at one counter at a time, so
signing in elsewhere signs them out of the first place. Desks outlive the service date: a
counter left paused at closing time is still paused the next morning.

    change = decide_sign_in(desks, counter, officer, now=now)   # pure
    await store.commit(change)                                   # durable
    desks.update(change.as_map())                                # only after the commit
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from ..contract import DeskState, call_refusal
from .queue import Rejection


@dataclass(frozen=True, slots=True)
class Desk:
    counter: str
    state: DeskState = DeskState.OPEN
    reason: str | None = None  # why it is paused
    since: datetime | None = None  # when it entered `state` (None: never changed)
    officer: str | None = None
    officer_since: datetime | None = None

    def as_json(self) -> dict:
        return {
            "counter": self.counter,
            "state": str(self.state),
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "officer": self.officer,
            "officer_since": self.officer_since.isoformat() if self.officer_since else None,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> Desk:
        return cls(
            counter=data["counter"],
            state=DeskState(data["state"]),
            reason=data.get("reason"),
            since=_moment(data.get("since")),
            officer=data.get("officer"),
            officer_since=_moment(data.get("officer_since")),
        )


@dataclass(frozen=True, slots=True)
class DeskChange:
    """What a desk command changes: the journal's event and the desks as they will be."""

    kind: str  # signed_in | signed_out | paused | opened | closed
    counter: str
    officer: str | None  # who did it (the officer signing in, for a sign-in)
    at: datetime
    desks: tuple[Desk, ...]  # every desk that changes, this counter's last
    reason: str | None = None

    @property
    def desk(self) -> Desk:
        return self.desks[-1]

    def as_map(self) -> dict[str, Desk]:
        return {d.counter: d for d in self.desks}


Desks = Mapping[str, Desk]
DeskDecision = DeskChange | Rejection


def desk_of(desks: Desks, counter_id: str) -> Desk:
    return desks.get(counter_id) or Desk(counter_id)


def decide_sign_in(desks: Desks, counter_id: str, officer: str, *, now: datetime) -> DeskDecision:
    """OFFICER (already checked: known, of this counter's agency, right PIN) takes the counter.

    Whoever was signed in here is signed out; so is OFFICER from any other counter."""
    desk = desk_of(desks, counter_id)
    if desk.officer == officer:
        return Rejection("already_so", f"{officer} is already signed in at {counter_id}")
    elsewhere = [
        replace(d, officer=None, officer_since=None)
        for d in desks.values()
        if d.officer == officer and d.counter != counter_id
    ]
    signed_in = replace(desk, officer=officer, officer_since=now)
    return DeskChange("signed_in", counter_id, officer, now, (*elsewhere, signed_in))


def decide_sign_out(desks: Desks, counter_id: str, *, now: datetime) -> DeskDecision:
    desk = desk_of(desks, counter_id)
    if desk.officer is None:
        return Rejection("not_signed_in", f"nobody is signed in at {counter_id}")
    return DeskChange("signed_out", counter_id, desk.officer, now, (replace(desk, officer=None, officer_since=None),))


def decide_pause(desks: Desks, counter_id: str, reason: str, reasons: list[str], *, now: datetime) -> DeskDecision:
    if reason not in reasons:
        return Rejection("unknown_reason", f"pause reason {reason!r} is not one of {reasons}")
    desk = desk_of(desks, counter_id)
    if desk.state == DeskState.CLOSED:
        return Rejection("counter_closed", f"counter {counter_id} is closed; open it first")
    if desk.state == DeskState.PAUSED and desk.reason == reason:
        return Rejection("already_so", f"counter {counter_id} is already paused ({reason})")
    paused = replace(desk, state=DeskState.PAUSED, reason=reason, since=now)
    return DeskChange("paused", counter_id, desk.officer, now, (paused,), reason)


def decide_open(desks: Desks, counter_id: str, *, now: datetime) -> DeskDecision:
    """Open a closed counter, or resume a paused one."""
    desk = desk_of(desks, counter_id)
    if desk.state == DeskState.OPEN:
        return Rejection("already_so", f"counter {counter_id} is already open")
    opened = replace(desk, state=DeskState.OPEN, reason=None, since=now)
    return DeskChange("opened", counter_id, desk.officer, now, (opened,))


def decide_close(desks: Desks, counter_id: str, *, now: datetime) -> DeskDecision:
    desk = desk_of(desks, counter_id)
    if desk.state == DeskState.CLOSED:
        return Rejection("already_so", f"counter {counter_id} is already closed")
    closed = replace(desk, state=DeskState.CLOSED, reason=None, since=now)
    return DeskChange("closed", counter_id, desk.officer, now, (closed,))


def refuse_call(desk: Desk, action: str, *, require_sign_in: bool) -> Rejection | None:
    """Why this desk may not take ACTION now (the contract's `call_refusal`), or None."""
    code = call_refusal(action, desk.state, signed_in=desk.officer is not None, require_sign_in=require_sign_in)
    if code is None:
        return None
    why = f" ({desk.reason})" if desk.reason else ""
    return Rejection(code, f"counter {desk.counter} may not {action} now: {code}{why}")


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
