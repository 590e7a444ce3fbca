"""The regency's report: every hall of a deployment side by side, each with its own figures."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import openpyxl
import pytest

from tests.halls.conftest import ADMIN_TOKENS, DESA, KOTA, counter_token
from tests.support.clients import CounterConnection, issue
from tests.support.server import ServerProcess

HALL_DAY = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()  # the halls keep WITA (UTC+8)


def antrian(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "display_server", *args], capture_output=True, text=True, timeout=120)


async def serve_some(base_url: str, ws_url: str, hall: str, tickets: int) -> None:
    for _ in range(tickets):
        await issue(base_url, "ktp")
    async with CounterConnection(ws_url, "loket-1", token=counter_token(hall, "loket-1")) as counter:
        for _ in range(tickets - 1):
            assert (await counter.send("call_next"))["type"] == "ack"
        await counter.send("finish")


def totals_of(url: str, hall: str) -> dict:
    response = httpx.get(
        f"{url}/api/reports/services",
        params={"from": HALL_DAY, "to": HALL_DAY},
        headers={"Authorization": f"Bearer {ADMIN_TOKENS[hall]}"},
    )
    response.raise_for_status()
    return response.json()["totals"]


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_the_halls_report_puts_each_halls_own_totals_side_by_side(
    store: str, request: pytest.FixtureRequest, tmp_path: Path, halls_dir: Path
):
    database = request.getfixturevalue("postgres_dsn") if store == "postgresql" else None
    server = ServerProcess(None, tmp_path / "data", config_dir=halls_dir, database=database).start()
    try:
        await serve_some(f"{server.url}/h/{KOTA}", f"{server.ws_url}/h/{KOTA}", KOTA, tickets=3)
        await serve_some(f"{server.url}/h/{DESA}", f"{server.ws_url}/h/{DESA}", DESA, tickets=2)
        own = {hall: totals_of(f"{server.url}/h/{hall}", hall) for hall in (KOTA, DESA)}
    finally:
        server.stop()
    out = tmp_path / "lokasi.xlsx"
    done = antrian(
        "report", "halls", "--config-dir", str(halls_dir), "--data", str(tmp_path / "data"),
        "--from", HALL_DAY, "--to", HALL_DAY, "--out", str(out), *(["--database", database] if database else []),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Lokasi", f"Rekap {DESA}", f"Rekap {KOTA}"]
    header, *table = book["Lokasi"].iter_rows(min_row=3, values_only=True)
    rows = {row[1]: row for row in table}
    issued, served = list(header).index("Diambil"), list(header).index("Dilayani")
    assert rows["MPP Kota"][issued] == own[KOTA]["issued"] == 3
    assert rows["MPP Desa"][issued] == own[DESA]["issued"] == 2
    assert rows["MPP Kota"][served] == own[KOTA]["served"]
    assert rows["Jumlah"][issued] == 5
    assert rows["Jumlah"][served] == own[KOTA]["served"] + own[DESA]["served"]


def test_the_halls_report_needs_the_deployments_folder(tmp_path: Path):
    done = antrian("report", "halls", "--from", "2026-12-01", "--to", "2026-12-31", "--out", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2
    assert "--config-dir" in done.stderr
