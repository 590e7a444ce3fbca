"""Operator commands: `antrian backup FILE [--data DIR]`.

The backup uses SQLite's online backup API on a second connection to the server's file,
so it is safe while the server runs and takes writes: the copy is one consistent
snapshot (every committed command, nothing half-written). It is written beside FILE,
checked with `PRAGMA integrity_check`, and only then renamed onto FILE.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from .store import DB_NAME

BUSY_TIMEOUT_MS = 10_000
PAGES_PER_STEP = 256  # copy in steps so the server's writers are never held off for long


def backup_database(source: Path, target: Path) -> int:
    """Copy `source` to `target` consistently; return the number of tickets in the copy."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            check_copy(dst)
            (tickets,) = dst.execute("SELECT COUNT(*) FROM tickets").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    _fsync(partial)
    os.replace(partial, target)
    return tickets


def check_copy(db: sqlite3.Connection) -> None:
    (result,) = db.execute("PRAGMA integrity_check").fetchone()
    if result != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {result}")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


# The server's data folder, as `antrian serve` and `antrian backup` both take it.
data_dir_option = click.option(
    "--data",
    "data_dir",
    default="antrian-data",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the database and the audio cache.",
)

# Where the hall's records are: SQLite in the data folder (the default), or PostgreSQL for
# many halls and many nodes (docs/scaling.md). Not a config key: it is one setting for the
# whole deployment, and its password does not belong in the file the hall's admin edits.
database_option = click.option(
    "--database",
    envvar="ANTRIAN_DATABASE",
    default=None,
    metavar="URL",
    help="A postgresql:// URL (also $ANTRIAN_DATABASE); default: SQLite in the data folder.",
)

# One hall of a deployment of many (`serve --config-dir`): its data is DATA/HALL, or the
# PostgreSQL schema hall_HALL.
hall_option = click.option("--hall", help="One hall of a deployment of many: its id (its file's name).")


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@data_dir_option
def backup(file: Path, data_dir: Path) -> None:
    """Copy the database to FILE, safely, even while the server runs."""
    os.umask(0o077)  # the copy holds every ticket token: readable by its owner only
    source = data_dir / DB_NAME
    if not source.is_file():
        raise click.ClickException(f"no database at {source}")
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        tickets = backup_database(source, file)
    except sqlite3.Error as exc:
        raise click.ClickException(f"backup failed: {exc}") from exc
    click.echo(f"backed up {source} to {file} ({tickets} tickets, integrity ok)")


if __name__ == "__main__":
    sys.exit(backup())
