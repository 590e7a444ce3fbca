"""What screens report about themselves, so a silent or dark TV does not go unnoticed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class ScreenReport:
    connections: int = 0
    last_seen: float | None = None  # wall-clock seconds
    audio: str = "unknown"  # ok | blocked | off | unknown
    user_agent: str = ""
    detail: dict = field(default_factory=dict)


class ScreenHealth:
    def __init__(self, clock=time.time):
        self.clock = clock
        self.reports: dict[str, ScreenReport] = {}

    def _report(self, screen_id: str) -> ScreenReport:
        return self.reports.setdefault(screen_id, ScreenReport())

    def connected(self, screen_id: str) -> None:
        report = self._report(screen_id)
        report.connections += 1
        report.last_seen = self.clock()

    def disconnected(self, screen_id: str) -> None:
        report = self._report(screen_id)
        report.connections = max(0, report.connections - 1)
        report.last_seen = self.clock()

    def seen(self, screen_id: str) -> None:
        self._report(screen_id).last_seen = self.clock()

    def report(self, screen_id: str, message: dict) -> None:
        report = self._report(screen_id)
        report.last_seen = self.clock()
        audio = message.get("audio")
        if audio in ("ok", "blocked", "off"):
            report.audio = audio
        agent = message.get("user_agent")
        if isinstance(agent, str):
            report.user_agent = agent[:200]

    def view(self, screen_ids: list[str]) -> list[dict]:
        rows = []
        for screen_id in screen_ids:
            report = self.reports.get(screen_id, ScreenReport())
            rows.append(
                {
                    "id": screen_id,
                    "online": report.connections > 0,
                    "connections": report.connections,
                    "audio": report.audio,
                    "last_seen": report.last_seen,
                    "user_agent": report.user_agent,
                }
            )
        return rows
