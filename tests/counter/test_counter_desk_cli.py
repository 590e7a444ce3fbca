"""`antrian call --officer`: sign in with a PIN from ANTRIAN_PIN, then act; pause, open, close, sign out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

from counter_client.session import counter_url
from tests.support.hall_config import test_config_text, token_for
from tests.support.staff import PINS, ROSTER, set_pins

from .helpers import called_by, issue

ATTENDANCE = '\n[attendance]\nrequire_sign_in = true\npause_reasons = ["Istirahat", "Salat"]\n'


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "antrian.toml"
    path.write_text(test_config_text(counters=2, extra=ATTENDANCE + ROSTER), encoding="utf-8")
    set_pins(path, tmp_path / "data", {"budi": PINS["budi"]})  # the data folder the server fixture uses
    return path


def call(server_url: str, *args: str, pin: str | None = None) -> tuple[int, dict, str]:
    env = {k: v for k, v in os.environ.items() if k != "ANTRIAN_PIN"}
    if pin is not None:
        env["ANTRIAN_PIN"] = pin
    result = subprocess.run(
        [sys.executable, "-m", "display_server", "call", *args]
        + ["--server", server_url, "--counter", "loket-1", "--token", "token-loket-1"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, json.loads(result.stdout), result.stderr.strip()


def desk(base_url: str, counter: str = "loket-1") -> dict:
    """The counter as its own clients see it (officer included: public views never show it)."""
    with connect(counter_url(base_url), open_timeout=5) as socket:
        socket.send(json.dumps({"type": "hello", "counter": counter, "token": token_for(counter)}))
        return json.loads(socket.recv(timeout=5))["counter"]


def test_a_wrong_pin_is_refused_in_indonesian_and_nothing_is_called(server):
    issue(server.url, "ktp")
    code, reply, said = call(server.url, "next", "--officer", "budi", pin="000000")
    assert code == 1 and reply["error"]["code"] == "wrong_pin" and said == "PIN atau kata sandi salah"
    assert desk(server.url)["officer"] is None and called_by(server.url, "loket-1") == []


def test_without_an_officer_the_hall_refuses_the_call(server):
    issue(server.url, "ktp")
    code, reply, said = call(server.url, "next")
    assert code == 1 and reply["error"]["code"] == "not_signed_in"
    assert said == "Belum ada petugas yang masuk di loket ini"


def test_the_right_pin_signs_in_and_calls(server):
    issue(server.url, "ktp")
    code, reply, _ = call(server.url, "next", "--officer", "budi", pin=PINS["budi"])
    assert code == 0 and reply["ticket"]["number"] == "A-001"
    assert reply["counter"]["officer"] == {"id": "budi", "name": "Budi Santoso"}
    issue(server.url, "ktp")
    code, reply, _ = call(server.url, "next", "--officer", "budi", pin=PINS["budi"])  # already here: fine
    assert code == 0 and reply["ticket"]["number"] == "A-002"


def test_pause_open_close_and_sign_out_as_one_shot_commands(server):
    issue(server.url, "ktp")
    code, reply, _ = call(server.url, "sign_in", "--officer", "budi", pin=PINS["budi"])
    assert code == 0 and reply["counter"]["officer"]["id"] == "budi"
    code, reply, _ = call(server.url, "pause", "--reason", "Salat")
    assert code == 0 and (reply["counter"]["state"], reply["counter"]["reason"]) == ("paused", "Salat")
    code, reply, said = call(server.url, "next")
    assert code == 1 and reply["error"]["code"] == "counter_paused" and said.startswith("Loket sedang jeda")
    code, reply, _ = call(server.url, "pause", "--reason", "Tidur")
    assert code == 1 and reply["error"]["code"] == "unknown_reason"
    assert call(server.url, "open")[0] == 0
    assert call(server.url, "close")[1]["counter"]["state"] == "closed"
    code, reply, _ = call(server.url, "sign_out")
    assert code == 0 and reply["counter"]["officer"] is None
    assert desk(server.url)["state"] == "closed" and called_by(server.url, "loket-1") == []


def test_a_pin_is_needed_and_pause_and_sign_in_need_their_options(server):
    code, reply, _ = call(server.url, "next", "--officer", "budi")
    assert code == 1 and reply["error"]["code"] == "bad_request" and "ANTRIAN_PIN" in reply["error"]["message"]
    assert call(server.url, "pause")[1]["error"]["code"] == "bad_request"
    assert call(server.url, "sign_in")[1]["error"]["code"] == "bad_request"
