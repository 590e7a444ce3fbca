"""The hub: fan-out by topic, bounded queues, and the seq chain, without sockets."""

from __future__ import annotations

import json

from display_server.hub import Hub


def drain(subscriber) -> list[dict]:
    messages = []
    while not subscriber.queue.empty():
        messages.append(json.loads(subscriber.queue.get_nowait()))
    return messages


def test_a_subscriber_starts_with_its_snapshot_stamped_with_the_current_seq():
    hub = Hub(seq=41)
    screen = hub.subscribe(["zone:a"], kind="screen", key="tv1", snapshot={"type": "snapshot"})
    assert drain(screen) == [{"seq": 41, "prev_seq": 41, "type": "snapshot"}]


def test_messages_go_only_to_subscribers_of_their_topics_and_once_each():
    hub = Hub()
    both = hub.subscribe(["zone:a", "counter:1"], kind="screen", key="x")
    other = hub.subscribe(["zone:b"], kind="screen", key="y")
    assert hub.publish(["zone:a", "counter:1"], {"type": "call"}, seq=5) == 1
    assert [m["type"] for m in drain(both)] == ["call"]
    assert drain(other) == []


def test_each_subscriber_chains_its_own_messages_by_prev_seq():
    hub = Hub(seq=10)
    screen = hub.subscribe(["zone:a"], kind="screen", key="tv1", snapshot={"type": "snapshot"})
    hub.publish(["zone:b"], {"type": "call"}, seq=11)  # filtered out: a gap by design
    hub.publish(["zone:a"], {"type": "call"}, seq=12)
    hub.publish(["zone:a"], {"type": "counter"}, seq=12)
    assert [(m["seq"], m["prev_seq"]) for m in drain(screen)] == [(10, 10), (12, 10), (12, 12)]


def test_seq_never_goes_back():
    hub = Hub(seq=100)
    hub.publish(["t"], {"type": "x"}, seq=50)
    assert hub.seq == 100


def test_a_message_that_is_no_event_carries_the_journals_seq_without_advancing_it():
    """So that seq means the same on every node of a cluster (docs/protocol.md)."""
    hub = Hub(seq=100)
    screen = hub.subscribe(["t"], kind="screen", key="tv1")
    hub.publish(["t"], {"type": "booking"})
    hub.publish(["t"], {"type": "call"}, seq=101)
    assert hub.seq == 101
    assert [(m["seq"], m["prev_seq"]) for m in drain(screen)] == [(100, 100), (101, 100)]


def test_a_subscriber_whose_queue_is_full_is_dropped_and_the_others_still_served():
    hub = Hub(queue_limit=3)
    slow = hub.subscribe(["zone:a"], kind="screen", key="stuck")
    fast = hub.subscribe(["zone:a"], kind="screen", key="ok")
    for seq in range(1, 6):
        hub.publish(["zone:a"], {"type": "call", "n": seq}, seq=seq)
        drain(fast)
    assert slow.dropped.is_set()
    assert slow not in hub.subscribers
    assert hub.dropped_total == 1
    hub.publish(["zone:a"], {"type": "call"}, seq=6)
    assert [m["seq"] for m in drain(fast)] == [6]
    assert slow.queue.qsize() == 3  # its backlog never grows past the bound


def test_retopic_moves_a_live_subscriber_and_keeps_its_chain():
    hub = Hub()
    phone = hub.subscribe(["ticket:t", "service:ktp"], kind="ticket", key="A-001")
    hub.publish(["service:ktp"], {"type": "waiting"}, seq=1)
    hub.retopic(phone, ["ticket:t", "service:jkn"])
    hub.publish(["service:ktp"], {"type": "waiting"}, seq=2)
    hub.publish(["service:jkn"], {"type": "waiting"}, seq=3)
    assert [(m["seq"], m["prev_seq"]) for m in drain(phone)] == [(1, 0), (3, 1)]
    assert hub.count("ticket") == 1


def test_unsubscribed_clients_are_forgotten():
    hub = Hub()
    screen = hub.subscribe(["zone:a"], kind="screen", key="tv1")
    hub.unsubscribe(screen)
    assert hub.publish(["zone:a"], {"type": "call"}) == 0
    assert hub.count("screen") == 0


# --- frames written straight to a connection -------------------------------------------


class RecordingWriter:
    """A connection's socket as the hub sees it: what was framed, and what was written."""

    def __init__(self, room: int = 1_000_000):
        self.room = room  # bytes it takes before its backlog is over the bound
        self.framed: list[str] = []
        self.written: list[bytes] = []

    def frame(self, text: str) -> bytes:
        self.framed.append(text)
        return text.encode()

    def write(self, frame: bytes) -> bool:
        if len(frame) > self.room:
            return False
        self.room -= len(frame)
        self.written.append(frame)
        return True

    def messages(self) -> list[dict]:
        return [json.loads(frame) for frame in self.written]


def tv(hub: Hub, writer: RecordingWriter, key: str = "tv", snapshot: dict | None = None):
    screen = hub.subscribe(["zone:a"], kind="screen", key=key, snapshot=snapshot)
    screen.writer = writer
    return screen


def test_a_call_is_framed_once_and_the_same_bytes_go_to_every_idle_screen():
    hub = Hub(seq=7)
    writers = [RecordingWriter() for _ in range(50)]
    screens = [tv(hub, writer, key=f"tv{i}") for i, writer in enumerate(writers)]
    assert hub.publish(["zone:a"], {"type": "call", "n": 1}, seq=8) == 50
    framed = sum(len(w.framed) for w in writers)
    assert framed == 1
    [frame] = {w.written[0] for w in writers}
    assert json.loads(frame) == {"seq": 8, "prev_seq": 7, "type": "call", "n": 1}
    assert all(s.queue.empty() for s in screens)


def test_a_call_is_framed_once_per_distinct_prev_seq_and_each_chain_stays_right():
    hub = Hub(seq=1)
    early = RecordingWriter()
    tv(hub, early, key="early")
    hub.publish(["zone:b"], {"type": "call"}, seq=2)  # another zone's call: a gap for zone a
    late = RecordingWriter()
    tv(hub, late, key="late")
    hub.publish(["zone:a"], {"type": "call"}, seq=3)
    hub.publish(["zone:a"], {"type": "call"}, seq=4)
    assert [(m["seq"], m["prev_seq"]) for m in early.messages()] == [(3, 1), (4, 3)]
    assert [(m["seq"], m["prev_seq"]) for m in late.messages()] == [(3, 2), (4, 3)]
    assert early.written[1] == late.written[1]


def test_nothing_queued_is_overtaken_by_a_frame_written_directly():
    hub = Hub(seq=5)
    writer = RecordingWriter()
    screen = tv(hub, writer, snapshot={"type": "snapshot"})  # queued, not sent yet
    hub.publish(["zone:a"], {"type": "call"}, seq=6)
    assert screen.send('{"type":"pong"}')
    assert writer.written == []
    assert [(m["type"], m.get("prev_seq")) for m in drain(screen)] == [("snapshot", 5), ("call", 5), ("pong", None)]


async def test_nothing_being_sent_is_overtaken_either():
    hub = Hub(seq=5)
    writer = RecordingWriter()
    screen = tv(hub, writer, snapshot={"type": "snapshot"})
    held = json.loads(await screen.next_message())  # the sender holds the snapshot, still writing it
    hub.publish(["zone:a"], {"type": "call"}, seq=6)
    assert held["type"] == "snapshot" and writer.written == []
    assert [m["type"] for m in drain(screen)] == ["call"]


def test_replies_to_an_idle_connection_are_written_directly():
    hub = Hub()
    writer = RecordingWriter()
    screen = tv(hub, writer)
    assert screen.send('{"type":"pong"}')
    assert writer.messages() == [{"type": "pong"}]


def test_a_screen_whose_socket_backlog_is_over_its_bound_is_dropped_and_the_others_still_served():
    hub = Hub()
    stuck, fine = RecordingWriter(room=120), RecordingWriter()
    slow = tv(hub, stuck, key="stuck")
    tv(hub, fine, key="ok")
    for seq in range(1, 6):
        hub.publish(["zone:a"], {"type": "call", "n": seq}, seq=seq)
    assert slow.dropped.is_set() and slow not in hub.subscribers
    assert hub.dropped_total == 1
    assert [m["n"] for m in fine.messages()] == [1, 2, 3, 4, 5]
    assert sum(map(len, stuck.written)) <= 120  # its backlog never grows past the bound
