"""Live config: the file is re-read when it changes; valid edits take effect, invalid ones don't.

Polling the modification time (every half second) needs no extra dependency and works
on every file system, including network shares an admin may edit from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from ..config import ConfigError, load_config
from ..hall import Hall
from ..reader import Reader

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class ConfigWatcher:
    def __init__(
        self,
        path: Path,
        hall: Hall,
        reader: Reader,
        problems: list[str],
        after_reload: Callable[[], Awaitable[None]] | None = None,
    ):
        self.path = path
        self.hall = hall
        self.reader = reader
        self.problems = problems  # shared with the admin status view
        self.after_reload = after_reload  # e.g. load the printer library for a kiosk that now prints
        self._stamp = self._read_stamp()

    def _read_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            if self.check() and self.after_reload is not None:
                await self.after_reload()

    def check(self) -> bool:
        """Reload when the file changed; True when a new config was put in force."""
        stamp = self._read_stamp()
        if stamp == self._stamp or stamp is None:
            return False
        self._stamp = stamp
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            self.problems[:] = exc.problems
            for problem in exc.problems:
                log.error("config edit rejected, the previous config stays in force: %s", problem)
            return False
        self.problems.clear()
        self.hall.reload(config)
        self.reader.refresh_screens()
        log.info("config reloaded from %s", self.path)
        return True
