"""Page sessions for the admin area: the cookie holds a random session id, never a secret.

A session belongs to a `Principal`: the hall's admin (signed in with the admin token, or a
roster admin) or a supervisor of some agencies. Sessions live in memory (a restart signs
everyone out of the admin pages; counters' sign-ins are stored and survive it) and end when
they expire, when their owner signs out, when the admin token they were opened with changes,
or when their owner leaves the roster or changes role.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..config import Config

SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 1024  # the oldest session goes first when this is reached


@dataclass(frozen=True)
class Principal:
    """Who is asking, on an admin page or the admin API."""

    role: str  # "admin" or "supervisor"
    name: str
    staff_id: str | None = None  # None: the admin token (scripts, the first setup)
    agencies: tuple[str, ...] = ()  # a supervisor's; an admin sees every agency

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_see(self, agency_id: str) -> bool:
        return self.is_admin or agency_id in self.agencies

    def visible_agencies(self, config: Config) -> list[str]:
        return [a.id for a in config.agencies if self.may_see(a.id)]


TOKEN_ADMIN = Principal("admin", "Admin")


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class _Session:
    principal: Principal
    token_digest: bytes | None  # the admin token's digest, for a session opened with it
    expires: float


class PageSessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic, seconds: float = SESSION_SECONDS):
        self.clock = clock
        self.seconds = seconds
        self._sessions: dict[str, _Session] = {}

    def open(self, principal: Principal, *, admin_token: str | None = None, seconds: float | None = None) -> str:
        now = self.clock()
        self._sessions = {sid: s for sid, s in self._sessions.items() if s.expires > now}
        while len(self._sessions) >= MAX_SESSIONS:
            del self._sessions[next(iter(self._sessions))]
        session_id = secrets.token_urlsafe(32)
        digest = _digest(admin_token) if admin_token is not None else None
        self._sessions[session_id] = _Session(principal, digest, now + (seconds or self.seconds))
        return session_id

    def principal(self, session_id: str | None, config: Config) -> Principal | None:
        """Who holds SESSION_ID now, or None when it is unknown, expired or no longer valid."""
        session = self._sessions.get(session_id) if session_id else None
        if session is None or session.expires <= self.clock():
            return None
        if session.token_digest is not None:
            current = _digest(config.security.admin_token)
            return session.principal if hmac.compare_digest(session.token_digest, current) else None
        return principal_of(config, session.principal.staff_id)

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)

    def close_all_of(self, staff_id: str) -> None:
        """Sign a person out of every page (their password was reset)."""
        self._sessions = {sid: s for sid, s in self._sessions.items() if s.principal.staff_id != staff_id}


def principal_of(config: Config, staff_id: str | None) -> Principal | None:
    """The roster member as a page principal: admins and supervisors only (officers use counters)."""
    member = config.staff_member(staff_id) if staff_id else None
    if member is None or member.role == "officer":
        return None
    return Principal(member.role, member.name, member.id, tuple(member.agencies))
