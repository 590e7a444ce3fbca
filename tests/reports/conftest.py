"""A day at the test hall, played through the real command path with a hand-set clock.

Hall time is WITA (UTC+8): 01:00Z is 09:00 in the hall, on Wednesday 2026-12-02.

    00:55 budi signs in at loket-1
    01:00 A-001 (ktp)  01:02 A-002 (ktp)  01:04 A-003 (ktp, priority)  01:06 B-001 (kk)
    01:08 A-004 (ktp) is printing, and its slip fails: cancelled
    01:10 loket-1 calls A-001      wait 10:00    01:15 finished    service 5:00
    01:16 loket-1 calls A-002      wait 14:00    01:17 recalled    01:20 finished  service 3:00 (from the recall)
    01:21 loket-1 calls A-003      wait 17:00    01:22 no-show
    01:23 loket-1 calls B-001      wait 17:00    01:25 transferred to jkn
    01:26 loket-1 pauses (Istirahat)  01:36 opens  01:40 closes
    01:30 loket-2 calls B-001 in jkn  wait 5:00  01:40 finished    service 10:00

ktp's target wait is 15 minutes (the others keep the hall's 30).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import Hall
from display_server.hub import Hub
from display_server.store import Store
from tests.support.hall_config import test_config_text
from tests.support.staff import ROSTER, SECRETS

DAY = date(2026, 12, 2)


def hall_config_text() -> str:
    return test_config_text(extra=ROSTER).replace('prefix = "A"\n', 'prefix = "A"\ntarget_wait_minutes = 15\n', 1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 0, 55, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, hhmm: str, day: int = 2) -> None:
        hour, minute = map(int, hhmm.split(":"))
        self.now = datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@dataclass
class PlayedDay:
    hall: Hall
    store: Store
    clock: Clock


async def play_the_day(hall: Hall, clock: Clock) -> None:
    step = iter(range(1000))

    async def command(counter: str, action: str, **args: str) -> dict:
        return await hall.command(counter, action, f"r{next(step)}", **args)

    clock.at("00:55")
    await command("loket-1", "sign_in", officer="budi", pin=SECRETS["budi"])
    for hhmm, service, priority in (("01:00", "ktp", False), ("01:02", "ktp", False), ("01:04", "ktp", True),
                                    ("01:06", "kk", False)):  # fmt: skip
        clock.at(hhmm)
        await hall.issue(service, priority=priority)
    clock.at("01:08")
    pending = await hall.issue("ktp", pending=True)
    await hall.settle_pending(pending["ticket"]["id"], printed=False)
    for hhmm, counter, action, args in (
        ("01:10", "loket-1", "call", {"number": "A-001"}),
        ("01:15", "loket-1", "finish", {}),
        ("01:16", "loket-1", "call", {"number": "A-002"}),
        ("01:17", "loket-1", "recall", {}),
        ("01:20", "loket-1", "finish", {}),
        ("01:21", "loket-1", "call", {"number": "A-003"}),
        ("01:22", "loket-1", "skip", {}),
        ("01:23", "loket-1", "call", {"number": "B-001"}),
        ("01:25", "loket-1", "transfer", {"service": "jkn"}),
        ("01:26", "loket-1", "pause", {"reason": "Istirahat"}),
        ("01:30", "loket-2", "call", {"number": "B-001"}),
        ("01:36", "loket-1", "open", {}),
        ("01:40", "loket-1", "close", {}),
        ("01:40", "loket-2", "finish", {}),
    ):
        clock.at(hhmm)
        await command(counter, action, **args)


@pytest.fixture
async def played(store_factory) -> AsyncIterator[PlayedDay]:
    config = parse_config(hall_config_text())
    store = store_factory()
    await store.open()
    clock = Clock()
    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice), clock)
    await hall.start()
    await hall.set_staff_secret("budi", SECRETS["budi"])
    await play_the_day(hall, clock)
    try:
        yield PlayedDay(hall, store, clock)
    finally:
        await store.close()
