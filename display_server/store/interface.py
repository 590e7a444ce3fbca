"""What the rest of the server may ask of a store. A PostgreSQL store implements the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from ..engine import Outcome, Ticket


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's reply, kept so that a retried request id gets it again without acting."""

    scope: str  # "counter:<id>" or "kiosk"
    request_id: str
    body: dict
    at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    kind: str
    ticket_id: str
    counter: str | None
    at: datetime
    data: dict


class Store(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def commit(self, outcome: Outcome, data: dict, reply: Reply | None = None) -> int: ...
    async def find_reply(self, scope: str, request_id: str) -> dict | None: ...
    async def forget_replies_before(self, moment: datetime) -> None: ...
    async def tickets_on(self, service_date: date) -> list[Ticket]: ...
    async def ticket_by_token(self, token: str) -> Ticket | None: ...
    async def last_seq(self) -> int: ...
    async def events_on(self, service_date: date, kinds: tuple[str, ...], limit: int) -> list[Event]: ...
