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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

import aiosqlite

from ..engine import Outcome, Status, Ticket
from .interface import Event, Reply
from .schema import MIGRATIONS

log = logging.getLogger(__name__)
T = TypeVar("T")

_TICKET_COLUMNS = (
    "id, service_date, origin_service, service, sequence, number, priority, status, issued_at,"
    " queued_at, called_at, finished_at, counter, recalls, transferred_from, token"
)


# A ticket's id is its service date, service and number. An issued ticket is a plain
# INSERT, so a number issued twice is an IntegrityError, never an overwrite: the store's
# UNIQUE constraints back up the engine. Every later change updates the ticket's row.
_INSERT_TICKET = f"INSERT INTO tickets ({_TICKET_COLUMNS}) VALUES ({', '.join('?' * 16)})"
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

    async def commit(self, outcome: Outcome, data: dict, reply: Reply | None = None) -> int:
        """Write the command's effects in one transaction; return the event's `seq`."""
        return await self._write(_commit, outcome, data, reply)

    async def forget_replies_before(self, moment: datetime) -> None:
        await self._write(_forget_replies_before, moment.isoformat())

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
            f"SELECT seq, kind, ticket_id, counter, at, data FROM events"
            f" WHERE service_date = ? AND kind IN ({marks}) ORDER BY seq DESC LIMIT ?",
            (service_date.isoformat(), *kinds, limit),
        )
        rows = await cursor.fetchall()
        return [
            Event(seq, kind, ticket_id, counter, datetime.fromisoformat(at), json.loads(data))
            for seq, kind, ticket_id, counter, at, data in reversed(list(rows))
        ]


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


def _commit(db: sqlite3.Connection, outcome: Outcome, data: dict, reply: Reply | None) -> int:
    db.execute("BEGIN IMMEDIATE")
    try:
        issued = outcome.ticket if outcome.kind == "issued" else None
        if issued is not None:  # a new ticket: a plain INSERT, so a repeated number cannot overwrite one
            db.execute(_INSERT_TICKET, _ticket_row(issued))
        db.executemany(_UPSERT_TICKET, [_ticket_row(t) for t in outcome.changed if t is not issued])
        cursor = db.execute(
            "INSERT INTO events (kind, service_date, ticket_id, counter, at, data) VALUES (?, ?, ?, ?, ?, ?)",
            (
                outcome.kind,
                outcome.ticket.service_date.isoformat(),
                outcome.ticket.id,
                outcome.counter,
                (outcome.call.at if outcome.call else outcome.ticket.issued_at).isoformat(),
                json.dumps(data, ensure_ascii=False),
            ),
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


def _forget_replies_before(db: sqlite3.Connection, moment: str) -> None:
    db.execute("DELETE FROM replies WHERE at < ?", (moment,))


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
    )
