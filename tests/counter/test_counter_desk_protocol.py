"""The counter's desk in the sans-I/O core: who serves, open/paused/closed, and when a call is allowed."""

from __future__ import annotations

import itertools
import json

from counter_client.protocol import CounterProtocol, Desk, Officer
from counter_client.session import load_outbox, save_outbox
from counter_client.texts import ack_text, desk_text, error_text, officer_text
from display_server.contract import DESK_ACTIONS, Action, DeskState

REASONS = ["Istirahat", "Salat", "Rapat"]
BUDI = {"id": "budi", "name": "Budi Santoso"}
SINCE = "2026-12-02T02:15:00+00:00"


def counter_view(state: str = "open", reason: str | None = None, officer: dict | None = None, **more) -> dict:
    return {
        "id": "loket-1",
        "name": "Loket 1",
        "services": ["ktp"],
        "current": None,
        "waiting": 0,
        "recall_limit": 3,
        "state": state,
        "reason": reason,
        "since": SINCE if state != "open" else None,
        "officer": officer,
        "officer_since": SINCE if officer else None,
        "require_sign_in": False,
    } | more


def online(counter: dict | None = None) -> CounterProtocol:
    ids = (f"req-{i}" for i in itertools.count(1))
    protocol = CounterProtocol("loket-1", "secret", new_id=lambda: next(ids))
    protocol.connection_made()
    protocol.receive(
        {
            "type": "welcome",
            "seq": 10,
            "prev_seq": 10,
            "counter": counter or counter_view(),
            "pause_reasons": REASONS,
            "services": [{"id": "ktp", "name": "KTP", "prefix": "A", "waiting": 0}],
            "transfer_to": [],
        }
    )
    protocol.data_to_send()
    return protocol


def test_the_welcome_tells_the_desk_and_the_halls_pause_reasons():
    protocol = online(counter_view("paused", "Salat", BUDI, require_sign_in=True))
    assert protocol.view.pause_reasons == tuple(REASONS)
    assert protocol.view.desk == Desk(
        state=DeskState.PAUSED,
        reason="Salat",
        since=SINCE,
        officer=Officer("budi", "Budi Santoso"),
        officer_since=SINCE,
        require_sign_in=True,
    )


def test_an_older_server_without_desk_fields_is_an_open_counter_nobody_needs_to_sign_in_at():
    view = online(counter_view() | {"state": None, "officer": None, "require_sign_in": None}).view
    assert view.desk == Desk() and view.call_refusal(Action.CALL_NEXT) is None


def test_calls_are_refused_while_paused_or_closed_with_the_servers_error_codes():
    for state, code in (("paused", "counter_paused"), ("closed", "counter_closed")):
        view = online(counter_view(state, "Rapat" if state == "paused" else None, BUDI)).view
        for action in (Action.CALL_NEXT, Action.CALL, Action.RECALL):
            assert view.call_refusal(action) == code
        for action in (Action.FINISH, Action.SKIP, Action.TRANSFER, *map(Action, DESK_ACTIONS)):
            assert view.call_refusal(action) is None, action


def test_calls_need_an_officer_only_where_the_hall_asks_for_it():
    nobody_required = online(counter_view(require_sign_in=True)).view
    assert nobody_required.call_refusal(Action.CALL_NEXT) == "not_signed_in"
    assert nobody_required.call_refusal(Action.FINISH) is None
    assert online(counter_view(require_sign_in=True, officer=BUDI)).view.call_refusal(Action.CALL_NEXT) is None
    assert online(counter_view(require_sign_in=False)).view.call_refusal(Action.CALL_NEXT) is None


def test_desk_commands_carry_their_fields_and_their_acks_set_the_desk():
    protocol = online(counter_view(officer=BUDI))
    pause = protocol.submit(Action.PAUSE, reason="Istirahat")
    assert protocol.data_to_send() == [{"type": "pause", "id": "req-1", "reason": "Istirahat"}]
    [reply] = protocol.receive({"type": "ack", "id": pause.id, "counter": counter_view("paused", "Istirahat", BUDI)})
    assert reply.ok and protocol.view.desk.state is DeskState.PAUSED
    assert protocol.view.call_refusal(Action.CALL_NEXT) == "counter_paused"
    opened = protocol.submit(Action.OPEN)
    close = protocol.submit(Action.CLOSE)
    sign_out = protocol.submit(Action.SIGN_OUT)
    assert protocol.data_to_send() == [
        {"type": "open", "id": opened.id},
        {"type": "close", "id": close.id},
        {"type": "sign_out", "id": sign_out.id},
    ]
    protocol.receive({"type": "ack", "id": sign_out.id, "counter": counter_view("closed")})
    assert protocol.view.desk.officer is None and protocol.view.desk.state is DeskState.CLOSED


def test_a_pushed_desk_change_is_shown_as_when_the_officer_signs_in_elsewhere():
    protocol = online(counter_view(officer=BUDI, require_sign_in=True))
    protocol.receive({"type": "counter", "seq": 12, "prev_seq": 10, "counter": counter_view(require_sign_in=True)})
    assert protocol.view.desk.officer is None
    assert protocol.view.call_refusal(Action.CALL_NEXT) == "not_signed_in"
    assert protocol.data_to_send() == []


def test_a_sign_in_is_retried_with_the_same_id_and_its_pin_is_gone_once_answered():
    protocol = online()
    command = protocol.submit(Action.SIGN_IN, officer="budi", pin="482913")
    sent = {"type": "sign_in", "id": "req-1", "officer": "budi", "pin": "482913"}
    assert protocol.data_to_send() == [sent]
    assert "482913" not in repr(command) and "482913" not in repr(protocol.outbox)
    protocol.connection_lost()
    protocol.connection_made()
    protocol.data_to_send()
    protocol.receive({"type": "welcome", "counter": counter_view(), "pause_reasons": REASONS})
    assert protocol.data_to_send() == [sent], "the same id: the server answers it once"
    [reply] = protocol.receive({"type": "ack", "id": "req-1", "counter": counter_view(officer=BUDI)})
    assert reply.ok and reply.command.fields == {"officer": "budi"}
    assert protocol.outbox == {} and protocol.view.desk.officer == Officer("budi", "Budi Santoso")


def test_a_refused_sign_in_forgets_the_pin_too():
    protocol = online()
    protocol.submit(Action.SIGN_IN, officer="budi", pin="000000")
    [reply] = protocol.receive({"type": "error", "id": "req-1", "code": "wrong_pin", "message": "wrong PIN for budi"})
    assert reply.code == "wrong_pin" and "pin" not in reply.command.fields and protocol.outbox == {}
    assert error_text(reply.code) == "PIN atau kata sandi salah"


def test_the_saved_outbox_never_holds_a_pin(tmp_path):
    protocol = online()
    call = protocol.submit(Action.CALL_NEXT)
    protocol.submit(Action.SIGN_IN, officer="budi", pin="482913")
    path = tmp_path / "outbox.json"
    save_outbox(path, list(protocol.outbox.values()))
    assert "482913" not in path.read_text() and json.loads(path.read_text())[0]["id"] == call.id
    assert load_outbox(path) == [call]


def test_the_desk_and_the_officer_as_the_officer_reads_them():
    paused = Desk(state=DeskState.PAUSED, reason="Istirahat", since=SINCE)
    assert desk_text(paused).startswith("Jeda: Istirahat · sejak ") and desk_text(Desk()) == "Buka"
    assert desk_text(Desk(state=DeskState.CLOSED)) == "Tutup"
    assert officer_text(Desk(officer=Officer("budi", "Budi Santoso"))) == "Petugas: Budi Santoso"
    assert officer_text(Desk()) == "Masukkan ID petugas dan PIN"


def test_acks_of_desk_commands_in_indonesian():
    assert ack_text(Action.SIGN_IN, None, counter_view(officer=BUDI)) == "Selamat bertugas, Budi Santoso"
    assert ack_text(Action.PAUSE, None, counter_view("paused", "Salat")) == "Loket dijeda: Salat"
    assert ack_text(Action.OPEN, None, counter_view()) == "Loket dibuka kembali"
    assert ack_text(Action.CLOSE, None, counter_view("closed")) == "Loket ditutup"
    assert ack_text(Action.SIGN_OUT, None, counter_view()) == "Petugas sudah keluar"
