"""Who sees what in the admin area, through the real server: sessions, supervisors' agencies,
PIN resets and changes (issue 13)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets

from tests.support.clients import CounterConnection, issue
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess
from tests.support.staff import ROSTER, SECRETS, set_pins


@pytest.fixture(scope="module")
def hall(tmp_path_factory) -> ServerProcess:
    root: Path = tmp_path_factory.mktemp("people")
    config = root / "antrian.toml"
    config.write_text(test_config_text(extra=ROSTER), encoding="utf-8")
    set_pins(config, root / "data")
    server = ServerProcess(config, root / "data").start()
    yield server
    server.stop()


@contextlib.contextmanager
def signed_in(hall: ServerProcess, user: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in to the admin area as USER."""
    with httpx.Client(base_url=hall.url) as client:
        response = client.post("/admin/login", data={"user": user, "token": SECRETS[user], "next": "/admin/hall"})
        assert response.status_code == 303, response.text
        assert "antrian_admin" in client.cookies
        yield client


def session_header(client: httpx.Client) -> dict[str, str]:
    return {"Cookie": f"antrian_admin={client.cookies['antrian_admin']}"}


def test_a_supervisor_sees_only_their_agency_on_the_hall_view(hall):
    with signed_in(hall, "sari") as client:
        page = client.get("/admin/hall")
        assert page.status_code == 200
        assert [a["id"] for a in client.get("/admin/hall.json").json()["agencies"]] == ["dukcapil"]
        other = client.get("/admin/hall.json", params={"agency": "bpjs-kes"})
        assert other.status_code == 403
        assert other.json()["error"]["code"] == "other_agency"
        assert client.get("/admin/hall", params={"agency": "bpjs-kes"}).status_code == 403


def test_an_admin_sees_every_agency(hall):
    with signed_in(hall, "kepala") as client:
        assert [a["id"] for a in client.get("/admin/hall.json").json()["agencies"]] == ["dukcapil", "bpjs-kes"]


async def test_a_supervisor_cannot_follow_another_agency_over_the_socket(hall):
    with signed_in(hall, "sari") as client:
        url = f"{hall.ws_url}/admin/ws/hall?agency=bpjs-kes"
        async with websockets.connect(url, additional_headers=session_header(client)) as socket:
            refusal = json.loads(await socket.recv())
            assert refusal["code"] == "other_agency"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.rcvd.code == 4001


async def test_the_hall_socket_needs_a_sign_in(hall):
    async with websockets.connect(f"{hall.ws_url}/admin/ws/hall") as socket:
        assert json.loads(await socket.recv())["code"] == "unauthorized"


async def test_a_supervisor_follows_their_agency_live_and_hears_nothing_of_another(hall):
    with signed_in(hall, "bayu") as client:
        async with websockets.connect(
            f"{hall.ws_url}/admin/ws/hall", additional_headers=session_header(client)
        ) as socket:
            snapshot = json.loads(await socket.recv())
            assert [a["id"] for a in snapshot["agencies"]] == ["bpjs-kes"]
            await issue(hall.url, "ktp")  # Dukcapil: not this supervisor's
            await issue(hall.url, "jkn")
            update = json.loads(await socket.recv())
            assert update["type"] == "agency" and update["agency"]["id"] == "bpjs-kes"
            [jkn] = [s for s in update["agency"]["services"] if s["id"] == "jkn"]
            assert jkn["waiting"] >= 1 and jkn["oldest"][0]["number"].startswith("C-")


def test_a_supervisor_cannot_open_the_halls_own_admin_pages(hall):
    with signed_in(hall, "sari") as client:
        assert client.get("/admin/screens").status_code == 403


def test_an_officer_cannot_sign_in_to_the_admin_area(hall):
    response = httpx.post(f"{hall.url}/admin/login", data={"user": "budi", "token": SECRETS["budi"]})
    assert response.status_code == 401
    assert "antrian_admin" not in response.cookies


def test_a_wrong_password_opens_no_session(hall):
    response = httpx.post(f"{hall.url}/admin/login", data={"user": "sari", "token": "salah-sekali"})
    assert response.status_code == 401
    assert "salah" in response.text and "antrian_admin" not in response.cookies


def test_signing_out_ends_the_session(hall):
    with signed_in(hall, "sari") as client:
        session = client.cookies["antrian_admin"]
        client.get("/admin/logout")
    after = httpx.get(f"{hall.url}/admin/hall.json", headers={"Cookie": f"antrian_admin={session}"})
    assert after.status_code == 401


def test_the_admin_token_still_works_for_scripts(hall):
    headers = {"Authorization": "Bearer admin-secret-token"}
    assert httpx.get(f"{hall.url}/admin/hall.json", headers=headers).status_code == 200


def test_a_supervisor_resets_their_officers_pin_but_not_another_agencys(hall):
    with signed_in(hall, "sari") as client:
        page = client.get("/admin/staff")
        assert 'data-staff="budi"' in page.text and 'data-staff="wati"' not in page.text
        ours = client.post("/admin/staff/ani/pin", data={"pin": "112233"}, headers={"Origin": hall.url})
        assert ours.status_code == 200 and "sudah disimpan" in ours.text
        theirs = client.post("/admin/staff/wati/pin", data={"pin": "445566"}, headers={"Origin": hall.url})
        assert theirs.status_code == 400
    # the old PIN of wati still works, ani's new one too
    assert own_change(hall, "wati", SECRETS["wati"], SECRETS["wati"]).status_code == 200
    assert own_change(hall, "ani", "112233", SECRETS["ani"]).status_code == 200


def own_change(hall: ServerProcess, staff: str, old: str, new: str) -> httpx.Response:
    return httpx.post(f"{hall.url}/api/staff/pin", json={"staff": staff, "old": old, "new": new})


def test_an_officer_changes_their_own_pin_with_the_old_one(hall):
    assert own_change(hall, "budi", "000000", "654321").json()["error"]["code"] == "wrong_pin"
    assert own_change(hall, "budi", SECRETS["budi"], "12").json()["error"]["code"] == "weak_pin"
    assert own_change(hall, "budi", SECRETS["budi"], "654321").status_code == 200
    assert own_change(hall, "budi", "654321", SECRETS["budi"]).status_code == 200


def test_pin_resets_by_script_need_the_admin_token(hall):
    assert httpx.post(f"{hall.url}/api/staff/ani/pin", json={"pin": "999999"}).status_code == 401
    reset = httpx.post(
        f"{hall.url}/api/staff/ani/pin",
        json={"pin": SECRETS["ani"]},
        headers={"Authorization": "Bearer admin-secret-token"},
    )
    assert reset.status_code == 200


async def test_a_counter_signs_in_over_its_socket_and_a_wrong_pin_gets_the_contracts_error(hall):
    async with CounterConnection(hall.ws_url, "loket-3") as counter:
        assert counter.welcome["counter"]["officer"] is None
        assert "Istirahat" in counter.welcome["pause_reasons"]
        wrong = await counter.send("sign_in", officer="ani", pin="000000")
        assert (wrong["type"], wrong["code"]) == ("error", "wrong_pin")
        right = await counter.send("sign_in", officer="ani", pin=SECRETS["ani"])
        assert right["counter"]["officer"]["name"] == "Ani Lestari"
        paused = await counter.send("pause", reason="Rapat")
        assert paused["counter"]["state"] == "paused"
        refused = await counter.send("call_next")
        assert refused["code"] == "counter_paused"
        await counter.send("open")
        await counter.send("sign_out")


async def test_the_public_state_never_names_who_is_signed_in(hall):
    async with CounterConnection(hall.ws_url, "loket-1") as counter:
        await counter.send("sign_in", officer="budi", pin=SECRETS["budi"])
        state = httpx.get(f"{hall.url}/api/state").json()
        [loket] = [c for c in state["counters"] if c["id"] == "loket-1"]
        assert loket["state"] == "open" and "officer" not in loket
        assert "Budi" not in json.dumps(state)
        await counter.send("sign_out")
