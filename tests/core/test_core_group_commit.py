"""Group commit: commands that arrive together are decided in turn and written at once.

Each command still sees the ones before it, gets its own reply, and is acknowledged only
once it is on disk; nobody (memory, screens, counters) sees a decision before its commit,
and a batch that is not written leaves nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from display_server.announce import TextAnnouncer
from display_server.command_error import CommandError
from display_server.config import parse_config
from display_server.contract import Topic
from display_server.hall import Hall
from display_server.hub import Hub
from tests.support.hall_config import test_config_text


@contextlib.asynccontextmanager
async def open_hall(store):
    config = parse_config(test_config_text())
    await store.open()
    hub = Hub()
    hall = Hall(config, store, hub, TextAnnouncer(config.voice))
    await hall.start()
    try:
        yield hall
    finally:
        await store.close()


def batches_of(store) -> list[int]:
    """Record the size of each transaction the store writes."""
    sizes: list[int] = []
    commit_all = store.commit_all

    async def counted(entries):
        sizes.append(len(entries))
        await commit_all(entries)

    store.commit_all = counted
    return sizes


async def test_commands_that_arrive_together_are_written_in_one_transaction_each_seeing_the_one_before(
    store_factory,
):
    store = store_factory()
    async with open_hall(store) as hall:
        await hall.issue("ktp", request_id="k0")
        sizes = batches_of(store)
        issued = await asyncio.gather(*(hall.issue("ktp", request_id=f"k{i}") for i in range(1, 6)))
        called = await asyncio.gather(*(hall.command(f"loket-{i}", "call_next", f"c{i}") for i in (1, 3)))
        seqs = [e.seq for e in await store.events_after(0, 100)]
    assert sizes == [5, 2]  # all five were waiting when the batch began, then both calls
    assert [r["ticket"]["number"] for r in issued] == ["A-002", "A-003", "A-004", "A-005", "A-006"]
    assert sorted(r["ticket"]["number"] for r in called) == ["A-001", "A-002"]  # never the same ticket twice
    assert seqs == list(range(1, 9))


async def test_a_request_sent_again_while_the_first_waits_acts_once_and_both_get_its_reply(store_factory):
    store = store_factory()
    async with open_hall(store) as hall:
        await hall.issue("ktp", request_id="k1")
        await hall.issue("ktp", request_id="k2")
        first, again = await asyncio.gather(
            hall.command("loket-1", "call_next", "c1"), hall.command("loket-1", "call_next", "c1")
        )
        later = await hall.command("loket-1", "call_next", "c1")
        calls = await store.events_on(hall.today(), ("called",), 10)
    assert first == again == later
    assert len(calls) == 1


async def test_a_refused_command_in_a_batch_does_not_hold_back_the_others(store_factory):
    store = store_factory()
    async with open_hall(store) as hall:
        await hall.issue("ktp", request_id="k1")
        first, empty = await asyncio.gather(
            hall.command("loket-1", "call_next", "c1"),
            hall.command("loket-3", "call_next", "c2"),
            return_exceptions=True,
        )
    assert first["ticket"]["number"] == "A-001"
    assert isinstance(empty, CommandError) and empty.code == "queue_empty"


async def test_nothing_of_a_batch_is_seen_before_it_is_on_disk(store_factory):
    """Memory, the screens and the counter hear of a call only once its transaction is written."""
    store = store_factory()
    async with open_hall(store) as hall:
        await hall.issue("ktp", request_id="k1")
        screen = hall.hub.subscribe([Topic.zone("lantai1")], kind="screen", key="tv1")
        writing, go_on = asyncio.Event(), asyncio.Event()
        commit_all = store.commit_all

        async def slow_disk(entries):
            writing.set()
            await go_on.wait()
            await commit_all(entries)

        store.commit_all = slow_disk
        acks: list[dict] = []
        command = asyncio.create_task(hall.command("loket-1", "call_next", "c1", acknowledge=acks.append))
        await writing.wait()
        seen_while_writing = (
            hall.state.waiting_count("ktp"),
            dict(hall.recent_calls),
            list(acks),
            screen.queue.qsize(),
        )
        go_on.set()
        reply = await command
        published = [json.loads(screen.queue.get_nowait()) for _ in range(screen.queue.qsize())]
    assert seen_while_writing == (1, {}, [], 0)
    assert acks == [reply]
    assert [m["call"]["number"] for m in published if m["type"] == "call"] == ["A-001"]
    assert hall.state.waiting_count("ktp") == 0


async def test_a_batch_that_fails_to_commit_changes_nothing_and_its_commands_are_tried_alone(store_factory):
    store = store_factory()
    async with open_hall(store) as hall:
        for i in range(1, 3):
            await hall.issue("ktp", request_id=f"k{i}")
        commit_all, sizes = store.commit_all, []

        async def refuses_a_batch(entries):
            sizes.append(len(entries))
            if len(entries) > 1:
                raise OSError("disk full")
            await commit_all(entries)

        store.commit_all = refuses_a_batch
        replies = await asyncio.gather(
            hall.command("loket-1", "call_next", "c1"),
            hall.command("loket-3", "call_next", "c3"),
            hall.issue("ktp", request_id="k3"),
        )
        calls = await store.events_on(hall.today(), ("called",), 10)
    assert sizes == [3, 1, 1, 1]  # the batch of three failed; then each went alone
    assert [r["ticket"]["number"] for r in replies] == ["A-001", "A-002", "A-003"]
    assert len(calls) == 2


@pytest.mark.parametrize("error", [OSError("disk full")])
async def test_a_lone_command_whose_commit_fails_gets_the_error_and_nothing_changes(store_factory, error):
    store = store_factory()
    async with open_hall(store) as hall:
        await hall.issue("ktp", request_id="k1")
        commit_all = store.commit_all

        async def broken_disk(entries):
            raise error

        store.commit_all = broken_disk
        with pytest.raises(OSError):
            await hall.command("loket-1", "call_next", "c1")
        store.commit_all = commit_all
        assert hall.state.waiting_count("ktp") == 1
        again = await hall.command("loket-1", "call_next", "c1")
    assert again["ticket"]["number"] == "A-001"
