"""The hall in-process (real SQLite, real hub): what each audience is sent."""

from __future__ import annotations

import json

from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import Hall
from display_server.hub import Hub
from display_server.store import SqliteStore
from tests.support.hall_config import test_config_text


async def test_each_visitors_phone_hears_only_of_its_own_ticket(tmp_path):
    config = parse_config(test_config_text())
    store = SqliteStore(tmp_path / "antrian.sqlite3")
    await store.open()
    hub = Hub()
    hall = Hall(config, store, hub, TextAnnouncer(config.voice))
    await hall.start()
    try:
        first = (await hall.issue("ktp", request_id="k1"))["ticket"]
        await hall.issue("ktp", request_id="k2")
        phone = hub.subscribe([f"ticket:{first['token']}"], kind="ticket", key=first["number"])
        await hall.command("loket-1", "call_next", "c1")
        await hall.command("loket-1", "call_next", "c2")  # serves A-001, calls A-002
        messages = []
        while not phone.queue.empty():
            messages.append(json.loads(phone.queue.get_nowait()))
    finally:
        await store.close()
    tickets = [m["ticket"] for m in messages if m["type"] == "ticket"]
    assert [(t["number"], t["status"]) for t in tickets] == [("A-001", "called"), ("A-001", "served")]
