"""Durable state. `Store` is the narrow interface; `SqliteStore` the one implementation."""

from .interface import Change, DeskDay, Event, Reply, StaffSecret, Store, SurveyResponse, Visit, VisitCount
from .sqlite import SchemaTooNewError, SqliteStore

__all__ = [
    "Change",
    "DeskDay",
    "Event",
    "Reply",
    "SchemaTooNewError",
    "SqliteStore",
    "StaffSecret",
    "Store",
    "SurveyResponse",
    "Visit",
    "VisitCount",
]
