"""The queue's nouns: tickets and their states. How a number is written is the contract's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # issued at a kiosk, not in the queue until its slip has printed
    WAITING = "waiting"
    CALLED = "called"
    SERVED = "served"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"  # its slip failed to print: never callable


FINAL_STATES = frozenset({Status.SERVED, Status.NO_SHOW, Status.CANCELLED})


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    service_date: date
    origin_service: str  # the service that issued it: owns the number
    service: str  # the queue it is in now (differs after a transfer)
    sequence: int
    number: str
    priority: bool
    status: Status
    issued_at: datetime
    token: str  # unguessable, for the visitor's status page
    queued_at: datetime  # when it (re)joined its current queue
    called_at: datetime | None = None
    finished_at: datetime | None = None
    counter: str | None = None
    recalls: int = 0
    transferred_from: str | None = None
    officer: str | None = None  # who called it (and so served it), when someone was signed in
    channel: str = "kiosk"  # how it was taken: "kiosk" (a kiosk or the API) or "booking"
    booked_for: datetime | None = None  # a booked ticket's session start: its place in line (engine/booking.py)

    def evolve(self, **changes) -> Ticket:
        return replace(self, **changes)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "service": self.service,
            "origin_service": self.origin_service,
            "priority": self.priority,
            "status": str(self.status),
            "service_date": self.service_date.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "called_at": self.called_at.isoformat() if self.called_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "counter": self.counter,
            "recalls": self.recalls,
            "transferred_from": self.transferred_from,
            "officer": self.officer,
            "channel": self.channel,
            "booked_for": self.booked_for.isoformat() if self.booked_for else None,
        }

    def as_record(self) -> dict:
        """Every field, for the journal: another node rebuilds the ticket from it exactly."""
        return {
            **self.as_json(),
            "sequence": self.sequence,
            "token": self.token,
            "queued_at": self.queued_at.isoformat(),
        }

    @classmethod
    def from_record(cls, record: dict) -> Ticket:
        return cls(
            id=record["id"],
            service_date=date.fromisoformat(record["service_date"]),
            origin_service=record["origin_service"],
            service=record["service"],
            sequence=record["sequence"],
            number=record["number"],
            priority=bool(record["priority"]),
            status=Status(record["status"]),
            issued_at=datetime.fromisoformat(record["issued_at"]),
            token=record["token"],
            queued_at=datetime.fromisoformat(record["queued_at"]),
            called_at=_moment(record["called_at"]),
            finished_at=_moment(record["finished_at"]),
            counter=record["counter"],
            recalls=record["recalls"],
            transferred_from=record["transferred_from"],
            officer=record["officer"],
            channel=record["channel"],
            booked_for=_moment(record["booked_for"]),
        )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def ticket_id(service_date: date, service_id: str, sequence: int) -> str:
    return f"{service_date:%Y%m%d}-{service_id}-{sequence}"
