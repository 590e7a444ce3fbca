"""Call -> all screens latency, with 50 counters and 10 / 100 / 1000 screen connections.

Runs a real server process on loopback. For each call a counter sends `call_next` and the
clock stops when the *last* screen connection has received the call event: that is what a
hall sees when every TV must show the number. Prints JSON; `bench/run_all.py` collects it.

    python bench/core_bench.py [--screens 10,100,1000] [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.server import ServerProcess

COUNTERS = 50
SCREEN_IDS = 10


def bench_config() -> str:
    lines = [
        '[site]\nname = "Bench hall"\ntimezone = "Asia/Makassar"\n',
        # Every bench client is on loopback, one address: lift the per-address cap for it.
        '[security]\nadmin_token = "bench-admin-token"\nissue_rate_per_minute = 1000000\n'
        "max_connections = 5000\nmax_websockets_per_address = 5000\n",
        "[voice]\nenabled = false\n",
        '[[zones]]\nid = "hall"\nname = "Hall"\n',
        '[[agencies]]\nid = "a"\nname = "Agency"\n',
        '[[services]]\nid = "s"\nname = "Service"\nagency = "a"\nprefix = "A"\n',
    ]
    for i in range(1, COUNTERS + 1):
        lines.append(
            f'[[counters]]\nid = "c{i}"\nname = "Loket {i}"\nservices = ["s"]\nzone = "hall"\ntoken = "bench-token-{i}"\n'
        )
    for i in range(1, SCREEN_IDS + 1):
        lines.append(f'[[screens]]\nid = "tv{i}"\nzone = "hall"\n')
    return "\n".join(lines)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class LeanScreen(asyncio.Protocol):
    """A screen connection that costs the bench almost nothing per message.

    A real TV is its own machine; here 1000 of them share two cores with the server, and
    the `websockets` client's per-message work would be measured as server latency. Server
    frames are unmasked text, so watching the raw byte stream for the call is enough.
    """

    def __init__(self, upgraded: asyncio.Future):
        self.upgraded = upgraded
        self.buffer = b""
        self.waiting: tuple[bytes, asyncio.Future] | None = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done() and b"\r\n\r\n" in self.buffer:
            self.upgraded.set_result(True)
        if self.waiting and self.waiting[0] in self.buffer:
            needle, future = self.waiting
            self.waiting = None
            self.buffer = b""
            future.set_result(time.perf_counter())
        elif len(self.buffer) > 65536:
            self.buffer = self.buffer[-4096:]

    def expect(self, number: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        needle = f'"number":"{number}"'.encode()
        if needle in self.buffer:
            self.buffer = b""
            future.set_result(time.perf_counter())
        else:
            self.waiting = (needle, future)
        return future


async def open_lean_screen(port: int, path: str) -> LeanScreen:
    loop = asyncio.get_running_loop()
    upgraded = loop.create_future()
    transport, protocol = await loop.create_connection(lambda: LeanScreen(upgraded), "127.0.0.1", port)
    transport.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await upgraded
    protocol.transport = transport
    return protocol


async def open_screens(port: int, n: int) -> list[LeanScreen]:
    return [await open_lean_screen(port, f"/ws/screen/tv{i % SCREEN_IDS + 1}") for i in range(n)]


async def open_counters(ws_url: str, count: int = COUNTERS) -> list:
    """Counters c1..c<count>, signed in with the bench configs' tokens."""
    counters = []
    for i in range(1, count + 1):
        # A counter reads all it is sent, as the real one does; with a bounded queue of unread
        # news the client stops reading, misses the server's close frame and waits 10 s to close.
        socket = await websockets.connect(f"{ws_url}/ws/counter", max_queue=None)
        await socket.send(json.dumps({"type": "hello", "counter": f"c{i}", "token": f"bench-token-{i}"}))
        await socket.recv()
        counters.append(socket)
    return counters


async def ack_of(socket, request_id: str) -> dict:
    while True:
        message = json.loads(await socket.recv())
        if message.get("id") == request_id:
            return message


async def run(server: ServerProcess, screens_n: int, calls: int) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for _ in range(calls):
            (await http.post("/api/tickets", json={"service": "s"})).raise_for_status()
    screens = await open_screens(server.port, screens_n)
    counters = await open_counters(server.ws_url)
    proc = psutil.Process(server.process.pid)
    rss_connected = proc.memory_info().rss
    cpu_before = sum(proc.cpu_times()[:2])
    all_screens, acks = [], []
    for n in range(calls):
        counter = counters[n % COUNTERS]
        request_id = f"bench-{screens_n}-{n}"
        number = f"A-{n + 1:03d}"  # call_next takes the oldest ticket: calls come in issue order
        arrivals = [s.expect(number) for s in screens]
        start = time.perf_counter()
        await counter.send(json.dumps({"type": "call_next", "id": request_id}))
        ack = await ack_of(counter, request_id)
        acks.append(time.perf_counter() - start)
        assert ack["ticket"]["number"] == number, ack
        all_screens.append(max(await asyncio.gather(*arrivals)) - start)
    cpu_per_call = (sum(proc.cpu_times()[:2]) - cpu_before) / calls
    rss_after = proc.memory_info().rss
    for socket in counters:
        await socket.close()
    for screen in screens:
        screen.transport.close()
    return {
        "screens": screens_n,
        "counters": COUNTERS,
        "calls": calls,
        "ack_ms": {"p50": round(percentile(acks, 50) * 1000, 2), "p99": round(percentile(acks, 99) * 1000, 2)},
        "all_screens_ms": {
            "p50": round(percentile(all_screens, 50) * 1000, 2),
            "p99": round(percentile(all_screens, 99) * 1000, 2),
            "mean": round(statistics.mean(all_screens) * 1000, 2),
        },
        "server_cpu_ms_per_call": round(cpu_per_call * 1000, 2),
        "server_rss_mb": {"connected": round(rss_connected / 2**20, 1), "after_calls": round(rss_after / 2**20, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", default="10,100,1000")
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(bench_config())
        for n in (int(x) for x in args.screens.split(",")):
            server = ServerProcess(config, Path(tmp) / f"data-{n}").start()
            try:
                idle_rss = psutil.Process(server.process.pid).memory_info().rss
                result = asyncio.run(run(server, n, args.calls if n < 1000 else max(50, args.calls // 2)))
                result["server_rss_mb"]["idle"] = round(idle_rss / 2**20, 1)
                results.append(result)
                print(json.dumps(result), file=sys.stderr)
            finally:
                server.stop()
    print(json.dumps({"bench": "core", "results": results}, indent=2))


if __name__ == "__main__":
    main()
