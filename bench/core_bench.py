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
from tests.support.server import ServerProcess  # noqa: E402

COUNTERS = 50
SCREEN_IDS = 10


def bench_config() -> str:
    lines = [
        '[site]\nname = "Bench hall"\ntimezone = "Asia/Makassar"\n',
        '[security]\nadmin_token = "bench-admin-token"\nissue_rate_per_minute = 1000000\n',
        '[voice]\nenabled = false\n',
        '[[zones]]\nid = "hall"\nname = "Hall"\n',
        '[[agencies]]\nid = "a"\nname = "Agency"\n',
        '[[services]]\nid = "s"\nname = "Service"\nagency = "a"\nprefix = "A"\n',
    ]
    for i in range(1, COUNTERS + 1):
        lines.append(f'[[counters]]\nid = "c{i}"\nname = "Loket {i}"\nservices = ["s"]\nzone = "hall"\ntoken = "bench-token-{i}"\n')
    for i in range(1, SCREEN_IDS + 1):
        lines.append(f'[[screens]]\nid = "tv{i}"\nzone = "hall"\n')
    return "\n".join(lines)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def open_screens(ws_url: str, n: int) -> list:
    screens = []
    for i in range(n):
        socket = await websockets.connect(f"{ws_url}/ws/screen/tv{i % SCREEN_IDS + 1}", max_queue=None)
        await socket.recv()  # snapshot
        screens.append(socket)
    return screens


async def open_counters(ws_url: str) -> list:
    counters = []
    for i in range(1, COUNTERS + 1):
        socket = await websockets.connect(f"{ws_url}/ws/counter")
        await socket.send(json.dumps({"type": "hello", "counter": f"c{i}", "token": f"bench-token-{i}"}))
        await socket.recv()
        counters.append(socket)
    return counters


async def wait_for_call(socket, number: str) -> float:
    needle = f'"number":"{number}"'
    while True:
        raw = await socket.recv()
        if '"type":"call"' in raw and needle in raw:
            return time.perf_counter()


async def ack_of(socket, request_id: str) -> dict:
    while True:
        message = json.loads(await socket.recv())
        if message.get("id") == request_id:
            return message


async def run(server: ServerProcess, screens_n: int, calls: int) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for _ in range(calls):
            (await http.post("/api/tickets", json={"service": "s"})).raise_for_status()
    screens = await open_screens(server.ws_url, screens_n)
    counters = await open_counters(server.ws_url)
    proc = psutil.Process(server.process.pid)
    rss_connected = proc.memory_info().rss
    all_screens, acks = [], []
    for n in range(calls):
        counter = counters[n % COUNTERS]
        request_id = f"bench-{screens_n}-{n}"
        start = time.perf_counter()
        await counter.send(json.dumps({"type": "call_next", "id": request_id}))
        ack = await ack_of(counter, request_id)
        acks.append(time.perf_counter() - start)
        number = ack["ticket"]["number"]
        arrivals = await asyncio.gather(*(wait_for_call(s, number) for s in screens))
        all_screens.append(max(arrivals) - start)
    rss_after = proc.memory_info().rss
    for socket in screens + counters:
        await socket.close()
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
