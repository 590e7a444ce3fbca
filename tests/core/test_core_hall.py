"""The hall in-process (real SQLite, real hub): what each audience is sent."""

from __future__ import annotations

import asyncio
import contextlib
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


async def test_a_counter_that_hangs_up_mid_call_does_not_leave_its_ticket_to_be_called_again(store_factory):
    """A counter's socket may close while its command is being written (a network blip, a
    timeout): the command still runs to its end, so the next call takes the next ticket."""
    config = parse_config(test_config_text())
    store = store_factory()
    await store.open()
    written, go_on = asyncio.Event(), asyncio.Event()
    commit = store.commit_all

    async def commit_then_hang(*args, **kwargs):
        await commit(*args, **kwargs)
        written.set()
        await go_on.wait()  # the call is on disk; the counter hangs up here

    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice))
    await hall.start()
    try:
        await hall.issue("ktp", request_id="k1")
        await hall.issue("ktp", request_id="k2")
        store.commit_all = commit_then_hang  # type: ignore[method-assign]
        hung_up = asyncio.create_task(hall.command("loket-1", "call_next", "c1"))
        await written.wait()
        hung_up.cancel()
        store.commit_all = commit  # type: ignore[method-assign]
        go_on.set()
        with contextlib.suppress(asyncio.CancelledError):
            await hung_up
        second = await hall.command("loket-3", "call_next", "c2")
        again = await hall.command("loket-1", "call_next", "c1")  # the counter retries its request
        calls = await store.events_on(hall.today(), ("called",), 10)
    finally:
        await store.close()
    assert second["ticket"]["number"] == "A-002"
    assert again["ticket"]["number"] == "A-001"  # its first call's reply, not a second call
    assert sorted((e.ticket_id, e.counter) for e in calls) == sorted(
        [(again["ticket"]["id"], "loket-1"), (second["ticket"]["id"], "loket-3")]
    )


async def test_a_decision_made_on_memory_the_journal_has_moved_past_is_not_written_but_made_again(tmp_path):
    """Two halls on one journal, neither told of the other's events (as a node whose cluster
    lock was lost): each event takes the seq after the one its decision was made on, so the
    second decider finds that seq taken, catches up, and decides on what is now true."""
    config = parse_config(test_config_text())
    stores = [SqliteStore(tmp_path / "antrian.sqlite3"), SqliteStore(tmp_path / "antrian.sqlite3")]
    halls = []
    for store in stores:
        await store.open()
        halls.append(Hall(config, store, Hub(), TextAnnouncer(config.voice)))
    try:
        await halls[0].issue("ktp", request_id="k1")
        await halls[0].issue("ktp", request_id="k2")
        for hall in halls:
            await hall.start()
        first = await halls[0].command("loket-1", "call_next", "c1")
        second = await halls[1].command("loket-3", "call_next", "c2")  # its memory has not seen c1
        calls = await stores[0].events_on(halls[0].today(), ("called",), 10)
    finally:
        for store in stores:
            await store.close()
    assert (first["ticket"]["number"], second["ticket"]["number"]) == ("A-001", "A-002")
    assert [(e.seq, e.counter) for e in sorted(calls, key=lambda e: e.seq)] == [(3, "loket-1"), (4, "loket-3")]
