"""The calling core through the real server: a real uvicorn process, real HTTP and WebSocket clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests.support.clients import CounterConnection, ScreenConnection, issue
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess

ADMIN = {"Authorization": "Bearer admin-secret-token"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path, config_file: Path) -> Iterator[ServerProcess]:
    """The real server on each store: every door below holds on SQLite and on PostgreSQL."""
    database = request.getfixturevalue("postgres_dsn") if request.param == "postgresql" else None
    process = ServerProcess(config_file, tmp_path / "data", database=database).start()
    yield process
    process.stop()


def admin_tickets(server: ServerProcess) -> list[dict]:
    response = httpx.get(f"{server.url}/api/tickets", headers=ADMIN)
    response.raise_for_status()
    return response.json()["tickets"]


# --- issuing ---------------------------------------------------------------------------


async def test_a_kiosk_ticket_is_issued_as_waiting(server):
    ticket = await issue(server.url, "ktp")
    assert ticket["number"] == "A-001"
    assert ticket["service"] == "ktp"
    assert ticket["status"] == "waiting"
    assert {"id", "issued_at", "token", "ahead"} <= set(ticket)
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"service": "paspor"}, 404, "unknown_service"),
        ({"service": 12}, 400, "bad_request"),
        ({}, 400, "bad_request"),
        ({"service": "ktp", "priority": "yes"}, 400, "bad_request"),
        ([1, 2], 400, "bad_request"),
    ],
)
async def test_bad_issue_requests_get_a_clear_json_error(server, body, status, code):
    response = httpx.post(f"{server.url}/api/tickets", json=body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert admin_tickets(server) == []


async def test_malformed_and_oversized_bodies_are_refused(server):
    response = httpx.post(
        f"{server.url}/api/tickets", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_json")
    response = httpx.post(f"{server.url}/api/tickets", content=b"x" * 100_000)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "message_too_large")
    assert admin_tickets(server) == []


async def test_the_quota_refuses_with_409_once_reached(server):
    await issue(server.url, "kuota")
    await issue(server.url, "kuota")
    response = httpx.post(f"{server.url}/api/tickets", json={"service": "kuota"})
    assert response.status_code == 409
    assert response.json()["error"] == {"code": "quota_reached", "message": "Kuota hari ini sudah habis"}


async def test_two_kiosks_pressing_at_once_never_get_the_same_number(server):
    tickets = await asyncio.gather(*(issue(server.url, "ktp") for _ in range(40)))
    numbers = [t["number"] for t in tickets]
    assert sorted(numbers) == [f"A-{n:03d}" for n in range(1, 41)]


async def test_a_retried_issue_request_returns_the_same_ticket(server):
    first = await issue(server.url, "ktp", request_id="kiosk-1-press-77")
    again = await issue(server.url, "ktp", request_id="kiosk-1-press-77")
    assert again["id"] == first["id"]
    assert len(admin_tickets(server)) == 1


async def test_the_days_tickets_need_the_admin_token(server):
    await issue(server.url, "ktp")
    assert httpx.get(f"{server.url}/api/tickets").status_code == 401
    assert httpx.get(f"{server.url}/api/tickets", headers={"Authorization": "Bearer wrong"}).status_code == 401
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
    [ticket] = admin_tickets(server)
    assert ticket["status"] == "called"
    assert ticket["counter"] == "loket-1"
    assert ticket["issued_at"] and ticket["called_at"]
    response = httpx.get(f"{server.url}/api/tickets?date=2001-01-01", headers=ADMIN)
    assert response.json() == {"date": "2001-01-01", "tickets": []}
    assert httpx.get(f"{server.url}/api/tickets?date=yesterday", headers=ADMIN).status_code == 400


# --- calling ---------------------------------------------------------------------------


async def test_a_call_reaches_every_screen_of_the_zone_and_no_other(server):
    await issue(server.url, "ktp")
    async with (
        ScreenConnection(server.ws_url, "tv1") as tv1,
        ScreenConnection(server.ws_url, "tv1-grid") as grid,
        ScreenConnection(server.ws_url, "tv2") as tv2,
        CounterConnection(server.ws_url, "loket-1") as counter,
    ):
        ack = await counter.send("call_next")
        assert ack["type"] == "ack"
        assert ack["ticket"]["number"] == "A-001"
        for screen in (tv1, grid):
            message = await screen.next("call")
            call = message["call"]
            assert call["number"] == "A-001"
            assert call["counter"] == {"id": "loket-1", "name": "Loket 1", "zone": "lantai1"}
            assert call["service"]["name"] == "KTP Elektronik"
            assert call["recall"] is False
            assert "silakan menuju" in call["text"]
            assert message["seq"] > screen.snapshot["seq"]
        assert await tv2.nothing_of("call")


async def test_the_call_event_carries_everything_a_screen_needs(server):
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1, CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
        call = (await tv1.next("call"))["call"]
    assert set(call) >= {"id", "number", "counter", "service", "text", "audio", "recall", "at"}


async def test_a_recall_is_a_new_call_event_marked_recall(server):
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1, CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
        first = (await tv1.next("call"))["call"]
        ack = await counter.send("recall")
        again = (await tv1.next("call"))["call"]
    assert ack["ticket"]["recalls"] == 1
    assert again["recall"] is True and again["number"] == first["number"]
    assert again["id"] != first["id"]
    assert again["text"].startswith("Panggilan ulang")


async def test_every_counter_action_through_the_socket(server):
    for _ in range(3):
        await issue(server.url, "ktp")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        assert counter.welcome["type"] == "welcome"
        assert counter.welcome["counter"]["waiting"] == 3
        assert (await counter.send("call_next"))["ticket"]["number"] == "A-001"
        assert (await counter.send("skip"))["ticket"]["status"] == "no_show"
        assert (await counter.send("call", number="A3"))["ticket"]["number"] == "A-003"
        transferred = await counter.send("transfer", service="jkn")
        assert transferred["ticket"]["service"] == "jkn" and transferred["ticket"]["status"] == "waiting"
        assert (await counter.send("call_next"))["ticket"]["number"] == "A-002"
        finished = await counter.send("finish")
        assert finished["ticket"]["status"] == "served"
        assert finished["counter"]["current"] is None
        empty = await counter.send("call_next")
        assert (empty["type"], empty["code"]) == ("error", "queue_empty")
    async with CounterConnection(server.ws_url, "loket-2") as other:
        assert (await other.send("call_next"))["ticket"]["number"] == "A-003"


async def test_twenty_counters_calling_at_once_get_twenty_distinct_tickets(tmp_path: Path):
    config = tmp_path / "hall.toml"
    config.write_text(test_config_text(counters=20))
    server = ServerProcess(config, tmp_path / "data").start()
    try:
        for _ in range(10):
            await issue(server.url, "ktp")
            await issue(server.url, "jkn")
        counters = [CounterConnection(server.ws_url, f"loket-{i}") for i in range(1, 21)]
        for counter in counters:
            await counter.__aenter__()
        acks = await asyncio.gather(*(c.send("call_next") for c in counters))
        for counter in counters:
            await counter.__aexit__()
    finally:
        server.stop()
    numbers = [ack["ticket"]["number"] for ack in acks]
    assert len(set(numbers)) == 20


# --- idempotency and durability --------------------------------------------------------


async def test_the_same_request_id_acts_once_and_returns_the_same_ack(server):
    await issue(server.url, "ktp")
    await issue(server.url, "ktp")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        first = await counter.send("call_next", request_id="press-1")
        again = await counter.send("call_next", request_id="press-1")
    assert again == first
    async with CounterConnection(server.ws_url, "loket-1") as reconnected:
        after_reconnect = await reconnected.send("call_next", request_id="press-1")
    assert after_reconnect == first
    statuses = sorted(t["status"] for t in admin_tickets(server))
    assert statuses == ["called", "waiting"]


async def test_a_restart_resumes_numbering_state_and_idempotency(server):
    for _ in range(3):
        await issue(server.url, "ktp")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        first = await counter.send("call_next", request_id="before-restart")
    server.kill()  # no clean shutdown: what was acknowledged must already be on disk
    server.start()
    assert (await issue(server.url, "ktp"))["number"] == "A-004"
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        assert counter.welcome["counter"]["current"]["number"] == "A-001"
        assert counter.welcome["counter"]["waiting"] == 3
        assert await counter.send("call_next", request_id="before-restart") == first
        assert (await counter.send("call_next"))["ticket"]["number"] == "A-002"
    async with ScreenConnection(server.ws_url, "tv1") as tv1:
        assert [c["number"] for c in tv1.snapshot["calls"]] == ["A-002", "A-001"]


async def test_seq_keeps_growing_across_restarts(server):
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1:
        before = tv1.snapshot["seq"]
    server.restart()
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1:
        assert tv1.snapshot["seq"] > before


async def test_a_screen_that_reconnects_gets_a_fresh_snapshot(server):
    await issue(server.url, "ktp")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
    async with ScreenConnection(server.ws_url, "tv1") as tv1:
        snapshot = tv1.snapshot
    assert snapshot["type"] == "snapshot"
    assert snapshot["calls"][0]["number"] == "A-001"
    assert snapshot["screen"]["id"] == "tv1" and snapshot["screen"]["layout"] == "standard"
    assert snapshot["site"] == {"name": "MPP Uji", "timezone": "Asia/Makassar"}
    loket1 = next(c for c in snapshot["counters"] if c["id"] == "loket-1")
    assert loket1["current"]["number"] == "A-001"
    assert all(c["zone"] == "lantai1" for c in snapshot["counters"])


async def test_messages_chain_by_prev_seq(server):
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1, CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
        await counter.send("recall")
        last = tv1.snapshot["seq"]
        for _ in range(2):  # one call message per command: the call carries the counter
            message = json.loads(await asyncio.wait_for(tv1.socket.recv(), 5))
            assert message["prev_seq"] == last
            last = message["seq"]


# --- refusals --------------------------------------------------------------------------


async def hello_reply(server: ServerProcess, hello) -> tuple[dict, int | None]:
    async with websockets.connect(f"{server.ws_url}/ws/counter") as socket:
        await socket.send(hello if isinstance(hello, str) else json.dumps(hello))
        reply = json.loads(await socket.recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        return reply, closed.value.rcvd.code if closed.value.rcvd else None


async def test_a_wrong_token_is_refused_and_closed(server):
    reply, code = await hello_reply(server, {"type": "hello", "counter": "loket-1", "token": "token-loket-3"})
    assert reply["code"] == "unauthorized"
    assert code == 4001


async def test_an_unknown_counter_is_refused(server):
    reply, _ = await hello_reply(server, {"type": "hello", "counter": "loket-99", "token": "x"})
    assert reply["code"] == "unknown_counter"


async def test_the_first_message_must_be_hello(server):
    reply, _ = await hello_reply(server, {"type": "call_next", "id": "1"})
    assert reply["code"] == "hello_required"
    reply, _ = await hello_reply(server, "{oops")
    assert reply["code"] == "bad_json"


async def test_bad_commands_get_errors_and_change_nothing(server):
    await issue(server.url, "ktp")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        socket = counter.socket
        for raw, code in [
            ("{nope", "bad_json"),
            ("[1]", "bad_request"),
            (json.dumps({"type": "call_next"}), "bad_request"),
            (json.dumps({"type": "explode", "id": "1"}), "unknown_type"),
            (json.dumps({"type": "call_next", "id": "x" * 5000}), "message_too_large"),
            (json.dumps({"type": "transfer", "id": "t1", "service": "nope"}), "unknown_service"),
        ]:
            await socket.send(raw)
            reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert (reply["type"], reply["code"]) == ("error", code), raw
    assert [t["status"] for t in admin_tickets(server)] == ["waiting"]


async def test_screens_are_read_only(server):
    await issue(server.url, "ktp")
    async with ScreenConnection(server.ws_url, "tv1") as tv1:
        await tv1.socket.send(json.dumps({"type": "call_next", "id": "1"}))
        reply = json.loads(await asyncio.wait_for(tv1.socket.recv(), 5))
    assert reply["code"] == "forbidden"
    assert [t["status"] for t in admin_tickets(server)] == ["waiting"]


async def test_an_unknown_screen_is_told_so(server):
    async with websockets.connect(f"{server.ws_url}/ws/screen/tv9") as socket:
        reply = json.loads(await socket.recv())
    assert reply["code"] == "unknown_screen"


async def test_a_cross_origin_websocket_is_refused(server):
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"{server.ws_url}/ws/screen/tv1", origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    async with websockets.connect(f"{server.ws_url}/ws/screen/tv1", origin=server.url) as socket:
        assert json.loads(await socket.recv())["type"] == "snapshot"


async def test_hall_state_lists_services_counters_and_recent_calls(server):
    await issue(server.url, "ktp")
    await issue(server.url, "ktp")
    async with CounterConnection(server.ws_url, "loket-1") as counter:
        await counter.send("call_next")
    state = httpx.get(f"{server.url}/api/state").json()
    ktp = next(s for s in state["services"] if s["id"] == "ktp")
    assert (ktp["waiting"], ktp["issued"], ktp["open"]) == (1, 2, True)
    loket1 = next(c for c in state["counters"] if c["id"] == "loket-1")
    assert loket1["current"]["number"] == "A-001"
    assert [c["number"] for c in state["recent_calls"]] == ["A-001"]
