"""The people on the hall's roster: checking and setting their PINs and passwords.

The roster (id, name, role, agencies) is in the config file; secrets never are. Each
person's PIN (officers) or password (admins, supervisors) is stored as an argon2id hash
(argon2-cffi), set or reset by an admin (`antrian staff set-pin`, the staff page) and
changed by its owner. After `max_wrong_pins` wrong tries in a row the account is locked
for `lockout_minutes`, even for the right PIN; the count and the lock are stored, so a
restart does not reset them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .command_error import CommandError
from .config import Config
from .config.model import StaffMember
from .store import StaffSecret, Store

Clock = Callable[[], datetime]
_PIN = re.compile(r"^[0-9]{4,12}$")
PASSWORD_LENGTH = (8, 128)


def secret_problem(member: StaffMember, secret: str) -> str | None:
    """Why SECRET will not do for MEMBER, or None: officers have a PIN of 4-12 digits,
    admins and supervisors (who sign in to the admin pages) a password of 8-128 characters."""
    if member.role == "officer":
        return None if _PIN.match(secret) else "an officer's PIN is 4-12 digits"
    low, high = PASSWORD_LENGTH
    return None if low <= len(secret) <= high else f"a {member.role}'s password is {low}-{high} characters"


class Credentials:
    def __init__(self, store: Store, clock: Clock, hasher: PasswordHasher | None = None):
        self.store = store
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        # One check at a time: the wrong-PIN count is read and written without a race,
        # and guessing is slowed to one argon2 hash at a time.
        self._lock = asyncio.Lock()

    async def verify(self, config: Config, staff_id: str, secret: str) -> StaffMember:
        """The member whose id and secret these are; else CommandError (wrong ones are counted)."""
        member = config.staff_member(staff_id)
        if member is None:
            raise CommandError("unknown_officer", f"nobody {staff_id!r} on the roster")
        async with self._lock:
            stored = await self.store.staff_secret(member.id)
            if stored is None:
                raise CommandError("no_pin_set", f"{member.id} has no PIN yet: an admin sets it")
            now = self.clock()
            if stored.locked_until is not None and stored.locked_until > now:
                raise CommandError("account_locked", f"{member.id} is locked until {stored.locked_until.isoformat()}")
            if await asyncio.to_thread(self._matches, stored.hash, secret):
                if stored.wrong_attempts or stored.locked_until:
                    await self.store.save_staff_secret(_cleared(stored))
                return member
            await self._count_wrong(config, stored, now)
        raise CommandError("wrong_pin", f"wrong PIN for {member.id}")

    async def set_secret(self, member: StaffMember, secret: str) -> None:
        """Set or reset MEMBER's secret (an admin's act, or the owner's after `verify`)."""
        if problem := secret_problem(member, secret):
            raise CommandError("weak_pin", problem)
        hashed = await asyncio.to_thread(self.hasher.hash, secret)
        async with self._lock:
            await self.store.save_staff_secret(StaffSecret(member.id, hashed, self.clock()))

    async def change_own(self, config: Config, staff_id: str, old: str, new: str) -> StaffMember:
        member = await self.verify(config, staff_id, old)
        await self.set_secret(member, new)
        return member

    async def forget(self, staff_id: str) -> None:
        async with self._lock:
            await self.store.forget_staff_secret(staff_id)

    async def unlock(self, staff_id: str) -> bool:
        async with self._lock:
            stored = await self.store.staff_secret(staff_id)
            if stored is None:
                return False
            await self.store.save_staff_secret(_cleared(stored))
            return True

    def _matches(self, hashed: str, secret: str) -> bool:
        try:
            return self.hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False

    async def _count_wrong(self, config: Config, stored: StaffSecret, now: datetime) -> None:
        rules = config.attendance
        wrong = stored.wrong_attempts + 1
        locked_until = None
        if wrong >= rules.max_wrong_pins:
            wrong, locked_until = 0, now + timedelta(minutes=rules.lockout_minutes)
        await self.store.save_staff_secret(
            StaffSecret(stored.staff_id, stored.hash, stored.set_at, wrong, locked_until)
        )


def _cleared(stored: StaffSecret) -> StaffSecret:
    return StaffSecret(stored.staff_id, stored.hash, stored.set_at)
