"""Latency from `announce()` to a playable WAV, cold cache (new sentences) and warm (repeats).

    python bench/audio_bench.py [--calls 200]

Runs the real worker process (eSpeak NG, at its normal lowered priority) on the demo config and
prints JSON. Calls are made one at a time, as a counter would, so the figures are latency, not
throughput. No prewarm plan is given: every cold call is synthesised on demand.
Targets: p99 <= 150 ms cold, <= 10 ms warm.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from antrian_voice import Announcer  # noqa: E402
from antrian_voice.process import WORKER_NICE  # noqa: E402
from display_server.announce import spoken_call  # noqa: E402
from display_server.config import demo_config_path, load_config  # noqa: E402

TARGET_MS = {"cold": 150.0, "warm": 10.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(name: str, samples: list[float]) -> dict[str, float | int | bool]:
    ms = [s * 1000 for s in samples]
    p99 = percentile(ms, 99)
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "target_p99_ms": TARGET_MS[name],
        "ok": p99 <= TARGET_MS[name],
    }


async def run(calls: int, nice: int = WORKER_NICE) -> dict[str, object]:
    config = load_config(demo_config_path())
    with tempfile.TemporaryDirectory(prefix="antrian-audio-bench-") as tmp:
        announcer = Announcer(config.voice, Path(tmp), nice=nice)
        await announcer.start()
        try:

            async def say(text: str) -> Path | None:
                announcer.announce(text)
                return await announcer.wav(announcer.key(text), timeout=30)

            # One call to get the worker process up; its start-up is not a call's latency.
            started = time.perf_counter()
            await say(announcer.sentence(spoken_call(config, "A-999", "loket-1")))
            startup = time.perf_counter() - started

            pairs = [(s, c) for c in config.counters for sid in c.services if (s := config.service(sid))]
            texts = []
            for i in range(calls):
                service, counter = pairs[i % len(pairs)]
                call = spoken_call(config, f"{service.prefix}-{i + 1:03d}", counter.id, service_id=service.id)
                texts.append(announcer.sentence(call))

            async def measure() -> list[float]:
                samples = []
                for text in texts:
                    t0 = time.perf_counter()
                    path = await say(text)
                    samples.append(time.perf_counter() - t0)
                    if path is None:
                        raise RuntimeError(f"no audio for {text!r}")
                return samples

            cold = await measure()
            warm = await measure()
        finally:
            await announcer.stop()
    return {
        "bench": "audio announce -> wav available",
        "config": "demo",
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "worker_nice": nice,
        "worker_startup_ms": round(startup * 1000, 1),
        "cold": summary("cold", cold),
        "warm": summary("warm", warm),
        "worker_restarts": announcer.restarts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="distinct sentences per pass")
    parser.add_argument("--nice", type=int, default=WORKER_NICE, help="the worker's priority increment")
    args = parser.parse_args()
    result = asyncio.run(run(args.calls, args.nice))
    print(json.dumps(result, indent=2))
    cold, warm = result["cold"], result["warm"]
    assert isinstance(cold, dict) and isinstance(warm, dict)
    sys.exit(0 if cold["ok"] and warm["ok"] else 1)


if __name__ == "__main__":
    main()
