"""Reports through the real server and the real command line, while the server runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from tests.support.clients import CounterConnection, issue
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess
from tests.support.staff import ROSTER, SECRETS, set_pins

ADMIN = {"Authorization": "Bearer admin-secret-token"}


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> ServerProcess:
    root: Path = tmp_path_factory.mktemp("reports-server")
    config = root / "antrian.toml"
    config.write_text(test_config_text(extra=ROSTER), encoding="utf-8")
    set_pins(config, root / "data", {"sari": SECRETS["sari"]})
    server = ServerProcess(config, root / "data").start()
    yield server
    server.stop()


async def test_the_command_line_writes_what_the_api_reports_while_the_server_runs(hall, tmp_path):
    for service in ("ktp", "ktp", "kk", "jkn"):
        await issue(hall.url, service)
    async with CounterConnection(hall.ws_url, "loket-1") as counter:
        await counter.send("call_next")
        await counter.send("finish")
    today = httpx.get(f"{hall.url}/api/reports/recap", headers=ADMIN).json()
    out = tmp_path / "laporan.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "display_server", "report", "all", "--from", today["from"], "--to", today["to"],
         "--out", str(out), "--config", str(hall.config_path), "--data", str(hall.data_dir)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    recap = load_workbook(out)["Rekap"]
    total_row = next(row for row in recap.iter_rows(values_only=True) if row[1] == "Jumlah")
    assert total_row[-1] == today["total"] == 4
    services = {
        s["service"]: s for s in httpx.get(f"{hall.url}/api/reports/services", headers=ADMIN).json()["services"]
    }
    assert (services["ktp"]["issued"], services["ktp"]["served"]) == (2, 1)


def test_a_supervisor_gets_their_agencys_reports_and_not_anothers(hall):
    with httpx.Client(base_url=hall.url) as client:
        signed = client.post("/admin/login", data={"user": "sari", "token": SECRETS["sari"], "next": "/admin/reports"})
        assert signed.status_code == 303
        mine = client.get("/api/reports/services").json()
        assert {s["agency"] for s in mine["services"]} == {"dukcapil"}
        refused = client.get("/api/reports/services", params={"agency": "bpjs-kes"})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "other_agency")
        page = client.get("/admin/reports")
        assert page.status_code == 200 and "Rekap Jumlah Pemohon" in page.text
        assert client.get("/admin/reports/recap.pdf", params={"agency": "bpjs-kes"}).status_code == 403


def test_the_command_line_refuses_a_bad_period_clearly(hall, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "display_server", "report", "recap", "--from", "2026-12-31", "--to", "2026-12-01",
         "--out", str(tmp_path / "x.xlsx"), "--config", str(hall.config_path), "--data", str(hall.data_dir)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and "'to' is before 'from'" in done.stderr
    assert not (tmp_path / "x.xlsx").exists()
