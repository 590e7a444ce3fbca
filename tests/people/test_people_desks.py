"""People at the counters: signing in, pauses and closures, as the hall's rules (issue 13)."""

from __future__ import annotations

import pytest

from display_server.hall import CommandError
from tests.people.conftest import drain, open_people


async def refused(coroutine) -> str:
    with pytest.raises(CommandError) as caught:
        await coroutine
    return caught.value.code


async def test_an_officer_signs_in_and_every_call_records_who_made_it(people):
    hall = people.hall
    ack = await people.sign_in("loket-1", "budi")
    assert ack["counter"]["officer"] == {"id": "budi", "name": "Budi Santoso"}
    await hall.issue("ktp", request_id="k1")
    called = await hall.command("loket-1", "call_next", "c1")
    assert called["ticket"]["officer"] == "budi"
    [stored] = await people.store.tickets_on(hall.today())
    assert stored.officer == "budi"
    [event] = await people.store.events_on(hall.today(), ("called",), 10)
    assert event.officer == "budi"


async def test_a_wrong_pin_an_unknown_officer_and_another_agencys_officer_are_refused_and_change_nothing(people):
    hall = people.hall
    assert await refused(people.sign_in("loket-1", "budi", pin="000000")) == "wrong_pin"
    assert await refused(people.sign_in("loket-1", "nobody", pin="123456")) == "unknown_officer"
    assert await refused(people.sign_in("loket-1", "wati")) == "wrong_agency"  # BPJS at a Dukcapil counter
    assert await refused(people.sign_in("loket-1", "kepala")) == "wrong_agency"  # admins do not serve
    assert hall.desks == {}
    assert await people.store.desks() == []
    assert await people.store.events_on(hall.today(), ("signed_in",), 10) == []


async def test_sign_in_without_officer_or_pin_is_a_bad_request(people):
    assert await refused(people.hall.command("loket-1", "sign_in", "x1", officer="budi")) == "bad_request"


async def test_wrong_pins_lock_the_account_for_a_while_even_against_the_right_pin(people):
    for attempt in range(5):
        assert await refused(people.sign_in("loket-1", "budi", pin="999999", request_id=f"w{attempt}")) == "wrong_pin"
    assert await refused(people.sign_in("loket-1", "budi", request_id="right-but-locked")) == "account_locked"
    people.clock.advance(minutes=16)
    ack = await people.sign_in("loket-1", "budi", request_id="after-the-lock")
    assert ack["counter"]["officer"]["id"] == "budi"


async def test_the_lock_survives_a_restart(people):
    for attempt in range(5):
        await refused(people.sign_in("loket-1", "budi", pin="999999", request_id=f"w{attempt}"))
    restarted = await people.reopen()
    with pytest.raises(CommandError) as caught:
        await restarted.command("loket-1", "sign_in", "again", officer="budi", pin="123456")
    assert caught.value.code == "account_locked"


async def test_signing_in_elsewhere_signs_out_the_first_place_and_tells_its_counter(people):
    first_counter = people.hub.subscribe(["counter:loket-1"], kind="counter", key="loket-1")
    await people.sign_in("loket-1", "budi")
    drain(first_counter)
    await people.sign_in("loket-3", "budi")
    assert people.hall.desks["loket-1"].officer is None
    assert people.hall.desks["loket-3"].officer == "budi"
    [pushed] = [m for m in drain(first_counter) if m["type"] == "counter"]
    assert pushed["counter"]["officer"] is None


async def test_a_new_officer_at_a_counter_replaces_the_one_there(people):
    await people.sign_in("loket-1", "budi")
    await people.sign_in("loket-1", "ani")
    assert people.hall.desks["loket-1"].officer == "ani"
    assert all(d.officer != "budi" for d in people.hall.desks.values())


async def test_a_paused_counter_cannot_call_but_can_finish_what_it_holds(people):
    hall = people.hall
    await hall.issue("ktp", request_id="k1")
    await hall.issue("ktp", request_id="k2")
    await hall.command("loket-1", "call_next", "c1")
    paused = await hall.command("loket-1", "pause", "p1", reason="Istirahat")
    assert (paused["counter"]["state"], paused["counter"]["reason"]) == ("paused", "Istirahat")
    assert await refused(hall.command("loket-1", "call_next", "c2")) == "counter_paused"
    assert await refused(hall.command("loket-1", "recall", "r1")) == "counter_paused"
    assert await refused(hall.command("loket-1", "call", "c3", number="A-002")) == "counter_paused"
    await hall.command("loket-1", "finish", "f1")  # the visitor in front of the officer is still served
    await hall.command("loket-1", "open", "o1")
    called = await hall.command("loket-1", "call_next", "c4")
    assert called["ticket"]["number"] == "A-002"


async def test_a_pause_needs_a_reason_from_the_halls_list(people):
    hall = people.hall
    assert await refused(hall.command("loket-1", "pause", "p1", reason="Tidur siang")) == "unknown_reason"
    assert await refused(hall.command("loket-1", "pause", "p2")) == "unknown_reason"
    assert "loket-1" not in hall.desks


async def test_a_closed_counter_cannot_call_until_opened(people):
    hall = people.hall
    await hall.issue("ktp", request_id="k1")
    await hall.command("loket-1", "close", "x1")
    assert await refused(hall.command("loket-1", "call_next", "c1")) == "counter_closed"
    assert await refused(hall.command("loket-1", "pause", "p1", reason="Istirahat")) == "counter_closed"
    assert await refused(hall.command("loket-1", "close", "x2")) == "already_so"
    await hall.command("loket-1", "open", "o1")
    assert (await hall.command("loket-1", "call_next", "c2"))["ticket"]["number"] == "A-001"


async def test_a_hall_can_require_someone_signed_in_before_calling(store_factory):
    people = await open_people(store_factory, extra="\n[attendance]\nrequire_sign_in = true\n")
    try:
        hall = people.hall
        await hall.issue("ktp", request_id="k1")
        assert await refused(hall.command("loket-1", "call_next", "c1")) == "not_signed_in"
        await people.sign_in("loket-1", "budi")
        assert (await hall.command("loket-1", "call_next", "c2"))["ticket"]["officer"] == "budi"
        await hall.command("loket-1", "sign_out", "out")
        assert await refused(hall.command("loket-1", "recall", "r1")) == "not_signed_in"
    finally:
        await people.store.close()


async def test_sign_ins_and_pauses_survive_a_restart(people):
    await people.sign_in("loket-1", "budi")
    await people.hall.command("loket-1", "pause", "p1", reason="Salat")
    restarted = await people.reopen()
    desk = restarted.desks["loket-1"]
    assert (desk.officer, desk.state, desk.reason) == ("budi", "paused", "Salat")
    assert desk.since == people.clock.now


async def test_a_retried_sign_in_acts_once(people):
    first = await people.sign_in("loket-1", "budi", request_id="same")
    again = await people.sign_in("loket-1", "budi", request_id="same")
    assert again == first
    assert len(await people.store.events_on(people.hall.today(), ("signed_in",), 10)) == 1


async def test_the_journal_has_every_sign_in_pause_resume_and_sign_out_with_its_time(people):
    hall, clock = people.hall, people.clock
    await people.sign_in("loket-1", "budi")
    clock.advance(minutes=90)
    await hall.command("loket-1", "pause", "p1", reason="Istirahat")
    clock.advance(minutes=30)
    await hall.command("loket-1", "open", "o1")
    clock.advance(minutes=60)
    await hall.command("loket-1", "sign_out", "s1")
    kinds = ("signed_in", "paused", "opened", "signed_out")
    events = await people.store.events_on(hall.today(), kinds, 10)
    assert [(e.kind, e.counter, e.officer, e.at.strftime("%H:%M")) for e in events] == [
        ("signed_in", "loket-1", "budi", "01:00"),
        ("paused", "loket-1", "budi", "02:30"),
        ("opened", "loket-1", "budi", "03:00"),
        ("signed_out", "loket-1", "budi", "04:00"),
    ]
    assert events[1].data["reason"] == "Istirahat"
    assert all(e.ticket_id is None for e in events)


async def test_screens_see_a_paused_counter_but_never_who_is_signed_in(people):
    screen = people.hub.subscribe(["zone:lantai1"], kind="screen", key="tv1")
    await people.sign_in("loket-1", "budi")
    await people.hall.command("loket-1", "pause", "p1", reason="Istirahat")
    counters = [m["counter"] for m in drain(screen) if m["type"] == "counter"]
    assert counters[-1]["state"] == "paused" and counters[-1]["reason"] == "Istirahat"
    assert all("officer" not in c for c in counters)
