"""`antrian call ACTION`: JSON out, exit 1 with the error code, against a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from counter_client.tokens import store_token, stored_token
from tests.support.server import free_port

from .helpers import called_by, issue


def antrian(*args: str, env: dict | None = None) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "display_server", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return result.returncode, json.loads(result.stdout)


def call(server_url: str, *args: str, counter: str = "loket-1", token: str = "token-loket-1") -> tuple[int, dict]:
    return antrian("call", *args, "--server", server_url, "--counter", counter, "--token", token)


def test_next_recall_transfer_and_call_by_number(server):
    issue(server.url, "ktp")
    issue(server.url, "ktp")
    code, reply = call(server.url, "next")
    assert code == 0 and reply["type"] == "ack" and reply["ticket"]["number"] == "A-001"
    code, reply = call(server.url, "recall")
    assert code == 0 and reply["counter"]["current"]["recalls"] == 1
    code, reply = call(server.url, "transfer", "--service", "kk")
    assert code == 0 and reply["ticket"]["service"] == "kk" and reply["ticket"]["status"] == "waiting"
    code, reply = call(server.url, "call", "--number", "a2")
    assert code == 0 and reply["ticket"]["number"] == "A-002"
    code, reply = call(server.url, "finish")
    assert code == 0 and reply["ticket"]["status"] == "served"
    assert [t["number"] for t in called_by(server.url, "loket-1")] == ["A-002"]


def test_errors_are_json_with_their_code_and_exit_one(server):
    code, reply = call(server.url, "next")
    assert code == 1 and reply["error"]["code"] == "queue_empty" and reply["error"]["message"]
    code, reply = call(server.url, "skip")
    assert code == 1 and reply["error"]["code"] == "no_current_ticket"
    code, reply = call(server.url, "next", token="wrong")
    assert code == 1 and reply["error"]["code"] == "unauthorized"
    code, reply = call(server.url, "next", counter="loket-99")
    assert code == 1 and reply["error"]["code"] == "unknown_counter"


def test_a_ticket_taken_by_another_counter(server):
    issue(server.url, "ktp")
    assert call(server.url, "next", counter="loket-3", token="token-loket-3")[0] == 0
    code, reply = call(server.url, "call", "--number", "A-001")
    assert code == 1 and reply["error"]["code"] == "ticket_taken"


def test_an_unreachable_server():
    code, reply = antrian(
        "call",
        "next",
        "--server",
        f"http://127.0.0.1:{free_port()}",
        "--counter",
        "loket-1",
        "--token",
        "t",
        "--timeout",
        "2",
    )
    assert code == 1 and reply["error"]["code"] == "unreachable"


def test_a_saved_token_is_used_and_kept_private(server, tmp_path):
    path = store_token(server.url, "loket-1", "token-loket-1", tmp_path / "antrian" / "counter.json")
    assert stored_token(server.url, "loket-1", path) == "token-loket-1"
    assert os.stat(path).st_mode & 0o077 == 0
    issue(server.url, "ktp")
    code, reply = antrian(
        "call",
        "next",
        "--server",
        server.url,
        "--counter",
        "loket-1",
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
    )
    assert code == 0 and reply["ticket"]["number"] == "A-001"


def test_a_number_that_is_not_a_ticket_number_is_refused_before_connecting():
    code, reply = antrian(
        "call",
        "call",
        "--number",
        "12-A",
        "--server",
        f"http://127.0.0.1:{free_port()}",
        "--counter",
        "loket-1",
        "--token",
        "t",
    )
    assert code == 1 and reply["error"]["code"] == "bad_request"
