"""What the halls of one process share on one PostgreSQL database: a pool of connections for
reads and the command lock, and one writer connection on one thread.

A node serving 200 halls would otherwise hold hundreds of idle connections (PostgreSQL keeps a
process per connection). Here a node holds at most `POOL_SIZE` + 1 (+1 listening, listener.py)
whatever the number of halls; each use sets its hall's schema for its transaction. Writes of
all halls take turns on the one writer: a commit is a few milliseconds, far from a limit
(docs/scaling.md).
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

T = TypeVar("T")
POOL_SIZE = 16
POOL_IDLE_SECONDS = 60.0

_databases: dict[tuple[int, str], Database] = {}  # by (event loop, database)


async def database_for(dsn: str) -> Database:
    """This process's shared use of DSN (opened on first use); `release()` it when done."""
    key = (id(asyncio.get_running_loop()), dsn)
    database = _databases.get(key)
    if database is None:
        database = _databases[key] = Database(dsn, key)
        await database.pool.open(wait=True)
    database.users += 1
    return database


class Database:
    def __init__(self, dsn: str, key: tuple[int, str]):
        self.dsn = dsn
        self.key = key
        self.users = 0
        self.pool = AsyncConnectionPool(
            dsn,
            kwargs={"autocommit": True},
            min_size=1,
            max_size=POOL_SIZE,
            max_idle=POOL_IDLE_SECONDS,
            open=False,
            check=AsyncConnectionPool.check_connection,
            name="antrian",
        )
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="antrian-pg-writer")
        self._writer: psycopg.Connection | None = None  # used on the writer thread only
        self._schema_of: weakref.WeakKeyDictionary[psycopg.AsyncConnection, str] = weakref.WeakKeyDictionary()

    async def use_schema(self, connection: psycopg.AsyncConnection, schema: str) -> None:
        """Make SCHEMA the pooled CONNECTION's search path, unless it already is (one round trip
        saved on most reads: a quiet node's connections keep serving the same few halls)."""
        if self._schema_of.get(connection) != schema:
            await connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            self._schema_of[connection] = schema

    async def release(self) -> None:
        self.users -= 1
        if self.users > 0:
            return
        _databases.pop(self.key, None)
        await asyncio.get_running_loop().run_in_executor(self._writer_thread, self._close_writer)
        self._writer_thread.shutdown()
        await self.pool.close()

    async def write(
        self, wrap: Callable[..., Any], schema: str, channel: str, function: Callable[..., T], *args: Any
    ) -> T:
        """Run `function(wrap(connection, schema, channel), *args)` on the writer thread."""
        call = functools.partial(self._run_written, wrap, schema, channel, function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, call)

    def _run_written(
        self, wrap: Callable[..., Any], schema: str, channel: str, function: Callable[..., T], *args: Any
    ) -> T:
        """On the writer thread: connect (again, after PostgreSQL restarted) and run FUNCTION."""
        if self._writer is None or self._writer.closed or self._writer.broken:
            self._writer = psycopg.connect(self.dsn, autocommit=True)
        return function(wrap(self._writer, schema, channel), *args)

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
