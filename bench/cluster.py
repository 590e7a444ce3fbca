"""Cluster bench: many halls on many nodes, one PostgreSQL, nginx in front.

    python -m bench.cluster                       # 50 halls x 20 counters, 3,000 connections, 1, 2, 3 nodes
    python -m bench.cluster --nodes 3 --halls 10  # one shape, smaller

For each node count, on a fresh database: `antrian serve --config-dir` runs that many times
(every node serves every hall, speech on: the default config), nginx balances them, and one
client process opens the screens and phones of every hall through nginx (so they spread over
the nodes) and one counter connection per counter. Then:

- **latency**: calls at a steady rate (`--rate` a second) from random counters of random halls;
  for each call, the time from the counter's press to each screen of its zone receiving it,
  whichever node that screen is on (p50, p99, max), and to the counter's ack;
- **throughput**: every counter of every hall presses `call_next` again as soon as it is
  answered, for `--seconds`; commands a second.

Each node's memory (with its speech workers) is read at the end. The client is one Python
process on the same two CPUs as the nodes, nginx and PostgreSQL: the figures are the whole
machine's, and docs/scaling.md reads them as such.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import websockets

from tests.support.hall_config import loopback_hall, test_config_text, token_for
from tests.support.nginx import Nginx, require_nginx
from tests.support.postgres import PostgresServer, require_postgres
from tests.support.server import ServerProcess

SCREENS = {"tv1": "lantai1", "tv1-grid": "lantai1", "tv2": "lantai2"}
ISSUED_SERVICES = ("ktp", "jkn")  # odd counters serve ktp, even ones jkn
ZONE_OF_COUNTER = {True: "lantai1", False: "lantai2"}  # odd counter -> lantai1


@dataclass(frozen=True)
class Settings:
    halls: int = 50
    counters: int = 20
    connections: int = 3000  # screens and phones, over all halls
    phones_share: float = 0.25
    nodes: tuple[int, ...] = (1, 2, 3)
    rate: float = 10.0  # calls a second in the latency phase
    latency_seconds: float = 20.0
    seconds: float = 15.0  # the throughput phase
    tickets_per_counter: int = 8
    seed: int = 7


@dataclass
class Delivery:
    hall: str
    counter: str
    number: str
    at: float


@dataclass
class Press:
    hall: str
    counter: str
    sent: float
    acked: float | None = None
    number: str | None = None


@dataclass
class Traffic:
    presses: list[Press] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    screens_of_zone: dict[tuple[str, str], int] = field(default_factory=dict)  # (hall, zone) -> connections
    phone_messages: int = 0
    errors: list[str] = field(default_factory=list)


def hall_ids(count: int) -> list[str]:
    return [f"hall-{i:02d}" for i in range(1, count + 1)]


def write_halls(folder: Path, settings: Settings) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for hall in hall_ids(settings.halls):
        text = loopback_hall(test_config_text(counters=settings.counters), connections=100_000)
        text = text.replace('name = "MPP Uji"', f'name = "MPP {hall}"', 1)
        (folder / f"{hall}.toml").write_text(text, encoding="utf-8")


async def issue_tickets(base: str, settings: Settings) -> dict[str, list[str]]:
    """Enough waiting tickets for both phases; the tokens, for the phones."""
    tokens: dict[str, list[str]] = {}
    per_service = settings.counters // 2 * settings.tickets_per_counter
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        semaphore = asyncio.Semaphore(32)

        async def one(hall: str, service: str) -> None:
            async with semaphore:
                response = await client.post(f"/h/{hall}/api/tickets", json={"service": service})
                response.raise_for_status()
                tokens.setdefault(hall, []).append(response.json()["token"])

        await asyncio.gather(
            *(
                one(hall, service)
                for hall in hall_ids(settings.halls)
                for service in ISSUED_SERVICES
                for _ in range(per_service)
            )
        )
    return tokens


async def follow_screen(ws_url: str, hall: str, screen: str, traffic: Traffic, stop: asyncio.Event) -> None:
    async with websockets.connect(f"{ws_url}/h/{hall}/ws/screen/{screen}", max_queue=None) as socket:
        await socket.recv()  # the snapshot
        traffic.screens_of_zone[(hall, SCREENS[screen])] = traffic.screens_of_zone.get((hall, SCREENS[screen]), 0) + 1
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), 0.5)
            except TimeoutError:
                continue
            at = time.perf_counter()
            if '"type":"call"' in raw:
                call = json.loads(raw)["call"]
                traffic.deliveries.append(Delivery(hall, call["counter"]["id"], call["number"], at))


async def follow_phone(ws_url: str, hall: str, token: str, traffic: Traffic, stop: asyncio.Event) -> None:
    async with websockets.connect(f"{ws_url}/h/{hall}/ws/ticket/{token}", max_queue=None) as socket:
        while not stop.is_set():
            try:
                await asyncio.wait_for(socket.recv(), 0.5)
                traffic.phone_messages += 1
            except TimeoutError:
                continue


class Counter:
    def __init__(self, ws_url: str, hall: str, counter: str):
        self.url = f"{ws_url}/h/{hall}/ws/counter"
        self.hall, self.counter = hall, counter
        self.socket: websockets.ClientConnection | None = None
        self.busy = False

    async def open(self) -> None:
        self.socket = await websockets.connect(self.url, max_queue=None)
        await self.socket.send(json.dumps({"type": "hello", "counter": self.counter, "token": token_for(self.counter)}))
        while json.loads(await self.socket.recv()).get("type") != "welcome":
            pass

    async def press(self, traffic: Traffic) -> bool:
        """call_next; False when the counter's queue is empty (or the press failed)."""
        assert self.socket is not None
        self.busy = True
        request_id = uuid.uuid4().hex
        press = Press(self.hall, self.counter, time.perf_counter())
        try:
            await self.socket.send(json.dumps({"type": "call_next", "id": request_id}))
            while True:
                reply = json.loads(await asyncio.wait_for(self.socket.recv(), 30))
                if reply.get("id") == request_id:
                    break
        except (TimeoutError, websockets.WebSocketException) as error:
            traffic.errors.append(f"{self.hall}/{self.counter}: {error!r}")
            return False
        finally:
            self.busy = False
        if reply.get("type") != "ack":
            return False
        press.acked, press.number = time.perf_counter(), reply["ticket"]["number"]
        traffic.presses.append(press)
        return True

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def summary_ms(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50": round(percentile(values, 0.5) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1) if values else None,
        "mean": round(statistics.fmean(values) * 1000, 1) if values else None,
    }


def latency_figures(traffic: Traffic, presses: list[Press]) -> dict:
    by_call: dict[tuple[str, str, str], list[float]] = {}
    for delivery in traffic.deliveries:
        by_call.setdefault((delivery.hall, delivery.counter, delivery.number), []).append(delivery.at)
    to_screens, to_last, missing = [], [], 0
    for press in presses:
        zone = ZONE_OF_COUNTER[int(press.counter.rsplit("-", 1)[1]) % 2 == 1]
        expected = traffic.screens_of_zone.get((press.hall, zone), 0)
        arrived = by_call.get((press.hall, press.counter, press.number or ""), [])
        missing += max(0, expected - len(arrived))
        to_screens += [at - press.sent for at in arrived]
        if arrived:
            to_last.append(max(arrived) - press.sent)
    return {
        "calls": len(presses),
        "press_to_ack_ms": summary_ms([p.acked - p.sent for p in presses if p.acked]),
        "call_to_each_screen_ms": summary_ms(to_screens),
        "call_to_all_screens_ms": summary_ms(to_last),
        "screen_deliveries_missing": missing,
    }


async def drive(base: str, ws_url: str, settings: Settings, tokens: dict[str, list[str]]) -> dict:
    rng = random.Random(settings.seed)
    traffic, stop = Traffic(), asyncio.Event()
    halls = hall_ids(settings.halls)
    per_hall = settings.connections // settings.halls
    phones = round(per_hall * settings.phones_share)
    followers = []
    for hall in halls:
        screen_ids = list(SCREENS)
        followers += [
            follow_screen(ws_url, hall, screen_ids[i % len(screen_ids)], traffic, stop)
            for i in range(per_hall - phones)
        ]
        followers += [follow_phone(ws_url, hall, token, traffic, stop) for token in tokens[hall][:phones]]
    tasks = [asyncio.create_task(f) for f in followers]
    counters = [Counter(ws_url, hall, f"loket-{i}") for hall in halls for i in range(1, settings.counters + 1)]
    for start in range(0, len(counters), 100):
        await asyncio.gather(*(c.open() for c in counters[start : start + 100]))
    while sum(traffic.screens_of_zone.values()) < settings.halls * (per_hall - phones):
        await asyncio.sleep(0.1)
        if any(t.done() for t in tasks):
            raise RuntimeError(f"a screen failed to connect: {[t.exception() for t in tasks if t.done()][:1]}")
    await asyncio.sleep(1)  # let the phones settle

    # Latency: a steady rate of calls from counters that are not busy.
    latency_start = len(traffic.presses)
    pending = []
    end = time.perf_counter() + settings.latency_seconds
    while time.perf_counter() < end:
        idle = [c for c in counters if not c.busy]
        pending.append(asyncio.create_task(rng.choice(idle).press(traffic)))
        await asyncio.sleep(rng.expovariate(settings.rate))
    await asyncio.gather(*pending)
    await asyncio.sleep(2)  # the last calls reach their screens
    latency = latency_figures(traffic, traffic.presses[latency_start:])

    # Throughput: every counter presses again as soon as it is answered.
    done_before = len(traffic.presses)
    throughput_end = time.perf_counter() + settings.seconds

    async def keep_pressing(counter: Counter) -> None:
        while time.perf_counter() < throughput_end and await counter.press(traffic):
            pass

    started = time.perf_counter()
    await asyncio.gather(*(keep_pressing(c) for c in counters))
    elapsed = time.perf_counter() - started
    commands = len(traffic.presses) - done_before
    stop.set()
    await asyncio.gather(*(c.close() for c in counters))
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "latency": latency,
        "throughput": {
            "commands": commands,
            "seconds": round(elapsed, 1),
            "commands_per_second": round(commands / elapsed, 1),
            "ms_per_command": round(elapsed * 1000 / commands, 2) if commands else None,
            "press_to_ack_ms": summary_ms([p.acked - p.sent for p in traffic.presses[done_before:] if p.acked]),
        },
        "connections": {
            "screens": sum(traffic.screens_of_zone.values()),
            "phones": phones * settings.halls,
            "counters": len(counters),
            "phone_messages": traffic.phone_messages,
        },
        "errors": traffic.errors[:10],
    }


def node_memory_mb(node: ServerProcess) -> float:
    process = psutil.Process(node.process.pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return round(total / 2**20, 1)


def run_shape(nodes: int, settings: Settings, postgres: PostgresServer, workdir: Path) -> dict:
    folder = workdir / f"n{nodes}"
    write_halls(folder / "halls", settings)
    database = postgres.create_database(f"cluster_{nodes}_{uuid.uuid4().hex[:6]}")
    started = time.perf_counter()
    servers = []
    for i in range(nodes):  # one at a time: the first creates the halls' schemas
        servers.append(
            ServerProcess(None, folder / f"data-{i}", database=database, config_dir=folder / "halls").start(timeout=300)
        )
    startup = time.perf_counter() - started
    balancer = Nginx([s.port for s in servers], folder / "nginx", require_nginx()).start()
    try:
        tokens = asyncio.run(issue_tickets(balancer.url, settings))
        figures = asyncio.run(drive(balancer.url, balancer.ws_url, settings, tokens))
        figures["nodes"] = nodes
        figures["startup_seconds"] = round(startup, 1)
        figures["node_memory_mb"] = [node_memory_mb(s) for s in servers]
        return figures
    finally:
        balancer.stop()
        for server in servers:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--halls", type=int, default=50)
    parser.add_argument("--counters", type=int, default=20)
    parser.add_argument("--connections", type=int, default=3000)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    settings = Settings(
        halls=args.halls,
        counters=args.counters,
        connections=args.connections,
        nodes=tuple(args.nodes),
        rate=args.rate,
        latency_seconds=args.latency_seconds,
        seconds=args.seconds,
    )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="antrian-cluster-"))
    postgres = PostgresServer(require_postgres()).start()
    try:
        results = [run_shape(n, settings, postgres, workdir) for n in settings.nodes]
    finally:
        postgres.close()
    print(json.dumps({"settings": settings.__dict__ | {"nodes": list(settings.nodes)}, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
