"""PostgreSQL store: the same tables and queries as SQLite, for many halls and many nodes.

Each hall lives in its own PostgreSQL schema (its tables, its journal, its `seq`), so halls
share a database but never a row. Any number of server processes may serve one hall:

- `command()` takes the hall's transaction-scoped advisory lock, so the commands of one hall
  are decided one at a time across every node, and yields the journal's head: a node whose
  memory is behind it catches up from the journal before it decides.
- `commit` issues `pg_notify` inside the command's transaction: the other nodes hear of an
  event if and only if it committed. `changes()` yields the journal's head on each one, and
  once more after every reconnect, so a node that missed notifications catches up by `seq`.

Writes run as functions of a synchronous psycopg connection on a writer thread (the same
functions SQLite's writer runs: `sql.py`); reads and the lock use an asynchronous pool.
A command is acknowledged after PostgreSQL's COMMIT, which with the default
`synchronous_commit = on` means its WAL is flushed (and on the standby with synchronous
replication: see docs/scaling.md).

psycopg is imported here only, and only when a PostgreSQL database is configured, so the
embedded SQLite deployment needs none of it installed.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import psycopg
from psycopg import sql as pgsql

from .database import Database, database_for
from .listener import listener_for
from .schema import MIGRATIONS
from .sql import Row, SqlStore

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATION_LOCK = (7300, 0)  # pg_advisory_xact_lock(int, int): one migration at a time, any schema
COMMAND_LOCK_CLASS = 7301  # with hashtext(schema): one hall's commands at a time across nodes
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


# The connection of a `command()` or `consistent()` block and its hall's schema, for the reads
# of the task inside it: a command holding its lock never waits for a second connection (the
# halls of a process share one pool; two connections per command could deadlock it).
_PINNED: contextvars.ContextVar[tuple[str, psycopg.AsyncConnection] | None] = contextvars.ContextVar(
    "pinned", default=None
)


class SchemaTooNewError(RuntimeError):
    pass


class PostgresDialect:
    def seconds_between(self, later: str, earlier: str) -> str:
        return f"EXTRACT(EPOCH FROM ({later})::timestamptz - ({earlier})::timestamptz)::float8"

    def local_weekday_and_hour(self, column: str) -> tuple[str, str]:
        local = f"(({column})::timestamptz AT TIME ZONE 'UTC' + ? * interval '1 minute')"
        return f"(EXTRACT(ISODOW FROM {local})::int - 1)", f"EXTRACT(HOUR FROM {local})::int"


@functools.lru_cache(maxsize=512)
def _placeholders(query: str) -> str:
    """The shared queries' `?` as psycopg's `%s` (a literal `%` doubled first)."""
    return query.replace("%", "%%").replace("?", "%s")


class PostgresWriter:
    """The process's writer connection, as the shared write functions use it for one hall:
    each transaction first sets the hall's schema."""

    def __init__(self, connection: psycopg.Connection, schema: str, channel: str):
        self.connection = connection
        self.schema = schema
        self.channel = channel

    def execute(self, query: str, params: tuple | list = ()) -> psycopg.Cursor:
        return self.connection.execute(_placeholders(query), params)

    def executemany(self, query: str, rows: list[tuple]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(_placeholders(query), rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            self.connection.execute(_set_local_path(self.schema))
            yield

    def notify(self, seq: int) -> None:
        self.connection.execute("SELECT pg_notify(%s, %s)", (self.channel, str(seq)))


class PostgresStore(SqlStore):
    dialect = PostgresDialect()
    integrity_errors = (psycopg.errors.IntegrityError,)
    shared = True  # other nodes write too: catch up before deciding, listen for their events

    def __init__(self, dsn: str, schema: str = "antrian"):
        if not SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"schema {schema!r}: use lowercase letters, digits and _ (at most 63)")
        self.dsn = dsn
        self.schema = schema
        self.channel = f"antrian_{schema}"
        self._database: Database | None = None

    @property
    def name(self) -> str:
        info = psycopg.conninfo.conninfo_to_dict(self.dsn)
        return f"postgresql://{info.get('host', '')}:{info.get('port', '')}/{info.get('dbname', '')}#{self.schema}"

    async def open(self) -> None:
        await self._migrate()
        self._database = await database_for(self.dsn)

    async def close(self) -> None:
        if self._database is not None:
            await self._database.release()
            self._database = None

    @property
    def database(self) -> Database:
        if self._database is None:
            raise RuntimeError("store is not open")
        return self._database

    # --- the hall's lock and the other nodes' events ------------------------------------

    @contextlib.asynccontextmanager
    async def command(self) -> AsyncIterator[int | None]:
        """Hold the hall's command lock across nodes; the journal's head once it is held."""
        async with self.database.pool.connection() as connection, connection.transaction():
            await connection.execute(_set_local_path(self.schema))
            await connection.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (COMMAND_LOCK_CLASS, self.schema)
            )
            cursor = await connection.execute("SELECT COALESCE(MAX(seq), 0) FROM events")
            row = await cursor.fetchone()
            assert row is not None
            with self._pinned(connection):
                yield int(row[0])

    @contextlib.asynccontextmanager
    async def consistent(self) -> AsyncIterator[None]:
        """The reads of this task inside the block share one REPEATABLE READ snapshot (inside a
        command they already do: nobody else commits for this hall while its lock is held)."""
        if self._pinned_connection() is not None:
            yield
            return
        async with self.database.pool.connection() as connection, connection.transaction():
            await connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            await connection.execute(_set_local_path(self.schema))
            with self._pinned(connection):
                yield

    @contextlib.contextmanager
    def _pinned(self, connection: psycopg.AsyncConnection) -> Iterator[None]:
        token = _PINNED.set((self.schema, connection))
        try:
            yield
        finally:
            _PINNED.reset(token)

    def _pinned_connection(self) -> psycopg.AsyncConnection | None:
        pinned = _PINNED.get()
        return pinned[1] if pinned is not None and pinned[0] == self.schema else None

    async def changes(self) -> AsyncIterator[int | None]:
        """The `seq` of each event another node commits; None after each (re)connect of the
        process's one LISTEN connection (listener.py): some may have been missed, read the
        journal. Runs until cancelled."""
        listener = listener_for(self.dsn)
        heard = listener.subscribe(self.channel)
        try:
            while True:
                yield await heard.get()
        finally:
            listener.unsubscribe(self.channel, heard)

    # --- primitives -----------------------------------------------------------------------

    async def _rows(self, query: str, params: tuple | list = ()) -> list[Row]:
        if (pinned := self._pinned_connection()) is not None:
            return await _fetch(pinned, query, params)
        async with self.database.pool.connection() as connection:
            await self.database.use_schema(connection, self.schema)
            return await _fetch(connection, query, params)

    async def _batches(self, query: str, params: tuple | list, size: int) -> AsyncIterator[list[Row]]:
        async with (
            self.database.pool.connection() as connection,
            connection.transaction(),
            connection.cursor(name="antrian_batches") as cursor,
        ):
            await connection.execute(_set_local_path(self.schema))
            await cursor.execute(_placeholders(query), params)
            while rows := await cursor.fetchmany(size):
                yield [tuple(row) for row in rows]

    async def _write(self, function: Callable[..., T], *args: Any) -> T:
        return await self.database.write(PostgresWriter, self.schema, self.channel, function, *args)

    async def _migrate(self) -> None:
        """Bring this hall's schema to the newest version (one node at a time)."""
        connect = psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        async with await connect as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s, %s)", MIGRATION_LOCK)
            schema = pgsql.Identifier(self.schema)
            await connection.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            await connection.execute(pgsql.SQL("SET LOCAL search_path TO {}").format(schema))
            await connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cursor = await connection.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                raise SchemaTooNewError(
                    f"{self.name} has schema version {version}, newer than this Antrian "
                    f"({len(MIGRATIONS)}); upgrade Antrian before using this data"
                )
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                log.info("migrating %s to schema version %d", self.name, number)
                await connection.execute(migration.postgresql.encode())
                await connection.execute("DELETE FROM schema_version")
                await connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))


@functools.lru_cache(maxsize=1024)
def _set_local_path(schema: str) -> pgsql.Composed:
    """This transaction's tables are the hall's: its schema first in the search path."""
    return pgsql.SQL("SET LOCAL search_path TO {}").format(pgsql.Identifier(schema))


async def _fetch(connection: psycopg.AsyncConnection, query: str, params: tuple | list) -> list[Row]:
    cursor = await connection.execute(_placeholders(query), params)
    return [tuple(row) for row in await cursor.fetchall()]
