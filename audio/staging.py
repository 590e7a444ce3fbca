"""Fresh call WAVs in memory, written to the cache on disk when the hall is idle.

A call's WAV is made while the server pushes that call to every screen, and the next call's
commit may come a moment later. Written to disk then, the WAV's blocks and journal entry went
out with that commit's fsync and slowed a counter's ack (docs/performance.md, issue 19). So a
call's WAV is made in a folder in memory (`/dev/shm`), served from there, and copied to the
cache, synced, whole or absent, only while no call is being made. A WAV lost with the memory
(a power cut, a killed server) is only a cache entry: it is made again on demand.

Not thread-safe: the engine (speech.py) holds its lock around every method but `persist`'s copy.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import sound

log = logging.getLogger("antrian.audio")

MEMORY = Path("/dev/shm")
PREFIX = "antrian-voice-"
# Past this many bytes in memory (~90 WAVs: a hall that never pauses), the oldest is written
# to disk at once.
MAX_BYTES = 32 * 1024 * 1024
# A staged WAV stays this long after its copy is on disk: a screen given its path a moment
# before may not have opened it yet.
KEEP_AFTER_PERSIST = 60.0


@dataclass
class _Staged:
    size: int
    on_disk_since: float | None = None


class Staging:
    def __init__(self, folder: Path, cache_dir: Path):
        self.folder = folder
        self.cache_dir = cache_dir
        self._staged: OrderedDict[str, _Staged] = OrderedDict()  # oldest first

    @classmethod
    def in_memory(cls, cache_dir: Path, memory: Path = MEMORY) -> Staging | None:
        """A staging folder of this process in MEMORY, or None where there is none (not
        Linux): then calls write their WAVs to the cache directly."""
        if not (memory.is_dir() and os.access(memory, os.W_OK)):
            return None
        remove_abandoned(memory)
        try:
            folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=memory))
        except OSError as exc:
            log.warning("no staging folder in %s (%s); call WAVs go straight to disk", memory, exc)
            return None
        return cls(folder, cache_dir)

    def path(self, key: str) -> Path:
        """Where the worker writes KEY's WAV."""
        return self.folder / f"{key}.wav"

    def _on_disk(self, key: str) -> Path:
        return self.cache_dir / f"{key}.wav"

    def add(self, key: str) -> None:
        """KEY's WAV is complete at `path(key)`."""
        try:
            size = self.path(key).stat().st_size
        except OSError:
            return
        self._staged[key] = _Staged(size)
        self._staged.move_to_end(key)

    def located(self, key: str) -> Path | None:
        """Where KEY's WAV is to be read from: in memory until its copy is on disk."""
        staged = self._staged.get(key)
        if staged is None:
            return None
        return self.path(key) if staged.on_disk_since is None else self._on_disk(key)

    def waiting(self) -> str | None:
        """The oldest WAV still to be written to disk."""
        return next((key for key, s in self._staged.items() if s.on_disk_since is None), None)

    def over_limit(self) -> bool:
        return sum(s.size for s in self._staged.values() if s.on_disk_since is None) > MAX_BYTES

    def persist(self, key: str) -> bool:
        """Copy KEY's WAV to the cache, synced, under its name only once whole. Unlocked: only
        the engine's thread moves staged files."""
        try:
            with open(self.path(key), "rb") as source:
                sound.write_synced(self._on_disk(key), lambda target: shutil.copyfileobj(source, target))
            return True
        except OSError as exc:
            log.warning("could not write %s to the audio cache (%s); it is made again when asked for", key, exc)
            return False

    def persisted(self, key: str, ok: bool, now: float | None = None) -> None:
        """Record `persist(key)`'s outcome (not OK: the WAV is dropped, to be made again when
        asked for); forget WAVs whose copy has been on disk long enough."""
        now = time.monotonic() if now is None else now
        if not ok:
            self.forget(key)
        elif (staged := self._staged.get(key)) is not None:
            staged.on_disk_since = now
        for old, s in list(self._staged.items()):
            if s.on_disk_since is not None and now - s.on_disk_since > KEEP_AFTER_PERSIST:
                del self._staged[old]
                self.path(old).unlink(missing_ok=True)

    def forget(self, key: str) -> None:
        if self._staged.pop(key, None) is not None:
            self.path(key).unlink(missing_ok=True)

    def close(self) -> None:
        """Write what is not on disk yet, then remove the folder."""
        while (key := self.waiting()) is not None:
            self.persisted(key, self.persist(key))
        self._staged.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_abandoned(memory: Path) -> None:
    """Staging folders of processes that are gone (killed before they could clean up)."""
    for folder in memory.glob(f"{PREFIX}*"):
        pid = folder.name.removeprefix(PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
