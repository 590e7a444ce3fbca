"""The screen pages over plain HTTP: rendering, 404, media with Range, logos, admin status."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.screens.helpers import ADMIN_TOKEN, write_screen_hall
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for these read-only checks (they change nothing in the hall)."""
    folder = tmp_path_factory.mktemp("pages")
    process = ServerProcess(write_screen_hall(folder), folder / "data").start()
    yield process
    process.stop()


def test_screen_page_renders_its_config_and_snapshot(server):
    response = httpx.get(f"{server.url}/screen/tv1")
    assert response.status_code == 200
    html = response.text
    assert 'data-layout="standard"' in html
    assert "/static/screen.js" in html and "/static/screen.css" in html
    boot = json.loads(re.search(r'<script type="application/json" id="screen-boot">(.*?)</script>', html).group(1))
    assert boot["screen_id"] == "tv1"
    assert boot["tz_offset_minutes"] == 8 * 60  # Asia/Makassar, computed by the server
    snapshot = json.loads(
        re.search(r'<script type="application/json" id="screen-snapshot">(.*?)</script>', html).group(1)
    )
    assert snapshot["type"] == "snapshot" and snapshot["running_text"] == "Selamat datang di MPP Uji"


def test_the_page_loads_the_contract_and_the_shared_script_before_its_own(server):
    html = httpx.get(f"{server.url}/screen/tv1").text
    order = [
        html.index(f'<script src="{src}"></script>')
        for src in ("/contract.js", "/static/client.js", "/static/screen.js")
    ]
    assert order == sorted(order)
    served = httpx.get(f"{server.url}/contract.js")
    assert served.status_code == 200 and served.text.startswith("window.ANTRIAN_CONTRACT = ")


def test_unknown_screen_is_an_indonesian_404_listing_the_screens(server):
    response = httpx.get(f"{server.url}/screen/tidak-ada")
    assert response.status_code == 404
    assert "tidak ditemukan" in response.text
    for screen in ("tv1", "tv1-grid", "tv2", "tv1-media"):
        assert f'href="/screen/{screen}"' in response.text


def test_media_is_served_with_range_requests(server):
    whole = httpx.get(f"{server.url}/media/tv1-media/02-clip.mp4")
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    part = httpx.get(f"{server.url}/media/tv1-media/02-clip.mp4", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole.content)}"


@pytest.mark.parametrize(
    "name", ["..%2Fsecret.txt", "..%2Fantrian.toml", "%2E%2E%2Fsecret.txt", "..", "%2Fetc%2Fpasswd", "missing.mp4"]
)
def test_media_refuses_paths_outside_the_folder(server, name):
    response = httpx.get(f"{server.url}/media/tv1-media/{name}")
    assert response.status_code == 404
    assert "not for screens" not in response.text


def test_media_of_a_screen_without_a_folder_is_404(server):
    assert httpx.get(f"{server.url}/media/tv1/01-info.png").status_code == 404


def test_media_page_lists_the_playlist(server):
    html = httpx.get(f"{server.url}/screen/tv1-media").text
    boot = json.loads(re.search(r'<script type="application/json" id="screen-boot">(.*?)</script>', html).group(1))
    assert [m["kind"] for m in boot["media"]] == ["image", "video"]
    assert boot["media"][0]["url"] == "/media/tv1-media/01-info.png"


def test_logo_is_served_from_next_to_the_config(server):
    html = httpx.get(f"{server.url}/screen/tv1-media").text
    assert 'src="/logo/tv1-media"' in html
    logo = httpx.get(f"{server.url}/logo/tv1-media")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
    assert httpx.get(f"{server.url}/logo/tv1").status_code == 404  # no logo configured


def test_admin_status_asks_for_the_token(server):
    response = httpx.get(f"{server.url}/admin/screens")
    assert response.status_code == 401
    assert "token admin" in response.text and 'name="token"' in response.text and 'name="user"' in response.text
    wrong = httpx.get(f"{server.url}/admin/screens", params={"token": "salah-salah"})
    assert wrong.status_code == 401 and "salah" in wrong.text


def test_admin_status_keeps_the_token_in_a_cookie(server):
    with httpx.Client(base_url=server.url, follow_redirects=True) as client:
        first = client.get("/admin/screens", params={"token": ADMIN_TOKEN})
        assert first.status_code == 200  # after the redirect that drops the token from the URL
        assert str(first.url).endswith("/admin/screens")
        assert "Status Layar" in first.text and 'data-screen="tv1"' in first.text
        again = client.get("/admin/screens")
        assert again.status_code == 200 and "Konfigurasi valid" in again.text


def test_admin_status_accepts_a_bearer_token(server):
    response = httpx.get(f"{server.url}/admin/screens", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200
    assert 'data-screen="tv1-grid"' in response.text
