"""`antrian staff ...`: the roster's PINs and passwords, set by the hall's admin at the server.

    antrian staff list --config antrian.toml
    antrian staff set-pin budi --config antrian.toml        # asks twice, hidden
    echo 482913 | antrian staff set-pin budi --config ...    # or one line on stdin
    antrian staff unlock budi --config antrian.toml

The roster itself (id, name, role, agencies) is the config file's `[[staff]]`; only the
argon2 hashes are stored, in the data folder's database. Safe while the server runs.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import click

from .command_error import CommandError
from .config import Config
from .contract import error_text
from .ops import data_dir_option, database_option, hall_option
from .staff import Credentials
from .store import hall_store

T = TypeVar("T")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file with the [[staff]] roster (default: the bundled demo).",
)


def _config(path: Path | None) -> Config:
    from .cli import load_or_exit  # the one way every command reports a bad config

    return load_or_exit(path)


def _with_credentials(
    data_dir: Path, database: str | None, hall: str | None, work: Callable[[Credentials], Awaitable[T]]
) -> T:
    async def run() -> T:
        os.umask(0o077)
        store = hall_store(database, data_dir, hall)
        await store.open()
        try:
            return await work(Credentials(store, lambda: datetime.now(UTC)))
        finally:
            await store.close()

    return asyncio.run(run())


def _member(config: Config, staff_id: str):
    member = config.staff_member(staff_id)
    if member is None:
        known = ", ".join(m.id for m in config.staff) or "none: add [[staff]] to the config"
        raise click.ClickException(f"nobody {staff_id!r} on the roster (roster: {known})")
    return member


@click.group()
def staff() -> None:
    """The roster's PINs and passwords (the roster itself is the config's [[staff]])."""


@staff.command("list")
@config_option
@data_dir_option
@database_option
@hall_option
def list_staff(config_path: Path | None, data_dir: Path, database: str | None, hall: str | None) -> None:
    """The roster, and whose PIN is set or locked."""
    config = _config(config_path)

    async def secrets(credentials: Credentials):
        return {s.staff_id: s for s in await credentials.store.staff_secrets()}

    stored = _with_credentials(data_dir, database, hall, secrets)
    now = datetime.now(UTC)
    for member in config.staff:
        secret = stored.get(member.id)
        state = "PIN set" if secret else "no PIN yet"
        if secret and secret.locked_until and secret.locked_until > now:
            state += f", locked until {secret.locked_until.astimezone(config.site.zone_info):%H:%M}"
        agencies = ",".join(member.agencies) or "-"
        click.echo(f"{member.id}\t{member.role}\t{agencies}\t{member.name}\t{state}")


@staff.command("set-pin")
@click.argument("staff_id")
@config_option
@data_dir_option
@database_option
@hall_option
def set_pin(staff_id: str, config_path: Path | None, data_dir: Path, database: str | None, hall: str | None) -> None:
    """Set or reset STAFF_ID's PIN (officers: 4-12 digits) or password (8+ characters).

    Asked twice, hidden; or given as one line on stdin. Never as an argument: it would
    be in the shell's history and the process list.
    """
    member = _member(_config(config_path), staff_id)
    if sys.stdin.isatty():
        secret = click.prompt(f"New PIN for {member.name}", hide_input=True, confirmation_prompt=True)
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    try:
        _with_credentials(data_dir, database, hall, lambda credentials: credentials.set_secret(member, secret))
    except CommandError as exc:
        raise click.ClickException(f"{error_text(exc.code)} ({exc.message})") from exc
    click.echo(f"PIN set for {member.id} ({member.name})")


@staff.command()
@click.argument("staff_id")
@config_option
@data_dir_option
@database_option
@hall_option
def unlock(staff_id: str, config_path: Path | None, data_dir: Path, database: str | None, hall: str | None) -> None:
    """Lift STAFF_ID's lock after too many wrong PINs."""
    member = _member(_config(config_path), staff_id)
    if not _with_credentials(data_dir, database, hall, lambda credentials: credentials.unlock(member.id)):
        raise click.ClickException(f"{member.id} has no PIN yet")
    click.echo(f"unlocked {member.id}")


@staff.command("remove-pin")
@click.argument("staff_id")
@config_option
@data_dir_option
@database_option
@hall_option
def remove_pin(staff_id: str, config_path: Path | None, data_dir: Path, database: str | None, hall: str | None) -> None:
    """Remove STAFF_ID's PIN: they cannot sign in until a new one is set."""
    member = _member(_config(config_path), staff_id)
    _with_credentials(data_dir, database, hall, lambda credentials: credentials.forget(member.id))
    click.echo(f"removed the PIN of {member.id}")
