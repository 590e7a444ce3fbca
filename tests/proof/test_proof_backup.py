"""`antrian backup` while the server takes writes: the copy opens, passes integrity_check, loses nothing committed."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.clients import issue

BACKUPS = 5


def run_backup(target: Path, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "display_server", "backup", str(target), "--data", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def ticket_ids(path: Path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return {row[0] for row in db.execute("SELECT id FROM tickets")}


async def test_backup_while_the_server_takes_writes(server, tmp_path: Path) -> None:
    stop = asyncio.Event()
    issued: list[str] = []

    async def kiosk() -> None:
        for i in range(100_000):  # bounded; stopped by the event long before
            if stop.is_set():
                return
            issued.append((await issue(server.url, "kk", request_id=f"backup-{i}"))["id"])

    writer = asyncio.create_task(kiosk())
    copies = []
    for n in range(BACKUPS):
        await asyncio.sleep(0.3)
        before = set(issued)  # acknowledged before the backup started: must be in the copy
        target = tmp_path / "backups" / f"antrian-{n}.sqlite3"
        result = await asyncio.to_thread(run_backup, target, server.data_dir)
        assert result.returncode == 0, result.stderr
        assert "integrity ok" in result.stdout
        copies.append((before, target))
    stop.set()
    await writer
    final = set(issued)
    for before, target in copies:
        in_copy = ticket_ids(target)
        assert before <= in_copy <= final
    assert len(ticket_ids(copies[-1][1])) > 0


def test_backup_without_a_database_fails_clearly(tmp_path: Path) -> None:
    result = run_backup(tmp_path / "copy.sqlite3", tmp_path / "nothing-here")
    assert result.returncode != 0 and "no database" in result.stderr


def test_a_backup_is_readable_by_its_owner_only(server, tmp_path: Path) -> None:
    target = tmp_path / "backups" / "antrian.sqlite3"
    assert run_backup(target, server.data_dir).returncode == 0
    assert target.stat().st_mode & 0o777 == 0o600
