"""The sans-I/O counter core: outbox, retries with the same id, state from the server."""

from __future__ import annotations

import itertools

from counter_client.protocol import CounterProtocol, Fatal, Link, Reply
from counter_client.rules import PressGuard, needs_skip_instead, typed_number
from counter_client.session import CounterSession, counter_url
from counter_client.texts import ack_text, detail_text, error_text, link_text
from display_server.contract import PING_SECONDS, SILENCE_SECONDS, Action, Backoff


def counter_view(current: dict | None = None, waiting: int = 0, recall_limit: int = 3) -> dict:
    return {
        "id": "loket-1",
        "name": "Loket 1",
        "zone": "z",
        "services": ["ktp"],
        "current": current,
        "waiting": waiting,
        "recall_limit": recall_limit,
    }


def welcome(current: dict | None = None, waiting: int = 2, seq: int = 10) -> dict:
    return {
        "type": "welcome",
        "seq": seq,
        "prev_seq": seq,
        "counter": counter_view(current, waiting),
        "services": [{"id": "ktp", "name": "KTP", "prefix": "A", "waiting": waiting}],
        "transfer_to": [{"id": "ktp", "name": "KTP"}, {"id": "kk", "name": "KK"}],
    }


def new_protocol() -> CounterProtocol:
    ids = (f"req-{i}" for i in itertools.count(1))
    return CounterProtocol("loket-1", "secret", new_id=lambda: next(ids))


def online() -> CounterProtocol:
    protocol = new_protocol()
    protocol.connection_made()
    protocol.receive(welcome())
    protocol.data_to_send()
    return protocol


def test_hello_comes_first_and_welcome_fills_the_view():
    protocol = new_protocol()
    protocol.connection_made()
    assert protocol.data_to_send() == [{"type": "hello", "counter": "loket-1", "token": "secret"}]
    protocol.receive(welcome(waiting=5))
    view = protocol.view
    assert view.link is Link.ONLINE and view.waiting == 5 and view.current is None
    assert view.transfer_to == (("ktp", "KTP"), ("kk", "KK"))
    assert link_text(view) == "Terhubung"


def test_a_command_is_sent_at_once_when_online_and_pending_until_acked():
    protocol = online()
    command = protocol.submit("call_next")
    assert protocol.data_to_send() == [{"type": "call_next", "id": "req-1"}]
    assert protocol.view.pending == ("call_next",)
    current = {"id": "t1", "number": "A-001", "service": "ktp", "called_at": None, "recalls": 0}
    events = protocol.receive(
        {"type": "ack", "id": command.id, "ticket": {"number": "A-001"}, "counter": counter_view(current, 1)}
    )
    assert events == [Reply(command, events[0].message)] and events[0].ok
    assert protocol.view.pending == () and protocol.view.current["number"] == "A-001"


def test_a_command_made_offline_waits_for_the_welcome():
    protocol = new_protocol()
    protocol.submit("call_next")
    protocol.connection_made()
    assert [m["type"] for m in protocol.data_to_send()] == ["hello"]
    protocol.receive(welcome())
    assert protocol.data_to_send() == [{"type": "call_next", "id": "req-1"}]


def test_a_lost_ack_is_retried_with_the_same_id_then_the_state_is_refreshed():
    protocol = online()
    command = protocol.submit("transfer", service="kk")
    assert protocol.data_to_send() == [{"type": "transfer", "id": "req-1", "service": "kk"}]
    protocol.connection_lost()
    assert link_text(protocol.view) == "Menghubungkan ulang…"
    protocol.connection_made()
    protocol.data_to_send()
    protocol.receive(welcome(seq=12))
    assert protocol.data_to_send() == [command.message()]
    protocol.receive({"type": "ack", "id": command.id, "ticket": {}, "counter": counter_view()})
    assert protocol.data_to_send() == [{"type": "state"}]


def test_an_error_reply_ends_the_command_and_is_reported():
    protocol = online()
    command = protocol.submit("call_next")
    [reply] = protocol.receive({"type": "error", "id": command.id, "code": "queue_empty", "message": "empty"})
    assert not reply.ok and reply.code == "queue_empty" and error_text(reply.code) == "Tidak ada antrean"
    assert protocol.outbox == {}


def test_a_wrong_token_is_fatal():
    protocol = new_protocol()
    protocol.connection_made()
    [event] = protocol.receive({"type": "error", "code": "unauthorized", "message": "wrong token"})
    assert event == Fatal("unauthorized", "wrong token")
    protocol.connection_lost()
    assert protocol.view.link is Link.FAILED and link_text(protocol.view) == "Gagal: token salah"


def test_pushes_update_the_current_ticket_and_waiting_counts():
    protocol = online()
    protocol.receive({"type": "waiting", "seq": 11, "prev_seq": 10, "service": "ktp", "waiting": 7})
    assert protocol.view.waiting == 7
    current = {"id": "t9", "number": "A-009", "service": "ktp", "called_at": None, "recalls": 3}
    protocol.receive({"type": "counter", "seq": 12, "prev_seq": 11, "counter": counter_view(current)})
    assert protocol.view.current["number"] == "A-009" and protocol.view.recall_limit_reached
    assert protocol.data_to_send() == []


def test_a_gap_in_pushes_asks_for_a_fresh_state():
    protocol = online()
    protocol.receive({"type": "waiting", "seq": 15, "prev_seq": 14, "service": "ktp", "waiting": 1})
    assert protocol.data_to_send() == [{"type": "state"}]


def test_a_filtered_gap_in_seq_is_not_a_loss_and_replies_are_off_the_chain():
    protocol = online()
    protocol.receive({"type": "waiting", "seq": 15, "prev_seq": 10, "service": "ktp", "waiting": 1})
    protocol.receive({"type": "pong"})
    protocol.receive({"type": "counter", "seq": 18, "prev_seq": 15, "counter": counter_view()})
    assert protocol.data_to_send() == []


def test_restored_commands_keep_their_ids():
    protocol = new_protocol()
    saved = online().submit("call_next")
    protocol.restore([saved])
    protocol.connection_made()
    protocol.data_to_send()
    protocol.receive(welcome())
    assert protocol.data_to_send() == [saved.message()]


def test_the_guard_drops_a_double_press_and_a_second_call_while_one_is_pending():
    now = [100.0]
    guard = PressGuard(0.8, clock=lambda: now[0])
    assert guard.allow("call_next", ())
    now[0] += 0.3
    assert not guard.allow("call_next", ())
    now[0] += 1.0
    assert not guard.allow("call_next", ("call_next",))
    assert not guard.allow("call", ("call_next",))
    assert guard.allow("recall", ("call_next",))
    assert guard.allow("call_next", ())


def test_recall_limit_proposes_skip():
    protocol = online()
    current = {"id": "t1", "number": "A-001", "service": "ktp", "called_at": None, "recalls": 2}
    protocol.receive({"type": "counter", "seq": 11, "prev_seq": 10, "counter": counter_view(current)})
    assert not needs_skip_instead("recall", protocol.view)
    protocol.receive({"type": "counter", "seq": 12, "prev_seq": 11, "counter": counter_view(current | {"recalls": 3})})
    assert needs_skip_instead("recall", protocol.view)


def test_a_typed_number_follows_the_contract_grammar():
    assert typed_number(" a12 ") == "A-12" and typed_number("A-012") == "A-012" and typed_number("7") == "7"
    assert typed_number("12-A") is None and typed_number("") is None and typed_number(None) is None


def test_texts_for_acks_and_a_link_that_keeps_failing():
    assert ack_text(Action.CALL_NEXT, {"number": "A-001"}) == "Memanggil A-001"
    assert ack_text("skip", {"number": "A-001"}) == "A-001 dilewati (tidak hadir)"
    protocol = new_protocol()
    protocol.connection_lost()
    assert detail_text(protocol.view) == ""
    protocol.connection_lost()
    assert detail_text(protocol.view) == "Server tidak dapat dihubungi"


def test_the_session_keeps_the_contract_policy_by_default():
    session = CounterSession("h:1", "loket-1", "t")
    assert session.backoff == Backoff() and session.ping_interval == PING_SECONDS
    assert session.ping_interval + session.ping_timeout == SILENCE_SECONDS


def test_backoff_grows_with_jitter_and_is_capped():
    low, high = Backoff(base=1, cap=8, rng=lambda: 0.0), Backoff(base=1, cap=8, rng=lambda: 1.0)
    assert [low.delay(a) for a in range(5)] == [0.5, 1, 2, 4, 4]
    assert [high.delay(a) for a in range(5)] == [1, 2, 4, 8, 8]


def test_server_addresses_become_the_counter_socket_url():
    assert counter_url("http://10.0.0.2:8000") == "ws://10.0.0.2:8000/ws/counter"
    assert counter_url("https://antrian.lan/") == "wss://antrian.lan/ws/counter"
    assert counter_url("10.0.0.2:8000") == "ws://10.0.0.2:8000/ws/counter"
    assert counter_url("ws://h:1/ws/counter") == "ws://h:1/ws/counter"


def test_a_hall_of_a_deployment_keeps_its_base_in_the_counter_socket_url():
    assert counter_url("http://10.0.0.2:8000/h/mpp-kota") == "ws://10.0.0.2:8000/h/mpp-kota/ws/counter"
    assert counter_url("https://antrian.lan/h/mpp-kota/") == "wss://antrian.lan/h/mpp-kota/ws/counter"
    assert counter_url("10.0.0.2:8000/h/mpp-kota") == "ws://10.0.0.2:8000/h/mpp-kota/ws/counter"
    assert counter_url("ws://h:1/h/mpp-kota/ws/counter") == "ws://h:1/h/mpp-kota/ws/counter"
    assert counter_url("http://h:1/h/mpp-kota/?x=1#top") == "ws://h:1/h/mpp-kota/ws/counter"
