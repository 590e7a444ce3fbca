"""Latency from `announce()` to a playable WAV, cold cache (new sentences) and warm (repeats).

    python bench/audio_bench.py [--calls 200] [--voices espeak,pack,pack+en]

Runs the real worker process (eSpeak NG, at its normal lowered priority) on the demo config and
prints JSON. Calls are made one at a time, as a counter would, so the figures are latency, not
throughput. No prewarm plan is given: every cold call is made on demand.

Three voices: `espeak` (eSpeak NG alone, the figures at the top level of the JSON), `pack` (a
voice pack with every unit the demo hall needs, recorded first by eSpeak NG in another voice and
stored as 44.1 kHz stereo WAVs, as a recorder makes them; the clips are read and prepared by
the worker while idle, as after a server's start: `--settle` seconds are left for it after the
worker's first call; `--settle 0` puts that one-time work inside the first measured calls), and
`pack+en` (the same pack, then the call in English by eSpeak NG). Targets for each: p99 <= 150 ms
cold, <= 10 ms warm.
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
import wave
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from antrian_voice import Announcer  # noqa: E402
from antrian_voice.needs import needed_units  # noqa: E402
from antrian_voice.process import WORKER_NICE  # noqa: E402
from antrian_voice.settings import Voice  # noqa: E402
from display_server.announce import spoken_call, upcoming_calls  # noqa: E402
from display_server.config import Config, demo_config_path, load_config  # noqa: E402
from display_server.contract import format_number  # noqa: E402

TARGET_MS = {"cold": 150.0, "warm": 10.0}
VOICES = ("espeak", "pack", "pack+en")


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


async def record_pack(config: Config, folder: Path) -> Path:
    """Every unit the demo hall needs, said by eSpeak NG (id+f3) and stored as 44.1 kHz stereo."""
    calls = list(upcoming_calls(config, {s.id: format_number(s.prefix, 123) for s in config.services}, 1))
    needs = needed_units(config.voice, calls)
    recorder = Announcer(config.voice.model_copy(update={"voice": "id+f3", "chime": False}), folder / "recording")
    await recorder.start()
    pack = folder / "pack"
    pack.mkdir()
    try:
        for need in needs:
            recorder.announce(need.unit)
            path = await recorder.wav(recorder.key(need.unit), timeout=30)
            if path is None:
                raise RuntimeError(f"could not record {need.unit!r}")
            with wave.open(str(path)) as f:
                mono = f.readframes(f.getnframes())
            samples = array("h", mono)
            doubled = array("h", (v for v in samples for _ in range(4)))  # 2x the rate, 2 channels
            with wave.open(str(pack / need.file_name), "wb") as f:
                f.setnchannels(2)
                f.setsampwidth(2)
                f.setframerate(44_100)
                f.writeframes(doubled.tobytes())
    finally:
        await recorder.stop()
    lines = ['name = "bench"', "", "[id]"] + [f'"{n.unit}" = "{n.file_name}"' for n in needs]
    (pack / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pack


def voice_for(config: Config, name: str, pack: Path) -> Voice:
    if name == "espeak":
        return config.voice
    languages = ("id", "en") if name == "pack+en" else ("id",)
    return Voice.model_validate({**config.voice.model_dump(), "pack": str(pack), "languages": languages})


async def run(
    calls: int, nice: int = WORKER_NICE, voices: tuple[str, ...] = VOICES, settle: float = 1.0
) -> dict[str, object]:
    config = load_config(demo_config_path())
    result: dict[str, object] = {
        "bench": "audio announce -> wav available",
        "config": "demo",
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "worker_nice": nice,
        "pack_settle_s": settle,
    }
    with tempfile.TemporaryDirectory(prefix="antrian-audio-bench-") as tmp:
        pack = await record_pack(config, Path(tmp)) if set(voices) - {"espeak"} else Path(tmp)
        for name in voices:
            voice = voice_for(config, name, pack)
            figures = await measure_voice(config, voice, calls, nice, Path(tmp) / name, settle if voice.pack else 0.0)
            if name == "espeak":  # at the top level, where bench/run_all.py reads them
                result.update(figures)
            else:
                result[name] = figures
    return result


async def measure_voice(
    config: Config, voice: Voice, calls: int, nice: int, data: Path, settle: float
) -> dict[str, object]:
    announcer = Announcer(voice, data, nice=nice)
    await announcer.start()
    try:

        async def say(text: str) -> Path | None:
            announcer.announce(text)
            return await announcer.wav(announcer.key(text), timeout=30)

        # One call to get the worker process up; its start-up is not a call's latency.
        started = time.perf_counter()
        await say(announcer.sentence(spoken_call(config, "A-999", "loket-1")))
        startup = time.perf_counter() - started
        await asyncio.sleep(settle)  # the worker prepares the pack's clips while idle

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
        "worker_startup_ms": round(startup * 1000, 1),
        "cold": summary("cold", cold),
        "warm": summary("warm", warm),
        "worker_restarts": announcer.restarts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="distinct sentences per pass")
    parser.add_argument("--nice", type=int, default=WORKER_NICE, help="the worker's priority increment")
    parser.add_argument("--voices", default=",".join(VOICES), help=f"some of {', '.join(VOICES)}")
    parser.add_argument("--settle", type=float, default=1.0, help="idle seconds for a pack's clips after start-up")
    args = parser.parse_args()
    voices = tuple(v for v in args.voices.split(",") if v)
    unknown = set(voices) - set(VOICES)
    if unknown:
        parser.error(f"unknown voice {sorted(unknown)[0]!r}")
    result = asyncio.run(run(args.calls, args.nice, voices, args.settle))
    print(json.dumps(result, indent=2))
    measured = [result if v == "espeak" else result[v] for v in voices]
    ok = all(isinstance(m, dict) and m["cold"]["ok"] and m["warm"]["ok"] for m in measured)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
