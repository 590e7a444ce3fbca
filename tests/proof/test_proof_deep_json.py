"""JSON nested deeper than Python's parser allows is bad JSON, not a server error."""

from __future__ import annotations

import json

import httpx
import websockets

DEEP = "[" * 3000  # under the 4 KiB limits, deeper than json's recursion limit


async def test_deep_json_body_is_bad_json(shared_server) -> None:
    response = httpx.post(f"{shared_server.url}/api/tickets", content=DEEP.encode(), timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_json"


async def test_deep_json_message_gets_an_error_and_the_screen_stays(shared_server) -> None:
    async with websockets.connect(f"{shared_server.ws_url}/ws/screen/tv1") as screen:
        await screen.recv()  # snapshot
        await screen.send(DEEP)
        assert json.loads(await screen.recv())["code"] == "bad_json"
        await screen.send(json.dumps({"type": "ping"}))
        assert json.loads(await screen.recv())["type"] == "pong"


async def test_deep_json_hello_gets_an_error(shared_server) -> None:
    async with websockets.connect(f"{shared_server.ws_url}/ws/counter") as counter:
        await counter.send(DEEP)
        assert json.loads(await counter.recv())["code"] == "bad_json"
