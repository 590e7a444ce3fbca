"""SQLite store: WAL journal, a full fsync at every commit.

Why these settings: a command is acknowledged only after `commit` returns, and with
`synchronous=FULL` in WAL mode that means its row is in the fsynced journal, so it
survives a process crash and a power cut (see docs/reliability.md).

Why two connections: reads, migrations and backups go through aiosqlite, which crosses
the event loop once per statement. A command's transaction is five statements, and while
a call is being fanned out to 1000 screens each crossing waits behind that fan-out, which
delayed the next call and every ack. So writes run as one function on a writer thread
with its own connection: one crossing per command (docs/performance.md).

One process owns a SQLite file, so `command()` needs no lock of its own: the hall's is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from .schema import MIGRATIONS
from .sql import Row, SqlStore

log = logging.getLogger(__name__)
T = TypeVar("T")


class SqliteDialect:
    def seconds_between(self, later: str, earlier: str) -> str:
        return f"((julianday({later}) - julianday({earlier})) * 86400)"

    def local_weekday_and_hour(self, column: str) -> tuple[str, str]:
        shifted = f"{column}, printf('%+d minutes', ?)"
        return f"((CAST(strftime('%w', {shifted}) AS INTEGER) + 6) % 7)", f"CAST(strftime('%H', {shifted}) AS INTEGER)"


class SqliteWriter:
    """The writer thread's connection, as the shared write functions use it."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def execute(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.connection.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def notify(self, seq: int) -> None:
        pass  # one process: the hall that committed publishes


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


class SqliteStore(SqlStore):
    dialect = SqliteDialect()
    integrity_errors = (sqlite3.IntegrityError,)
    shared = False  # no other process writes this file: nothing to catch up with

    def __init__(self, path: Path):
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._writer: SqliteWriter | None = None  # used on the writer thread only

    @property
    def name(self) -> str:
        return str(self.path)

    async def open(self) -> None:
        _make_owner_only(self.path)
        self._db = await aiosqlite.connect(self.path, isolation_level=None)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=FULL")
        await self._db.execute("PRAGMA foreign_keys=ON")
        await self._db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="antrian-store-writer")
        self._writer = SqliteWriter(await self._on_writer_thread(_connect_writer, self.path))

    async def close(self) -> None:
        if self._writer is not None:
            await self._on_writer_thread(self._writer.connection.close)
            self._writer = None
        if self._writer_thread is not None:
            self._writer_thread.shutdown()
            self._writer_thread = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    @contextlib.asynccontextmanager
    async def command(self) -> AsyncIterator[int | None]:
        """Hold the hall's command lock across nodes; None: there are no other nodes."""
        yield None

    @contextlib.asynccontextmanager
    async def consistent(self) -> AsyncIterator[None]:
        """Nothing to do: only this process writes, and the hall's lock is held while it loads."""
        yield

    async def changes(self) -> AsyncIterator[int | None]:
        """Nothing: no other process writes this file."""
        return
        yield

    async def _on_writer_thread(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, functools.partial(function, *args))

    async def _write(self, function: Callable[..., T], *args: Any) -> T:
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

    async def _rows(self, sql: str, params: tuple | list = ()) -> list[Row]:
        return [tuple(row) for row in await self.db.execute_fetchall(sql, params)]

    async def _batches(self, sql: str, params: tuple | list, size: int) -> AsyncIterator[list[Row]]:
        cursor = await self.db.execute(sql, params)
        try:
            while rows := await cursor.fetchmany(size):
                yield [tuple(row) for row in rows]
        finally:
            await cursor.close()

    async def _migrate(self) -> None:
        (version,) = (await self._rows("PRAGMA user_version"))[0]
        if version > len(MIGRATIONS):
            raise SchemaTooNewError(
                f"{self.path} has schema version {version}, newer than this Antrian "
                f"({len(MIGRATIONS)}); upgrade Antrian before using this data"
            )
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("migrating %s to schema version %d", self.path, number)
            await self.db.execute("BEGIN IMMEDIATE")
            for statement in filter(str.strip, migration.sqlite.split(";")):
                await self.db.execute(statement)
            await self.db.execute(f"PRAGMA user_version={number}")
            await self.db.execute("COMMIT")


def _connect_writer(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=FULL")  # a per-connection setting: it must be set here too
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA busy_timeout=5000")
    return connection


def _settings(db: SqliteWriter) -> dict[str, str | int]:
    (journal_mode,) = db.execute("PRAGMA journal_mode").fetchone()
    (synchronous,) = db.execute("PRAGMA synchronous").fetchone()
    return {"journal_mode": journal_mode, "synchronous": synchronous}
