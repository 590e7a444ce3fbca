"""Two-phase printed issue against a real server and a fake ESC/POS printer on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from starlette.testclient import TestClient

from display_server.announce import TextAnnouncer
from display_server.app import create_app
from display_server.config import load_config
from display_server.printing import escpos_printers
from tests.kiosk.conftest import FakePrinter, kiosk_config
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess, free_port

ADMIN = {"Authorization": "Bearer admin-secret-token"}
QR_COMMAND = b"\x1d(k"  # GS ( k: the printer renders the QR code itself


def issue(server: ServerProcess, kiosk: str, **body) -> httpx.Response:
    return httpx.post(f"{server.url}/api/kiosk/{kiosk}/tickets", json=body, timeout=30)


def tickets_today(server: ServerProcess) -> list[dict]:
    return httpx.get(f"{server.url}/api/tickets", headers=ADMIN).json()["tickets"]


def waiting(server: ServerProcess, service: str) -> int:
    state = httpx.get(f"{server.url}/api/state").json()
    return next(s["waiting"] for s in state["services"] if s["id"] == service)


def test_the_slip_reaches_the_printer_with_number_service_and_qr(kiosk_server, fake_printer):
    response = issue(kiosk_server, "lobi", service="ktp")
    assert response.status_code == 201
    body = response.json()
    assert body["printed"] is True
    assert body["ticket"]["number"] == "A-001"
    assert body["ticket"]["status"] == "waiting"
    assert body["status_url"].startswith(f"{kiosk_server.url}/t/")

    slip = fake_printer.wait_for_job(b"A-001")
    text = slip.decode("latin-1")
    assert "A-001" in text
    assert "KTP Elektronik" in text
    assert "MPP Uji" in text
    assert "Antrean di depan Anda: 0" in text
    assert "WITA" in text
    assert QR_COMMAND in slip
    assert body["status_url"].encode() in slip  # the QR's content: the live status page
    assert waiting(kiosk_server, "ktp") == 1


def test_a_priority_slip_names_its_label(kiosk_server, fake_printer):
    issue(kiosk_server, "lobi", service="kk")
    response = issue(kiosk_server, "lobi", service="kk", priority=True, priority_label="Lansia")
    assert response.status_code == 201
    assert response.json()["ticket"]["priority"] is True
    slip = fake_printer.wait_for_job(b"B-002")
    assert b"Prioritas: Lansia" in slip
    assert b"Antrean di depan Anda: 0" in slip  # priority goes before the normal B-001


def test_a_refused_printer_leaves_no_ghost_ticket(kiosk_server):
    response = issue(kiosk_server, "rusak", service="ktp")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "printer_error"
    assert waiting(kiosk_server, "ktp") == 0
    [ticket] = tickets_today(kiosk_server)
    assert (ticket["number"], ticket["status"]) == ("A-001", "cancelled")
    # The next visitor on a working kiosk is served normally; the cancelled number is not reused.
    assert issue(kiosk_server, "lobi", service="ktp").json()["ticket"]["number"] == "A-002"
    assert waiting(kiosk_server, "ktp") == 1


def test_a_retried_request_returns_the_same_ticket_and_prints_once(kiosk_server, fake_printer):
    first = issue(kiosk_server, "lobi", service="jkn", request_id="kiosk-lobi-42").json()
    again = issue(kiosk_server, "lobi", service="jkn", request_id="kiosk-lobi-42").json()
    assert first["ticket"]["number"] == again["ticket"]["number"] == "C-001"
    fake_printer.wait_for_job(b"C-001")
    assert sum(b"C-001" in job for job in fake_printer.jobs) == 1
    assert waiting(kiosk_server, "jkn") == 1


def test_printer_health_for_the_admin(kiosk_server):
    assert httpx.get(f"{kiosk_server.url}/api/admin/printers").status_code == 401
    issue(kiosk_server, "rusak", service="ktp")
    rows = {
        r["kiosk"]: r for r in httpx.get(f"{kiosk_server.url}/api/admin/printers", headers=ADMIN).json()["printers"]
    }
    assert rows["lobi"]["ok"] is True and rows["lobi"]["kind"] == "network"
    assert rows["rusak"]["ok"] is False
    assert rows["rusak"]["last_print"]["ok"] is False
    assert rows["bpjs"]["kind"] == "browser"
    page = httpx.get(f"{kiosk_server.url}/admin/printers", headers=ADMIN)
    assert page.status_code == 200 and "Kiosk Printer Mati" in page.text


def test_kiosk_state_shows_closed_services_with_their_reason(kiosk_server):
    state = httpx.get(f"{kiosk_server.url}/api/kiosk/lobi").json()
    services = {s["id"]: s for a in state["agencies"] for s in a["services"]}
    assert services["ktp"]["open"] is True
    assert services["ktp"]["counters"] == ["Loket 1", "Loket 3"]
    assert (services["arsip"]["open"], services["arsip"]["code"]) == (False, "closed_day")
    assert services["arsip"]["reason"] == "Tutup hari ini"
    assert state["priority_labels"] == ["Lansia", "Disabilitas", "Ibu hamil"]
    refused = issue(kiosk_server, "lobi", service="arsip")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "closed_day")


def test_a_kiosk_offers_only_its_agencies(kiosk_server):
    state = httpx.get(f"{kiosk_server.url}/api/kiosk/bpjs").json()
    assert [a["id"] for a in state["agencies"]] == ["bpjs-kes"]
    assert issue(kiosk_server, "bpjs", service="ktp").status_code == 404
    browser_printed = issue(kiosk_server, "bpjs", service="jkn").json()
    assert browser_printed["printed"] is False
    slip = httpx.get(f"{kiosk_server.url}{browser_printed['slip_url']}")
    assert slip.status_code == 200
    assert "C-001" in slip.text and "<svg" in slip.text and "Kepesertaan JKN" in slip.text


def test_unknown_kiosk_and_unknown_ticket_are_friendly_404s(kiosk_server):
    assert httpx.get(f"{kiosk_server.url}/api/kiosk/nope").status_code == 404
    page = httpx.get(f"{kiosk_server.url}/t/not-a-real-token")
    assert page.status_code == 404
    assert "Nomor antrean tidak ditemukan" in page.text
    assert httpx.get(f"{kiosk_server.url}/kiosk").status_code == 200  # the default kiosk: every agency


def test_a_printing_server_leaves_no_temporary_folder_behind(tmp_path: Path, fake_printer: FakePrinter):
    """python-escpos pickles its printer database into a new temporary folder each time it is
    imported, and never removes it: a mini PC's /tmp must not gain one per start of the server."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    config = tmp_path / "antrian.toml"
    config.write_text(kiosk_config(fake_printer.port, free_port()), encoding="utf-8")
    server = ServerProcess(config, tmp_path / "data", env={"TMPDIR": str(temporary)}).start()
    try:
        assert issue(server, "lobi", service="ktp").json()["printed"] is True
        fake_printer.wait_for_job(b"A-001")
    finally:
        server.stop()
    assert list(temporary.iterdir()) == []


def test_a_hall_without_printers_does_not_load_the_printer_library():
    """Loading python-escpos takes a fifth of a server's start: only printing needs it."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, display_server.app, display_server.cli; print('escpos' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"


def test_a_printer_added_by_a_config_edit_is_loaded_before_its_first_slip(tmp_path: Path, fake_printer: FakePrinter):
    """Loading the printer library takes 0.3 s: at a visitor's first slip it would hold up every
    call in the hall, so a kiosk given a printer while the server runs has it loaded at once."""
    config_path = tmp_path / "antrian.toml"
    config_path.write_text(test_config_text(counters=4), encoding="utf-8")
    app = create_app(
        load_config(config_path),
        tmp_path / "data",
        config_path=config_path,
        announcer_factory=lambda config, data: TextAnnouncer(config.voice),
    )
    escpos_printers.cache_clear()
    with TestClient(app):
        assert escpos_printers.cache_info().currsize == 0  # no kiosk prints yet
        config_path.write_text(kiosk_config(fake_printer.port, free_port()), encoding="utf-8")
        deadline = time.monotonic() + 30
        while escpos_printers.cache_info().currsize == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert escpos_printers.cache_info().currsize == 1
