"""Durable state. `Store` is the narrow interface; `SqliteStore` the one implementation."""

from .interface import Event, Reply, Store
from .sqlite import SchemaTooNewError, SqliteStore

__all__ = ["Event", "Reply", "SchemaTooNewError", "SqliteStore", "Store"]
