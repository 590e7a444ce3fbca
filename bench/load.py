"""Load proof: a busy hall x100 on loopback, with the server's memory and fds sampled.

    python bench/load.py --minutes 3          # default 10 minutes; --json for `make bench`

- 50 counters calling (about 10 calls/s overall), 10 kiosks issuing (about 10 tickets/s);
- 1000 screen WebSocket connections (tv1, tv1-grid, tv2) in two worker processes, churning:
  each connection lives a random time (mean `--lifetime` s), then closes and reconnects;
- `--phones N`: N of those connections are visitors' phones instead (`/ws/ticket/{token}`, each
  following a ticket its worker took first), which hear of each queue change that alters
  their visitor's view (people ahead, wait) and of their own call;
- every `--sample` s: the server's RSS and open fds (psutil on its pid);
- call -> screen latency: a screen's receipt time minus the call's `at` (both wall clock,
  same machine), p50/p99 over every call received by every screen;
- the server and its speech worker pinned to CPU 0 and every client to CPU 1 (`bench/pinning.py`,
  issue 19), unless `--no-pin` or the machine has no two CPUs to pin to.

Not part of the test suite. Bounded in count and time: it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import psutil
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.lean_socket import LeanSocket
from bench.pinning import can_pin, start_pinned
from tests.support.hall_config import loopback_hall, test_config_text, token_for
from tests.support.server import ServerProcess

SCREENS = ("tv1", "tv1-grid", "tv2")
ISSUE_SERVICES = ("ktp", "kk", "jkn")
WANTED_FDS = 65_536


@dataclass
class Settings:
    minutes: float = 10.0
    counters: int = 50
    screens: int = 1000
    kiosks: int = 10
    issues_per_s: float = 10.0
    calls_per_s: float = 10.0
    lifetime: float = 60.0  # mean seconds a screen connection lives before it churns
    phones: int = 0  # of the `screens` connections, how many are visitors' phones following a ticket
    sample: float = 5.0
    workers: int = 2
    seed: int = 11
    client: str = "lean"  # "lean": raw-socket TVs; "websockets": the full Python client library
    pin: bool = True  # the server (and its speech worker) on CPU 0, every client on CPU 1


@dataclass
class ScreenStats:
    latencies: list[float] = field(default_factory=list)
    messages: int = 0
    connects: int = 0
    churned: int = 0
    dropped_4008: int = 0
    other_closes: int = 0
    failed_connects: int = 0


# --- file descriptors ------------------------------------------------------------------


def raise_fd_limit(wanted: int = WANTED_FDS) -> int:
    """Raise this process's soft RLIMIT_NOFILE (children, the server included, inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- screens (worker processes) --------------------------------------------------------


def screen_worker(
    url: str, count: int, phones: int, duration: float, lifetime: float, seed: int, client: str, results
) -> None:
    raise_fd_limit()
    results.put(asyncio.run(_screen_worker(url, count, phones, duration, lifetime, seed, client)))


async def _screen_worker(
    url: str, count: int, phones: int, duration: float, lifetime: float, seed: int, client: str
) -> tuple[ScreenStats, ScreenStats]:
    """`count` connections, the first `phones` of them phones; (TV stats, phone stats)."""
    tvs, phone_stats = ScreenStats(), ScreenStats()
    deadline = time.monotonic() + duration
    rng = random.Random(seed)
    ws_url = url.replace("http://", "ws://", 1)
    connect = _lean_screen_connection if client == "lean" else _screen_connection
    tokens = await _take_tickets(url, phones, rng)
    tasks = []
    for i in range(count):
        if i < len(tokens):
            path, stats = f"/ws/ticket/{tokens[i]}", phone_stats
        else:
            path, stats = f"/ws/screen/{SCREENS[i % 3]}", tvs
        tasks.append(asyncio.create_task(connect(ws_url, path, stats, deadline, lifetime, rng)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # ramp up instead of a thundering herd
    await asyncio.wait(tasks, timeout=duration + 30)
    for task in tasks:
        task.cancel()
    return tvs, phone_stats


async def _take_tickets(url: str, count: int, rng: random.Random) -> list[str]:
    """Each phone's visitor takes a ticket first; the phone follows it (its status token)."""
    tokens = []
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for _ in range(count):
            response = await client.post(
                "/api/tickets", json={"service": rng.choice(ISSUE_SERVICES), "request_id": uuid.uuid4().hex}
            )
            if response.status_code == 201:
                tokens.append(response.json()["token"])
    return tokens


async def _screen_connection(ws_url, path, stats: ScreenStats, deadline, lifetime, rng) -> None:
    first = True
    while time.monotonic() < deadline:
        until = min(deadline, time.monotonic() + rng.expovariate(1 / lifetime))
        try:
            async with websockets.connect(f"{ws_url}{path}", open_timeout=30) as socket:
                stats.connects += 1
                stats.churned += not first
                first = False
                await _read_screen(socket, stats, until)
        except websockets.ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == 4008:
                stats.dropped_4008 += 1
            else:
                stats.other_closes += 1
        except (TimeoutError, OSError, websockets.WebSocketException):
            stats.failed_connects += 1
            await asyncio.sleep(1 + rng.random())


async def _read_screen(socket, stats: ScreenStats, until: float) -> None:
    while (left := until - time.monotonic()) > 0:
        try:
            raw = await asyncio.wait_for(socket.recv(), left)
        except TimeoutError:
            return
        stats.messages += 1
        if '"type":"call"' in raw:
            received = time.time()
            at = json.loads(raw)["call"]["at"]
            stats.latencies.append(received - datetime.fromisoformat(at).timestamp())


# The lean client (`bench/lean_socket.py`) parses only the call's `at`: 1000 TVs share the
# machine with the server here, and the full `websockets` client's CPU would count as its latency.
_AT = re.compile(rb'"at":"([^"]+)"')


class _LeanScreen(LeanSocket):
    def __init__(self, path: str, host: str, stats: ScreenStats):
        super().__init__(path, host)
        self.stats = stats

    def text_received(self, payload: bytes, received: float) -> None:
        self.stats.messages += 1
        if b'"type":"call"' in payload[:96]:  # after seq and prev_seq, which grow to many digits
            at = _AT.search(payload)
            if at:
                self.stats.latencies.append(received - datetime.fromisoformat(at.group(1).decode()).timestamp())


async def _lean_screen_connection(ws_url, path, stats: ScreenStats, deadline, lifetime, rng) -> None:
    host = ws_url.removeprefix("ws://")
    address, port = host.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    first = True
    while time.monotonic() < deadline:
        until = min(deadline, time.monotonic() + rng.expovariate(1 / lifetime))
        transport = None
        try:
            transport, screen = await asyncio.wait_for(
                loop.create_connection(lambda: _LeanScreen(path, host, stats), address, int(port)), 30
            )
            upgraded = await asyncio.wait_for(screen.upgraded, 30)
        except (TimeoutError, OSError):
            if transport is not None:
                transport.close()
            stats.failed_connects += 1
            await asyncio.sleep(1 + rng.random())
            continue
        try:
            if not upgraded:
                stats.failed_connects += 1
                continue
            stats.connects += 1
            stats.churned += not first
            first = False
            try:
                code = await asyncio.wait_for(asyncio.shield(screen.closed), max(0.0, until - time.monotonic()))
            except TimeoutError:
                screen.close()
            else:
                stats.dropped_4008 += code == 4008
                stats.other_closes += code != 4008
        finally:
            transport.close()


# --- counters and kiosks (main process) ------------------------------------------------


@dataclass
class Traffic:
    issued: int = 0
    issue_errors: int = 0
    calls: int = 0
    empty: int = 0
    command_errors: int = 0
    ack_latencies: list[float] = field(default_factory=list)


async def kiosk(url: str, interval: float, traffic: Traffic, deadline: float, rng: random.Random) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.expovariate(1 / interval))
            try:
                response = await client.post(
                    "/api/tickets", json={"service": rng.choice(ISSUE_SERVICES), "request_id": uuid.uuid4().hex}
                )
                traffic.issued += response.status_code == 201
                traffic.issue_errors += response.status_code != 201
            except httpx.HTTPError:
                traffic.issue_errors += 1


async def counter(
    ws_url: str, counter_id: str, interval: float, traffic: Traffic, deadline: float, rng: random.Random
) -> None:
    # max_queue=None: news left unread at the deadline must not stop the client reading the
    # server's close frame (it would wait its 10 s close timeout), as in core_bench.
    async with websockets.connect(f"{ws_url}/ws/counter", open_timeout=30, max_queue=None) as socket:
        await socket.send(json.dumps({"type": "hello", "counter": counter_id, "token": token_for(counter_id)}))
        json.loads(await socket.recv())
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.expovariate(1 / interval))
            request_id = uuid.uuid4().hex
            sent = time.monotonic()
            await socket.send(json.dumps({"type": "call_next", "id": request_id}))
            reply = await _reply(socket, request_id)
            if reply.get("type") == "ack":
                traffic.calls += 1
                traffic.ack_latencies.append(time.monotonic() - sent)
            elif reply.get("code") == "queue_empty":
                traffic.empty += 1
            else:
                traffic.command_errors += 1


async def _reply(socket, request_id: str) -> dict:
    for _ in range(10_000):  # bounded: pushes (waiting counts) may come before the reply
        message = json.loads(await asyncio.wait_for(socket.recv(), 30))
        if message.get("id") == request_id:
            return message
    return {}


# --- sampling --------------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    rss_mb: float
    fds: int
    cpu: float


async def sampler(pid: int, every: float, deadline: float, samples: list[Sample], started: float) -> None:
    process = psutil.Process(pid)
    process.cpu_percent()
    while time.monotonic() < deadline:
        await asyncio.sleep(every)
        samples.append(
            Sample(
                time.monotonic() - started, process.memory_info().rss / 2**20, process.num_fds(), process.cpu_percent()
            )
        )


# --- the run ---------------------------------------------------------------------------


async def drive(server: ServerProcess, settings: Settings, duration: float, samples: list[Sample]) -> Traffic:
    traffic = Traffic()
    rng = random.Random(settings.seed)
    started = time.monotonic()
    deadline = started + duration
    tasks = [asyncio.create_task(sampler(server.process.pid, settings.sample, deadline, samples, started))]
    tasks += [
        asyncio.create_task(
            kiosk(server.url, settings.kiosks / settings.issues_per_s, traffic, deadline, random.Random(rng.random()))
        )
        for _ in range(settings.kiosks)
    ]
    tasks += [
        asyncio.create_task(
            counter(
                server.ws_url,
                f"loket-{i}",
                settings.counters / settings.calls_per_s,
                traffic,
                deadline,
                random.Random(rng.random()),
            )
        )
        for i in range(1, settings.counters + 1)
    ]
    await asyncio.wait(tasks, timeout=duration + 60)
    for task in tasks:
        task.cancel()
    return traffic


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(settings: Settings, workdir: Path) -> dict:
    fd_limit = raise_fd_limit()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "antrian.toml"
    config.write_text(loopback_hall(test_config_text(counters=settings.counters)), encoding="utf-8")
    pinned = settings.pin and can_pin()
    server = start_pinned(config, workdir / "data") if pinned else ServerProcess(config, workdir / "data").start()
    duration = settings.minutes * 60
    samples: list[Sample] = []
    try:
        pid = server.process.pid
        baseline = Sample(0, psutil.Process(pid).memory_info().rss / 2**20, psutil.Process(pid).num_fds(), 0)
        results: multiprocessing.Queue = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(
                target=screen_worker,
                args=(
                    server.url,
                    settings.screens // settings.workers,
                    settings.phones // settings.workers,
                    duration,
                    settings.lifetime,
                    settings.seed + i,
                    settings.client,
                    results,
                ),
            )
            for i in range(settings.workers)
        ]
        for worker in workers:
            worker.start()
        traffic = asyncio.run(drive(server, settings, duration, samples))
        tvs, phones = zip(*(results.get(timeout=120) for _ in workers))
        for worker in workers:
            worker.join(30)
        time.sleep(3)  # let the server notice the last closes
        after = Sample(duration, psutil.Process(pid).memory_info().rss / 2**20, psutil.Process(pid).num_fds(), 0)
    finally:
        server.stop()
    report = summarize(settings, fd_limit, baseline, samples, after, traffic, list(tvs), list(phones))
    return {"pinned": pinned, **report}


def summarize(
    settings,
    fd_limit,
    baseline: Sample,
    samples: list[Sample],
    after: Sample,
    traffic: Traffic,
    tvs: list[ScreenStats],
    phones: list[ScreenStats],
) -> dict:
    latencies = [x for s in tvs for x in s.latencies]
    phone_latencies = [x for s in phones for x in s.latencies]
    screens = tvs + phones
    churned = sum(s.churned for s in screens)
    steady = samples[len(samples) // 3 :]  # after the ramp-up
    growth = (steady[-1].rss_mb - steady[0].rss_mb) if len(steady) >= 2 else float("nan")
    churn_in_steady = churned * (len(steady) / max(1, len(samples)))
    return {
        "minutes": settings.minutes,
        "screen_client": settings.client,
        "fd_limit": fd_limit,
        "screen_connections": settings.screens,
        "of_which_phones": settings.phones,
        "screen_connects_total": sum(s.connects for s in screens),
        "churned_connections": churned,
        "dropped_4008": sum(s.dropped_4008 for s in screens),
        "other_closes": sum(s.other_closes for s in screens),
        "failed_connects": sum(s.failed_connects for s in screens),
        "tickets_issued": traffic.issued,
        "issue_errors": traffic.issue_errors,
        "calls": traffic.calls,
        "calls_per_s": round(traffic.calls / (settings.minutes * 60), 2),
        "queue_empty_replies": traffic.empty,
        "command_errors": traffic.command_errors,
        "call_acks_p50_ms": round(percentile(traffic.ack_latencies, 0.5) * 1000, 1),
        "call_acks_p99_ms": round(percentile(traffic.ack_latencies, 0.99) * 1000, 1),
        "calls_received_by_screens": len(latencies),
        "call_to_screen_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "call_to_screen_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "call_to_screen_max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "phone_messages_received": sum(s.messages for s in phones),
        "own_calls_received_by_phones": len(phone_latencies),
        "call_to_phone_p99_ms": round(percentile(phone_latencies, 0.99) * 1000, 1),
        "rss_mb_idle": round(baseline.rss_mb, 1),
        "rss_mb_steady_first": round(steady[0].rss_mb, 1) if steady else None,
        "rss_mb_steady_last": round(steady[-1].rss_mb, 1) if steady else None,
        "rss_mb_max": round(max((s.rss_mb for s in samples), default=float("nan")), 1),
        "rss_growth_kb_per_churned_connection": round(growth * 1024 / churn_in_steady, 3) if churn_in_steady else None,
        "fds_idle": baseline.fds,
        "fds_max": max((s.fds for s in samples), default=0),
        "fds_after_clients_left": after.fds,
        "rss_mb_after_clients_left": round(after.rss_mb, 1),
        "server_cpu_percent_median": round(statistics.median(s.cpu for s in samples), 1) if samples else None,
        "samples": [(round(s.at), round(s.rss_mb, 1), s.fds) for s in samples],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--counters", type=int, default=50)
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--kiosks", type=int, default=10)
    parser.add_argument(
        "--phones", type=int, default=0, help="how many of the --screens connections are phones following a ticket"
    )
    parser.add_argument("--lifetime", type=float, default=60.0, help="mean seconds a screen connection lives")
    parser.add_argument(
        "--client",
        choices=("lean", "websockets"),
        default="lean",
        help="screen client: raw-socket TVs (default) or the full websockets library",
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="let the server and the clients share every CPU (default: server on CPU 0, clients on CPU 1)",
    )
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    settings = Settings(
        minutes=min(args.minutes, 120),
        counters=args.counters,
        screens=min(args.screens, 20_000),
        kiosks=args.kiosks,
        lifetime=args.lifetime,
        client=args.client,
        phones=min(args.phones, args.screens),
        pin=args.pin,
    )
    if args.workdir:
        report = run(settings, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="antrian-load-") as workdir:
            report = run(settings, Path(workdir))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for key, value in report.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
