"""Many nodes, one truth: real server processes on one PostgreSQL, alone and behind nginx.

Any node takes any client; a call committed on one node reaches the screens of every other;
a killed node's clients carry on through another; PostgreSQL restarting stops nobody for good.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.clients import CounterConnection, ScreenConnection, issue
from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres
ADMIN = {"Authorization": "Bearer admin-secret-token"}


@pytest.fixture
def three_nodes(tmp_path: Path, config_file: Path, postgres_dsn: str) -> Iterator[list[ServerProcess]]:
    nodes = [ServerProcess(config_file, tmp_path / f"node-{i}", database=postgres_dsn).start() for i in range(3)]
    yield nodes
    for node in nodes:
        node.stop()


async def test_tickets_issued_on_any_node_are_numbered_as_one(three_nodes):
    numbers = await asyncio.gather(*(issue(three_nodes[i % 3].url, "ktp") for i in range(12)))
    assert sorted(t["number"] for t in numbers) == [f"A-{n:03d}" for n in range(1, 13)]
    for node in three_nodes:  # every node answers from the same truth
        tickets = httpx.get(f"{node.url}/api/tickets", headers=ADMIN).json()["tickets"]
        assert len(tickets) == 12


async def test_a_call_on_one_node_reaches_the_screens_and_phones_of_every_node(three_nodes):
    first, second, third = three_nodes
    ticket = await issue(second.url, "ktp")
    async with (
        ScreenConnection(second.ws_url, "tv1") as on_second,
        ScreenConnection(third.ws_url, "tv1") as on_third,
        CounterConnection(first.ws_url, "loket-1") as counter,
    ):
        ack = await counter.send("call_next")
        calls = [await screen.next("call") for screen in (on_second, on_third)]
    assert {c["call"]["number"] for c in calls} == {ticket["number"]} == {ack["ticket"]["number"]}
    assert calls[0]["seq"] == calls[1]["seq"]  # one event, one seq, on every node
    assert calls[0]["call"]["id"] == calls[1]["call"]["id"]


async def test_counters_on_different_nodes_never_call_the_same_ticket(three_nodes):
    for _ in range(6):
        await issue(three_nodes[0].url, "ktp")
    async with (
        CounterConnection(three_nodes[0].ws_url, "loket-1") as on_first,
        CounterConnection(three_nodes[1].ws_url, "loket-3") as on_second,
    ):
        acks = []
        for _ in range(2):  # both press at once, twice
            acks += await asyncio.gather(on_first.send("call_next"), on_second.send("call_next"))
    numbers = [ack["ticket"]["number"] for ack in acks]
    assert len(set(numbers)) == 4


async def test_a_command_retried_on_another_node_acts_once(three_nodes):
    await issue(three_nodes[0].url, "ktp")
    await issue(three_nodes[0].url, "ktp")
    async with CounterConnection(three_nodes[0].ws_url, "loket-1") as counter:
        first = await counter.send("call_next", request_id="press-1")
    three_nodes[0].kill()  # the node that acknowledged it is gone
    async with CounterConnection(three_nodes[1].ws_url, "loket-1") as counter:
        assert await counter.send("call_next", request_id="press-1") == first
        assert counter.welcome["counter"]["current"]["number"] == first["ticket"]["number"]


@pytest.mark.nginx
async def test_after_a_node_is_killed_the_balancer_serves_commands_and_fresh_snapshots(three_nodes, nginx):
    balancer = nginx([node.port for node in three_nodes])
    await issue(balancer.url, "ktp")
    await issue(balancer.url, "ktp")
    three_nodes[0].kill()
    async with CounterConnection(balancer.ws_url, "loket-1") as counter:
        ack = await counter.send("call_next")
    for _ in range(3):  # TVs reconnecting through the balancer, whichever node they land on
        async with ScreenConnection(balancer.ws_url, "tv1") as again:
            shown = [c["number"] for c in again.snapshot["calls"]]
            if not shown:  # a node a few milliseconds behind: the call follows its snapshot
                shown = [(await again.next("call"))["call"]["number"]]
            assert shown[0] == ack["ticket"]["number"]


async def test_nodes_wait_for_postgresql_to_restart_and_carry_on(three_nodes, postgres_server: PostgresServer):
    first, second, _ = three_nodes
    await issue(first.url, "ktp")
    postgres_server.restart()
    ticket = await until_answered(lambda: issue(first.url, "ktp", request_id="after-restart"))
    assert ticket["number"] == "A-002"
    async with (
        ScreenConnection(second.ws_url, "tv1") as screen,
        CounterConnection(first.ws_url, "loket-1") as counter,
    ):
        await counter.send("call_next")
        call = await screen.next("call", timeout=15)  # second's listener is back on PostgreSQL
    assert call["call"]["number"] == "A-001"
    assert first.process.poll() is None and second.process.poll() is None  # nobody restarted


async def until_answered(request: Callable[[], Awaitable[dict]], attempts: int = 60) -> dict:
    """A kiosk's retry, with the same request id, while the database is away."""
    for _ in range(attempts - 1):
        try:
            return await request()
        except httpx.HTTPError:
            await asyncio.sleep(0.25)
    return await request()


async def test_bookers_racing_on_three_nodes_for_the_last_place_one_wins(tmp_path: Path, postgres_dsn: str):
    from tests.booking.test_booking_server import booking_config, today

    config = tmp_path / "antrian.toml"
    config.write_text(booking_config(), encoding="utf-8")
    nodes = [ServerProcess(config, tmp_path / f"node-{i}", database=postgres_dsn).start() for i in range(3)]
    try:
        body = {"service": "kk", "date": today(), "session": "00:00"}  # a session of one place
        async with httpx.AsyncClient() as client:
            replies = await asyncio.gather(
                *(client.post(f"{nodes[i % 3].url}/api/bookings", json=body) for i in range(12))
            )
    finally:
        for node in nodes:
            node.stop()
    assert sorted(r.status_code for r in replies) == [201] + [409] * 11
