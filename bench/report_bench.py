"""Reports at a real hall's history: a year of a busy hall, about a million visits.

    python bench/report_bench.py [--tickets-per-day 3000] [--days 365] [--detail-days 365]

Generates a year of visits straight into a fresh database (the visits table the write path
keeps: 3,000 tickets a day over 13 services, 2 % transfers, 5 % no-shows, 1 % cancelled) and
times, through the store and the report builders the server uses:

- the recap of a month and of the year (target 300 ms and 3 s);
- every report of a month (the report page's work);
- the per-visit detail of DETAIL_DAYS as XLSX, streamed, with the process's peak memory.

Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from display_server.config import demo_config_path, load_config  # noqa: E402
from display_server.reports import Period, build, build_recap  # noqa: E402
from display_server.reports.files import detail_xlsx  # noqa: E402
from display_server.store import SqliteStore  # noqa: E402

YEAR_START = date(2026, 1, 1)


def generate(path: Path, tickets_per_day: int, days: int, seed: int = 7) -> int:
    """A year of visits, written as the store would have (one row per ticket per service)."""
    store = asyncio.run(_create(path))
    del store
    config = load_config(demo_config_path())
    services = [s.id for s in config.services]
    counters = {s.id: [c.id for c in config.counters if s.id in c.services] or ["loket-1"] for s in config.services}
    rng = random.Random(seed)
    rows = []
    for offset in range(days):
        day = YEAR_START + timedelta(days=offset)
        opening = datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC)  # 08:30 WITA
        for n in range(tickets_per_day):
            service = services[n % len(services)]
            queued = opening + timedelta(seconds=n * 8 * 3600 / tickets_per_day)
            outcome = rng.choices(["served", "no_show", "cancelled", "transferred"], [92, 5, 1, 2])[0]
            wait = rng.expovariate(1 / 900)
            called = queued + timedelta(seconds=wait) if outcome != "cancelled" else None
            service_time = rng.expovariate(1 / 420) if outcome == "served" else None
            finished = (called or queued) + timedelta(seconds=service_time or 30)
            ticket = f"{day:%Y%m%d}-{service}-{n}"
            counter = rng.choice(counters[service]) if called else None
            rows.append((ticket, 0, day.isoformat(), service, int(n % 9 == 0), "kiosk", queued.isoformat(),
                         _iso(called), _iso(called), finished.isoformat(), outcome, counter, None, 0, 0,
                         wait if called else None, service_time))  # fmt: skip
            if outcome == "transferred":
                again = services[(n + 1) % len(services)]
                rows.append((ticket, 1, day.isoformat(), again, 0, "kiosk", finished.isoformat(),
                             _iso(finished + timedelta(seconds=300)), _iso(finished + timedelta(seconds=300)),
                             (finished + timedelta(seconds=700)).isoformat(), "served", counter, None, 0, 1, 300.0,
                             400.0))  # fmt: skip
        if len(rows) > 200_000:
            _insert(path, rows)
            rows = []
    _insert(path, rows)
    with sqlite3.connect(path) as db:
        (count,) = db.execute("SELECT COUNT(*) FROM visits").fetchone()
    return count


async def _create(path: Path) -> None:
    store = SqliteStore(path)
    await store.open()
    await store.close()


def _insert(path: Path, rows: list[tuple]) -> None:
    with sqlite3.connect(path) as db:
        db.executemany(f"INSERT INTO visits VALUES ({', '.join('?' * 17)})", rows)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def _timed(coroutine_factory, runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await coroutine_factory()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median_ms": round(times[len(times) // 2], 1), "max_ms": round(times[-1], 1), "runs": runs}


async def measure(path: Path, days: int, detail_days: int, workdir: Path) -> dict:
    config = load_config(demo_config_path())
    agencies = [a.id for a in config.agencies]
    month = Period(date(2026, 6, 1), date(2026, 6, 30))
    year = Period(YEAR_START, YEAR_START + timedelta(days=days - 1))
    store = SqliteStore(path)
    await store.open()
    try:
        result = {
            "recap_month": await _timed(lambda: build_recap(store, config, month, agencies), 5),
            "recap_year": await _timed(lambda: build_recap(store, config, year, agencies), 3),
            "all_reports_month": await _timed(lambda: build(store, config, month, agencies), 3),
            "all_reports_year": await _timed(lambda: build(store, config, year, agencies), 1),
        }
        process = psutil.Process()
        rss_before = process.memory_info().rss
        peak = rss_before

        async def sampled(batches):
            nonlocal peak
            async for batch in batches:
                peak = max(peak, process.memory_info().rss)
                yield batch

        detail = Period(YEAR_START, YEAR_START + timedelta(days=detail_days - 1))
        started = time.perf_counter()
        rows = await detail_xlsx(sampled(store.iter_visits(detail.first, detail.last)), workdir / "detail.xlsx", "b")
        result["detail_xlsx"] = {
            "days": detail_days,
            "rows": rows,
            "seconds": round(time.perf_counter() - started, 1),
            "file_mb": round((workdir / "detail.xlsx").stat().st_size / 1e6, 1),
            "rss_before_mb": round(rss_before / 2**20, 1),
            "rss_growth_mb": round((peak - rss_before) / 2**20, 1),
        }
    finally:
        await store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets-per-day", type=int, default=3000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--detail-days", type=int, default=365)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="antrian-report-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "antrian.sqlite3"
        started = time.perf_counter()
        visits = generate(path, args.tickets_per_day, args.days)
        generated = time.perf_counter() - started
        result = asyncio.run(measure(path, args.days, args.detail_days, workdir))
        result.update(
            visits=visits,
            database_mb=round(path.stat().st_size / 1e6, 1),
            generate_seconds=round(generated, 1),
            machine=platform.machine(),
            python=platform.python_version(),
        )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
