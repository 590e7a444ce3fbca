"""A hall in-process (real SQLite, real hub, real argon2) with the test roster and its PINs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import Hall
from display_server.hub import Hub, Subscriber
from display_server.store import Store
from tests.support.hall_config import test_config_text
from tests.support.staff import ROSTER, SECRETS


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 in the hall (Asia/Makassar)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class People:
    """The hall and what the tests look at: its store, hub and clock."""

    def __init__(self, hall: Hall, store: Store, hub: Hub, clock: Clock):
        self.hall, self.store, self.hub, self.clock = hall, store, hub, clock

    async def sign_in(self, counter: str, officer: str, pin: str | None = None, request_id: str | None = None) -> dict:
        pin = SECRETS[officer] if pin is None else pin
        return await self.hall.command(
            counter, "sign_in", request_id or f"in-{counter}-{officer}", officer=officer, pin=pin
        )

    async def reopen(self) -> Hall:
        """A new hall on the same database: what a restart sees."""
        hall = Hall(self.hall.config, self.store, Hub(), TextAnnouncer(self.hall.config.voice), self.clock)
        await hall.start()
        return hall


def drain(subscriber: Subscriber) -> list[dict]:
    messages = []
    while not subscriber.queue.empty():
        messages.append(json.loads(subscriber.queue.get_nowait()))
    return messages


async def open_people(store_factory: Callable[[], Store], extra: str = "") -> People:
    config = parse_config(test_config_text(extra=ROSTER + extra))
    store = store_factory()
    await store.open()
    clock = Clock()
    hub = Hub()
    hall = Hall(config, store, hub, TextAnnouncer(config.voice), clock)
    await hall.start()
    for member in config.staff:
        await hall.set_staff_secret(member.id, SECRETS[member.id])
    return People(hall, store, hub, clock)


@pytest.fixture
async def people(store_factory) -> AsyncIterator[People]:
    opened = await open_people(store_factory)
    try:
        yield opened
    finally:
        await opened.store.close()
