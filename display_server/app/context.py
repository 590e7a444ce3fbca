"""What every door may use, typed: the hall's commands, its read side, and the doors' own helpers.

ctx = context(request)          # or context(websocket)
await ctx.hall.command(...)     # act
ctx.reader.screen_snapshot(...) # read
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import HTTPConnection

from ..config import Config
from ..hall import Hall
from ..print_desk import PrintDesk
from ..reader import Reader
from .health import ScreenHealth
from .security import RateLimiter
from .sessions import PageSessions

SURVEY_ANSWERS_PER_MINUTE = 20  # per address: a hall's Wi-Fi may put many phones behind one


@dataclass
class Context:
    hall: Hall
    reader: Reader
    print_desk: PrintDesk
    issue_limiter: RateLimiter
    survey_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(SURVEY_ANSWERS_PER_MINUTE))
    booking_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(5))
    screen_health: ScreenHealth = field(default_factory=ScreenHealth)
    page_sessions: PageSessions = field(default_factory=PageSessions)
    config_path: Path | None = None
    config_problems: list[str] = field(default_factory=list)  # the last rejected edit's problems

    @property
    def config(self) -> Config:
        return self.reader.config

    @property
    def config_dir(self) -> Path:
        """Where relative paths in the config (logo, media) are resolved."""
        return self.config_path.resolve().parent if self.config_path else Path.cwd()


def context(connection: HTTPConnection) -> Context:
    return connection.app.state.context
