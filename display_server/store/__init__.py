"""Durable state. `Store` is the narrow interface; SQLite is the embedded default and
PostgreSQL serves many halls and many nodes (`sql.py` holds what both share)."""

from __future__ import annotations

from pathlib import Path

from .interface import (
    Change,
    DeskDay,
    Entry,
    Event,
    JournalMoved,
    Reply,
    StaffSecret,
    Store,
    SurveyResponse,
    Visit,
    VisitCount,
)
from .sqlite import SchemaTooNewError, SqliteStore

DB_NAME = "antrian.sqlite3"
POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")


def is_postgresql(database: str | None) -> bool:
    return database is not None and database.startswith(POSTGRESQL_SCHEMES)


def store_for(database: str | None, data_dir: Path, *, schema: str = "antrian") -> Store:
    """The store a deployment names: a PostgreSQL URL, or (None) the SQLite file in DATA_DIR.

    SCHEMA is the hall's PostgreSQL schema (each hall of a deployment has its own)."""
    if database is None:
        return SqliteStore(data_dir / DB_NAME)
    if not is_postgresql(database):
        raise ValueError(f"database {database!r}: give a postgresql:// URL, or none for SQLite")
    try:
        from .postgres import PostgresStore
    except ImportError as error:
        raise RuntimeError(f"PostgreSQL needs psycopg ({error}): pip install 'antrian[postgresql]'") from error
    return PostgresStore(database, schema)


def hall_schema(hall_id: str) -> str:
    """A hall's PostgreSQL schema in a deployment of many halls."""
    return f"hall_{hall_id.replace('-', '_')}"


def hall_store(database: str | None, data_dir: Path, hall_id: str | None) -> Store:
    """The store of one hall: a deployment's only hall (None: DATA_DIR, schema `antrian`), or
    hall HALL_ID of many (DATA_DIR/HALL_ID, schema `hall_<id>`)."""
    if hall_id is None:
        return store_for(database, data_dir)
    return store_for(database, data_dir / hall_id, schema=hall_schema(hall_id))


__all__ = [
    "DB_NAME",
    "Change",
    "DeskDay",
    "Entry",
    "Event",
    "JournalMoved",
    "Reply",
    "SchemaTooNewError",
    "SqliteStore",
    "StaffSecret",
    "Store",
    "SurveyResponse",
    "Visit",
    "VisitCount",
    "hall_schema",
    "hall_store",
    "is_postgresql",
    "store_for",
]
