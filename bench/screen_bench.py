"""Call-to-screen latency: counter `call_next` sent -> the number is in a real Chromium page's DOM.

    python bench/screen_bench.py [--calls 50] [--screen tv1]

Starts a real server process on the test hall and a headless Debian Chromium, keeps one
counter WebSocket open, and times each call from just before the command is sent to the
moment a MutationObserver in the page sees the hero show that number (both clocks are
this machine's wall clock). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.clients import CounterConnection, issue  # noqa: E402
from tests.support.hall_config import test_config_text  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

OBSERVER = """
window.benchSeen = {};
new MutationObserver(function () {
  var n = document.getElementById('hero').getAttribute('data-number');
  if (n && !window.benchSeen[n]) { window.benchSeen[n] = performance.timeOrigin + performance.now(); }
}).observe(document.getElementById('hero'), {attributes: true, attributeFilter: ['data-number']});
"""


class CounterThread:
    """A counter connection living on its own event loop (sync Playwright owns the main thread's)."""

    def __init__(self, server: ServerProcess, counter: str):
        self.server = server
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.connection = self.run(self._open(counter))

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    async def _open(self, counter: str) -> CounterConnection:
        return await CounterConnection(self.server.ws_url, counter).__aenter__()

    def issue(self, service: str) -> dict:
        return self.run(issue(self.server.url, service))

    def call_next(self) -> dict:
        return self.run(self.connection.send("call_next"))

    def close(self) -> None:
        self.run(self.connection.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(calls: int, screen: str) -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "antrian.toml"
        config.write_text(test_config_text(counters=4), encoding="utf-8")
        server = ServerProcess(config, folder / "data").start()
        counter = None
        try:
            counter = CounterThread(server, "loket-1")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(f"{server.url}/screen/{screen}")
                page.wait_for_selector("body[data-connected='1']")
                page.evaluate(OBSERVER)
                latencies = []
                for _ in range(calls):
                    number = counter.issue("ktp")["number"]
                    sent = time.time() * 1000
                    reply = counter.call_next()
                    assert reply["type"] == "ack" and reply["ticket"]["number"] == number, reply
                    page.wait_for_function("n => window.benchSeen[n]", arg=number, timeout=10_000)
                    shown = page.evaluate("n => window.benchSeen[n]", number)
                    latencies.append(shown - sent)
                version = browser.version
                browser.close()
        finally:
            if counter:
                counter.close()
            server.stop()
    return {
        "bench": "screen_call_to_dom",
        "calls": calls,
        "screen": screen,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "chromium": version,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--screen", default="tv1")
    args = parser.parse_args()
    print(json.dumps(measure(args.calls, args.screen), indent=2))


if __name__ == "__main__":
    main()
