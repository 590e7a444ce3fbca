"""Admin sessions: the admin cookie holds a random session id, never the admin token itself.

Sessions live in memory (a restart signs the admin out) and end when they expire, when the
admin signs out, or when the config's admin token changes (each session remembers a digest
of the token it was opened with).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 256  # admins are few; the oldest session goes first when this is reached


def _digest(admin_token: str) -> bytes:
    return hashlib.sha256(admin_token.encode()).digest()


@dataclass(frozen=True)
class _Session:
    token_digest: bytes
    expires: float


class AdminSessions:
    def __init__(self, clock: Callable[[], float] = time.monotonic, seconds: float = SESSION_SECONDS):
        self.clock = clock
        self.seconds = seconds
        self._sessions: dict[str, _Session] = {}

    def open(self, admin_token: str) -> str:
        now = self.clock()
        self._sessions = {sid: s for sid, s in self._sessions.items() if s.expires > now}
        while len(self._sessions) >= MAX_SESSIONS:
            del self._sessions[next(iter(self._sessions))]
        session_id = secrets.token_urlsafe(32)
        self._sessions[session_id] = _Session(_digest(admin_token), now + self.seconds)
        return session_id

    def valid(self, session_id: str | None, admin_token: str) -> bool:
        session = self._sessions.get(session_id) if session_id else None
        if session is None or session.expires <= self.clock():
            return False
        return hmac.compare_digest(session.token_digest, _digest(admin_token))

    def close(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)
