"""The cluster tests' own ground: a throwaway PostgreSQL and nginx in front of real nodes.

Nothing here is Antrian's cluster yet; these tests prove the fixtures the cluster proofs stand on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import websockets

from tests.support.clients import CounterConnection, ScreenConnection, issue
from tests.support.postgres import PostgresServer
from tests.support.server import ServerProcess

ADMIN = {"Authorization": "Bearer admin-secret-token"}


def count_tickets(base_url: str) -> int:
    response = httpx.get(f"{base_url}/api/tickets", headers=ADMIN)
    response.raise_for_status()
    return len(response.json()["tickets"])


@pytest.fixture
def two_nodes(tmp_path: Path, config_file: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two servers, each on its own SQLite folder, so an answer tells which one gave it."""
    nodes = (
        ServerProcess(config_file, tmp_path / "node-a").start(),
        ServerProcess(config_file, tmp_path / "node-b").start(),
    )
    yield nodes
    for node in nodes:
        node.stop()


# --- PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_fresh_database_answers_and_is_empty(postgres_dsn):
    with psycopg.connect(postgres_dsn) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        tables = connection.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)


@pytest.mark.postgres
def test_the_server_is_set_up_for_durability_proofs_and_many_nodes(postgres_dsn):
    with psycopg.connect(postgres_dsn) as connection:
        settings = {name: connection.execute(f"SHOW {name}").fetchone()[0] for name in ("fsync", "max_connections")}
    assert settings == {"fsync": "on", "max_connections": "600"}


@pytest.mark.postgres
def test_two_fresh_databases_are_separate(postgres_server: PostgresServer):
    first, second = postgres_server.create_database(), postgres_server.create_database()
    assert first != second
    with psycopg.connect(first) as connection:
        connection.execute("CREATE TABLE only_here (n int)")
    with psycopg.connect(second) as connection:
        assert connection.execute("SELECT to_regclass('only_here')").fetchone() == (None,)


@pytest.mark.postgres
def test_committed_rows_survive_a_restart_and_old_connections_must_reconnect(postgres_server, postgres_dsn):
    before = psycopg.connect(postgres_dsn, autocommit=True)
    before.execute("CREATE TABLE calls (number text)")
    before.execute("INSERT INTO calls VALUES ('A-001'), ('A-002')")

    postgres_server.restart()

    with pytest.raises(psycopg.OperationalError):
        before.execute("SELECT 1")
    with psycopg.connect(postgres_dsn) as after:
        assert after.execute("SELECT number FROM calls ORDER BY number").fetchall() == [("A-001",), ("A-002",)]


@pytest.mark.postgres
def test_committed_rows_survive_a_kill_of_every_server_process(postgres_server, postgres_dsn):
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        connection.execute("CREATE TABLE calls (number text)")
        connection.execute("INSERT INTO calls VALUES ('A-001')")

    postgres_server.kill()
    assert not postgres_server.running
    postgres_server.start()

    with psycopg.connect(postgres_dsn) as connection:
        assert connection.execute("SELECT number FROM calls").fetchall() == [("A-001",)]


# --- nginx -----------------------------------------------------------------------------


@pytest.mark.nginx
async def test_nginx_proxies_http_to_a_node(nginx, server):
    balancer = nginx([server.port])
    assert httpx.get(f"{balancer.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{balancer.url}/api/state").status_code == 200
    ticket = await issue(balancer.url, "ktp")
    assert ticket["number"] == "A-001"
    assert count_tickets(server.url) == 1


@pytest.mark.nginx
async def test_a_call_reaches_a_screen_through_nginx(nginx, server):
    balancer = nginx([server.port])
    await issue(balancer.url, "ktp")
    async with (
        ScreenConnection(balancer.ws_url, "tv1") as tv1,
        CounterConnection(balancer.ws_url, "loket-1") as counter,
    ):
        ack = await counter.send("call_next")
        assert ack["type"] == "ack"
        assert (await tv1.next("call"))["call"]["number"] == "A-001"


@pytest.mark.nginx
async def test_a_browser_socket_through_nginx_passes_the_origin_check(nginx, server):
    """Browsers send Origin; the node compares it with Host, which nginx must pass on with its port."""
    balancer = nginx([server.port])
    async with websockets.connect(f"{balancer.ws_url}/ws/screen/tv1", origin=balancer.url) as socket:
        assert json.loads(await socket.recv())["type"] == "snapshot"


@pytest.mark.nginx
def test_requests_go_round_robin_and_a_killed_node_is_passed_over(nginx, two_nodes):
    node_a, node_b = two_nodes
    httpx.post(f"{node_a.url}/api/tickets", json={"service": "ktp"}).raise_for_status()
    balancer = nginx([node_a.port, node_b.port])
    assert {count_tickets(balancer.url) for _ in range(4)} == {0, 1}

    node_a.kill()

    assert [count_tickets(balancer.url) for _ in range(10)] == [0] * 10


@pytest.mark.nginx
def test_new_upstreams_take_effect_on_reload(nginx, two_nodes):
    node_a, node_b = two_nodes
    httpx.post(f"{node_a.url}/api/tickets", json={"service": "ktp"}).raise_for_status()
    balancer = nginx([node_a.port])
    assert count_tickets(balancer.url) == 1

    balancer.set_upstreams([node_b.port])

    assert [count_tickets(balancer.url) for _ in range(4)] == [0] * 4


@pytest.mark.nginx
async def test_screens_connecting_after_a_node_died_land_on_the_live_node(nginx, two_nodes):
    node_a, node_b = two_nodes
    balancer = nginx([node_a.port, node_b.port])
    node_a.kill()
    for _ in range(4):
        async with ScreenConnection(balancer.ws_url, "tv1") as tv1:
            assert tv1.snapshot is not None and tv1.snapshot["type"] == "snapshot"
