"""SQLite store: WAL journal, a full fsync at every commit.

Why these settings: a command is acknowledged only after `commit` returns, and with
`synchronous=FULL` in WAL mode that means its row is in the fsynced journal, so it
survives a process crash and a power cut (see docs/reliability.md).

Why two connections: reads, migrations and backups go through aiosqlite, which crosses
the event loop once per statement. A command's transaction is five statements, and while
a call is being fanned out to 1000 screens each crossing waits behind that fan-out, which
delayed the next call and every ack. So writes run as one function on a writer thread
with its own connection: one crossing per command (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time
from pathlib import Path
from typing import TypeVar

import aiosqlite

from ..contract import DeskState
from ..engine import Desk, DeskChange, Outcome, Status, Ticket
from ..engine.booking import Booking, BookingStatus
from .interface import Change, DeskDay, Event, Reply, StaffSecret, SurveyResponse, Visit, VisitCount
from .schema import MIGRATIONS

log = logging.getLogger(__name__)
T = TypeVar("T")

_TICKET_COLUMNS = (
    "id, service_date, origin_service, service, sequence, number, priority, status, issued_at,"
    " queued_at, called_at, finished_at, counter, recalls, transferred_from, token, officer, channel, booked_for"
)
_DESK_COLUMNS = "counter, state, reason, since, officer, officer_since"
_VISIT_COLUMNS = (
    "ticket_id, leg, service_date, service, priority, channel, queued_at, called_at, last_called_at,"
    " finished_at, outcome, counter, officer, recalls, wait_seconds, service_seconds"
)
VISIT_BATCH = 5000
_SECRET_COLUMNS = "staff_id, hash, set_at, wrong_attempts, locked_until"


# A ticket's id is its service date, service and number. An issued ticket is a plain
# INSERT, so a number issued twice is an IntegrityError, never an overwrite: the store's
# UNIQUE constraints back up the engine. Every later change updates the ticket's row.
_INSERT_TICKET = f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES ({', '.join('?' * 19)})"
_UPSERT_TICKET = (
    _INSERT_TICKET
    + " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c.strip()} = excluded.{c.strip()}" for c in _TICKET_COLUMNS.split(",")[1:])
)


def _make_owner_only(path: Path) -> None:
    """The data folder 0700 when created here, the database and its journals 0600.

    The database holds every ticket's token. SQLite creates `-wal` and `-shm` with the
    database file's own mode, so creating that file 0600 before SQLite opens it covers them;
    files left by an older version are tightened too.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            file.chmod(0o600)


class SchemaTooNewError(RuntimeError):
    pass


class SqliteStore:
    def __init__(self, path: Path):
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._writer: sqlite3.Connection | None = None  # used on the writer thread only

    async def open(self) -> None:
        _make_owner_only(self.path)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=FULL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="antrian-store-writer")
        self._writer = await self._on_writer_thread(_connect_writer, self.path)

    async def close(self) -> None:
        if self._writer is not None:
            await self._on_writer_thread(self._writer.close)
            self._writer = None
        if self._writer_thread is not None:
            self._writer_thread.shutdown()
            self._writer_thread = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def _on_writer_thread(self, function: Callable[..., T], *args) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, functools.partial(function, *args))

    async def _write(self, function: Callable[..., T], *args) -> T:
        """Run `function(writer_connection, *args)` on the writer thread."""
        if self._writer is None:
            raise RuntimeError("store is not open")
        return await self._on_writer_thread(function, self._writer, *args)

    async def write_settings(self) -> dict[str, str | int]:
        """The journal mode and sync level of the connection that writes commands."""
        return await self._write(_settings)

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def _migrate(self) -> None:
        (version,) = await _one(await self.db.execute("PRAGMA user_version"))
        if version > len(MIGRATIONS):
            raise SchemaTooNewError(
                f"{self.path} has schema version {version}, newer than this Antrian "
                f"({len(MIGRATIONS)}); upgrade Antrian before using this data"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("migrating %s to schema version %d", self.path, number)
            await self.db.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, script.split(";")):
                await self.db.execute(statement)
            await self.db.execute(f"PRAGMA user_version={number}")
            await self.db.execute("COMMIT")

    # --- writes --------------------------------------------------------------------

    async def commit(
        self,
        change: Change,
        data: dict,
        reply: Reply | None = None,
        officer: str | None = None,
        booking: Booking | None = None,
    ) -> int:
        """Write the command's effects in one transaction (with the booking a check-in turns
        into this ticket, when there is one); return the event's `seq`."""
        return await self._write(_commit, change, data, reply, officer, booking)

    async def forget_replies_before(self, moment: datetime) -> None:
        await self._write(_forget_replies_before, moment.isoformat())

    async def save_staff_secret(self, secret: StaffSecret) -> None:
        await self._write(_save_staff_secret, secret)

    async def forget_staff_secret(self, staff_id: str) -> None:
        await self._write(_forget_staff_secret, staff_id)

    # --- reads ---------------------------------------------------------------------

    async def find_reply(self, scope: str, request_id: str) -> dict | None:
        rows = await self.db.execute_fetchall(
            "SELECT reply FROM replies WHERE scope = ? AND request_id = ?", (scope, request_id)
        )
        return json.loads(next(iter(rows))[0]) if rows else None

    async def tickets_on(self, service_date: date) -> list[Ticket]:
        cursor = await self.db.execute(
            f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE service_date = ? ORDER BY issued_at, id",
            (service_date.isoformat(),),
        )
        return [_ticket_from_row(row) for row in await cursor.fetchall()]

    async def ticket_by_token(self, token: str) -> Ticket | None:
        cursor = await self.db.execute(f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE token = ?", (token,))
        row = await cursor.fetchone()
        return _ticket_from_row(row) if row else None

    async def last_seq(self) -> int:
        cursor = await self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events")
        (seq,) = await _one(cursor)
        return seq

    async def events_on(self, service_date: date, kinds: tuple[str, ...], limit: int) -> list[Event]:
        """The day's latest events of these kinds, oldest first."""
        marks = ", ".join("?" for _ in kinds)
        cursor = await self.db.execute(
            f"SELECT seq, kind, ticket_id, counter, at, data, officer FROM events"
            f" WHERE service_date = ? AND kind IN ({marks}) ORDER BY seq DESC LIMIT ?",
            (service_date.isoformat(), *kinds, limit),
        )
        rows = await cursor.fetchall()
        return [
            Event(seq, kind, ticket_id, counter, datetime.fromisoformat(at), json.loads(data), officer)
            for seq, kind, ticket_id, counter, at, data, officer in reversed(list(rows))
        ]

    # --- reports (docs/reports.md): reads of the visits table, by service date -----------

    async def visit_counts(self, first: date, last: date) -> list[VisitCount]:
        rows = await self.db.execute_fetchall(
            "SELECT service_date, service, outcome, leg = 0, priority, channel, COUNT(*) FROM visits"
            " WHERE service_date BETWEEN ? AND ?"
            " GROUP BY service_date, service, outcome, leg = 0, priority, channel",
            (first.isoformat(), last.isoformat()),
        )
        return [
            VisitCount(date.fromisoformat(day), service, outcome, bool(is_first), bool(priority), channel, count)
            for day, service, outcome, is_first, priority, channel, count in rows
        ]

    async def visit_durations(self, first: date, last: date) -> list[tuple[str, float | None, float | None]]:
        """(service, wait, service time) of every called visit in the period."""
        rows = await self.db.execute_fetchall(
            "SELECT service, wait_seconds, service_seconds FROM visits"
            " WHERE service_date BETWEEN ? AND ? AND wait_seconds IS NOT NULL",
            (first.isoformat(), last.isoformat()),
        )
        return [(service, wait, served) for service, wait, served in rows]

    async def arrivals_by_hour(
        self, first: date, last: date, utc_offset_minutes: int
    ) -> list[tuple[str, int, int, float | None]]:
        """(service, local weekday 0=Monday, local hour, wait) of every ticket issued in the period.

        The hall's offset is fixed (Indonesia keeps no daylight saving time), so SQLite shifts it."""
        rows = await self.db.execute_fetchall(
            "SELECT service, (CAST(strftime('%w', queued_at, ?) AS INTEGER) + 6) % 7,"
            " CAST(strftime('%H', queued_at, ?) AS INTEGER), wait_seconds FROM visits"
            " WHERE service_date BETWEEN ? AND ? AND leg = 0 AND outcome != 'cancelled'",
            (f"{utc_offset_minutes:+d} minutes",) * 2 + (first.isoformat(), last.isoformat()),
        )
        return [(service, weekday, hour, wait) for service, weekday, hour, wait in rows]

    async def desk_days(self, first: date, last: date) -> list[DeskDay]:
        """Per counter, officer and service date: what was done there, and when it began and ended."""
        rows = await self.db.execute_fetchall(
            "SELECT counter, officer, service_date, SUM(outcome = 'served'), SUM(outcome = 'no_show'),"
            " SUM((julianday(COALESCE(finished_at, called_at)) - julianday(called_at)) * 86400),"
            " MIN(called_at), MAX(COALESCE(finished_at, called_at)) FROM visits"
            " WHERE service_date BETWEEN ? AND ? AND counter IS NOT NULL AND called_at IS NOT NULL"
            " GROUP BY counter, officer, service_date",
            (first.isoformat(), last.isoformat()),
        )
        return [
            DeskDay(counter, officer, date.fromisoformat(day), served, no_show, busy or 0.0,
                    datetime.fromisoformat(began), datetime.fromisoformat(ended))
            for counter, officer, day, served, no_show, busy, began, ended in rows
        ]  # fmt: skip

    async def desk_service_times(self, first: date, last: date) -> list[tuple[str, str | None, float]]:
        """(counter, officer, service time) of every served visit in the period."""
        rows = await self.db.execute_fetchall(
            "SELECT counter, officer, service_seconds FROM visits WHERE service_date BETWEEN ? AND ?"
            " AND counter IS NOT NULL AND outcome = 'served' AND service_seconds IS NOT NULL",
            (first.isoformat(), last.isoformat()),
        )
        return [(counter, officer, served) for counter, officer, served in rows]

    async def events_between(self, first: date, last: date, kinds: tuple[str, ...]) -> list[Event]:
        marks = ", ".join("?" for _ in kinds)
        rows = await self.db.execute_fetchall(
            f"SELECT seq, kind, ticket_id, counter, at, data, officer FROM events"
            f" WHERE service_date BETWEEN ? AND ? AND kind IN ({marks}) ORDER BY seq",
            (first.isoformat(), last.isoformat(), *kinds),
        )
        return [
            Event(seq, kind, ticket_id, counter, datetime.fromisoformat(at), json.loads(data), officer)
            for seq, kind, ticket_id, counter, at, data, officer in rows
        ]

    async def iter_visits(self, first: date, last: date) -> AsyncIterator[list[Visit]]:
        """Every visit of the period in batches, oldest first: a year's detail in bounded memory."""
        cursor = await self.db.execute(
            f"SELECT {_VISIT_COLUMNS} FROM visits WHERE service_date BETWEEN ? AND ?"
            " ORDER BY service_date, queued_at, ticket_id, leg",
            (first.isoformat(), last.isoformat()),
        )
        try:
            while rows := await cursor.fetchmany(VISIT_BATCH):
                yield [_visit_from_row(row) for row in rows]
        finally:
            await cursor.close()

    # --- the survey ---------------------------------------------------------------------

    async def save_survey(self, response: SurveyResponse) -> bool:
        """Store a response; False when its ticket has already answered (nothing changed)."""
        return await self._write(_save_survey, response)

    async def survey_responses(self, first: date, last: date) -> list[SurveyResponse]:
        rows = await self.db.execute_fetchall(
            f"SELECT {_SURVEY_COLUMNS} FROM survey_responses WHERE service_date BETWEEN ? AND ? ORDER BY id",
            (first.isoformat(), last.isoformat()),
        )
        return [_survey_from_row(row) for row in rows]

    async def survey_answered(self, ticket_key: str) -> bool:
        rows = await self.db.execute_fetchall("SELECT 1 FROM survey_responses WHERE ticket_key = ?", (ticket_key,))
        return bool(rows)

    async def served_by_service(self, first: date, last: date) -> dict[str, int]:
        """The survey's population: visits that ended served, by service."""
        rows = await self.db.execute_fetchall(
            "SELECT service, COUNT(*) FROM visits WHERE service_date BETWEEN ? AND ? AND outcome = 'served'"
            " GROUP BY service",
            (first.isoformat(), last.isoformat()),
        )
        return {service: count for service, count in rows}

    async def publish_suggestion(self, response_id: int, published: bool) -> bool:
        return await self._write(_publish_suggestion, response_id, published)

    # --- bookings -------------------------------------------------------------------------

    async def save_booking(self, booking: Booking, *, new: bool) -> bool:
        """Insert (NEW) or update a booking; False when a new one's code is taken (pick another)."""
        return await self._write(_save_booking, booking, new)

    async def booking_by_code(self, code: str) -> Booking | None:
        rows = await self.db.execute_fetchall(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE code = ?", (code,))
        return _booking_from_row(next(iter(rows))) if rows else None

    async def booking_by_token(self, token: str) -> Booking | None:
        rows = await self.db.execute_fetchall(f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE token = ?", (token,))
        return _booking_from_row(next(iter(rows))) if rows else None

    async def booked_count(self, service: str, day: date, start: str) -> int:
        """Bookings that hold a place in a session: booked, or checked in."""
        (count,) = await _one(
            await self.db.execute(
                "SELECT COUNT(*) FROM bookings WHERE service = ? AND service_date = ? AND start = ?"
                " AND status IN ('booked', 'checked_in')",
                (service, day.isoformat(), start),
            )
        )
        return count

    async def open_bookings_of(self, holder: str) -> int:
        (count,) = await _one(
            await self.db.execute("SELECT COUNT(*) FROM bookings WHERE holder = ? AND status = 'booked'", (holder,))
        )
        return count

    async def bookings_between(self, first: date, last: date) -> list[Booking]:
        rows = await self.db.execute_fetchall(
            f"SELECT {_BOOKING_COLUMNS} FROM bookings WHERE service_date BETWEEN ? AND ? ORDER BY service_date, start, code",
            (first.isoformat(), last.isoformat()),
        )
        return [_booking_from_row(row) for row in rows]

    async def booking_counts(self, first: date, last: date) -> list[tuple[str, str, int]]:
        """(service, status, how many) of the bookings for the period's dates."""
        rows = await self.db.execute_fetchall(
            "SELECT service, status, COUNT(*) FROM bookings WHERE service_date BETWEEN ? AND ? GROUP BY service, status",
            (first.isoformat(), last.isoformat()),
        )
        return [(service, status, count) for service, status, count in rows]

    async def desks(self) -> list[Desk]:
        rows = await self.db.execute_fetchall(f"SELECT {_DESK_COLUMNS} FROM desks ORDER BY counter")
        return [_desk_from_row(row) for row in rows]

    async def staff_secret(self, staff_id: str) -> StaffSecret | None:
        rows = await self.db.execute_fetchall(
            f"SELECT {_SECRET_COLUMNS} FROM staff_secrets WHERE staff_id = ?", (staff_id,)
        )
        return _secret_from_row(next(iter(rows))) if rows else None

    async def staff_secrets(self) -> list[StaffSecret]:
        rows = await self.db.execute_fetchall(f"SELECT {_SECRET_COLUMNS} FROM staff_secrets ORDER BY staff_id")
        return [_secret_from_row(row) for row in rows]


# --- the writer thread -------------------------------------------------------------


async def _one(cursor: aiosqlite.Cursor) -> sqlite3.Row | tuple:
    """The one row a query always returns (an aggregate, a pragma)."""
    row = await cursor.fetchone()
    assert row is not None
    return row


def _connect_writer(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")  # a per-connection setting: it must be set here too
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=5000")
    return connection


def _settings(db: sqlite3.Connection) -> dict[str, str | int]:
    (journal_mode,) = db.execute("PRAGMA journal_mode").fetchone()
    (synchronous,) = db.execute("PRAGMA synchronous").fetchone()
    return {"journal_mode": journal_mode, "synchronous": synchronous}


def _commit(
    db: sqlite3.Connection,
    change: Change,
    data: dict,
    reply: Reply | None,
    officer: str | None,
    booking: Booking | None,
) -> int:
    db.execute("BEGIN IMMEDIATE")
    try:
        if booking is not None:
            _write_booking(db, booking, new=False)
        if isinstance(change, DeskChange):
            event = _write_desks(db, change, data)
        else:
            event = _write_tickets(db, change, data, officer)
        cursor = db.execute(
            "INSERT INTO events (kind, service_date, ticket_id, counter, officer, at, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            event,
        )
        seq = cursor.lastrowid
        assert seq is not None  # an INSERT always has one
        if reply is not None:
            db.execute(
                "INSERT INTO replies (scope, request_id, reply, at) VALUES (?, ?, ?, ?)",
                (reply.scope, reply.request_id, json.dumps(reply.body, ensure_ascii=False), reply.at.isoformat()),
            )
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return seq


def _write_tickets(db: sqlite3.Connection, outcome: Outcome, data: dict, officer: str | None) -> tuple:
    """The tickets' rows; the journal's event row."""
    issued = outcome.ticket if outcome.kind == "issued" else None
    if issued is not None:  # a new ticket: a plain INSERT, so a repeated number cannot overwrite one
        db.execute(_INSERT_TICKET, _ticket_row(issued))
    db.executemany(_UPSERT_TICKET, [_ticket_row(t) for t in outcome.changed if t is not issued])
    _record_visits(db, outcome, officer)
    at = outcome.call.at if outcome.call else outcome.ticket.issued_at
    service_date = outcome.ticket.service_date.isoformat()
    body = json.dumps(data, ensure_ascii=False)
    return (outcome.kind, service_date, outcome.ticket.id, outcome.counter, officer, at.isoformat(), body)


# --- visits: one row per ticket per service it queued in, for the reports -----------------

_CURRENT_LEG = "ticket_id = ? AND leg = (SELECT MAX(leg) FROM visits WHERE ticket_id = ?)"
_SECONDS_SINCE = "(julianday(?) - julianday({column})) * 86400"


def _record_visits(db: sqlite3.Connection, outcome: Outcome, officer: str | None) -> None:
    """Carry each changed ticket's step into its current visit (docs/reports.md defines the figures)."""
    for ticket in outcome.changed:
        if outcome.kind == "issued":
            _start_visit(db, ticket, leg=0)
        elif outcome.kind == "transferred":
            _end_visit(db, ticket, "transferred", ticket.queued_at)
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
            _end_visit(db, ticket, str(ticket.status), ticket.finished_at)


def _start_visit(db: sqlite3.Connection, ticket: Ticket, *, leg: int) -> None:
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


def _end_visit(db: sqlite3.Connection, ticket: Ticket, outcome: str, at: datetime | None) -> None:
    """Served: its service time runs from the last call (recalls included) to now."""
    service = _SECONDS_SINCE.format(column="last_called_at") if outcome == "served" else "NULL"
    db.execute(
        f"UPDATE visits SET outcome = ?, finished_at = ?, service_seconds = {service} WHERE {_CURRENT_LEG}",
        (outcome, _iso(at), *((_iso(at),) if outcome == "served" else ()), ticket.id, ticket.id),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _write_desks(db: sqlite3.Connection, change: DeskChange, data: dict) -> tuple:
    """The desks' rows (the officer leaving a desk first: one officer, one desk); the event row."""
    for desk in change.desks:
        db.execute(
            f"INSERT INTO desks ({_DESK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (counter) DO UPDATE SET"
            " state = excluded.state, reason = excluded.reason, since = excluded.since,"
            " officer = excluded.officer, officer_since = excluded.officer_since",
            _desk_row(desk),
        )
    service_date = data["service_date"]
    body = json.dumps(data, ensure_ascii=False)
    return (change.kind, service_date, None, change.counter, change.officer, change.at.isoformat(), body)


def _forget_replies_before(db: sqlite3.Connection, moment: str) -> None:
    db.execute("DELETE FROM replies WHERE at < ?", (moment,))


def _save_staff_secret(db: sqlite3.Connection, secret: StaffSecret) -> None:
    db.execute(
        f"INSERT INTO staff_secrets ({_SECRET_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET"
        " hash = excluded.hash, set_at = excluded.set_at, wrong_attempts = excluded.wrong_attempts,"
        " locked_until = excluded.locked_until",
        (
            secret.staff_id,
            secret.hash,
            secret.set_at.isoformat(),
            secret.wrong_attempts,
            secret.locked_until.isoformat() if secret.locked_until else None,
        ),
    )


_BOOKING_COLUMNS = "code, token, service, service_date, start, end, status, created_at, holder, phone, ticket_id, checked_in_at, reason"


def _save_booking(db: sqlite3.Connection, booking: Booking, new: bool) -> bool:
    try:
        _write_booking(db, booking, new=new)
    except sqlite3.IntegrityError:
        return False
    return True


def _write_booking(db: sqlite3.Connection, b: Booking, *, new: bool) -> None:
    row = (b.code, b.token, b.service, b.service_date.isoformat(), f"{b.start:%H:%M}", f"{b.end:%H:%M}", str(b.status),
           b.created_at.isoformat(), b.holder, b.phone, b.ticket_id,
           b.checked_in_at.isoformat() if b.checked_in_at else None, b.reason)  # fmt: skip
    if new:
        db.execute(f"INSERT INTO bookings ({_BOOKING_COLUMNS}) VALUES ({', '.join('?' * 13)})", row)
    else:
        db.execute(
            "UPDATE bookings SET status = ?, ticket_id = ?, checked_in_at = ?, reason = ? WHERE code = ?",
            (str(b.status), b.ticket_id, b.checked_in_at.isoformat() if b.checked_in_at else None, b.reason, b.code),
        )


def _booking_from_row(row: sqlite3.Row | tuple) -> Booking:
    code, token, service, day, start, end, status, created, holder, phone, ticket_id, checked_in, reason = row
    return Booking(
        code=code, token=token, service=service, service_date=date.fromisoformat(day), start=time.fromisoformat(start),
        end=time.fromisoformat(end), status=BookingStatus(status), created_at=datetime.fromisoformat(created),
        holder=holder, phone=phone, ticket_id=ticket_id,
        checked_in_at=datetime.fromisoformat(checked_in) if checked_in else None, reason=reason,
    )  # fmt: skip


_SURVEY_COLUMNS = (
    "ticket_key, service_date, service, channel, answers, age_group, sex, education, occupation, suggestion,"
    " id, published"
)


def _save_survey(db: sqlite3.Connection, response: SurveyResponse) -> bool:
    try:
        db.execute(
            "INSERT INTO survey_responses (ticket_key, service_date, service, channel, answers, age_group, sex,"
            " education, occupation, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
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
            ),
        )
    except sqlite3.IntegrityError:
        return False
    return True


def _publish_suggestion(db: sqlite3.Connection, response_id: int, published: bool) -> bool:
    cursor = db.execute("UPDATE survey_responses SET published = ? WHERE id = ?", (int(published), response_id))
    return cursor.rowcount == 1


def _survey_from_row(row: sqlite3.Row | tuple) -> SurveyResponse:
    key, day, service, channel, answers, age, sex, education, occupation, suggestion, id_, published = row
    return SurveyResponse(
        key, date.fromisoformat(day), service, channel, tuple(int(a) for a in answers.split(",")),
        age, sex, education, occupation, suggestion, id_, bool(published),
    )  # fmt: skip


def _forget_staff_secret(db: sqlite3.Connection, staff_id: str) -> None:
    db.execute("DELETE FROM staff_secrets WHERE staff_id = ?", (staff_id,))


def _desk_row(desk: Desk) -> tuple:
    return (
        desk.counter,
        str(desk.state),
        desk.reason,
        desk.since.isoformat() if desk.since else None,
        desk.officer,
        desk.officer_since.isoformat() if desk.officer_since else None,
    )


def _visit_from_row(row: sqlite3.Row | tuple) -> Visit:
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
        called_at=datetime.fromisoformat(called) if called else None,
        last_called_at=datetime.fromisoformat(last_called) if last_called else None,
        finished_at=datetime.fromisoformat(finished) if finished else None,
        outcome=outcome,
        counter=counter,
        officer=officer,
        recalls=recalls,
        wait_seconds=wait,
        service_seconds=served,
    )


def _desk_from_row(row: sqlite3.Row | tuple) -> Desk:
    counter, state, reason, since, officer, officer_since = row
    return Desk(
        counter=counter,
        state=DeskState(state),
        reason=reason,
        since=datetime.fromisoformat(since) if since else None,
        officer=officer,
        officer_since=datetime.fromisoformat(officer_since) if officer_since else None,
    )


def _secret_from_row(row: sqlite3.Row | tuple) -> StaffSecret:
    staff_id, hash_, set_at, wrong, locked_until = row
    return StaffSecret(
        staff_id=staff_id,
        hash=hash_,
        set_at=datetime.fromisoformat(set_at),
        wrong_attempts=wrong,
        locked_until=datetime.fromisoformat(locked_until) if locked_until else None,
    )


def _ticket_row(t: Ticket) -> tuple:
    return (
        t.id,
        t.service_date.isoformat(),
        t.origin_service,
        t.service,
        t.sequence,
        t.number,
        int(t.priority),
        str(t.status),
        t.issued_at.isoformat(),
        t.queued_at.isoformat(),
        t.called_at.isoformat() if t.called_at else None,
        t.finished_at.isoformat() if t.finished_at else None,
        t.counter,
        t.recalls,
        t.transferred_from,
        t.token,
        t.officer,
        t.channel,
        t.booked_for.isoformat() if t.booked_for else None,
    )


def _ticket_from_row(row: sqlite3.Row | tuple) -> Ticket:
    (
        id_,
        day,
        origin,
        service,
        sequence,
        number,
        priority,
        status,
        issued,
        queued,
        called,
        finished,
        counter,
        recalls,
        transferred_from,
        token,
        officer,
        channel,
        booked_for,
    ) = row
    return Ticket(
        id=id_,
        service_date=date.fromisoformat(day),
        origin_service=origin,
        service=service,
        sequence=sequence,
        number=number,
        priority=bool(priority),
        status=Status(status),
        issued_at=datetime.fromisoformat(issued),
        queued_at=datetime.fromisoformat(queued),
        called_at=datetime.fromisoformat(called) if called else None,
        finished_at=datetime.fromisoformat(finished) if finished else None,
        counter=counter,
        recalls=recalls,
        transferred_from=transferred_from,
        token=token,
        officer=officer,
        channel=channel,
        booked_for=datetime.fromisoformat(booked_for) if booked_for else None,
    )
