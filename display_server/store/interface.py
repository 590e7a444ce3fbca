"""What the rest of the server may ask of a store. A PostgreSQL store implements the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from ..engine import Desk, DeskChange, Outcome, Ticket
from ..engine.booking import Booking


class JournalMoved(Exception):
    """A commit's event could not take the `seq` it was decided at: the journal has an event
    there already (another node's, which its decider did not see). Nothing was written; catch
    up and decide again."""

    def __init__(self, seq: int):
        super().__init__(f"the journal already has an event at seq {seq}")
        self.seq = seq


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
    ticket_id: str | None  # None: an event about a counter (a sign-in, a pause)
    counter: str | None
    at: datetime
    data: dict
    officer: str | None = None


@dataclass(frozen=True, slots=True)
class StaffSecret:
    """A person's PIN or password as stored: an argon2 hash, and the wrong-PIN lockout."""

    staff_id: str
    hash: str
    set_at: datetime
    wrong_attempts: int = 0
    locked_until: datetime | None = None


Change = Outcome | DeskChange


@dataclass(frozen=True, slots=True)
class Entry:
    """One decision as the journal keeps it: its event at SEQ (the one after the event it was
    decided on), its rows, the reply a retry gets, and the booking a check-in turns into it."""

    change: Change
    data: dict
    seq: int
    reply: Reply | None = None
    officer: str | None = None
    booking: Booking | None = None


@dataclass(frozen=True, slots=True)
class SurveyResponse:
    """One visitor's SKM answers (docs/skm.md): nine scores 1-4 and an optional profile."""

    ticket_key: str  # a hash of the ticket's token: one response per ticket, no way back to it
    service_date: date
    service: str
    channel: str  # "phone" or "tablet"
    answers: tuple[int, ...]
    age_group: str | None = None
    sex: str | None = None
    education: str | None = None
    occupation: str | None = None
    suggestion: str | None = None
    id: int | None = None
    published: bool = False


@dataclass(frozen=True, slots=True)
class DeskDay:
    """What was done at a counter by one officer (or nobody) on one service date."""

    counter: str
    officer: str | None
    service_date: date
    served: int
    no_show: int
    serving_seconds: float  # from each call to its visit's end
    began: datetime  # the first call
    ended: datetime  # the last visit's end


@dataclass(frozen=True, slots=True)
class VisitCount:
    """How many visits share these traits in a service date (the reports' counting unit)."""

    service_date: date
    service: str
    outcome: str  # pending | waiting | called | served | no_show | cancelled | transferred
    first: bool  # the ticket's first visit (its issue), not one begun by a transfer
    priority: bool
    channel: str
    count: int


@dataclass(frozen=True, slots=True)
class Visit:
    """One ticket's stay in one service's queue (docs/reports.md)."""

    ticket_id: str
    leg: int
    service_date: date
    service: str
    priority: bool
    channel: str
    queued_at: datetime
    called_at: datetime | None
    last_called_at: datetime | None
    finished_at: datetime | None
    outcome: str
    counter: str | None
    officer: str | None
    recalls: int
    wait_seconds: float | None
    service_seconds: float | None


class Store(Protocol):
    shared: bool  # other processes (nodes) write it too: PostgreSQL

    @property
    def name(self) -> str:
        """Where the data is, for logs and messages (never a password)."""
        ...

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def command(self) -> AbstractAsyncContextManager[int | None]:
        """The hall's command lock across nodes; yields the journal's head (None: one node only)."""
        ...

    def consistent(self) -> AbstractAsyncContextManager[None]:
        """Reads in this block (in this task) see one snapshot, whatever other nodes commit."""
        ...

    def changes(self) -> AsyncIterator[int | None]:
        """The seq of each event another node commits; None when some may have been missed
        (a reconnect): read the journal (a shared store only)."""
        ...

    async def events_after(self, seq: int, limit: int) -> list[Event]: ...
    async def commit(
        self,
        change: Change,
        data: dict,
        reply: Reply | None = None,
        officer: str | None = None,
        booking: Booking | None = None,
        *,
        seq: int,
    ) -> None:
        """Write a decision's effects as the journal's event SEQ, the one after the event it
        was decided on; JournalMoved (nothing written) when SEQ is taken."""
        ...

    async def commit_all(self, entries: list[Entry]) -> None:
        """Write ENTRIES (consecutive seqs) in one transaction: all of them or, on any error
        (JournalMoved when a seq is taken), none."""
        ...

    async def find_reply(self, scope: str, request_id: str) -> dict | None: ...
    async def forget_replies_before(self, moment: datetime) -> None: ...
    async def tickets_on(self, service_date: date) -> list[Ticket]: ...
    async def ticket_by_token(self, token: str) -> Ticket | None: ...
    async def last_seq(self) -> int: ...
    async def events_on(self, service_date: date, kinds: tuple[str, ...], limit: int) -> list[Event]: ...
    async def desks(self) -> list[Desk]: ...
    async def staff_secret(self, staff_id: str) -> StaffSecret | None: ...
    async def staff_secrets(self) -> list[StaffSecret]: ...
    async def save_staff_secret(self, secret: StaffSecret) -> None: ...
    async def forget_staff_secret(self, staff_id: str) -> None: ...
    async def visit_counts(self, first: date, last: date) -> list[VisitCount]: ...
    async def visit_durations(self, first: date, last: date) -> list[tuple[str, float | None, float | None]]: ...
    async def arrivals_by_hour(
        self, first: date, last: date, utc_offset_minutes: int
    ) -> list[tuple[str, int, int, float | None]]: ...
    async def desk_days(self, first: date, last: date) -> list[DeskDay]: ...
    async def desk_service_times(self, first: date, last: date) -> list[tuple[str, str | None, float]]: ...
    async def events_between(self, first: date, last: date, kinds: tuple[str, ...]) -> list[Event]: ...
    def iter_visits(self, first: date, last: date) -> AsyncIterator[list[Visit]]: ...
    async def save_survey(self, response: SurveyResponse) -> bool: ...
    async def survey_responses(self, first: date, last: date) -> list[SurveyResponse]: ...
    async def survey_answered(self, ticket_key: str) -> bool: ...
    async def served_by_service(self, first: date, last: date) -> dict[str, int]: ...
    async def publish_suggestion(self, response_id: int, published: bool) -> bool: ...
    async def save_booking(self, booking: Booking, *, new: bool) -> bool: ...
    async def booking_by_code(self, code: str) -> Booking | None: ...
    async def booking_by_token(self, token: str) -> Booking | None: ...
    async def booked_count(self, service: str, day: date, start: str) -> int: ...
    async def open_bookings_of(self, holder: str) -> int: ...
    async def bookings_between(self, first: date, last: date) -> list[Booking]: ...
    async def booking_counts(self, first: date, last: date) -> list[tuple[str, str, int]]: ...
