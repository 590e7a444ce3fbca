"""The push at the floor (issue 19): call -> the last TV, with the voice on and off, the server pinned.

    python bench/fanout_bench.py [--runs 3] [--calls 60] [--cases full:10,full:100,probe:100,probe:1000]

The server and everything it starts (its speech worker) run on CPU 0, this load client on
CPU 1, as a hall's mini PC would serve TVs that are machines of their own. For each case a
fresh server is started, N display sockets are opened, and each call is timed from the
counter's `call_next` to the moment the last timed display holds the number:

- "full": every one of the N sockets is timed;
- "probe": N sockets are open, the last 20 opened are timed (the others only read), so the
  client's own cost per socket does not hide the server's.

Voice on is the default config (speech on, the real eSpeak NG worker: the call's WAV is made
after it is pushed, and the next numbers are prewarmed while the hall is idle); voice off is
`[voice] enabled = false`. Runs are interleaved, and the order turns each run (off then on,
then on then off, ...), so that the machine's noise, and whatever befalls the first server
after a pause, falls on both alike. Calls come at a random gap of 0.1-0.9 s, around the worker's
`idle_after_call`, so some find the worker prewarming. Prints JSON: per case and voice, the
median over runs of each run's p50 and p99, the counter's ack, the server's CPU per call
(its worker included) and its RSS; and the p50 and p99 of every run's calls pooled, which
`voice_cost_pct` compares. With 60 calls a run, a run's p99 is its second slowest call, and
the median of three such runs swings by ±25 % between series; the pooled p99 rests on every
call of the interleaved runs. Two servers of the same code started minutes apart differ by
more than the voice does at 10 TVs (a run's p99 from 10 to 33 ms in one series here), so what
steadies the comparison is the number of servers a setting more than the calls each: `make
bench` runs 6 (`--runs 6`), and the voice's target was measured with `--runs 8`.

A run that spans midnight in the bench hall's timezone (Asia/Makassar, UTC+8) finds its tickets
in the day before's queue and stops with the refused call's reply: start it well before 16:00 UTC.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.core_bench import ack_of, open_counters, percentile  # noqa: E402
from bench.lean_socket import LeanSocket, open_lean  # noqa: E402
from bench.pinning import CLIENT_CPU, SERVER_CPU, affinities, can_pin, pin_clients, start_pinned  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

COUNTERS = 10
SCREEN_IDS = 10
PROBES = 20
GAP_SECONDS = (0.1, 0.9)
PREFIXES = ("A", "B", "C")
Samples = tuple[list[float], list[float]]  # one run's call -> last display and ack, in seconds


def bench_config(voice: bool) -> str:
    lines = [
        '[site]\nname = "Bench hall"\ntimezone = "Asia/Makassar"\n',
        # Every bench client is on loopback, one address: lift the per-address cap for it.
        '[security]\nadmin_token = "bench-admin-token"\nissue_rate_per_minute = 1000000\n'
        "max_connections = 5000\nmax_websockets_per_address = 5000\n",
        "" if voice else "[voice]\nenabled = false\n",
        '[[zones]]\nid = "hall"\nname = "Hall"\n',
        '[[agencies]]\nid = "a"\nname = "Agency"\n',
        '[[services]]\nid = "s"\nname = "Service"\nagency = "a"\nprefix = "A"\n',
        '[[services]]\nid = "t"\nname = "Other service"\nagency = "a"\nprefix = "B"\n',
        '[[services]]\nid = "u"\nname = "Third service"\nagency = "a"\nprefix = "C"\n',
    ]
    for i in range(1, COUNTERS + 1):
        # Every counter serves the three services: the prewarm plan has 30 service x counter pairs.
        lines.append(
            f'[[counters]]\nid = "c{i}"\nname = "Loket {i}"\nservices = ["s", "t", "u"]\nzone = "hall"\n'
            f'token = "bench-token-{i}"\n'
        )
    for i in range(1, SCREEN_IDS + 1):
        lines.append(f'[[screens]]\nid = "tv{i}"\nzone = "hall"\n')
    return "\n".join(lines)


class Display(LeanSocket):
    """A timed display: it notes when the number it waits for arrives. (Probe mode's untimed
    sockets are plain `LeanSocket`s, which read and answer pings only.)"""

    def __init__(self, path: str, host: str):
        super().__init__(path, host)
        self.seen = b""  # text since the last number found, in case it comes before it is awaited
        self.waiting: tuple[bytes, asyncio.Future] | None = None

    def text_received(self, payload: bytes, received: float) -> None:
        if self.waiting and self.waiting[0] in payload:
            _, future = self.waiting
            self.waiting, self.seen = None, b""
            future.set_result(time.perf_counter())
        else:
            self.seen = (self.seen + payload)[-65536:]

    def expect(self, number: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        needle = f'"number":"{number}"'.encode()
        if needle in self.seen:
            self.seen = b""
            future.set_result(time.perf_counter())
        else:
            self.waiting = (needle, future)
        return future


async def open_displays(port: int, n: int, timed: int) -> tuple[list[Display], list[LeanSocket]]:
    def path(i: int) -> str:
        return f"/ws/screen/tv{i % SCREEN_IDS + 1}"

    others = [await open_lean(LeanSocket, "127.0.0.1", port, path(i)) for i in range(n - timed)]
    probes = [await open_lean(Display, "127.0.0.1", port, path(i)) for i in range(timed)]
    return probes, others  # type: ignore[return-value]


def cpu_seconds(proc: psutil.Process) -> float:
    """The server's CPU time and its children's (the speech worker), live or reaped."""
    total = sum(proc.cpu_times()[:4])
    for child in proc.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


async def one_run(server: ServerProcess, mode: str, n: int, calls: int, seed: int) -> tuple[dict, Samples]:
    """The run's figures, and every call's latencies for the pooled ones."""
    rng = random.Random(seed)
    services = ["s", "t", "u"]
    async with httpx.AsyncClient(base_url=server.url) as http:
        for i in range(calls):  # one ticket per call, issued in call order across the services
            (await http.post("/api/tickets", json={"service": services[i % 3]})).raise_for_status()
    probes, others = await open_displays(server.port, n, n if mode == "full" else min(PROBES, n))
    counters = await open_counters(server.ws_url, COUNTERS)
    proc = psutil.Process(server.process.pid)
    await asyncio.sleep(1.0)  # let the welcome traffic settle
    cpu_before = cpu_seconds(proc)
    last_display, acks = [], []
    for i in range(calls):
        counter = counters[i % COUNTERS]
        request_id = f"fanout-{mode}-{n}-{seed}-{i}"
        number = f"{PREFIXES[i % 3]}-{i // 3 + 1:03d}"  # call_next takes the oldest: issue order
        arrivals = [display.expect(number) for display in probes]
        started = time.perf_counter()
        await counter.send(json.dumps({"type": "call_next", "id": request_id}))
        ack = await ack_of(counter, request_id)
        acked = time.perf_counter()
        assert ack.get("ticket", {}).get("number") == number, ack
        held = max(await asyncio.gather(*arrivals))
        acks.append(acked - started)
        last_display.append(held - started)
        await asyncio.sleep(rng.uniform(*GAP_SECONDS))
    cpu_per_call = (cpu_seconds(proc) - cpu_before) / calls
    rss = proc.memory_info().rss
    for socket in counters:
        await socket.close()
    for display in [*probes, *others]:
        if display.transport is not None:
            display.transport.close()
    figures = {**latencies(last_display, acks), "cpu_ms_per_call": cpu_per_call * 1000, "rss_mb": rss / 2**20}
    return figures, (last_display, acks)


def latencies(last_display: list[float], acks: list[float]) -> dict:
    return {
        "last_display_p50": percentile(last_display, 50) * 1000,
        "last_display_p99": percentile(last_display, 99) * 1000,
        "ack_p99": percentile(acks, 99) * 1000,
    }


def median_of(runs: list[dict]) -> dict:
    return {key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]}


def pooled(runs: list[Samples]) -> dict:
    last_display = [value for run_last_display, _ in runs for value in run_last_display]
    acks = [value for _, run_acks in runs for value in run_acks]
    return {key: round(value, 2) for key, value in latencies(last_display, acks).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--cases", default="full:10,full:100,probe:100,probe:1000")
    args = parser.parse_args()
    if not can_pin():
        sys.exit("the fan-out bench needs two CPUs: one for the server, one for the clients")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    pin_clients()
    cases = [(mode, int(n)) for mode, n in (case.split(":") for case in args.cases.split(","))]
    runs: dict[tuple[str, int, bool], list[dict]] = {}
    samples: dict[tuple[str, int, bool], list[Samples]] = {}
    pinned: list[dict[str, list[int]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        configs = {voice: folder / f"voice-{voice}.toml" for voice in (False, True)}
        for voice, path in configs.items():
            path.write_text(bench_config(voice))
        for run in range(args.runs):
            for mode, n in cases:
                for voice in (False, True) if run % 2 == 0 else (True, False):
                    server = start_pinned(configs[voice], folder / f"data-{mode}-{n}-{voice}-{run}")
                    try:
                        result, calls = asyncio.run(one_run(server, mode, n, args.calls, seed=run))
                        if voice:
                            pinned.append(affinities(server))
                    finally:
                        server.stop()
                    runs.setdefault((mode, n, voice), []).append(result)
                    samples.setdefault((mode, n, voice), []).append(calls)
                    print(json.dumps({"run": run, "mode": mode, "n": n, "voice": voice, **result}), file=sys.stderr)
    results = []
    for mode, n in cases:
        pooled_off, pooled_on = pooled(samples[(mode, n, False)]), pooled(samples[(mode, n, True)])
        results.append(
            {
                "mode": mode,
                "displays": n,
                "voice_off": median_of(runs[(mode, n, False)]),
                "voice_on": median_of(runs[(mode, n, True)]),
                "pooled_off": pooled_off,
                "pooled_on": pooled_on,
                "voice_cost_pct": round((pooled_on["last_display_p99"] / pooled_off["last_display_p99"] - 1) * 100, 1),
            }
        )
    print(
        json.dumps(
            {
                "bench": "fanout",
                "server_cpu": SERVER_CPU,
                "client_cpu": CLIENT_CPU,
                "affinity": pinned[:1],
                "runs": args.runs,
                "calls": args.calls,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
