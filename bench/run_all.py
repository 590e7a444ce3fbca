"""Every performance target, measured by one command: `make bench` (or `python bench/run_all.py`).

Each bench script runs a real server (or the real speech worker) and prints JSON. This runner
collects them, checks each figure against its target, prints a table, and writes
`bench/results/latest.json`. Targets are checked here, never in the test suite: the machines
are shared and timings are noisy, so a miss is a figure to look at, not a red build.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Target:
    bench: str
    what: str
    path: tuple  # keys and list indices into the bench's JSON
    limit_ms: float  # the limit, in `unit`
    unit: str = "ms"


SCRIPTS = {
    "core": ["core_bench.py", "--screens", "10,100,1000", "--calls", "200"],
    "audio": ["audio_bench.py", "--calls", "200"],
    "counter": ["counter_bench.py", "--presses", "200"],
    "screen": ["screen_bench.py"],
    "fanout": ["fanout_bench.py", "--runs", "6", "--calls", "60"],
    # A generated year of a busy hall (1.1 M visits); the detail file of one month (a year's
    # takes minutes: `python bench/report_bench.py` measures it).
    "reports": ["report_bench.py", "--detail-days", "31"],
    # 100x a busy hall for 3 minutes, pinned as issue 19 defines (10 minutes:
    # `python bench/load.py`, docs/reliability.md).
    "load": ["load.py", "--minutes", "3", "--json"],
    # Issue 17: 50 halls x 20 counters, 3,000 screens and phones, on 1, 2 and 3 nodes.
    "cluster": ["cluster.py"],
}

TARGETS = [
    Target("core", "call -> all screens p99, 10 screens", ("results", 0, "all_screens_ms", "p99"), 20),
    Target("core", "call -> all screens p99, 100 screens", ("results", 1, "all_screens_ms", "p99"), 20),
    Target("core", "call -> all screens p99, 1000 screens", ("results", 2, "all_screens_ms", "p99"), 100),
    Target("audio", "call -> WAV available p99, cold cache", ("cold", "p99_ms"), 150),
    Target("audio", "call -> WAV available p99, warm cache", ("warm", "p99_ms"), 10),
    # Issue 18: a recorded voice pack, and the pack then the call in English by eSpeak NG.
    Target("audio", "voice pack: call -> WAV p99, cold cache", ("pack", "cold", "p99_ms"), 150),
    Target("audio", "voice pack + English: call -> WAV p99, cold cache", ("pack+en", "cold", "p99_ms"), 150),
    Target("counter", "key press -> ack p99", ("press_to_ack", "p99_ms"), 50),
    Target("counter", "key press -> screen event p99", ("press_to_screen_call", "p99_ms"), 50),
    Target("screen", "call_next -> number in a Chromium page's DOM p99", ("p99_ms",), 250),
    # Issue 19: the server and its speech worker pinned to CPU 0, the clients on CPU 1 (results
    # 0-3: full 10, full 100, probe 100, probe 1000).
    Target(
        "fanout", "voice on over voice off, call -> last TV p99, full 10", ("results", 0, "voice_cost_pct"), 10, "%"
    ),
    Target(
        "fanout", "voice on over voice off, call -> last TV p99, full 100", ("results", 1, "voice_cost_pct"), 10, "%"
    ),
    Target(
        "fanout", "voice on over voice off, call -> last TV p99, probe 100", ("results", 2, "voice_cost_pct"), 10, "%"
    ),
    Target(
        "fanout", "voice on over voice off, call -> last TV p99, probe 1000", ("results", 3, "voice_cost_pct"), 10, "%"
    ),
    Target("fanout", "voice on, call -> last TV p99, full 100", ("results", 1, "voice_on", "last_display_p99"), 15),
    Target("fanout", "voice on, call -> last TV p99, probe 100", ("results", 2, "voice_on", "last_display_p99"), 15),
    Target("fanout", "voice on, call -> last TV p99, probe 1000", ("results", 3, "voice_on", "last_display_p99"), 30),
    Target("fanout", "voice on, counter ack p99, 1000 TVs", ("results", 3, "voice_on", "ack_p99"), 10),
    Target("fanout", "voice on, server RSS, 1000 TVs", ("results", 3, "voice_on", "rss_mb"), 100, "MB"),
    Target("load", "100x a busy hall: call -> screen p99", ("call_to_screen_p99_ms",), 100),
    Target("load", "100x a busy hall: counter ack p99", ("call_acks_p99_ms",), 50),
    # Issue 14: reports at a year of a busy hall.
    Target("reports", "monthly recap, a year of 3,000 tickets a day", ("recap_month", "median_ms"), 300),
    Target("reports", "yearly recap, a year of 3,000 tickets a day", ("recap_year", "median_ms"), 3000),
    # Issue 17 (docs/scaling.md): a TV shows a call and a counter has its ack within half a
    # second, whichever node each is on; the machine takes the arithmetic's peak of 200 halls
    # (50 commands a second: 20 ms a command) with every counter of 50 halls pressing at once.
    Target(
        "cluster",
        "3 nodes: call -> all screens of its zone p99",
        ("results", 2, "latency", "call_to_all_screens_ms", "p99"),
        500,
    ),
    Target("cluster", "3 nodes: press -> ack p99", ("results", 2, "latency", "press_to_ack_ms", "p99"), 500),
    Target(
        "cluster",
        "3 nodes: time per command, all counters pressing",
        ("results", 2, "throughput", "ms_per_command"),
        20,
    ),
]


def run_bench(name: str) -> dict | None:
    script = SCRIPTS[name]
    if not (BENCH / script[0]).exists():
        return None
    print(f"running {name} bench ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(BENCH / script[0]), *script[1:]], capture_output=True, text=True)
    if done.returncode != 0 and not done.stdout.strip():
        print(done.stderr[-2000:], file=sys.stderr)
        return {"error": f"exit {done.returncode}"}
    result = json.loads(done.stdout[done.stdout.index("{") :])
    result["_seconds"] = round(time.monotonic() - started, 1)
    return result


def lookup(result: dict, path: tuple):
    value = result
    for key in path:
        value = value[key]
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("benches", nargs="*", default=list(SCRIPTS), help=f"some of: {', '.join(SCRIPTS)}")
    args = parser.parse_args()
    results = {name: run_bench(name) for name in args.benches}
    rows, misses = [], 0
    for target in TARGETS:
        result = results.get(target.bench)
        if not result or "error" in result:
            rows.append((target.what, "not run", f"<= {target.limit_ms:g} {target.unit}", "-"))
            continue
        try:
            value = float(lookup(result, target.path))
        except (KeyError, IndexError, TypeError):
            rows.append((target.what, "no figure", f"<= {target.limit_ms:g} {target.unit}", "-"))
            continue
        ok = value <= target.limit_ms
        misses += not ok
        rows.append(
            (
                target.what,
                f"{value:.1f} {target.unit}",
                f"<= {target.limit_ms:g} {target.unit}",
                "ok" if ok else "MISSED",
            )
        )
    width = max(len(r[0]) for r in rows)
    for row in rows:
        print(f"{row[0]:<{width}}  {row[1]:>10}  {row[2]:>12}  {row[3]}")
    RESULTS.mkdir(exist_ok=True)
    record = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "results": results,
        "table": rows,
    }
    (RESULTS / "latest.json").write_text(json.dumps(record, indent=2))
    print(f"\n{misses} target(s) missed; details in {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
