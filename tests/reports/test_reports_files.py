"""The same report on the page, in the XLSX, the CSV and the PDF: the same numbers, read back
from each file (the day of tests/reports/conftest.py, through the app's own doors)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from starlette.testclient import TestClient

from display_server.announce import TextAnnouncer
from display_server.app import create_app
from display_server.config import parse_config
from display_server.reports.sheets import text_of
from tests.reports.conftest import Clock, hall_config_text, play_the_day
from tests.support.staff import SECRETS

ADMIN = {"Authorization": "Bearer admin-secret-token"}
PERIOD = "from=2026-12-02&to=2026-12-02"
KTP_ROW = ["Dinas Kependudukan dan Pencatatan Sipil", "KTP Elektronik", "3", "2", "1", "1", "0", "0", "33,3%",
           "14,0", "17,0", "17,0", "3,0", "5,0", "66,7%", "15"]  # fmt: skip


@pytest.fixture(scope="module")
def app_client(tmp_path_factory) -> Iterator[TestClient]:
    config = parse_config(hall_config_text())
    clock = Clock()
    app = create_app(
        config, tmp_path_factory.mktemp("reports"), clock=clock, announcer_factory=lambda c, d: TextAnnouncer(c.voice)
    )
    with TestClient(app) as client:
        hall = app.state.context.hall
        client.portal.call(hall.set_staff_secret, "budi", SECRETS["budi"])
        client.portal.call(play_the_day, hall, clock)
        yield client


def page_rows(client: TestClient, key: str) -> list[list[str]]:
    page = client.get(f"/admin/reports?{PERIOD}&token=admin-secret-token").text
    table = page.split(f'data-report="{key}"', 1)[1].split("</table>", 1)[0]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    ]


def test_the_page_shows_the_services_figures(app_client):
    assert KTP_ROW in page_rows(app_client, "services")


def test_the_xlsx_holds_the_same_figures_as_the_page(app_client, tmp_path: Path):
    response = app_client.get(f"/admin/reports/all.xlsx?{PERIOD}", headers=ADMIN)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Rekap", "Layanan", "Loket", "Petugas", "Jam", "Kanal"]
    sheet = book["Layanan"]
    kinds = ["text", "text"] + ["count"] * 6 + ["percent"] + ["minutes"] * 5 + ["percent", "count"]
    rows = [[text_of(c.value, k) for c, k in zip(row, kinds)] for row in sheet.iter_rows(min_row=4)]
    assert KTP_ROW in rows
    recap = book["Rekap"]
    assert [c.value for c in recap[4]] == ["1", "Dinas Kependudukan dan Pencatatan Sipil", 4, 4]


def test_the_csv_holds_the_same_figures(app_client):
    response = app_client.get(f"/admin/reports/services.csv?{PERIOD}", headers=ADMIN)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    [ktp] = [r for r in rows if r[1] == "KTP Elektronik"]
    assert ktp[:8] == KTP_ROW[:8]
    assert [float(x) for x in ktp[9:14]] == [14.0, 17.0, 17.0, 3.0, 5.0]
    assert float(ktp[8]) == pytest.approx(1 / 3) and float(ktp[14]) == pytest.approx(2 / 3)


def test_the_pdf_holds_the_same_figures(app_client):
    response = app_client.get(f"/admin/reports/services.pdf?{PERIOD}", headers=ADMIN)
    assert response.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "KINERJA LAYANAN" in text and "MPP Uji" in text and "2 Desember 2026" in text
    line = next(line for line in text.splitlines() if "KTP Elektronik" in line)
    assert line.split("KTP Elektronik", 1)[1].split() == KTP_ROW[2:]


def test_the_pdf_recap_has_the_halls_name_period_and_totals(app_client):
    text = PdfReader(io.BytesIO(app_client.get(f"/admin/reports/recap.pdf?{PERIOD}", headers=ADMIN).content)).pages[0]
    lines = text.extract_text().splitlines()
    assert "REKAP JUMLAH PEMOHON" in lines[0]
    assert any(line.split()[-2:] == ["4", "4"] and line.startswith("Jumlah") for line in lines)


def test_the_api_gives_the_same_numbers(app_client):
    services = app_client.get(f"/api/reports/services?{PERIOD}", headers=ADMIN).json()
    [ktp] = [s for s in services["services"] if s["service"] == "ktp"]
    assert (ktp["issued"], ktp["wait_p50_seconds"], ktp["service_level"]) == (3, 840, pytest.approx(2 / 3))


def test_a_bad_period_is_a_clear_error(app_client):
    assert (
        app_client.get("/api/reports/services?from=2026-12-05&to=2026-12-01", headers=ADMIN).json()["error"]["code"]
        == "bad_request"
    )
    assert app_client.get("/api/reports/services?from=kemarin", headers=ADMIN).status_code == 400
    app_client.cookies.clear()  # the page's session: without it and without the token, nothing
    assert app_client.get("/api/reports/services").status_code == 401


def test_a_report_narrows_to_one_service(app_client):
    app_client.cookies.clear()
    one = app_client.get(f"/api/reports/services?{PERIOD}&service=kk", headers=ADMIN).json()
    assert [s["service"] for s in one["services"]] == ["kk"]
    assert one["totals"]["issued"] == 1
    recap = app_client.get(f"/api/reports/recap?{PERIOD}&service=kk", headers=ADMIN).json()
    assert [s["service"] for a in recap["agencies"] for s in a["services"]] == ["kk"]
    mismatch = app_client.get(f"/api/reports/services?{PERIOD}&service=kk&agency=bpjs-kes", headers=ADMIN)
    assert mismatch.status_code == 400
