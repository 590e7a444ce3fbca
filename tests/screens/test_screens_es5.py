"""The pages' JavaScript: ES5 for old smart-TV browsers, and the contract from `/contract.js` only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from pyjsparser import JsSyntaxError, PyJsParser
from starlette.applications import Starlette

from display_server import contract, indonesian
from display_server.app import client_script
from tests.screens.helpers import run_async

STATIC = Path(__file__).resolve().parents[2] / "screens" / "static"
SCRIPTS = sorted(STATIC.glob("*.js"))


def nodes(tree):
    """Every node of a pyjsparser (ESTree) syntax tree."""
    if isinstance(tree, dict):
        if "type" in tree:
            yield tree
        for value in tree.values():
            yield from nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from nodes(item)


def es2015_syntax(source: str) -> list[str]:
    """What in `source` an ES5 engine (Samsung Tizen 3) cannot run.

    pyjsparser parses ES5.1 and refuses most later syntax; a few ES2015 forms it still
    accepts (let/const, short or computed properties, default parameters, 0b/0o numbers)
    are found in its tree."""
    try:
        tree = PyJsParser().parse(source)
    except JsSyntaxError as error:
        return [str(error)]
    found = []
    for node in nodes(tree):
        kind = node["type"]
        if kind == "VariableDeclaration" and node["kind"] != "var":
            found.append(node["kind"])
        elif kind == "Property" and (node.get("shorthand") or node.get("method") or node.get("computed")):
            found.append("ES2015 object property")
        elif kind in ("FunctionDeclaration", "FunctionExpression") and any(node.get("defaults") or []):
            found.append("default parameter")
        elif kind == "Literal" and re.match(r"0[bBoO]", str(node.get("raw", ""))):
            found.append("binary or octal number")
    return found


def string_literals(source: str) -> set[str]:
    return {
        n["value"]
        for n in nodes(PyJsParser().parse(source))
        if n["type"] == "Literal" and isinstance(n.get("value"), str)
    }


@pytest.mark.parametrize(
    "source", ["let x = 1;", "const x = 1;", "() => 1", "var s = `x`;", "class A {}", "var o = {a};", "f(...a);"]
)
def test_the_check_rejects_es2015(source):
    assert es2015_syntax(source)


def test_the_check_accepts_es5():
    assert not es2015_syntax('"use strict"; var o = { a: 1, get b() { return /x\\/y/g; } }; for (var k in o) {}')


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_page_script_is_es5(path):
    source = path.read_text(encoding="utf-8")
    assert not es2015_syntax(source), f"{path.name} has syntax Tizen 3 cannot run"
    assert "toLocaleTimeString" not in source  # prints 08.35.22 in id-ID; halls want 08:35:22


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_page_script_restates_the_contract(path):
    literals = string_literals(path.read_text(encoding="utf-8"))
    contract_texts = {e.text for e in contract.ERRORS.values()} | set(contract.ACTION_LABELS.values())
    names = set(indonesian.DAYS) | set(indonesian.MONTHS)
    assert not literals & (contract_texts | names)


# --- /contract.js ----------------------------------------------------------------------------


def served_contract() -> tuple[dict, dict]:
    """GET /contract.js from the door's own routes, in process (no hall needed)."""

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=Starlette(routes=client_script.routes))
        async with httpx.AsyncClient(transport=transport, base_url="http://hall") as client:
            return await client.get("/contract.js")

    response = run_async(get())
    assert response.status_code == 200
    prefix = "window.ANTRIAN_CONTRACT = "
    assert response.text.startswith(prefix) and response.text.endswith(";\n")
    return json.loads(response.text[len(prefix) : -2]), response.headers


def test_contract_js_serves_the_codes_of_the_contract_module():
    served, headers = served_contract()
    assert served["errors"] == {code: e.text for code, e in contract.ERRORS.items()}
    assert served["fatal"] == sorted(contract.FATAL_CODES)
    assert served["close"] == contract.CLOSE_CODES and served["close"]["too_slow"] == contract.Close.TOO_SLOW
    assert served["actionLabels"] == contract.ACTION_LABELS
    assert served == {**contract.for_pages(), **indonesian.for_pages()}
    assert headers["content-type"] == "application/javascript; charset=utf-8"
    assert "max-age" in headers["cache-control"]


def test_contract_js_gives_the_indonesian_names_monday_first():
    served, _ = served_contract()
    assert served["days"][0] == "Senin" and served["days"][6] == "Minggu"
    assert served["months"][10] == "November"
    assert served["zoneOffsetMinutes"]["Asia/Makassar"] == 8 * 60


def test_text_in_the_contract_cannot_end_the_script_element():
    script = client_script.script_assigning("X", {"text": "</script><!-- & -->"})
    assert not set("<>&") & set(script)
    assert json.loads(script[len("window.X = ") : -2]) == {"text": "</script><!-- & -->"}


# --- client.js in a browser ------------------------------------------------------------------


@pytest.fixture
def client_page(browser):
    page = browser.new_page()
    page.add_script_tag(content=client_script.contract_script())
    page.add_script_tag(path=str(STATIC / "client.js"))
    yield page
    page.close()


@pytest.mark.browser
def test_client_js_writes_times_and_dates_in_the_halls_zone(client_page):
    monday = "Date.UTC(2026, 10, 23, 0, 35, 22)"  # 08:35:22 WITA
    assert client_page.evaluate(f"Antrian.timeText({monday}, 480)") == "08:35:22"
    assert client_page.evaluate(f"Antrian.shortTimeText({monday}, 480)") == "08:35"
    assert client_page.evaluate(f"Antrian.dateText({monday}, 480)") == "Senin, 23 November 2026"
    assert client_page.evaluate("Antrian.dateText(Date.UTC(2026, 10, 23, 20, 0), 540)") == "Selasa, 24 November 2026"
    assert client_page.evaluate("Antrian.zoneOffsetMinutes('Asia/Jayapura', Date.now())") == 540


@pytest.mark.browser
def test_client_js_wait_and_error_texts(client_page):
    waits = client_page.evaluate("[Antrian.waitText(12, 0), Antrian.waitText(8, 3), Antrian.waitText(95, 20)]")
    assert waits == ["Segera", "\u00b1 8 menit", "\u00b1 1 jam 35 menit"]
    assert client_page.evaluate("Antrian.errorText('queue_empty')") == contract.ERRORS["queue_empty"].text
    assert client_page.evaluate("Antrian.errorText('brand_new', 'pesan server')") == contract.error_text(
        "brand_new", "pesan server"
    )
    assert client_page.evaluate("Antrian.errorText('brand_new')") == contract.error_text("brand_new")
    assert client_page.evaluate("[Antrian.isFatal('unauthorized'), Antrian.isFatal('queue_empty')]") == [True, False]


@pytest.mark.browser
@pytest.mark.parametrize(
    "last_seq, message",
    [
        (None, {"type": "call", "seq": 9, "prev_seq": 7}),
        (7, {"type": "call", "seq": 9, "prev_seq": 7}),
        (7, {"type": "call", "seq": 9, "prev_seq": 8}),
        (7, {"type": "snapshot", "seq": 9, "prev_seq": 8}),
        (7, {"type": "pong"}),
    ],
)
def test_client_js_applies_the_contracts_prev_seq_rule(client_page, last_seq, message):
    missed = client_page.evaluate("([last, message]) => Antrian.missedMessages(last, message)", [last_seq, message])
    assert missed == contract.missed_messages(last_seq, message)
