"""Clients that hold on without doing their part must not hold the server.

- Slowloris: many TCP connections dribbling request headers a byte at a time.
- A screen that completes the WebSocket handshake and then never reads.

Others must still get their events, and the server's open file descriptors must come back
to where they were. Timings are measured and printed, not asserted.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import httpx
import pytest

from tests.proof.wire import OP_CLOSE, close_code, open_fds, open_websocket, read_frame
from tests.support.clients import CounterConnection, ScreenConnection, issue

SLOWLORIS_CONNECTIONS = 300
FD_SLACK = 10  # log files, the audio worker's pipes, a keep-alive connection or two


def slowloris_open(port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sockets.append(sock)
    return sockets


def slowloris_dribble(sockets: list[socket.socket], rounds: int) -> int:
    """One more header byte on every connection per round; returns how many the server closed."""
    closed = 0
    for sock in list(sockets):
        try:
            sock.sendall(b"X-Slow: 1\r\n"[rounds % 11 : rounds % 11 + 1])
        except OSError:
            closed += 1
            sockets.remove(sock)
    return closed


async def wait_for_fds(pid: int, at_most: int, seconds: float) -> int:
    """Poll the server's fd count until it is at most `at_most` or time is up; return the last count."""
    deadline = time.monotonic() + seconds
    count = open_fds(pid)
    while count > at_most and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        count = open_fds(pid)
    return count


async def test_slowloris_holds_nothing_and_slows_no_one(server) -> None:
    pid = server.process.pid
    baseline = open_fds(pid)
    sockets = slowloris_open(server.port, SLOWLORIS_CONNECTIONS)
    health_times, closed_by_server = [], 0
    try:
        async with (
            ScreenConnection(server.ws_url, "tv1") as screen,
            CounterConnection(server.ws_url, "loket-1") as counter,
        ):
            during = open_fds(pid)
            for round_ in range(20):  # bounded: 20 rounds of one byte per connection
                closed_by_server += slowloris_dribble(sockets, round_)
                ticket = await issue(server.url, "ktp", request_id=f"slowloris-{round_}")
                ack = await counter.send("call_next")
                call = await screen.next("call")
                assert call["call"]["ticket_id"] == ack["ticket"]["id"] == ticket["id"]
                started = time.monotonic()
                async with httpx.AsyncClient() as client:
                    assert (await client.get(f"{server.url}/healthz", timeout=5)).status_code == 200
                health_times.append(time.monotonic() - started)
                await asyncio.sleep(0.05)
    finally:
        for sock in sockets:
            sock.close()
    after = await wait_for_fds(pid, baseline + FD_SLACK, 10)
    print(
        f"\nslowloris: fds {baseline} before, {during} with {SLOWLORIS_CONNECTIONS} dribbling, {after} after; "
        f"closed by the server while dribbling: {closed_by_server}; "
        f"healthz max {max(health_times) * 1000:.1f} ms"
    )
    assert after <= baseline + FD_SLACK


def read_until_dropped(sock: socket.socket, limit: int = 100_000) -> str:
    """Read everything the server kept for a screen that never read; how the connection ended."""
    sock.settimeout(10)
    try:
        for _ in range(limit):  # bounded: at most `limit` frames
            opcode, payload = read_frame(sock)
            if opcode == OP_CLOSE:
                return f"close {close_code(payload)}"
    except (ConnectionResetError, BrokenPipeError):
        return "reset"
    except ConnectionError:
        return "eof"
    except TimeoutError:
        return "still open"
    return "too many frames"


async def recall_in_batches(counter: CounterConnection, screen: ScreenConnection, batches: int, size: int) -> int:
    """Pipelined recalls (each one a call pushed to the zone's screens); calls the reading screen got."""
    got = 0
    for _ in range(batches):
        ids = [uuid.uuid4().hex for _ in range(size)]
        for request_id in ids:
            await counter.socket.send(json.dumps({"type": "recall", "id": request_id}))
        replies = 0
        while replies < size:  # bounded: the server answers every command
            message = json.loads(await asyncio.wait_for(counter.socket.recv(), 10))
            replies += message.get("type") in ("ack", "error")
            assert message.get("type") != "error", message
        for _ in range(size):
            await screen.next("call")
            got += 1
    return got


async def tv1_connections(server) -> int:
    async with httpx.AsyncClient() as client:
        response = await client.get(
            f"{server.url}/api/admin/screens", headers={"Authorization": "Bearer admin-secret-token"}
        )
    return next(s for s in response.json()["screens"] if s["id"] == "tv1")["connections"]


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_a_screen_that_never_reads_is_dropped_and_others_keep_up(server) -> None:
    pid = server.process.pid
    baseline = open_fds(pid)
    stuck = open_websocket(server.port, "/ws/screen/tv1", rcvbuf=4096)  # and never reads
    await issue(server.url, "ktp", request_id="stuck-1")
    async with ScreenConnection(server.ws_url, "tv1") as screen, CounterConnection(server.ws_url, "loket-1") as counter:
        assert (await counter.send("call_next"))["type"] == "ack"
        await screen.next("call")
        started = time.monotonic()
        got = await recall_in_batches(counter, screen, batches=30, size=50)
        pushed_for = time.monotonic() - started
        connections = await tv1_connections(server)
        deadline = time.monotonic() + 90  # the keepalive drops a silent peer within ~40 s
        while connections > 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            connections = await tv1_connections(server)
        dropped_after = time.monotonic() - started
        await counter.send("recall")  # the reading screen is still served
        await screen.next("call")
    ended = read_until_dropped(stuck)
    stuck.close()
    after = await wait_for_fds(pid, baseline + FD_SLACK, 10)
    print(
        f"\nnon-reading screen: {got} calls pushed in {pushed_for:.1f} s, all received by the reading screen; "
        f"the stuck one was dropped after {dropped_after:.1f} s, ending with {ended}; fds {baseline} before, {after} after"
    )
    assert got == 30 * 50
    assert connections == 1  # only the reading screen: the stuck one was dropped without reading a byte
    # 4008: the hub's queue filled; 1011: the WebSocket keepalive (ping unanswered) gave up first.
    assert ended in ("close 4008", "close 1011", "reset", "eof")
    assert after <= baseline + FD_SLACK


async def test_a_slowloris_connection_is_closed_by_the_server_while_it_still_dribbles(server) -> None:
    from display_server.app.http_protocol import HEADER_SECONDS

    pid = server.process.pid
    baseline = open_fds(pid)
    [sock] = slowloris_open(server.port, 1)
    ended_after = None
    started = time.monotonic()
    try:
        for round_ in range(int(HEADER_SECONDS * 3)):  # bounded: three times the deadline, a byte a second
            if slowloris_dribble([sock], round_):
                ended_after = time.monotonic() - started
                break
            await asyncio.sleep(1)
            async with httpx.AsyncClient() as client:  # others are served meanwhile
                assert (await client.get(f"{server.url}/healthz", timeout=5)).status_code == 200
    finally:
        sock.close()
    print(f"\nslowloris connection closed by the server after {ended_after} s (deadline {HEADER_SECONDS} s)")
    assert ended_after is not None, "the server kept a connection whose headers never completed"
    assert await wait_for_fds(pid, baseline + FD_SLACK, 10) <= baseline + FD_SLACK
