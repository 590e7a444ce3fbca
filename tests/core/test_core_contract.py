"""The contract is written once: every code the server sends is in it, the docs list it, and
the doors reach the hall only through its commands and its read side."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from display_server import contract

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "display_server"
DOORS = SERVER / "app"

# Calls whose first string argument is an error code, wherever the server refuses something.
_CODE_CALL = re.compile(
    r"""(?:Rejection|CommandError|BadMessage|error_response|error_message|refuse\(websocket,)\(?\s*["']([a-z_]+)["']"""
)
_AVAILABILITY_CODE = re.compile(r"""Availability\(\s*False,.*?,\s*["']([a-z_]+)["']\s*\)""", re.S)


def codes_the_server_sends() -> set[str]:
    found: set[str] = set()
    for path in SERVER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(_CODE_CALL.findall(text)) | set(_AVAILABILITY_CODE.findall(text))
    return found


def test_every_code_the_server_sends_is_in_the_contract():
    sent = codes_the_server_sends()
    assert {"queue_empty", "unauthorized", "quota_reached", "printer_error", "hello_timeout"} <= sent  # the scan works
    assert sent - set(contract.ERRORS) == set()


def test_every_code_has_an_http_status_and_an_indonesian_text():
    for error in contract.ERRORS.values():
        assert 400 <= error.status < 600 and error.text, error
    assert contract.http_status("queue_empty") == 409 and contract.http_status("unknown_counter") == 404
    assert contract.error_text("queue_empty") == "Tidak ada antrean"


def test_the_protocol_doc_lists_every_code_and_close_code():
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    missing = [code for code in contract.ERRORS if f"`{code}`" not in doc]
    assert missing == []
    for name, number in contract.CLOSE_CODES.items():
        assert f"| {number} | `{name}` |" in doc


def test_one_ticket_number_grammar():
    assert str(contract.parse_number(" a 7 ")) == "A-7"
    assert contract.format_number("A", 7) == "A-007" and contract.format_number("A", 1234) == "A-1234"
    assert contract.parse_number("PID-012") == contract.ticket_number("PID", 12)
    assert contract.parse_number("ABCD-1") is None and contract.parse_number("A-") is None
    assert str(contract.ticket_number("A", 9).after(1)) == "A-010"


def test_the_prev_seq_rule():
    assert not contract.missed_messages(None, {"seq": 9, "prev_seq": 3})  # nothing seen yet
    assert not contract.missed_messages(7, {"type": "call", "seq": 9, "prev_seq": 7})  # a filtered gap
    assert contract.missed_messages(7, {"type": "call", "seq": 9, "prev_seq": 8})  # a lost message
    assert not contract.missed_messages(7, {"type": "snapshot", "seq": 12, "prev_seq": 12})  # a new chain


def test_backoff_grows_to_its_cap_with_jitter_in_the_upper_half():
    low, high = contract.Backoff(rng=lambda: 0.0), contract.Backoff(rng=lambda: 1.0)
    assert low.delay(0) == high.delay(0) / 2 == contract.Backoff().base / 2
    assert high.delay(50) == contract.Backoff().cap


HALL_INTERNALS = {"state", "store", "hub", "announcer", "recent_calls"}


def test_doors_never_reach_into_the_hall():
    reached = []
    for path in DOORS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in HALL_INTERNALS:
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if name == "hall":
                    reached.append(f"{path.name}:{node.lineno} hall.{node.attr}")
    assert reached == []


def test_doors_read_the_hall_clock_not_the_wall_clock():
    offenders = [p.name for p in DOORS.glob("*.py") if "datetime.now(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_contract_imports_only_the_standard_library():
    tree = ast.parse((SERVER / "contract.py").read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0] if isinstance(node, ast.ImportFrom) else alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "random", "re", "collections", "dataclasses", "enum", "typing"}
