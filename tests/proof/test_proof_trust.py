"""Issue 12, items 3, 5 and 7: a TV's health cannot be faked, secrets stay out of logs and
addresses, and a kiosk's request id returns a ticket only to the kiosk that issued it."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import httpx
import pytest
import websockets

from display_server.app import create_app
from display_server.app.access_log import mask_path
from display_server.config import load_config
from tests.support.browser import require_chromium
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess

ADMIN_TOKEN = "admin-secret-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TV_KEY = "tv2-secret-key-0123456789"


def keyed_config_text() -> str:
    """The test hall, with a key on tv2 (tv1 keeps none)."""
    text = test_config_text(counters=4)
    assert text.count('id = "tv2"\n') == 1
    return text.replace('id = "tv2"\n', f'id = "tv2"\nkey = "{TV_KEY}"\n')


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("trust")
    (root / "antrian.toml").write_text(keyed_config_text(), encoding="utf-8")
    server = ServerProcess(root / "antrian.toml", root / "data").start()
    yield server
    server.stop()


def screen_row(server: ServerProcess, screen_id: str) -> dict:
    rows = httpx.get(f"{server.url}/api/admin/screens", headers=ADMIN).json()["screens"]
    return next(row for row in rows if row["id"] == screen_id)


async def settled(server: ServerProcess, screen_id: str, check) -> dict:
    """The screen's row once CHECK holds for it (reports travel asynchronously); the last row otherwise."""
    deadline = time.monotonic() + 10
    while True:
        row = screen_row(server, screen_id)
        if check(row) or time.monotonic() > deadline:
            return row
        await asyncio.sleep(0.05)


async def tv(server: ServerProcess, screen_id: str, key: str | None = None):
    url = f"{server.ws_url}/ws/screen/{screen_id}" + (f"?key={key}" if key else "")
    socket = await websockets.connect(url)
    json.loads(await socket.recv())  # the snapshot
    return socket


async def say(socket, audio: str) -> None:
    await socket.send(json.dumps({"type": "status", "audio": audio, "user_agent": f"tv-{audio}"}))
    await socket.send(json.dumps({"type": "ping"}))  # answered after the status is taken in
    while json.loads(await socket.recv())["type"] != "pong":
        pass


# --- item 3: screen health -------------------------------------------------------------


async def test_a_status_leaves_with_its_connection(keyed) -> None:
    """Was: "ok" stayed on the admin page after the (fake) TV went away."""
    socket = await tv(keyed, "tv1")
    await say(socket, "ok")
    assert (await settled(keyed, "tv1", lambda r: r["audio"] == "ok"))["online"] is True
    await socket.close()
    row = await settled(keyed, "tv1", lambda r: r["connections"] == 0)
    assert row["online"] is False and row["audio"] == "unknown"
    assert row["last_seen"] is not None


async def test_each_connection_reports_for_itself_and_the_healthiest_counts(keyed) -> None:
    """Was: the last writer won, so one silent tab hid (or faked) another's sound."""
    working, silent = await tv(keyed, "tv1"), await tv(keyed, "tv1")
    try:
        await say(working, "ok")
        await say(silent, "blocked")
        row = await settled(keyed, "tv1", lambda r: r["connections"] == 2)
        assert row["audio"] == "ok" and row["user_agent"] == "tv-ok"
        await working.close()
        row = await settled(keyed, "tv1", lambda r: r["connections"] == 1)
        assert row["online"] is True and row["audio"] == "blocked"
    finally:
        await working.close()
        await silent.close()


@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_a_keyed_screen_ignores_reports_without_its_key(keyed, key) -> None:
    """Was: anyone could make tv2 look online with sound."""
    fake = await tv(keyed, "tv2", key)
    try:
        await say(fake, "ok")
        row = await settled(keyed, "tv2", lambda r: r["connections"] == 1)
        assert row["online"] is False and row["audio"] == "unknown" and row["unverified"] == 1
        real = await tv(keyed, "tv2", TV_KEY)
        await say(real, "blocked")
        row = await settled(keyed, "tv2", lambda r: r["connections"] == 2)
        assert row["online"] is True and row["audio"] == "blocked" and row["unverified"] == 1
        await real.close()
    finally:
        await fake.close()
    await settled(keyed, "tv2", lambda r: r["connections"] == 0)


@pytest.mark.browser
def test_the_tv_page_passes_its_key_to_its_socket(keyed) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.goto(f"{keyed.url}/screen/tv2?key={TV_KEY}")
            page.wait_for_selector("body[data-connected='1']")
            deadline = time.monotonic() + 10
            while not screen_row(keyed, "tv2")["online"] and time.monotonic() < deadline:
                time.sleep(0.1)
            row = screen_row(keyed, "tv2")
            assert row["online"] is True and row["connections"] == 1 and row["unverified"] == 0
        finally:
            chromium.close()


# --- item 5: secrets in logs and addresses ---------------------------------------------


async def test_the_log_holds_no_secrets(keyed) -> None:
    """Was: the access log held ?token= values and ticket tokens in /t/ and /ws/ticket/ paths."""
    ticket = httpx.post(f"{keyed.url}/api/tickets", json={"service": "ktp"}).json()
    token = ticket["token"]
    httpx.get(f"{keyed.url}/t/{token}")
    httpx.get(f"{keyed.url}/admin/screens", params={"token": ADMIN_TOKEN})
    httpx.get(f"{keyed.url}/counter/loket-1", params={"token": "token-loket-1"})
    httpx.get(f"{keyed.url}/screen/tv2", params={"key": TV_KEY})
    async with websockets.connect(f"{keyed.ws_url}/ws/ticket/{token}") as socket:
        await socket.recv()
    await (await tv(keyed, "tv2", TV_KEY)).close()
    marker = f"/healthz?marker={time.monotonic_ns()}"
    httpx.get(f"{keyed.url}{marker}")
    deadline = time.monotonic() + 10
    while marker not in keyed.log_path.read_text(errors="replace") and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    log = keyed.log_path.read_text(errors="replace")
    assert marker in log and f"/t/{token[:4]}" not in log  # the log is written, and holds no ticket path
    for secret in (token, ADMIN_TOKEN, "token-loket-1", TV_KEY):
        assert secret not in log, secret
    assert "/t/***" in log and "/ws/ticket/***" in log and "token=***" in log and "key=***" in log


def test_mask_path_keeps_what_is_not_secret() -> None:
    assert mask_path("/t/abc/slip") == "/t/***/slip"
    assert mask_path("/ws/ticket/abc?x=1") == "/ws/ticket/***?x=1"
    assert mask_path("/admin/screens?Token=s&x=2&%6Bey=k") == "/admin/screens?Token=***&x=2&%6Bey=***"
    assert mask_path("/audio/0123abcd.wav") == "/audio/0123abcd.wav"
    assert mask_path("/api/state") == "/api/state"


@pytest.mark.parametrize("page", ["/admin/screens", "/admin/printers"])
def test_an_admin_page_trades_the_token_for_a_session(keyed, page) -> None:
    """Was: /admin/printers?token= kept the token in the address; the cookie held the admin token."""
    with httpx.Client(base_url=keyed.url) as client:
        first = client.get(page, params={"token": ADMIN_TOKEN})
        assert first.status_code == 303 and first.headers["location"] == page
        session = client.cookies.get("antrian_admin")
        assert session and ADMIN_TOKEN not in session and len(session) >= 32
        assert client.get(page).status_code == 200
        assert client.get("/admin/logout").status_code == 303
    stale = httpx.get(f"{keyed.url}{page}", cookies={"antrian_admin": session})
    assert stale.status_code == 401  # signing out ended the session on the server too


@pytest.mark.parametrize("page", ["/admin/screens", "/admin/printers"])
def test_the_login_form_posts(keyed, page) -> None:
    """Was: a GET form, so the token landed in the address bar, history and the log."""
    form = httpx.get(f"{keyed.url}{page}")
    assert form.status_code == 401
    assert re.search(r'<form method="post" action="/admin/login"', form.text)
    assert f'name="next" value="{page}"' in form.text
    with httpx.Client(base_url=keyed.url) as client:
        wrong = client.post("/admin/login", data={"token": "salah", "next": page})
        assert wrong.status_code == 401 and "salah" in wrong.text
        right = client.post("/admin/login", data={"token": ADMIN_TOKEN, "next": page})
        assert right.status_code == 303 and right.headers["location"] == page
        assert client.get(page).status_code == 200
    elsewhere = httpx.post(f"{keyed.url}/admin/login", data={"token": ADMIN_TOKEN, "next": "https://evil.example/"})
    assert elsewhere.status_code == 400  # no open redirect


def test_a_cross_site_login_is_refused(keyed) -> None:
    response = httpx.post(
        f"{keyed.url}/admin/login", data={"token": ADMIN_TOKEN}, headers={"Origin": "http://evil.example"}
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers


@pytest.mark.parametrize("path", ["/api/admin/screens", "/api/admin/printers", "/api/tickets"])
def test_the_json_admin_api_takes_the_bearer_header_only(keyed, path) -> None:
    """Was: `?token=` worked on the JSON API too (and so landed in logs and histories)."""
    assert httpx.get(f"{keyed.url}{path}", params={"token": ADMIN_TOKEN}).status_code == 401
    with httpx.Client(base_url=keyed.url) as client:
        client.get("/admin/screens", params={"token": ADMIN_TOKEN})
        assert client.cookies.get("antrian_admin")
        assert client.get(path).status_code == 401  # the pages' session is not an API credential
    assert httpx.get(f"{keyed.url}{path}", headers=ADMIN).status_code == 200


@pytest.mark.parametrize(("base_url", "secure"), [("https://hall.example", True), ("http://hall.example", False)])
async def test_the_admin_cookie_is_secure_over_https(tmp_path, base_url, secure) -> None:
    """`Secure` exactly when the request came over HTTPS (uvicorn sets the scheme from a trusted proxy)."""
    config_path = tmp_path / "antrian.toml"
    config_path.write_text(keyed_config_text(), encoding="utf-8")
    app = create_app(load_config(config_path), tmp_path / "data", config_path=config_path)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            response = await client.post("/admin/login", data={"token": ADMIN_TOKEN})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert ("; secure" in cookie) is secure and "httponly" in cookie and "samesite=strict" in cookie


# --- item 7: kiosk request ids ---------------------------------------------------------


def post_from(server: ServerProcess, address: str, path: str, request_id: str) -> dict:
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(base_url=server.url, transport=transport) as client:
        response = client.post(path, json={"service": "ktp", "request_id": request_id})
    assert response.status_code == 201, response.text
    return response.json()


def issued_token(reply: dict) -> str | None:
    return reply.get("token") or reply.get("ticket", {}).get("token") or reply.get("status_url")


@pytest.mark.parametrize("path", ["/api/kiosk/default/tickets", "/api/tickets"])
def test_a_request_id_from_another_address_gets_its_own_ticket(keyed, path) -> None:
    """Was: a second address sending another's request id received the first visitor's ticket and link."""
    request_id = f"shared-{path.count('/')}"
    mine = post_from(keyed, "127.0.0.1", path, request_id)
    again = post_from(keyed, "127.0.0.1", path, request_id)
    assert again == mine  # a retry from the same kiosk is still answered once
    theirs = post_from(keyed, "127.0.0.2", path, request_id)
    mine_ticket, their_ticket = mine.get("ticket", mine), theirs.get("ticket", theirs)
    assert their_ticket["number"] != mine_ticket["number"]
    assert issued_token(mine) and issued_token(mine) not in json.dumps(theirs)


def test_a_request_id_is_scoped_to_its_kiosk(keyed) -> None:
    first = post_from(keyed, "127.0.0.1", "/api/kiosk/default/tickets", "per-kiosk")
    other = post_from(keyed, "127.0.0.1", "/api/tickets", "per-kiosk")
    assert other["number"] != first["ticket"]["number"]
