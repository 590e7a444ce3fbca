"""One call, framed once, for every TV: through the real server, with its guarantees kept.

The hub writes a call's frame straight to each idle screen's socket. Every screen must still
get the same message with its own correct `seq`/`prev_seq` chain, a stalled screen must be
closed with 4008 without holding the others, and nothing queued for a connection (its
snapshot) may be overtaken by a call written directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
import websockets

from display_server.app import create_app
from display_server.app.ws_protocol import FramingWebSocketProtocol
from display_server.config import load_config
from display_server.contract import Close
from tests.proof.wire import OP_CLOSE, OP_TEXT, close_code, open_websocket, read_frame
from tests.support.clients import CounterConnection
from tests.support.hall_config import loopback_hall, test_config_text
from tests.support.server import ServerProcess, free_port

SCREENS = 40
DROPPED = "dropping slow screen subscriber tv1"


@pytest.fixture
def hall(tmp_path: Path):
    """The test hall with its per-address cap lifted: every screen here comes from loopback."""
    config = tmp_path / "antrian.toml"
    config.write_text(loopback_hall(test_config_text(counters=4)), encoding="utf-8")
    process = ServerProcess(config, tmp_path / "data").start()
    yield process
    process.stop()


async def issue_many(url: str, service: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(count):
            (await client.post("/api/tickets", json={"service": service})).raise_for_status()


async def receive(socket, count: int, timeout: float = 10.0) -> list[str]:
    return [await asyncio.wait_for(socket.recv(), timeout) for _ in range(count)]


def chain_breaks(texts: list[str]) -> list[str]:
    """Messages whose prev_seq is not the seq of the message before (the first is the snapshot)."""
    messages = [json.loads(text) for text in texts]
    breaks, last = [], messages[0]["seq"]
    for message in messages[1:]:
        if message["prev_seq"] != last:
            breaks.append(f"{message['type']} seq {message['seq']} prev_seq {message['prev_seq']}, expected {last}")
        last = message["seq"]
    return breaks


async def test_every_screen_gets_the_same_call_with_its_own_correct_chain(hall):
    await issue_many(hall.url, "ktp", 5)
    await issue_many(hall.url, "jkn", 1)
    floor1 = [await websockets.connect(f"{hall.ws_url}/ws/screen/tv1") for _ in range(SCREENS)]
    async with (
        CounterConnection(hall.ws_url, "loket-1") as counter1,
        CounterConnection(hall.ws_url, "loket-2") as counter2,
    ):
        await counter2.send("call_next")  # floor 2's call: a gap in floor 1's seq, by design
        late = await websockets.connect(f"{hall.ws_url}/ws/screen/tv1-grid")  # its snapshot is newer
        screens = [*floor1, late]
        acks = [await counter1.send("call_next") for _ in range(5)]
        received = [await receive(screen, 6) for screen in screens]
    for screen in screens:
        await screen.close()

    for texts in received:
        assert json.loads(texts[0])["type"] == "snapshot"
        calls = [json.loads(text) for text in texts[1:]]
        assert [c["call"]["number"] for c in calls] == [a["ticket"]["number"] for a in acks]
        assert chain_breaks(texts) == []
    # Floor 1's screens connected together, so each call reached them as the very same bytes.
    assert all(texts[1:] == received[0][1:] for texts in received[:SCREENS])
    first_call, late_first_call = json.loads(received[0][1]), json.loads(received[-1][1])
    assert late_first_call["prev_seq"] > first_call["prev_seq"]  # the late screen's own chain
    assert received[-1][2:] == received[0][2:]  # one chain again from the second call on


@contextlib.contextmanager
def server_in_thread(tmp_path: Path) -> Iterator[tuple[uvicorn.Server, int]]:
    """The app under uvicorn with our WebSocket protocol, in this process (so a test can reach
    a connection's socket), on a thread of its own."""
    config_path = tmp_path / "antrian.toml"
    config_path.write_text(loopback_hall(test_config_text(counters=4)), encoding="utf-8")
    app = create_app(load_config(config_path), tmp_path / "data", config_path=config_path)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            ws=FramingWebSocketProtocol,
            ws_per_message_deflate=False,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):  # bounded: up to 30 s to start
        if server.started:
            break
        time.sleep(0.1)
    try:
        yield server, port
    finally:
        server.should_exit = True
        thread.join(30)


def stall(server: uvicorn.Server, client: socket.socket) -> None:
    """Shrink the server's send buffer for this client's connection: the kernel then holds
    almost nothing for it, as for a TV whose own buffers are long full."""
    port = client.getsockname()[1]
    [connection] = [c for c in server.server_state.connections if c.client and c.client[1] == port]
    connection.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)


async def test_a_screen_that_stops_reading_is_closed_with_4008_and_the_others_get_every_call(tmp_path, caplog):
    with server_in_thread(tmp_path) as (server, port):
        url, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
        stuck = open_websocket(port, "/ws/screen/tv1", rcvbuf=4096)  # and never reads
        stall(server, stuck)
        batch, calls = 25, 0
        async with (
            CounterConnection(ws_url, "loket-1") as counter,
            websockets.connect(f"{ws_url}/ws/screen/tv1") as screen,
        ):
            received = [await screen.recv()]
            for _ in range(40):  # bounded: 1000 calls at most; a 64 KiB backlog fills long before
                await issue_many(url, "ktp", batch)
                for _ in range(batch):
                    await counter.send("call_next")
                calls += batch
                received += await receive(screen, batch)
                if DROPPED in caplog.text:
                    break
            await counter.send("recall")  # the reading screen is still served after the drop
            received += await receive(screen, 1)
        stuck_texts, ended = read_all(stuck)
        stuck.close()

    assert DROPPED in caplog.text
    assert [json.loads(t)["type"] for t in received[1:]] == ["call"] * (calls + 1)
    assert chain_breaks(received) == []
    assert ended == f"close {Close.TOO_SLOW}"
    assert 0 < len(stuck_texts) < len(received)  # its backlog was bounded, then it was dropped
    assert chain_breaks(stuck_texts) == []  # what it got is a true prefix of its chain


def read_all(sock) -> tuple[list[str], str]:
    """Everything a stalled screen was sent, read at last; and how its connection ended."""
    texts: list[str] = []
    sock.settimeout(10)
    for _ in range(100_000):  # bounded
        opcode, payload = read_frame(sock)
        if opcode == OP_CLOSE:
            return texts, f"close {close_code(payload)}"
        if opcode == OP_TEXT:
            texts.append(payload.decode())
    return texts, "too many frames"


async def test_a_snapshot_waiting_to_be_sent_is_never_overtaken_by_a_call(hall):
    """Screens connect while a counter calls as fast as it can: each stream starts with its
    snapshot, and every call after it chains on."""
    await issue_many(hall.url, "ktp", 60)
    async with CounterConnection(hall.ws_url, "loket-1") as counter:

        async def calls() -> None:
            for i in range(60):
                await counter.socket.send(json.dumps({"type": "call_next", "id": f"burst-{i}"}))
                await asyncio.sleep(0)

        async def screen_during_burst(i: int) -> list[str]:
            await asyncio.sleep(0.002 * i)  # spread over the burst, not a timing that is checked
            async with websockets.connect(f"{hall.ws_url}/ws/screen/tv1") as socket:
                texts = [await socket.recv()]
                while not shows_last_call(texts[-1]):
                    texts.append(await asyncio.wait_for(socket.recv(), 10))
                return texts

        _, *streams = await asyncio.gather(calls(), *(screen_during_burst(i) for i in range(SCREENS)))
    for texts in streams:
        assert json.loads(texts[0])["type"] == "snapshot"
        assert chain_breaks(texts) == []


def shows_last_call(text: str) -> bool:
    message = json.loads(text)
    latest = message["calls"][0] if message["type"] == "snapshot" and message["calls"] else message.get("call")
    return latest is not None and latest["number"] == "A-060"
