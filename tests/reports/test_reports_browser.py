"""The report page in Chromium, on a week played through the hall, and the XLSX recap rendered.

With ANTRIAN_SCREENSHOTS=1 the pictures land in docs/screenshots (report-page.png,
report-xlsx-recap.png).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from display_server.announce import TextAnnouncer
from display_server.config import parse_config
from display_server.hall import CommandError, Hall
from display_server.hub import Hub
from display_server.store import SqliteStore
from tests.reports.conftest import Clock, hall_config_text, play_the_day
from tests.support.admin_area import sign_in_admin_area
from tests.support.screenshots import screenshot_folder
from tests.support.server import ServerProcess
from tests.support.staff import SECRETS, set_pins

pytestmark = pytest.mark.browser
WEEK = "from=2026-11-26&to=2026-12-02"


async def play_a_week(data_dir: Path) -> None:
    """Six busy-ish days before the known day of conftest.py: charts with something to show."""
    config = parse_config(hall_config_text())
    store = SqliteStore(data_dir / "antrian.sqlite3")
    await store.open()
    clock = Clock()
    hall = Hall(config, store, Hub(), TextAnnouncer(config.voice), clock)
    await hall.start()
    rng = random.Random(4)
    step = 0
    for day in range(6):  # 26 November to 1 December, from 08:30 WITA, in the order things happen
        opening = datetime(2026, 11, 26, 0, 30, tzinfo=UTC) + timedelta(days=day)
        arrivals = [(opening + timedelta(minutes=n * 9), "issue", rng.choice(["ktp", "ktp", "kk", "jkn"]))
                    for n in range(rng.randint(25, 45))]  # fmt: skip
        calls = [(opening + timedelta(minutes=15 + n * rng.randint(6, 14)), "call", counter)
                 for counter in ("loket-1", "loket-2", "loket-3") for n in range(30)]  # fmt: skip
        for moment, kind, what in sorted(arrivals + calls):
            clock.now = moment
            if kind == "issue":
                await hall.issue(what)
                continue
            step += 1
            with contextlib.suppress(CommandError):  # nobody waiting for this counter yet
                await hall.command(what, "call_next", f"w{step}")
    await hall.set_staff_secret("budi", SECRETS["budi"])
    await play_the_day(hall, clock)
    await store.close()


@pytest.fixture(scope="module")
def reports_server(tmp_path_factory) -> ServerProcess:
    root = tmp_path_factory.mktemp("report-page")
    config = root / "antrian.toml"
    config.write_text(hall_config_text(), encoding="utf-8")
    (root / "data").mkdir()
    with ThreadPoolExecutor(1) as thread:  # Playwright's loop may already run in this thread
        thread.submit(asyncio.run, play_a_week(root / "data")).result()
    set_pins(config, root / "data", {"kepala": SECRETS["kepala"]})
    server = ServerProcess(config, root / "data").start()
    yield server
    server.stop()


def test_the_report_page_shows_charts_and_every_table(browser, reports_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_admin_area(page, reports_server.url, "kepala", "/admin/reports")
    page.goto(f"{reports_server.url}/admin/reports?{WEEK}")
    assert page.locator("svg.chart").count() == 3
    for key in ("recap", "services", "counters", "officers", "hours", "channels"):
        assert page.locator(f'table[data-report="{key}"]').is_visible()
    ktp = page.locator('table[data-report="services"] tr', has_text="KTP Elektronik")
    assert ktp.count() == 1
    api = httpx.get(
        f"{reports_server.url}/api/reports/services?{WEEK}", headers={"Authorization": "Bearer admin-secret-token"}
    ).json()
    [figures] = [s for s in api["services"] if s["service"] == "ktp"]
    assert ktp.locator("td").nth(2).inner_text() == str(figures["issued"])
    page.screenshot(path=str(screenshot_folder() / "report-page.png"), full_page=True)
    download = page.request.get(f"{reports_server.url}/admin/reports/recap.xlsx?{WEEK}")
    path = Path(screenshot_folder()) / "report-recap.xlsx"
    path.write_bytes(download.body())
    page.set_content(xlsx_as_html(path))
    page.screenshot(path=str(screenshot_folder() / "report-xlsx-recap.png"), full_page=True)
    path.unlink()
    context.close()


def xlsx_as_html(path: Path) -> str:
    """The recap sheet as it reads in a spreadsheet: its cells, bold rows and fills, read back."""
    sheet = load_workbook(path)["Rekap"]
    rows = []
    for row in sheet.iter_rows():
        if row[0].value and all(cell.value is None for cell in row[1:]):  # a title overflows, as in a spreadsheet
            rows.append(
                f'<tr><td colspan="{len(row)}" style="font-weight:bold">{html.escape(str(row[0].value))}</td></tr>'
            )
            continue
        cells = []
        for cell in row:
            fill = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
            style = f"background:#{str(fill)[-6:]};" if fill else ""
            style += "font-weight:bold;" if cell.font and cell.font.bold else ""
            value = "" if cell.value is None else html.escape(str(cell.value))
            width = sheet.column_dimensions[cell.column_letter].width if cell.row == 3 else None
            style += f"min-width:{width * 7:.0f}px;" if width else ""
            cells.append(f'<td style="{style}">{value}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    grid = "border-collapse:collapse;font:13px Arial"
    return (
        f"<html><body style='background:#fff;margin:16px'><p style='font:12px Arial;color:#555'>{path.name} - "
        f"Rekap</p><table style='{grid}' border='1' cellpadding='4'>{''.join(rows)}</table></body></html>"
    )
