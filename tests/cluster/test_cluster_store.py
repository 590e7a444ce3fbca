"""PostgreSQL as the store of many nodes: one truth, one decision at a time, every event heard.

Each test runs against a real PostgreSQL (a fresh database of the session's server); two
stores or two halls on the same database are two nodes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import psycopg
import pytest

from display_server import views
from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.contract import Topic
from display_server.hall import Hall
from display_server.hub import Hub
from display_server.store import SqliteStore
from display_server.store.postgres import PostgresStore, SchemaTooNewError
from display_server.store.schema import MIGRATIONS
from tests.support.hall_config import test_config_text
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.postgres
CONFIG = parse_config(test_config_text(counters=4))


@pytest.fixture
async def nodes(postgres_dsn: str) -> AsyncIterator[Callable[[], Awaitable[Hall]]]:
    """Start halls on one PostgreSQL database, as separate nodes would."""
    stores: list[PostgresStore] = []

    async def start() -> Hall:
        store = PostgresStore(postgres_dsn)
        await store.open()
        stores.append(store)
        hall = Hall(CONFIG, store, Hub(), TextAnnouncer(CONFIG.voice))
        await hall.start()
        return hall

    yield start
    for store in stores:
        await store.close()


async def test_every_table_exists_in_both_stores_with_the_same_columns(postgres_dsn: str, tmp_path: Path):
    sqlite_store, postgres_store = SqliteStore(tmp_path / "a.sqlite3"), PostgresStore(postgres_dsn)
    for store in (sqlite_store, postgres_store):
        await store.open()
        await store.close()
    with sqlite3.connect(tmp_path / "a.sqlite3") as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        in_sqlite = {
            (table, column) for table in tables if not table.startswith("sqlite_")
            for (_, column, *_) in db.execute(f"PRAGMA table_info({table})")
        }  # fmt: skip
    with psycopg.connect(postgres_dsn) as db:
        rows = db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'antrian' AND table_name != 'schema_version'"
        ).fetchall()
    assert set(rows) == in_sqlite


async def test_a_database_is_migrated_once_and_a_newer_schema_is_refused(postgres_dsn: str):
    for _ in range(2):  # a second node starting finds it done
        store = PostgresStore(postgres_dsn)
        await store.open()
        await store.close()
    with psycopg.connect(postgres_dsn, autocommit=True) as db:
        assert db.execute("SELECT version FROM antrian.schema_version").fetchall() == [(len(MIGRATIONS),)]
        db.execute("UPDATE antrian.schema_version SET version = version + 1")
    with pytest.raises(SchemaTooNewError, match="upgrade Antrian"):
        await PostgresStore(postgres_dsn).open()


async def test_an_acknowledged_command_is_in_postgresql_for_any_node_to_read(nodes):
    hall = await nodes()
    reply = await hall.issue("ktp", request_id="kiosk-1")
    other = await nodes()
    assert [t.number for t in await other.store.tickets_on(hall.today())] == [reply["ticket"]["number"]]
    assert await other.store.find_reply("kiosk", "kiosk-1") == reply


async def test_a_retried_request_on_another_node_returns_the_first_reply_without_acting(nodes):
    first, second = await nodes(), await nodes()
    reply = await first.issue("ktp", request_id="kiosk-1")
    assert await second.issue("ktp", request_id="kiosk-1") == reply
    assert len(await second.store.tickets_on(second.today())) == 1


async def test_a_node_catches_up_from_the_journal_before_it_decides(nodes):
    first, second = await nodes(), await nodes()  # neither follows the other: only the journal tells
    issued = [(await hall.issue("ktp"))["ticket"]["number"] for hall in (first, second, first)]
    assert issued == ["A-001", "A-002", "A-003"]
    called = await second.command("loket-1", "call_next", "c-1")
    assert called["ticket"]["number"] == "A-001"
    again = await first.command("loket-3", "call_next", "c-2")
    assert again["ticket"]["number"] == "A-002"  # never the ticket the other node called


async def test_a_counter_welcomed_on_another_node_is_shown_what_it_did_on_the_first(nodes):
    first, second = await nodes(), await nodes()  # neither follows the other: as if its news were late
    await first.issue("ktp")
    called = await first.command("loket-1", "call_next", "c-1")
    counter = CONFIG.counter("loket-1")
    assert counter is not None
    assert views.counter_snapshot(CONFIG, second.state, second.desks, counter)["counter"]["current"] is None
    await second.catch_up()  # what the door does before a counter's welcome
    welcome = views.counter_snapshot(CONFIG, second.state, second.desks, counter)
    assert welcome["counter"]["current"]["number"] == called["ticket"]["number"]


async def test_commands_of_one_hall_are_decided_one_at_a_time_across_nodes(postgres_dsn: str):
    stores = [PostgresStore(postgres_dsn), PostgresStore(postgres_dsn)]
    for store in stores:
        await store.open()
    order: list[str] = []
    holding = asyncio.Event()

    async def hold(store: PostgresStore, name: str, wait_for: asyncio.Event | None) -> None:
        if wait_for is not None:
            await wait_for.wait()
        async with store.command():
            order.append(f"{name} in")
            holding.set()
            await asyncio.sleep(0.2)
            order.append(f"{name} out")

    try:
        await asyncio.gather(hold(stores[0], "a", None), hold(stores[1], "b", holding))
    finally:
        for store in stores:
            await store.close()
    assert order == ["a in", "a out", "b in", "b out"]


async def test_twenty_nodes_issuing_at_once_never_share_a_number(nodes):
    halls = [await nodes() for _ in range(4)]
    replies = await asyncio.gather(*(halls[i % 4].issue("ktp") for i in range(20)))
    numbers = [r["ticket"]["number"] for r in replies]
    assert sorted(numbers) == [f"A-{n:03d}" for n in range(1, 21)]


async def test_another_nodes_call_reaches_this_nodes_screens_with_its_seq(nodes):
    first, second = await nodes(), await nodes()
    following = asyncio.create_task(second.follow_other_nodes())
    try:
        await first.issue("ktp")
        screen = second.hub.subscribe([Topic.zone("lantai1")], kind="screen", key="tv1")
        reply = await first.command("loket-1", "call_next", "c-1")
        message = await asyncio.wait_for(screen.queue.get(), 10)
    finally:
        following.cancel()
    assert '"type":"call"' in message and reply["ticket"]["number"] in message
    assert f'"seq":{await first.store.last_seq()}' in message
    assert second.state.current_ticket("loket-1").number == reply["ticket"]["number"]


async def test_a_command_that_fails_to_commit_is_heard_by_no_node(nodes):
    first, second = await nodes(), await nodes()
    heard: list[int | None] = []

    async def listen() -> None:
        async for seq in second.store.changes():
            heard.append(seq)

    listening = asyncio.create_task(listen())
    try:
        await until(lambda: heard == [None])  # connected: "read the journal" (nothing yet)
        await first.issue("ktp")
        first.state.tickets.clear()  # a node with a corrupt memory decides number 1 again...
        first.state.last_sequence.clear()
        with pytest.raises(psycopg.errors.UniqueViolation):
            await first.store.commit(
                *stale_issue(first), officer=None, seq=2
            )  # ...and the store refuses it: nothing is published
        await first.issue("kk")
        await until(lambda: 2 in heard)  # events are heard in commit order: the refused one would be before
    finally:
        listening.cancel()
    assert heard == [None, 1, 2]  # the refused command took no seq that anyone heard of


async def test_a_node_that_decided_while_another_nodes_commit_was_in_flight_writes_nothing_and_decides_again(
    nodes, postgres_dsn: str
):
    """A killed node's lock goes with its connection, and PostgreSQL may let it go before the
    same node's last commit (on its writer connection) is through. The next node then decides
    without that event; its write must wait for it, find its seq taken, and decide again."""
    hall = await nodes()
    await hall.issue("ktp")
    async with await psycopg.AsyncConnection.connect(postgres_dsn) as dying_node:  # its lock is already gone
        await dying_node.execute("SET search_path TO antrian")
        await dying_node.execute(
            "INSERT INTO events (seq, kind, service_date, ticket_id, counter, officer, at, data)"
            " VALUES (2, 'opened', %s, NULL, 'loket-3', NULL, %s, %s)",
            (hall.today().isoformat(), hall.clock().isoformat(), '{"desks": [], "reason": null}'),
        )
        called = asyncio.create_task(hall.command("loket-1", "call_next", "c-1"))
        await asyncio.sleep(0.5)
        assert not called.done()  # its event waits on the seq the dying node's commit holds
        await dying_node.commit()
    reply = await called
    assert reply["ticket"]["number"] == "A-001"
    assert [e.seq for e in await hall.store.events_after(0, 10)] == [1, 2, 3]
    assert hall.applied_seq == 3


async def test_nodes_carry_on_after_postgresql_restarts(nodes, postgres_server: PostgresServer):
    first, second = await nodes(), await nodes()
    following = asyncio.create_task(second.follow_other_nodes())
    try:
        await first.issue("ktp")
        postgres_server.restart()
        reply = await retried(lambda: first.issue("ktp", request_id="after-restart"))
        assert reply["ticket"]["number"] == "A-002"
        await until(lambda: second.applied_seq == 2)  # its listener reconnected and caught up
        assert second.state.waiting_count("ktp") == 2
    finally:
        following.cancel()


def stale_issue(hall: Hall) -> tuple:
    from datetime import UTC, datetime

    from display_server import engine

    decision = engine.decide_issue(
        hall.state, hall.config.service("ktp"), priority=False, now=datetime.now(UTC), token="stale",
        availability=hall.service_availability("ktp"), pending=False,
    )  # fmt: skip
    return decision, {"outcome": None}


async def until(condition: Callable[[], bool], attempts: int = 200) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never held")


async def retried(command: Callable[[], Awaitable[dict]], attempts: int = 50) -> dict:
    """What a client does while the database is away: the same request again, until answered."""
    for _ in range(attempts - 1):
        try:
            return await command()
        except psycopg.OperationalError:
            await asyncio.sleep(0.1)
    return await command()


async def test_the_halls_of_a_process_share_one_listening_connection_and_hear_only_their_own(postgres_dsn: str):
    schemas = [f"hall_{i}" for i in range(5)]
    stores = [PostgresStore(postgres_dsn, schema) for schema in schemas]
    writers = [PostgresStore(postgres_dsn, schema) for schema in schemas[:2]]  # another node, two halls
    for store in (*stores, *writers):
        await store.open()
    heard: dict[str, list[int | None]] = {schema: [] for schema in schemas}

    async def listen(store: PostgresStore) -> None:
        async for seq in store.changes():
            heard[store.schema].append(seq)

    listening = [asyncio.create_task(listen(store)) for store in stores]
    try:
        await until(lambda: all(h == [None] for h in heard.values()))
        hall = Hall(CONFIG, writers[1], Hub(), TextAnnouncer(CONFIG.voice))
        await hall.start()
        await hall.issue("ktp")
        await until(lambda: heard["hall_1"] == [None, 1])
        with psycopg.connect(postgres_dsn) as db:
            (listening_connections,) = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            ).fetchone()
    finally:
        for task in listening:
            task.cancel()
        for store in (*stores, *writers):
            await store.close()
    assert listening_connections == 1
    assert heard == {"hall_0": [None], "hall_1": [None, 1], "hall_2": [None], "hall_3": [None], "hall_4": [None]}


class Announcements(TextAnnouncer):
    """The voice's calls as a list: which node was asked to make which WAV."""

    def __init__(self) -> None:
        super().__init__(CONFIG.voice)
        self.made: list[str] = []

    def announce(self, text: str) -> None:
        self.made.append(text)


async def test_another_nodes_call_is_made_into_a_wav_only_where_a_screen_plays_it(postgres_dsn: str):
    stores = [PostgresStore(postgres_dsn), PostgresStore(postgres_dsn)]
    voices = [Announcements(), Announcements()]
    halls = []
    for store, voice in zip(stores, voices, strict=True):
        await store.open()
        halls.append(Hall(CONFIG, store, Hub(), voice))
        await halls[-1].start()
    first, second = halls
    following = asyncio.create_task(second.follow_other_nodes())
    try:
        await first.issue("ktp")
        await first.issue("ktp")
        second.hub.subscribe([Topic.zone("lantai1")], kind="screen", key="tv1-grid")  # a grid: silent
        await first.command("loket-1", "call_next", "c-1")
        await until(lambda: second.applied_seq == 3)
        second.hub.subscribe([Topic.zone("lantai1")], kind="screen", key="tv1")  # this one speaks
        await first.command("loket-1", "call_next", "c-2")
        await until(lambda: second.applied_seq == 4)
    finally:
        following.cancel()
        for store in stores:
            await store.close()
    assert len(voices[0].made) == 2  # the committing node always makes its call's WAV
    assert voices[1].made == voices[0].made[1:]  # the other, only once a speaking TV is there


async def test_a_process_of_many_halls_holds_a_few_connections_whatever_the_number_of_halls(postgres_dsn: str):
    stores = [PostgresStore(postgres_dsn, f"hall_{i}") for i in range(30)]
    for store in stores:
        await store.open()
    try:
        halls = [Hall(CONFIG, store, Hub(), TextAnnouncer(CONFIG.voice)) for store in stores]
        for hall in halls:
            await hall.start()
        await asyncio.gather(*(hall.issue("ktp") for hall in halls))
        with psycopg.connect(postgres_dsn) as db:
            (connections,) = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid != pg_backend_pid()"
            ).fetchone()
    finally:
        for store in stores:
            await store.close()
    assert [next(iter(hall.state.tickets.values())).number for hall in halls] == ["A-001"] * 30
    assert connections <= 16 + 1  # the pool and the writer, not a connection per hall
