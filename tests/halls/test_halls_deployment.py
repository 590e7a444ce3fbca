"""Many halls in one deployment (issue 17): `antrian serve --config-dir DIR` serves each
`DIR/{hall}.toml` at `/h/{hall}/`, with its own tickets, tokens, screens, sign-ins and live
config; a single hall keeps today's addresses. Real server processes, real clients."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import segno

from tests.halls.conftest import ADMIN_TOKENS, DESA, KOTA, HallAddress, counter_token, hall_text
from tests.screens.helpers import rewrite_config, run_async, wait_until
from tests.support.clients import CounterConnection, ScreenConnection, issue
from tests.support.server import free_port


def test_each_hall_numbers_its_own_tickets_from_one(kota: HallAddress, desa: HallAddress):
    first_at_kota = run_async(issue(kota.url, "ktp"))
    second_at_kota = run_async(issue(kota.url, "ktp"))
    first_at_desa = run_async(issue(desa.url, "ktp"))
    assert [first_at_kota["number"], second_at_kota["number"], first_at_desa["number"]] == ["A-001", "A-002", "A-001"]
    assert {hall.id: waiting(hall, "ktp") for hall in (kota, desa)} == {KOTA: 2, DESA: 1}


def waiting(hall: HallAddress, service: str) -> int:
    state = httpx.get(f"{hall.url}/api/state").json()
    return next(s["waiting"] for s in state["services"] if s["id"] == service)


def test_each_hall_keeps_its_own_store(kota: HallAddress, desa: HallAddress):
    run_async(issue(kota.url, "ktp"))
    assert (kota.data_dir / "antrian.sqlite3").is_file()
    assert (desa.data_dir / "antrian.sqlite3").is_file()


def test_a_counter_token_of_one_hall_is_refused_at_another(kota: HallAddress, desa: HallAddress):
    async def hello(hall: HallAddress, token: str) -> dict:
        async with CounterConnection(hall.ws_url, "loket-1", token=token) as connection:
            assert connection.welcome is not None
            return connection.welcome

    kota_token = counter_token(KOTA, "loket-1")
    assert run_async(hello(kota, kota_token))["type"] == "welcome"
    refused = run_async(hello(desa, kota_token))
    assert (refused["type"], refused["code"]) == ("error", "unauthorized")
    assert run_async(hello(desa, counter_token(DESA, "loket-1")))["type"] == "welcome"


def test_the_admin_token_of_one_hall_is_refused_at_another(kota: HallAddress, desa: HallAddress):
    bearer = {"Authorization": f"Bearer {ADMIN_TOKENS[KOTA]}"}
    assert httpx.get(f"{kota.url}/api/tickets", headers=bearer).status_code == 200
    assert httpx.get(f"{desa.url}/api/tickets", headers=bearer).status_code == 401


def test_a_screen_hears_only_its_own_halls_calls(kota: HallAddress, desa: HallAddress):
    async def scenario() -> tuple[dict, bool]:
        await issue(desa.url, "ktp")
        await issue(kota.url, "kk")
        async with ScreenConnection(kota.ws_url, "tv1") as screen:
            async with CounterConnection(desa.ws_url, "loket-1", token=counter_token(DESA, "loket-1")) as counter:
                assert (await counter.send("call_next"))["type"] == "ack"
            async with CounterConnection(kota.ws_url, "loket-1") as counter:
                assert (await counter.send("call_next"))["type"] == "ack"
            call = await screen.next("call", timeout=10)
            return call, await screen.nothing_of("call")

    call, no_other_call = run_async(scenario())
    assert call["call"]["number"] == "B-001"  # the Kota hall's own call, not Desa's A-001
    assert no_other_call


def test_the_call_audio_is_fetched_under_the_halls_base(kota: HallAddress):
    async def scenario() -> dict:
        await issue(kota.url, "ktp")
        async with ScreenConnection(kota.ws_url, "tv1") as screen:
            async with CounterConnection(kota.ws_url, "loket-1") as counter:
                assert (await counter.send("call_next"))["type"] == "ack"
            return (await screen.next("call", timeout=10))["call"]

    call = run_async(scenario())
    assert call["audio"].startswith("/audio/")  # relative to the hall's base (docs/protocol.md)
    audio = httpx.get(kota.url + call["audio"], timeout=60)
    assert (audio.status_code, audio.headers["content-type"]) == (200, "audio/wav")


def test_the_root_page_lists_every_hall_with_its_pages(deployment, kota: HallAddress, desa: HallAddress):
    page = httpx.get(f"{deployment.url}/")
    assert page.status_code == 200
    assert "MPP Kota" in page.text and "MPP Desa" in page.text
    for hall in (kota, desa):
        for path in ("/screen/tv1", "/kiosk", "/counter/loket-1", "/admin/hall", "/admin/reports"):
            assert f'href="{hall.base}{path}"' in page.text
            assert httpx.get(f"{hall.url}{path}").status_code in (200, 401)  # admin pages ask to sign in
    assert httpx.get(f"{deployment.url}/healthz").json()["status"] == "ok"
    assert httpx.get(f"{deployment.url}/static/client.js").status_code == 200


def test_a_hall_s_visitor_links_carry_its_base(kota: HallAddress):
    issued = httpx.post(f"{kota.url}/api/kiosk/default/tickets", json={"service": "ktp", "request_id": "r-1"})
    assert issued.status_code == 201, issued.text
    body = issued.json()
    token = body["status_url"].rsplit("/", 1)[1]
    assert body["status_url"] == f"{kota.url}/t/{token}"
    assert (body["slip_url"], body["qr_url"]) == (f"/t/{token}/slip", f"/t/{token}/qr.svg")  # hall-relative
    # The slip's and the QR code's contents are exactly the status page's address, base included.
    qr = segno.make(body["status_url"], error="m")
    assert qr.svg_inline(scale=4, border=2) in httpx.get(kota.url + body["slip_url"]).text
    svg = io.BytesIO()
    qr.save(svg, kind="svg", scale=8, border=2)
    assert httpx.get(kota.url + body["qr_url"]).content == svg.getvalue()
    assert httpx.get(f"{kota.url}/t/{token}").status_code == 200
    log = kota.server.log_path.read_text(encoding="utf-8", errors="replace")
    assert f"{kota.base}/t/***" in log and token not in log  # the visitor's credential is masked

    booked = httpx.post(f"{kota.url}/api/bookings", json=_a_kk_booking(kota))
    assert booked.status_code == 201, booked.text
    assert booked.json()["status_url"] == f"{kota.url}/b/{booked.json()['token']}"


def _a_kk_booking(hall: HallAddress) -> dict:
    """Tomorrow's session of Kartu Keluarga (open all day, every day)."""
    agencies = httpx.get(f"{hall.url}/api/booking/services").json()["agencies"]
    kk = next(s for agency in agencies for s in agency["services"] if s["id"] == "kk")
    tomorrow = kk["dates"][1]
    slots = httpx.get(f"{hall.url}/api/booking/slots", params={"service": "kk", "date": tomorrow}).json()
    return {"service": "kk", "date": tomorrow, "session": slots["sessions"][0]["start"]}


def test_a_sign_in_is_the_hall_s_own(kota: HallAddress, desa: HallAddress):
    with httpx.Client() as browser:
        signed_in = browser.post(
            f"{kota.url}/admin/login",
            data={"token": ADMIN_TOKENS[KOTA], "next": "/admin/hall"},
            headers={"Origin": kota.server.url},
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == f"{kota.base}/admin/hall"
        cookie = signed_in.headers["set-cookie"]
        assert re.search(rf"[Pp]ath={re.escape(kota.base)}/(;|$)", cookie), cookie
        assert browser.get(f"{kota.url}/admin/screens").status_code == 200
        assert browser.get(f"{desa.url}/admin/screens").status_code == 401  # Desa asks for its own sign-in
        signed_out = browser.get(f"{kota.url}/admin/logout")
        assert signed_out.status_code == 303 and signed_out.headers["location"] == f"{kota.base}/admin/hall"


def test_editing_one_halls_file_reloads_that_hall_only(kota: HallAddress, desa: HallAddress):
    def screen(hall: HallAddress) -> str:
        return httpx.get(f"{hall.url}/screen/tv1").text

    rewrite_config(kota.config_path, 'title = "Lantai 1"', 'title = "Lantai Satu Kota"')
    assert wait_until(lambda: "Lantai Satu Kota" in screen(kota), timeout=15, interval=0.2)
    rewrite_config(desa.config_path, 'running_text = "Selamat datang di MPP Uji"', 'running_text = "Salam dari Desa"')
    assert wait_until(lambda: "Salam dari Desa" in screen(desa), timeout=15, interval=0.2)
    # Each hall took its own file's edit, and only its own.
    assert "Lantai Satu Kota" not in screen(desa) and "Lantai 1" in screen(desa)
    assert "Salam dari Desa" not in screen(kota) and "Selamat datang di MPP Uji" in screen(kota)


def test_a_single_hall_deployment_keeps_todays_addresses(server):
    screen = httpx.get(f"{server.url}/screen/tv1")
    assert screen.status_code == 200
    assert '<meta name="antrian-base" content="">' in screen.text
    assert 'src="/contract.js"' in screen.text
    assert httpx.get(f"{server.url}/kiosk").status_code == 200
    assert httpx.get(f"{server.url}/static/client.js").status_code == 200
    assert httpx.get(f"{server.url}/h/mpp-kota/screen/tv1").status_code == 404
    ticket = run_async(issue(server.url, "ktp"))
    assert ticket["number"] == "A-001"

    async def call() -> dict:
        async with CounterConnection(server.ws_url, "loket-1") as connection:
            return await connection.send("call_next")

    assert run_async(call())["type"] == "ack"
    signed_in = httpx.post(
        f"{server.url}/admin/login",
        data={"token": ADMIN_TOKENS[KOTA], "next": "/admin/hall"},
        headers={"Origin": server.url},
    )
    assert signed_in.headers["location"] == "/admin/hall"
    assert re.search(r"[Pp]ath=/(;|$)", signed_in.headers["set-cookie"])


# --- refusals before serving ------------------------------------------------------------


def serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "display_server", "serve", *args]
        + ["--port", str(free_port()), "--data", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_invalid_hall_file_is_reported_with_its_file_field_and_reason(tmp_path: Path, halls_dir: Path):
    kota_file, desa_file = halls_dir / f"{KOTA}.toml", halls_dir / f"{DESA}.toml"
    rewrite_config(kota_file, 'layout = "grid"', 'layout = "gird"')
    rewrite_config(desa_file, "recall_limit = 3", 'recall_limit = "tiga"')
    result = serve(tmp_path, "--config-dir", str(halls_dir))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{kota_file}: screens.1.layout: ") for line in lines), result.stderr
    assert any(line.startswith(f"{desa_file}: queue.recall_limit: ") for line in lines), result.stderr
    assert not (tmp_path / "data").exists()  # no hall was served


def test_a_file_name_that_is_no_hall_id_is_refused(tmp_path: Path, halls_dir: Path):
    bad = halls_dir / "Bad Name.toml"
    bad.write_text(hall_text(KOTA), encoding="utf-8")
    result = serve(tmp_path, "--config-dir", str(halls_dir))
    assert result.returncode == 2
    assert f"{bad}: the file's name is the hall's id" in result.stderr
    assert "lowercase letters, digits or '-'" in result.stderr


def test_config_and_config_dir_exclude_each_other(tmp_path: Path, halls_dir: Path):
    result = serve(tmp_path, "--config", str(halls_dir / f"{KOTA}.toml"), "--config-dir", str(halls_dir))
    assert result.returncode == 2
    assert "--config and --config-dir" in result.stderr


@pytest.mark.parametrize("content", [None, "not a hall"])
def test_a_folder_without_halls_is_refused(tmp_path: Path, content: str | None):
    folder = tmp_path / "empty"
    folder.mkdir()
    if content is not None:
        (folder / "notes.txt").write_text(content, encoding="utf-8")
    result = serve(tmp_path, "--config-dir", str(folder))
    assert result.returncode == 2
    assert f"{folder}: no hall config files" in result.stderr
