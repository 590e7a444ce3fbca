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
    hub.publish(["t"], {"type": "x"})
    assert hub.seq == 101


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
