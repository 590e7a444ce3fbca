"""`/ws/ticket/{token}`: the visitor's live status, against a real server."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets

from tests.kiosk.conftest import in_own_loop
from tests.support.clients import CounterConnection


async def next_of(socket, kind: str, timeout: float = 10.0) -> dict:
    async def wait() -> dict:
        while True:
            message = json.loads(await socket.recv())
            if message["type"] == kind:
                return message

    return await asyncio.wait_for(wait(), timeout)


async def kiosk_ticket(url: str, service: str) -> dict:
    async with httpx.AsyncClient(base_url=url) as client:
        response = await client.post("/api/kiosk/default/tickets", json={"service": service})
        response.raise_for_status()
        return response.json()


def follow_on_phone(server, ticket: dict):
    """The visitor's phone, opened from the status link the kiosk gave them."""
    token = ticket["status_url"].rsplit("/", 1)[1]
    return websockets.connect(f"{server.ws_url}/ws/ticket/{token}")


@in_own_loop
async def test_ahead_drops_then_the_call_names_the_counter(server):
    await kiosk_ticket(server.url, "ktp")
    mine = await kiosk_ticket(server.url, "ktp")
    async with follow_on_phone(server, mine) as phone:
        snapshot = await next_of(phone, "snapshot")
        assert snapshot["ticket"]["number"] == "A-002"
        assert snapshot["ticket"]["ahead"] == 1
        assert "token" not in snapshot["ticket"]
        async with CounterConnection(server.ws_url, "loket-1") as counter:
            assert (await counter.send("call_next"))["ticket"]["number"] == "A-001"
            update = await next_of(phone, "waiting")
            assert update["ticket"]["ahead"] == 0
            assert update["prev_seq"] == snapshot["seq"]
            assert (await counter.send("call_next"))["ticket"]["number"] == "A-002"
            call = await next_of(phone, "call")
            assert call["call"]["counter"]["name"] == "Loket 1"
            assert call["ticket"]["status"] == "called"


@in_own_loop
async def test_tickets_issued_behind_mine_send_my_phone_nothing(server):
    await kiosk_ticket(server.url, "ktp")
    mine = await kiosk_ticket(server.url, "ktp")
    async with follow_on_phone(server, mine) as phone:
        snapshot = await next_of(phone, "snapshot")
        for _ in range(3):
            await kiosk_ticket(server.url, "ktp")  # behind mine: my place and my wait do not change
        async with CounterConnection(server.ws_url, "loket-1") as counter:
            await counter.send("call_next")  # now nobody is ahead of me
            update = json.loads(await asyncio.wait_for(phone.recv(), 10))
    assert update["type"] == "waiting"
    assert update["ticket"]["ahead"] == 0
    assert update["prev_seq"] == snapshot["seq"]  # the chain runs over what my phone was sent
    assert update["seq"] >= snapshot["seq"] + 4  # the three issues went by unsent


@in_own_loop
async def test_a_transferred_ticket_follows_its_new_queue(server):
    mine = await kiosk_ticket(server.url, "ktp")
    async with follow_on_phone(server, mine) as phone:
        await next_of(phone, "snapshot")
        async with CounterConnection(server.ws_url, "loket-1") as counter:
            await counter.send("call_next")
            await counter.send("transfer", service="jkn")
            moved = await next_of(phone, "ticket")
            while moved["ticket"]["status"] != "waiting":  # the call, then the transfer
                moved = await next_of(phone, "ticket")
            assert moved["ticket"]["service"]["id"] == "jkn"
            await kiosk_ticket(server.url, "jkn")  # a later jkn ticket does not change our place
            async with CounterConnection(server.ws_url, "loket-2") as other:
                assert (await other.send("call_next"))["ticket"]["number"] == "A-001"
                call = await next_of(phone, "call")
                assert call["call"]["counter"]["name"] == "Loket 2"


@in_own_loop
async def test_unknown_token_gets_an_error_and_close_4004(server):
    async with websockets.connect(f"{server.ws_url}/ws/ticket/nope") as phone:
        message = json.loads(await phone.recv())
        assert message["code"] == "ticket_not_found"
        await phone.wait_closed()
        assert phone.close_code == 4004
