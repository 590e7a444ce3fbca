"""What the SQLite and PostgreSQL stores share: every query, every write, every row's shape.

A store is this class plus three primitives: `_rows` (an async read), `_batches` (an async
read in bounded batches) and `_write` (a function of a synchronous `Writer`, run off the event
loop). Queries are written once, with `?` placeholders; a `Dialect` says the little that
differs (how to take seconds between two moments, a local weekday and hour).

Moments are stored as ISO 8601 text in UTC, dates as ISO text, in both stores: the row
converters below are the only place that reads or writes them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, time
from typing import Any, Protocol, TypeVar

from ..contract import DeskState
from ..engine import Desk, DeskChange, Outcome, Status, Ticket
from ..engine.booking import Booking, BookingStatus
from .interface import (
    Change,
    DeskDay,
    Entry,
    Event,
    JournalMoved,
    Reply,
    StaffSecret,
    SurveyResponse,
    Visit,
    VisitCount,
)

T = TypeVar("T")
Row = tuple[Any, ...]
VISIT_BATCH = 5000

_TICKET_COLUMNS = (
    "id, service_date, origin_service, service, sequence, number, priority, status, issued_at,"
    " queued_at, called_at, finished_at, counter, recalls, transferred_from, token, officer, channel, booked_for"
)
_TICKET_FIELDS = [column.strip() for column in _TICKET_COLUMNS.split(",")]
_DESK_COLUMNS = "counter, state, reason, since, officer, officer_since"
_VISIT_COLUMNS = (
    "ticket_id, leg, service_date, service, priority, channel, queued_at, called_at, last_called_at,"
    " finished_at, outcome, counter, officer, recalls, wait_seconds, service_seconds"
)
_SECRET_COLUMNS = "staff_id, hash, set_at, wrong_attempts, locked_until"
_BOOKING_COLUMNS = (
    'code, token, service, service_date, start, "end", status, created_at, holder, phone, ticket_id,'
    " checked_in_at, reason"
)
_SURVEY_COLUMNS = (
    "ticket_key, service_date, service, channel, answers, age_group, sex, education, occupation, suggestion,"
    " id, published"
)
_EVENT_COLUMNS = "seq, kind, ticket_id, counter, at, data, officer"

# A ticket's id is its service date, service and number. An issued ticket is a plain
# INSERT, so a number issued twice is an IntegrityError, never an overwrite: the store's
# UNIQUE constraints back up the engine. Every later change updates the ticket's row.
_INSERT_TICKET = f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES ({', '.join('?' * 19)})"
_UPSERT_TICKET = (
    _INSERT_TICKET + " ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _TICKET_FIELDS[1:])
)


class Dialect(Protocol):
    """The SQL that differs between SQLite and PostgreSQL."""

    def seconds_between(self, later: str, earlier: str) -> str:
        """An expression: seconds from moment EARLIER to LATER (both ISO text expressions)."""
        ...

    def local_weekday_and_hour(self, column: str) -> tuple[str, str]:
        """Expressions of COLUMN's local weekday (0 = Monday) and hour; each takes one `?`, the
        hall's UTC offset in minutes."""
        ...


class Writer(Protocol):
    """A synchronous connection that writes, used off the event loop; `?` placeholders."""

    def execute(self, sql: str, params: tuple | list = ()) -> Any: ...
    def executemany(self, sql: str, rows: list[tuple]) -> None: ...
    def transaction(self) -> Any:
        """A context manager: commit on success, roll back on an exception."""
        ...

    def notify(self, seq: int) -> None:
        """Tell the other nodes event SEQ is committed (inside its transaction); SQLite: nothing."""
        ...


class SqlStore:
    """Every `Store` method, over the primitives a concrete store provides."""

    dialect: Dialect
    integrity_errors: tuple[type[Exception], ...]

    async def _rows(self, sql: str, params: tuple | list = ()) -> list[Row]:
        raise NotImplementedError

    def _batches(self, sql: str, params: tuple | list, size: int) -> AsyncIterator[list[Row]]:
        raise NotImplementedError

    async def _write(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(writer, *args)` off the event loop."""
        raise NotImplementedError

    async def _one(self, sql: str, params: tuple | list = ()) -> Any:
        """The single value of a query that always returns one row (an aggregate)."""
        rows = await self._rows(sql, params)
        return rows[0][0]

    # --- writes --------------------------------------------------------------------

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
        """Write the command's effects in one transaction (with the booking a check-in turns
        into this ticket, when there is one) as the journal's event SEQ."""
        await self.commit_all([Entry(change, data, seq, reply, officer, booking)])

    async def commit_all(self, entries: list[Entry]) -> None:
        """Several decisions in one transaction: one fsync (SQLite) or WAL flush (PostgreSQL)
        for a burst of commands (the hall's group commit)."""
        await self._write(_commit, self.dialect, self.integrity_errors, entries)

    async def forget_replies_before(self, moment: datetime) -> None:
        await self._write(_execute, "DELETE FROM replies WHERE at < ?", (moment.isoformat(),))

    async def save_staff_secret(self, secret: StaffSecret) -> None:
        await self._write(_execute, _SAVE_SECRET, _secret_row(secret))

    async def forget_staff_secret(self, staff_id: str) -> None:
        await self._write(_execute, "DELETE FROM staff_secrets WHERE staff_id = ?", (staff_id,))

    async def save_survey(self, response: SurveyResponse) -> bool:
        """Store a response; False when its ticket has already answered (nothing changed)."""
        return await self._write(_insert_unless_taken, self.integrity_errors, _INSERT_SURVEY, _survey_row(response))

    async def publish_suggestion(self, response_id: int, published: bool) -> bool:
        sql = "UPDATE survey_responses SET published = ? WHERE id = ?"
        return await self._write(_changed_one, sql, (int(published), response_id))

    async def save_booking(self, booking: Booking, *, new: bool) -> bool:
        """Insert (NEW) or update a booking; False when a new one's code is taken (pick another)."""
        if not new:
            await self._write(_save_booking_changes, booking)
            return True
        return await self._write(_insert_unless_taken, self.integrity_errors, _INSERT_BOOKING, _booking_row(booking))

    # --- reads ---------------------------------------------------------------------

    async def find_reply(self, scope: str, request_id: str) -> dict | None:
        rows = await self._rows("SELECT reply FROM replies WHERE scope = ? AND request_id = ?", (scope, request_id))
        return json.loads(rows[0][0]) if rows else None

    async def tickets_on(self, service_date: date) -> list[Ticket]:
        rows = await self._rows(
            f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE service_date = ? ORDER BY issued_at, id",
            (service_date.isoformat(),),
        )
        return [_ticket_from_row(row) for row in rows]

    async def ticket_by_token(self, token: str) -> Ticket | None:
        rows = await self._rows(f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE token = ?", (token,))
        return _ticket_from_row(rows[0]) if rows else None

    async def last_seq(self) -> int:
        return int(await self._one("SELECT COALESCE(MAX(seq), 0) FROM events"))

    async def events_on(self, service_date: date, kinds: tuple[str, ...], limit: int) -> list[Event]:
        """The day's latest events of these kinds, oldest first."""
        rows = await self._rows(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE service_date = ? AND kind IN ({_marks(kinds)})"
            " ORDER BY seq DESC LIMIT ?",
            (service_date.isoformat(), *kinds, limit),
        )
        return [_event_from_row(row) for row in reversed(rows)]

    async def events_after(self, seq: int, limit: int) -> list[Event]:
        """The journal after SEQ, oldest first: how a node catches up with the others."""
        rows = await self._rows(f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [_event_from_row(row) for row in rows]

    async def events_between(self, first: date, last: date, kinds: tuple[str, ...]) -> list[Event]:
        rows = await self._rows(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE service_date BETWEEN ? AND ? AND kind IN ({_marks(kinds)})"
            " ORDER BY seq",
            (first.isoformat(), last.isoformat(), *kinds),
        )
        return [_event_from_row(row) for row in rows]

    # --- reports (docs/reports.md): reads of the visits table, by service date -----------

    async def visit_counts(self, first: date, last: date) -> list[VisitCount]:
        rows = await self._rows(
            "SELECT service_date, service, outcome, leg = 0, priority, channel, COUNT(*) FROM visits"
            " WHERE service_date BETWEEN ? AND ?"
            " GROUP BY service_date, service, outcome, leg = 0, priority, channel",
            (first.isoformat(), last.isoformat()),
        )
        return [
            VisitCount(date.fromisoformat(day), service, outcome, bool(is_first), bool(priority), channel, int(count))
            for day, service, outcome, is_first, priority, channel, count in rows
        ]

    async def visit_durations(self, first: date, last: date) -> list[tuple[str, float | None, float | None]]:
        """(service, wait, service time) of every called visit in the period."""
        rows = await self._rows(
            "SELECT service, wait_seconds, service_seconds FROM visits"
            " WHERE service_date BETWEEN ? AND ? AND wait_seconds IS NOT NULL",
            (first.isoformat(), last.isoformat()),
        )
        return [(service, wait, served) for service, wait, served in rows]

    async def arrivals_by_hour(
        self, first: date, last: date, utc_offset_minutes: int
    ) -> list[tuple[str, int, int, float | None]]:
        """(service, local weekday 0=Monday, local hour, wait) of every ticket issued in the period.

        The hall's offset is fixed (Indonesia keeps no daylight saving time)."""
        weekday, hour = self.dialect.local_weekday_and_hour("queued_at")
        rows = await self._rows(
            f"SELECT service, {weekday}, {hour}, wait_seconds FROM visits"
            " WHERE service_date BETWEEN ? AND ? AND leg = 0 AND outcome != 'cancelled'",
            (utc_offset_minutes, utc_offset_minutes, first.isoformat(), last.isoformat()),
        )
        return [(service, int(weekday), int(hour), wait) for service, weekday, hour, wait in rows]

    async def desk_days(self, first: date, last: date) -> list[DeskDay]:
        """Per counter, officer and service date: what was done there, and when it began and ended."""
        busy = self.dialect.seconds_between("COALESCE(finished_at, called_at)", "called_at")
        rows = await self._rows(
            "SELECT counter, officer, service_date, SUM(CASE WHEN outcome = 'served' THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN outcome = 'no_show' THEN 1 ELSE 0 END), SUM({busy}),"
            " MIN(called_at), MAX(COALESCE(finished_at, called_at)) FROM visits"
            " WHERE service_date BETWEEN ? AND ? AND counter IS NOT NULL AND called_at IS NOT NULL"
            " GROUP BY counter, officer, service_date",
            (first.isoformat(), last.isoformat()),
        )
        return [
            DeskDay(counter, officer, date.fromisoformat(day), int(served), int(no_show), float(busy or 0.0),
                    datetime.fromisoformat(began), datetime.fromisoformat(ended))
            for counter, officer, day, served, no_show, busy, began, ended in rows
        ]  # fmt: skip

    async def desk_service_times(self, first: date, last: date) -> list[tuple[str, str | None, float]]:
        """(counter, officer, service time) of every served visit in the period."""
        rows = await self._rows(
            "SELECT counter, officer, service_seconds FROM visits WHERE service_date BETWEEN ? AND ?"
            " AND counter IS NOT NULL AND outcome = 'served' AND service_seconds IS NOT NULL",
            (first.isoformat(), last.isoformat()),
        )
        return [(counter, officer, served) for counter, officer, served in rows]

    async def iter_visits(self, first: date, last: date) -> AsyncIterator[list[Visit]]:
        """Every visit of the period in batches, oldest first: a year's detail in bounded memory."""
        batches = self._batches(
            f"SELECT {_VISIT_COLUMNS} FROM visits WHERE service_date BETWEEN ? AND ?"
            " ORDER BY service_date, queued_at, ticket_id, leg",
            (first.isoformat(), last.isoformat()),
            VISIT_BATCH,
        )
        async for rows in batches:
            yield [_visit_from_row(row) for row in rows]

    # --- the survey ---------------------------------------------------------------------

    async def survey_responses(self, first: date, last: date) -> list[SurveyResponse]:
        rows = await self._rows(
            f"SELECT {_SURVEY_COLUMNS} FROM survey_responses WHERE service_date BETWEEN ? AND ? ORDER BY id",
            (first.isoformat(), last.isoformat()),
        )
        return [_survey_from_row(row) for row in rows]

    async def survey_answered(self, ticket_key: str) -> bool:
        return bool(await self._rows("SELECT 1 FROM survey_responses WHERE ticket_key = ?", (ticket_key,)))

    async def served_by_service(self, first: date, last: date) -> dict[str, int]:
        """The survey's population: visits that ended served, by service."""
        rows = await self._rows(
            "SELECT service, COUNT(*) FROM visits WHERE service_date BETWEEN ? AND ? AND outcome = 'served'"
            " GROUP BY service",
            (first.isoformat(), last.isoformat()),
        )
        return {service: int(count) for service, count in rows}

    # --- bookings -------------------------------------------------------------------------

    async def booking_by_code(self, code: str) -> Booking | None:
        rows = await self._rows(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE code = ?", (code,))
        return _booking_from_row(rows[0]) if rows else None

    async def booking_by_token(self, token: str) -> Booking | None:
        rows = await self._rows(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE token = ?", (token,))
        return _booking_from_row(rows[0]) if rows else None

    async def booked_count(self, service: str, day: date, start: str) -> int:
        """Bookings that hold a place in a session: booked, or checked in."""
        return int(
            await self._one(
                "SELECT COUNT(*) FROM bookings WHERE service = ? AND service_date = ? AND start = ?"
                " AND status IN ('booked', 'checked_in')",
                (service, day.isoformat(), start),
            )
        )

    async def open_bookings_of(self, holder: str) -> int:
        return int(await self._one("SELECT COUNT(*) FROM bookings WHERE holder = ? AND status = 'booked'", (holder,)))

    async def bookings_between(self, first: date, last: date) -> list[Booking]:
        rows = await self._rows(
            f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE service_date BETWEEN ? AND ?"
            " ORDER BY service_date, start, code",
            (first.isoformat(), last.isoformat()),
        )
        return [_booking_from_row(row) for row in rows]

    async def booking_counts(self, first: date, last: date) -> list[tuple[str, str, int]]:
        """(service, status, how many) of the bookings for the period's dates."""
        rows = await self._rows(
            "SELECT service, status, COUNT(*) FROM bookings WHERE service_date BETWEEN ? AND ? GROUP BY service, status",
            (first.isoformat(), last.isoformat()),
        )
        return [(service, status, int(count)) for service, status, count in rows]

    # --- people ---------------------------------------------------------------------------

    async def desks(self) -> list[Desk]:
        rows = await self._rows(f"SELECT {_DESK_COLUMNS} FROM desks ORDER BY counter")
        return [_desk_from_row(row) for row in rows]

    async def staff_secret(self, staff_id: str) -> StaffSecret | None:
        rows = await self._rows(f"SELECT {_SECRET_COLUMNS} FROM staff_secrets WHERE staff_id = ?", (staff_id,))
        return _secret_from_row(rows[0]) if rows else None

    async def staff_secrets(self) -> list[StaffSecret]:
        rows = await self._rows(f"SELECT {_SECRET_COLUMNS} FROM staff_secrets ORDER BY staff_id")
        return [_secret_from_row(row) for row in rows]


def _marks(values: tuple) -> str:
    return ", ".join("?" for _ in values)


# --- writes: functions of a Writer, run off the event loop ------------------------------


def _execute(db: Writer, sql: str, params: tuple) -> None:
    with db.transaction():
        db.execute(sql, params)


def _changed_one(db: Writer, sql: str, params: tuple) -> bool:
    with db.transaction():
        return db.execute(sql, params).rowcount == 1


def _insert_unless_taken(db: Writer, integrity_errors: tuple[type[Exception], ...], sql: str, row: tuple) -> bool:
    try:
        with db.transaction():
            db.execute(sql, row)
    except integrity_errors:
        return False
    return True


def _commit(db: Writer, dialect: Dialect, integrity_errors: tuple[type[Exception], ...], entries: list[Entry]) -> None:
    """Each event first, at the `seq` its decision was made after: a decider that did not see
    an event there (another node's, committing while its lock was lost with its process)
    finds the seq taken, or waits for its commit and then finds it, and writes nothing."""
    with db.transaction():
        for entry in entries:
            _write_entry(db, dialect, integrity_errors, entry)
        db.notify(entries[-1].seq)


def _write_entry(db: Writer, dialect: Dialect, integrity_errors: tuple[type[Exception], ...], entry: Entry) -> None:
    change, officer = entry.change, entry.officer
    try:
        db.execute(
            "INSERT INTO events (seq, kind, service_date, ticket_id, counter, officer, at, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.seq, *_event_row(change, entry.data, officer)),
        )
    except integrity_errors as error:
        raise JournalMoved(entry.seq) from error  # leaving the transaction's block rolls it back
    if entry.booking is not None:
        _update_booking(db, entry.booking)
    if isinstance(change, DeskChange):
        _write_desks(db, change)
    else:
        _write_tickets(db, dialect, change, officer)
    if (reply := entry.reply) is not None:
        db.execute(
            "INSERT INTO replies (scope, request_id, reply, at) VALUES (?, ?, ?, ?)",
            (reply.scope, reply.request_id, json.dumps(reply.body, ensure_ascii=False), reply.at.isoformat()),
        )


def _event_row(change: Change, data: dict, officer: str | None) -> tuple:
    """The journal's row of a decision, but its seq."""
    body = json.dumps(data, ensure_ascii=False)
    if isinstance(change, DeskChange):
        return (change.kind, data["service_date"], None, change.counter, change.officer, change.at.isoformat(), body)
    at = change.call.at if change.call else change.ticket.issued_at
    service_date = change.ticket.service_date.isoformat()
    return (change.kind, service_date, change.ticket.id, change.counter, officer, at.isoformat(), body)


def _write_tickets(db: Writer, dialect: Dialect, outcome: Outcome, officer: str | None) -> None:
    """The tickets' rows and their visits."""
    issued = outcome.ticket if outcome.kind == "issued" else None
    if issued is not None:  # a new ticket: a plain INSERT, so a repeated number cannot overwrite one
        db.execute(_INSERT_TICKET, _ticket_row(issued))
    changed = [_ticket_row(t) for t in outcome.changed if t is not issued]
    if changed:
        db.executemany(_UPSERT_TICKET, changed)
    _record_visits(db, dialect, outcome, officer)


# --- visits: one row per ticket per service it queued in, for the reports -----------------

_CURRENT_LEG = "ticket_id = ? AND leg = (SELECT MAX(leg) FROM visits WHERE ticket_id = ?)"


def _record_visits(db: Writer, dialect: Dialect, outcome: Outcome, officer: str | None) -> None:
    """Carry each changed ticket's step into its current visit (docs/reports.md defines the figures)."""
    for ticket in outcome.changed:
        if outcome.kind == "issued":
            _start_visit(db, ticket, leg=0)
        elif outcome.kind == "transferred":
            _end_visit(db, dialect, ticket, "transferred", ticket.queued_at)
            (leg,) = db.execute("SELECT MAX(leg) FROM visits WHERE ticket_id = ?", (ticket.id,)).fetchone()
            _start_visit(db, ticket, leg=leg + 1)
        elif outcome.kind == "called" and ticket.status == Status.CALLED:
            at = _iso(ticket.called_at)
            wait = max(0.0, (ticket.called_at - ticket.queued_at).total_seconds()) if ticket.called_at else None
            db.execute(
                "UPDATE visits SET outcome = 'called', called_at = COALESCE(called_at, ?), last_called_at = ?,"
                f" wait_seconds = COALESCE(wait_seconds, ?), counter = ?, officer = ? WHERE {_CURRENT_LEG}",
                (at, at, wait, ticket.counter, officer, ticket.id, ticket.id),
            )
        elif outcome.kind == "recalled":
            at = _iso(outcome.call.at if outcome.call else None)
            db.execute(
                f"UPDATE visits SET recalls = ?, last_called_at = ? WHERE {_CURRENT_LEG}",
                (ticket.recalls, at, ticket.id, ticket.id),
            )
        elif outcome.kind == "confirmed":
            db.execute(f"UPDATE visits SET outcome = 'waiting' WHERE {_CURRENT_LEG}", (ticket.id, ticket.id))
        elif ticket.status in (Status.SERVED, Status.NO_SHOW, Status.CANCELLED):
            _end_visit(db, dialect, ticket, str(ticket.status), ticket.finished_at)


def _start_visit(db: Writer, ticket: Ticket, *, leg: int) -> None:
    db.execute(
        "INSERT INTO visits (ticket_id, leg, service_date, service, priority, channel, queued_at, outcome,"
        " transferred_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ticket.id,
            leg,
            ticket.service_date.isoformat(),
            ticket.service,
            int(ticket.priority),
            ticket.channel,
            ticket.queued_at.isoformat(),
            str(ticket.status),
            int(leg > 0),
        ),
    )


def _end_visit(db: Writer, dialect: Dialect, ticket: Ticket, outcome: str, at: datetime | None) -> None:
    """Served: its service time runs from the last call (recalls included) to now."""
    service = dialect.seconds_between("?", "last_called_at") if outcome == "served" else "NULL"
    db.execute(
        f"UPDATE visits SET outcome = ?, finished_at = ?, service_seconds = {service} WHERE {_CURRENT_LEG}",
        (outcome, _iso(at), *((_iso(at),) if outcome == "served" else ()), ticket.id, ticket.id),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _write_desks(db: Writer, change: DeskChange) -> None:
    """The desks' rows (the officer leaving a desk first: one officer, one desk)."""
    for desk in change.desks:
        db.execute(
            f"INSERT INTO desks ({_DESK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (counter) DO UPDATE SET"
            " state = excluded.state, reason = excluded.reason, since = excluded.since,"
            " officer = excluded.officer, officer_since = excluded.officer_since",
            _desk_row(desk),
        )


_SAVE_SECRET = (
    f"INSERT INTO staff_secrets ({_SECRET_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET"
    " hash = excluded.hash, set_at = excluded.set_at, wrong_attempts = excluded.wrong_attempts,"
    " locked_until = excluded.locked_until"
)


def _secret_row(secret: StaffSecret) -> tuple:
    return (
        secret.staff_id,
        secret.hash,
        secret.set_at.isoformat(),
        secret.wrong_attempts,
        _iso(secret.locked_until),
    )


_INSERT_BOOKING = f"INSERT INTO bookings ({_BOOKING_COLUMNS}) VALUES ({', '.join('?' * 13)})"


def _booking_row(b: Booking) -> tuple:
    return (b.code, b.token, b.service, b.service_date.isoformat(), f"{b.start:%H:%M}", f"{b.end:%H:%M}",
            str(b.status), b.created_at.isoformat(), b.holder, b.phone, b.ticket_id, _iso(b.checked_in_at),
            b.reason)  # fmt: skip


def _save_booking_changes(db: Writer, booking: Booking) -> None:
    with db.transaction():
        _update_booking(db, booking)


def _update_booking(db: Writer, b: Booking) -> None:
    db.execute(
        "UPDATE bookings SET status = ?, ticket_id = ?, checked_in_at = ?, reason = ? WHERE code = ?",
        (str(b.status), b.ticket_id, _iso(b.checked_in_at), b.reason, b.code),
    )


_INSERT_SURVEY = (
    "INSERT INTO survey_responses (ticket_key, service_date, service, channel, answers, age_group, sex,"
    " education, occupation, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _survey_row(response: SurveyResponse) -> tuple:
    return (
        response.ticket_key,
        response.service_date.isoformat(),
        response.service,
        response.channel,
        ",".join(str(a) for a in response.answers),
        response.age_group,
        response.sex,
        response.education,
        response.occupation,
        response.suggestion,
    )


# --- rows -----------------------------------------------------------------------------


def _event_from_row(row: Row) -> Event:
    seq, kind, ticket_id, counter, at, data, officer = row
    return Event(int(seq), kind, ticket_id, counter, datetime.fromisoformat(at), json.loads(data), officer)


def _booking_from_row(row: Row) -> Booking:
    code, token, service, day, start, end, status, created, holder, phone, ticket_id, checked_in, reason = row
    return Booking(
        code=code, token=token, service=service, service_date=date.fromisoformat(day), start=time.fromisoformat(start),
        end=time.fromisoformat(end), status=BookingStatus(status), created_at=datetime.fromisoformat(created),
        holder=holder, phone=phone, ticket_id=ticket_id,
        checked_in_at=datetime.fromisoformat(checked_in) if checked_in else None, reason=reason,
    )  # fmt: skip


def _survey_from_row(row: Row) -> SurveyResponse:
    key, day, service, channel, answers, age, sex, education, occupation, suggestion, id_, published = row
    return SurveyResponse(
        key, date.fromisoformat(day), service, channel, tuple(int(a) for a in answers.split(",")),
        age, sex, education, occupation, suggestion, id_, bool(published),
    )  # fmt: skip


def _desk_row(desk: Desk) -> tuple:
    return (desk.counter, str(desk.state), desk.reason, _iso(desk.since), desk.officer, _iso(desk.officer_since))


def _visit_from_row(row: Row) -> Visit:
    (ticket_id, leg, day, service, priority, channel, queued, called, last_called, finished, outcome,
     counter, officer, recalls, wait, served) = row  # fmt: skip
    return Visit(
        ticket_id=ticket_id,
        leg=leg,
        service_date=date.fromisoformat(day),
        service=service,
        priority=bool(priority),
        channel=channel,
        queued_at=datetime.fromisoformat(queued),
        called_at=_moment(called),
        last_called_at=_moment(last_called),
        finished_at=_moment(finished),
        outcome=outcome,
        counter=counter,
        officer=officer,
        recalls=recalls,
        wait_seconds=wait,
        service_seconds=served,
    )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _desk_from_row(row: Row) -> Desk:
    counter, state, reason, since, officer, officer_since = row
    return Desk(
        counter=counter,
        state=DeskState(state),
        reason=reason,
        since=_moment(since),
        officer=officer,
        officer_since=_moment(officer_since),
    )


def _secret_from_row(row: Row) -> StaffSecret:
    staff_id, hash_, set_at, wrong, locked_until = row
    return StaffSecret(
        staff_id=staff_id,
        hash=hash_,
        set_at=datetime.fromisoformat(set_at),
        wrong_attempts=wrong,
        locked_until=_moment(locked_until),
    )


def _ticket_row(t: Ticket) -> tuple:
    record = {**t.as_record(), "priority": int(t.priority)}  # an INTEGER column in both databases
    return tuple(record[field] for field in _TICKET_FIELDS)


def _ticket_from_row(row: Row) -> Ticket:
    """A ticket's row holds every field of its record (engine/tickets.py), by the same names."""
    return Ticket.from_record(dict(zip(_TICKET_FIELDS, row, strict=True)))
