"""Counter latency: press (session command) -> ack, and press -> the call on a TV screen.

    python bench/counter_bench.py [--presses 200]

Starts a real server process on a temporary hall, issues tickets, then presses "call next"
through `CounterSession` while a screen connection listens. Prints JSON (milliseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import websockets  # noqa: E402

from counter_client.session import CounterSession  # noqa: E402
from tests.support.hall_config import test_config_text, token_for  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(values, 0.50), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "max_ms": round(max(values), 2),
        "mean_ms": round(statistics.fmean(values), 2),
    }


class Screen:
    """A TV screen connection that timestamps every call it receives, by ticket number."""

    def __init__(self, url: str):
        self.url = url
        self.seen: dict[str, float] = {}
        self.arrived = asyncio.Event()

    async def run(self, ready: asyncio.Event) -> None:
        async with websockets.connect(self.url) as socket:
            await socket.recv()  # snapshot
            ready.set()
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "call":
                    self.seen[message["call"]["number"]] = time.perf_counter()
                    self.arrived.set()

    async def wait_for(self, number: str) -> float:
        while number not in self.seen:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)
        return self.seen[number]


async def measure(server: ServerProcess, presses: int) -> dict:
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(presses):
            (await client.post("/api/tickets", json={"service": "ktp"})).raise_for_status()
    screen = Screen(f"{server.ws_url}/ws/screen/tv1")
    ready = asyncio.Event()
    listener = asyncio.create_task(screen.run(ready))
    await asyncio.wait_for(ready.wait(), 10)
    session = CounterSession(server.url, "loket-1", token_for("loket-1"))
    runner = asyncio.create_task(session.run())
    await asyncio.wait_for(session.wait_online(), 10)

    to_ack, to_screen = [], []
    for _ in range(presses):
        pressed = time.perf_counter()
        reply = await session.command("call_next")
        acked = time.perf_counter()
        assert reply.ok, reply.message
        shown = await screen.wait_for(reply.message["ticket"]["number"])
        to_ack.append((acked - pressed) * 1000)
        to_screen.append((shown - pressed) * 1000)

    session.stop()
    await runner
    listener.cancel()
    return {"presses": presses, "press_to_ack": summary(to_ack), "press_to_screen_call": summary(to_screen)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "antrian.toml"
        config.write_text(test_config_text(counters=2), encoding="utf-8")
        server = ServerProcess(config, Path(folder) / "data").start()
        try:
            result = asyncio.run(measure(server, max(args.presses, 100)))
        finally:
            server.stop()
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
