"""SQLite store: WAL journal, a full fsync at every commit, one connection.

Why these settings: a command is acknowledged only after `commit` returns, and with
`synchronous=FULL` in WAL mode that means its row is in the fsynced journal, so it
survives a process crash and a power cut (see docs/reliability.md).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

import aiosqlite

from ..engine import Outcome, Status, Ticket
from .interface import Event, Reply
from .schema import MIGRATIONS

log = logging.getLogger(__name__)

_TICKET_COLUMNS = (
    "id, service_date, origin_service, service, sequence, number, priority, status, issued_at,"
    " queued_at, called_at, finished_at, counter, recalls, transferred_from, token"
)


class SchemaTooNewError(RuntimeError):
    pass


class SqliteStore:
    def __init__(self, path: Path):
        self.path = path
        self._db: aiosqlite.Connection | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=FULL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def _migrate(self) -> None:
        (version,) = await (await self.db.execute("PRAGMA user_version")).fetchone()
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
        db = self.db
        await db.execute("BEGIN IMMEDIATE")
        try:
            await db.executemany(
                f"INSERT OR REPLACE INTO tickets ({_TICKET_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_ticket_row(t) for t in outcome.changed],
            )
            cursor = await db.execute(
                "INSERT INTO events (kind, service_date, ticket_id, counter, at, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
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
            if reply is not None:
                await db.execute(
                    "INSERT INTO replies (scope, request_id, reply, at) VALUES (?, ?, ?, ?)",
                    (reply.scope, reply.request_id, json.dumps(reply.body, ensure_ascii=False), reply.at.isoformat()),
                )
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        return seq

    async def forget_replies_before(self, moment: datetime) -> None:
        await self.db.execute("DELETE FROM replies WHERE at < ?", (moment.isoformat(),))

    # --- reads ---------------------------------------------------------------------

    async def find_reply(self, scope: str, request_id: str) -> dict | None:
        cursor = await self.db.execute(
            "SELECT reply FROM replies WHERE scope = ? AND request_id = ?", (scope, request_id)
        )
        row = await cursor.fetchone()
        return json.loads(row[0]) if row else None

    async def tickets_on(self, service_date: date) -> list[Ticket]:
        cursor = await self.db.execute(
            f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE service_date = ? ORDER BY issued_at, id",
            (service_date.isoformat(),),
        )
        return [_ticket_from_row(row) for row in await cursor.fetchall()]

    async def ticket_by_token(self, token: str) -> Ticket | None:
        cursor = await self.db.execute(
            f"SELECT {_TICKET_COLUMNS} FROM tickets WHERE token = ?", (token,)
        )
        row = await cursor.fetchone()
        return _ticket_from_row(row) if row else None

    async def last_seq(self) -> int:
        cursor = await self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events")
        (seq,) = await cursor.fetchone()
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
            for seq, kind, ticket_id, counter, at, data in reversed(rows)
        ]

    async def backup(self, target: Path) -> None:
        """A consistent copy while the server runs (SQLite's online backup API)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as copy:
            await self.db.backup(copy)


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


def _ticket_from_row(row: tuple) -> Ticket:
    (id_, day, origin, service, sequence, number, priority, status, issued, queued,
     called, finished, counter, recalls, transferred_from, token) = row
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
