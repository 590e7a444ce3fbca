"""Hostile input: over 10,000 malformed, oversized, out-of-order and wrong-type messages.

One real server and a few connections serve the whole module. Each message must get the
error the protocol names (checked against an oracle written from docs/protocol.md), the
hall's state must not change, and a screen and a counter connected all along must still
work afterwards.

Counter `loket-2` (services jkn and kuota) is the fuzzed counter; no jkn or kuota ticket
is ever issued in this module, so no command it sends can legitimately act.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from display_server.contract import ACTIONS as COUNTER_ACTIONS
from tests.proof.wire import OP_CLOSE, OP_TEXT, close_code, frame, open_websocket, read_frame
from tests.support.hall_config import token_for

# websockets masks frames with `random`; hypothesis warns about any use of it inside a test.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")

ADMIN = {"Authorization": "Bearer admin-secret-token"}
MAX_MESSAGE = 4096  # security.max_message_bytes in the test hall (the default)
SERVICES = {"ktp", "kk", "jkn", "kuota"}
RULE_CODES = {
    "queue_empty",
    "no_current_ticket",
    "ticket_not_found",
    "wrong_service",
    "ticket_taken",
    "bad_request",
    "unknown_service",
    "same_service",
    # the desk's rules (sign_in, sign_out, pause, open, close): refusals, never a crash
    "not_signed_in",
    "already_so",
    "counter_paused",
    "counter_closed",
    "unknown_reason",
    "wrong_pin",
    "unknown_officer",
    "wrong_agency",
    "account_locked",
    "no_pin_set",
}
BASE = settings(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz_settings(examples: int) -> settings:
    return settings(BASE, max_examples=examples)


def open_ws(url: str, **options) -> ClientConnection:
    """A sync connection kept open across examples (entered, as websockets wants)."""
    return connect(url, **options).__enter__()


# --- strategies ------------------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
types = (
    st.sampled_from([*COUNTER_ACTIONS, "hello", "ping", "state", "status", "snapshot", "CALL_NEXT", ""])
    | st.text(max_size=20)
    | json_values
)
commands = st.fixed_dictionaries(
    {"type": types},
    optional={
        "id": json_values | st.text(min_size=0, max_size=120),
        "number": json_values | st.text(max_size=10),
        "service": json_values | st.sampled_from(sorted(SERVICES)),
        "counter": json_values,
        "token": json_values,
        "audio": json_values,
        "user_agent": json_values,
    },
)
deep = st.integers(10, 4000).map(lambda n: "[" * n + "]" * n) | st.integers(10, 1300).map(
    lambda n: '{"a":' * n + "1" + "}" * n
)
oversized = st.integers(MAX_MESSAGE + 1, 60_000).map(lambda n: json.dumps({"type": "ping", "pad": "x" * n}))
frames = st.one_of(
    commands.map(json.dumps),
    commands.map(lambda c: json.dumps(c)[:-1]),
    st.text(max_size=300),
    json_values.map(json.dumps),
    st.binary(max_size=300),
    deep,
    oversized,
)


# --- oracles ---------------------------------------------------------------------------


NEAR_RECURSION_LIMIT = 500  # nesting this deep parses or not depending on the caller's stack


def envelope_error(message: str | bytes) -> tuple[set[str], dict | None]:
    """The errors every door may give before looking at the type, or the parsed message."""
    if isinstance(message, bytes):
        return {"bad_json"}, None
    if len(message.encode()) > MAX_MESSAGE:
        return {"message_too_large"}, None
    deep_enough = message.count("[") + message.count("{") > NEAR_RECURSION_LIMIT
    try:
        parsed = json.loads(message)
    except RecursionError:
        return {"bad_json", "bad_request"}, None
    except ValueError:
        return {"bad_json"}, None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
        return ({"bad_json", "bad_request"} if deep_enough else {"bad_request"}), None
    return set(), parsed


def screen_expects(message: str | bytes) -> set[str]:
    """{"pong"}, set() (no reply) or the error codes a screen may get."""
    codes, parsed = envelope_error(message)
    if codes:
        return codes
    return {"ping": {"pong"}, "status": set()}.get(parsed["type"], {"forbidden"})


def counter_expects(message: str | bytes) -> set[str]:
    codes, parsed = envelope_error(message)
    if codes:
        return codes
    kind = parsed["type"]
    if kind in ("ping", "state"):
        return {"pong" if kind == "ping" else "state"}
    if kind not in COUNTER_ACTIONS:
        return {"unknown_type"}
    request_id = parsed.get("id")
    if not isinstance(request_id, str) or not 0 < len(request_id) <= 100:
        return {"bad_request"}
    return RULE_CODES


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hall(shared_server):
    """The shared server with two ktp tickets waiting (so `call A-001` meets a real ticket)."""
    for request_id in ("hostile-seed-1", "hostile-seed-2"):
        httpx.post(f"{shared_server.url}/api/tickets", json={"service": "ktp", "request_id": request_id}, timeout=5)
    return shared_server


@pytest.fixture(scope="module")
def bystanders(hall):
    """A screen and a counter connected all along, checked after each fuzz run."""
    screen = open_ws(f"{hall.ws_url}/ws/screen/tv1")
    screen.recv(timeout=5)
    counter = open_ws(f"{hall.ws_url}/ws/counter")
    counter.send(json.dumps({"type": "hello", "counter": "loket-1", "token": token_for("loket-1")}))
    assert json.loads(counter.recv(timeout=5))["type"] == "welcome"
    yield screen, counter
    screen.close()
    counter.close()


def hall_state(server) -> tuple[dict, dict]:
    state = httpx.get(f"{server.url}/api/state", timeout=5).json()
    tickets = httpx.get(
        f"{server.url}/api/tickets", headers=ADMIN, params={"date": state["service_date"]}, timeout=5
    ).json()
    return state, tickets


def assert_bystanders_fine(server, bystanders) -> None:
    screen, counter = bystanders
    assert httpx.get(f"{server.url}/healthz", timeout=2).json() == {"status": "ok"}
    counter.send(json.dumps({"type": "ping"}))
    assert json.loads(counter.recv(timeout=5))["type"] == "pong"
    screen.send(json.dumps({"type": "ping"}))
    assert json.loads(screen.recv(timeout=5))["type"] == "pong"


class Door:
    """One fuzzed WebSocket, reopened when the server closes it."""

    def __init__(self, opener):
        self.opener = opener
        self.socket: ClientConnection = opener()

    def exchange(self, message: str | bytes, is_ping: bool) -> list[dict]:
        """Send, then a ping as a marker: every reply up to the marker's pong (excluded)."""
        try:
            self.socket.send(message)
            self.socket.send(json.dumps({"type": "ping"}))
            replies: list[dict] = []
            pongs_left = 2 if is_ping else 1
            while pongs_left:
                reply = json.loads(self.socket.recv(timeout=5))
                pongs_left -= reply.get("type") == "pong"
                replies.append(reply)
            return replies[:-1]
        except ConnectionClosed as exc:
            self.socket = self.opener()
            raise AssertionError(f"the server closed the connection on {message!r:.200}: {exc}") from exc


def would_issue(body: bytes) -> bool:
    """True for a body that is a legit kiosk request (those are not hostile: left out)."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and isinstance(parsed.get("service"), str) and parsed["service"] in SERVICES


# --- WebSocket fuzzing -----------------------------------------------------------------


@pytest.mark.slow
def test_screen_fuzz(hall, bystanders) -> None:
    before = hall_state(hall)

    def open_screen() -> ClientConnection:
        socket_ = open_ws(f"{hall.ws_url}/ws/screen/tv2")
        assert json.loads(socket_.recv(timeout=5))["type"] == "snapshot"
        return socket_

    door = Door(open_screen)

    @fuzz_settings(3000)
    @given(frames)
    def fuzz(message: str | bytes) -> None:
        expected = screen_expects(message)
        replies = door.exchange(message, is_ping=expected == {"pong"})
        got = [r.get("code", r["type"]) for r in replies]
        assert len(got) == (1 if expected else 0) and set(got) <= expected, (message, replies)
        assert all(r["type"] == "pong" or r.get("message") for r in replies)

    fuzz()
    assert hall_state(hall) == before
    assert_bystanders_fine(hall, bystanders)


@pytest.mark.slow
def test_counter_fuzz(hall, bystanders) -> None:
    before = hall_state(hall)

    def open_counter() -> ClientConnection:
        socket_ = open_ws(f"{hall.ws_url}/ws/counter")
        socket_.send(json.dumps({"type": "hello", "counter": "loket-2", "token": token_for("loket-2")}))
        assert json.loads(socket_.recv(timeout=5))["type"] == "welcome"
        return socket_

    door = Door(open_counter)

    @fuzz_settings(3500)
    @given(
        frames
        | st.sampled_from(["A-001", "a1", "B-1", "C-001", "Q-1"]).map(
            lambda n: json.dumps({"type": "call", "id": f"fuzz-{n}", "number": n})
        )
    )
    def fuzz(message: str | bytes) -> None:
        expected = counter_expects(message)
        replies = [r for r in door.exchange(message, is_ping=expected == {"pong"}) if "seq" not in r]
        assert len(replies) == 1, (message, replies)
        reply = replies[0]
        assert reply.get("code", reply["type"]) in expected, (message, reply)

    fuzz()
    assert hall_state(hall) == before
    assert_bystanders_fine(hall, bystanders)


@pytest.mark.slow
def test_hello_fuzz(hall, bystanders) -> None:
    """Anything but a right hello, first: an error with a code, then close 4001."""
    before = hall_state(hall)

    @fuzz_settings(1000)
    @given(
        frames
        | st.fixed_dictionaries(
            {
                "type": st.just("hello"),
                "counter": st.sampled_from(["loket-1", "loket-2", "x"]) | json_values,
                "token": json_values | st.sampled_from(["token-loket-2", "", "admin-secret-token"]),
            }
        ).map(json.dumps)
    )
    def fuzz(message: str | bytes) -> None:
        parsed = envelope_error(message)[1]
        if parsed and parsed.get("type") == "hello" and parsed.get("token") == token_for(str(parsed.get("counter"))):
            return  # a right hello is not hostile
        with connect(f"{hall.ws_url}/ws/counter") as socket_:
            socket_.send(message)
            reply = json.loads(socket_.recv(timeout=5))
            assert reply["type"] == "error" and reply["code"] in {
                "bad_json",
                "bad_request",
                "message_too_large",
                "hello_required",
                "unknown_counter",
                "unauthorized",
            }
            with pytest.raises(ConnectionClosed) as closed:
                socket_.recv(timeout=5)
            assert closed.value.rcvd.code == 4001

    fuzz()
    assert hall_state(hall) == before
    assert_bystanders_fine(hall, bystanders)


def test_frames_over_64_kib_close_the_connection_with_1009(hall, bystanders) -> None:
    for size in (65_537, 200_000, 1_000_000):
        with connect(f"{hall.ws_url}/ws/screen/tv1", max_size=None) as socket_:
            socket_.recv(timeout=5)
            socket_.send("x" * size)
            with pytest.raises(ConnectionClosed) as closed:
                socket_.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert_bystanders_fine(hall, bystanders)


@pytest.mark.parametrize("path", ["/ws/screen/tv1", "/ws/counter"])
def test_invalid_utf8_in_a_text_frame_closes_with_1007(hall, bystanders, path: str) -> None:
    sock = open_websocket(hall.port, path)
    try:
        if path.endswith("tv1"):
            assert read_frame(sock)[0] == OP_TEXT  # snapshot
        sock.sendall(frame(OP_TEXT, b'{"type":"ping","x":"\xff\xfe"}'))
        opcode, payload = read_frame(sock)
        assert opcode == OP_CLOSE and close_code(payload) == 1007
    finally:
        sock.close()
    assert_bystanders_fine(hall, bystanders)


# --- HTTP fuzzing ----------------------------------------------------------------------

bodies = st.one_of(
    st.binary(max_size=500),
    st.text(max_size=300).map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries(
        {},
        optional={
            "service": json_values | st.text(max_size=20),
            "priority": json_values,
            "request_id": json_values | st.text(max_size=120),
        },
    ).map(lambda v: json.dumps(v).encode()),
    deep.map(str.encode),
    st.integers(4097, 50_000).map(lambda n: json.dumps({"service": "ktp", "pad": "x" * n}).encode()),
)
content_types = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "",
    ]
)


@pytest.mark.slow
def test_http_issue_fuzz(hall, bystanders) -> None:
    before = hall_state(hall)
    client = httpx.Client(base_url=hall.url, timeout=5)

    @fuzz_settings(2600)
    @given(bodies, content_types, st.none() | st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=120))
    def fuzz(body: bytes, content_type: str, idempotency_key: str | None) -> None:
        assume(not would_issue(body))
        headers = {"content-type": content_type}
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        response = client.post("/api/tickets", content=body, headers=headers)
        assert 400 <= response.status_code < 500, (body[:200], response.status_code, response.text[:200])
        error = response.json()["error"]
        assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str)

    try:
        fuzz()
    finally:
        client.close()
    assert hall_state(hall) == before
    assert_bystanders_fine(hall, bystanders)


def test_bystanders_still_get_events_after_the_fuzzing(hall, bystanders) -> None:
    """A legit action at the end: the screen and counter connected all along see it."""
    screen, counter = bystanders
    counter.send(json.dumps({"type": "call_next", "id": "hostile-legit-call"}))
    while (message := json.loads(counter.recv(timeout=5)))["type"] != "ack":
        pass
    while (pushed := json.loads(screen.recv(timeout=5)))["type"] != "call":
        pass
    assert pushed["call"]["ticket_id"] == message["ticket"]["id"]
