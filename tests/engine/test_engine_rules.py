"""The queue's rules, one behaviour per test."""

from __future__ import annotations

from datetime import timedelta

from display_server import engine
from display_server.contract import format_number, parse_number
from display_server.engine import Outcome, Rejection, Status
from tests.engine.engine_fixtures import CONFIG, DAY, Desk

# --- numbering -----------------------------------------------------------------------


def test_numbers_count_up_per_service_from_one():
    desk = Desk()
    assert [desk.issue("ktp").ticket.number for _ in range(3)] == ["A-001", "A-002", "A-003"]
    assert desk.issue("kk").ticket.number == "B-001"


def test_numbers_grow_past_three_digits():
    assert format_number("A", 7) == "A-007"
    assert format_number("A", 1234) == "A-1234"
    assert format_number("PID", 12) == "PID-012"


def prefix_and_sequence(text: str) -> tuple[str, int] | None:
    parsed = parse_number(text)
    return (parsed.prefix, parsed.sequence) if parsed else None


def test_ticket_numbers_are_parsed_with_or_without_dash():
    assert prefix_and_sequence("A-123") == ("A", 123)
    assert prefix_and_sequence("a123") == ("A", 123)
    assert prefix_and_sequence("PID-12") == ("PID", 12)
    assert prefix_and_sequence(" b-007 ") == ("B", 7)
    assert prefix_and_sequence("ABCD-1") is None


def test_a_bare_number_names_no_ticket():
    assert engine.QueueState(DAY).find_by_number("123") is None


def test_ticket_ids_name_the_service_date():
    ticket = Desk().issue("ktp").ticket
    assert ticket.id == "20261124-ktp-1"
    assert ticket.service_date == DAY


def test_a_new_ticket_is_waiting_with_its_token():
    ticket = Desk().issue("ktp").ticket
    assert ticket.status == Status.WAITING
    assert ticket.token == "tok1"


def test_a_closed_service_issues_nothing_and_says_why():
    desk = Desk()
    closed = engine.Availability(False, "Kuota hari ini sudah habis", "quota_reached")
    decision = engine.decide_issue(
        desk.state, CONFIG.service("ktp"), priority=False, now=desk.now, token="t", availability=closed
    )
    assert decision == Rejection("quota_reached", "Kuota hari ini sudah habis")


# --- call next -----------------------------------------------------------------------


def test_call_next_takes_the_oldest_waiting_ticket_of_the_counters_services():
    desk = Desk()
    desk.issue("kk")
    desk.issue("ktp")
    desk.issue("jkn")  # not served by loket-1
    assert desk.number_called("loket-1") == "B-001"
    assert desk.number_called("loket-1") == "A-001"
    assert isinstance(desk.act("call_next", "loket-1"), Rejection)


def test_call_next_on_an_empty_queue_is_refused():
    decision = Desk().act("call_next")
    assert isinstance(decision, Rejection) and decision.code == "queue_empty"


def test_calling_next_finishes_the_ticket_being_served():
    desk = Desk()
    first = desk.issue().ticket
    desk.issue()
    desk.act("call_next")
    outcome = desk.act("call_next")
    assert desk.state.tickets[first.id].status == Status.SERVED
    assert [t.number for t in outcome.changed] == ["A-001", "A-002"]


def test_a_call_records_counter_and_time():
    desk = Desk()
    desk.issue()
    outcome = desk.act("call_next", "loket-3")
    assert outcome.ticket.counter == "loket-3"
    assert outcome.ticket.called_at == desk.now
    assert outcome.call == engine.Call(outcome.ticket, "loket-3", False, desk.now)


def test_two_counters_never_get_the_same_ticket():
    desk = Desk()
    desk.issue()
    desk.issue()
    assert {desk.number_called("loket-1"), desk.number_called("loket-3")} == {"A-001", "A-002"}


# --- priority mix --------------------------------------------------------------------


def test_priority_tickets_go_first_by_default():
    desk = Desk(priority_every=1)
    desk.issue()
    desk.issue()
    desk.issue(priority=True)
    assert desk.number_called() == "A-003"
    assert desk.number_called() == "A-001"


def test_one_priority_every_three_calls_when_both_kinds_wait():
    desk = Desk(priority_every=3)
    for _ in range(6):
        desk.issue()
    for _ in range(3):
        desk.issue(priority=True)
    order = [desk.number_called() for _ in range(9)]
    assert order == ["A-007", "A-001", "A-002", "A-008", "A-003", "A-004", "A-009", "A-005", "A-006"]


def test_priority_tickets_are_called_when_no_normal_ticket_waits():
    desk = Desk(priority_every=5)
    desk.issue()
    desk.number_called()
    desk.issue(priority=True)
    desk.issue(priority=True)
    assert desk.number_called() == "A-002"
    assert desk.number_called() == "A-003"


def test_the_mix_is_counted_per_counter():
    desk = Desk(priority_every=2)
    for _ in range(2):
        desk.issue()
        desk.issue(priority=True)
    assert desk.number_called("loket-1") == "A-002"  # first call: priority
    assert desk.number_called("loket-3") == "A-004"  # loket-3 has not called yet: priority too


# --- recall, skip, finish ------------------------------------------------------------


def test_recall_announces_the_current_ticket_again():
    desk = Desk()
    desk.issue()
    desk.act("call_next")
    outcome = desk.act("recall")
    assert outcome.kind == "recalled"
    assert outcome.call.recall is True
    assert outcome.ticket.recalls == 1
    assert desk.act("recall").ticket.recalls == 2


def test_recall_without_a_current_ticket_is_refused():
    assert Desk().act("recall").code == "no_current_ticket"


def test_skip_marks_no_show_and_frees_the_counter():
    desk = Desk()
    desk.issue()
    desk.act("call_next")
    outcome = desk.act("skip")
    assert outcome.ticket.status == Status.NO_SHOW
    assert outcome.ticket.finished_at == desk.now
    assert desk.state.current_ticket("loket-1") is None


def test_finish_marks_served():
    desk = Desk()
    desk.issue()
    desk.act("call_next")
    assert desk.act("finish").ticket.status == Status.SERVED
    assert desk.act("finish").code == "no_current_ticket"


def test_a_finished_ticket_is_not_called_again():
    desk = Desk()
    desk.issue()
    desk.act("call_next")
    desk.act("finish")
    assert desk.act("call_next").code == "queue_empty"


# --- transfer ------------------------------------------------------------------------


def test_transfer_keeps_the_number_and_joins_the_other_queue():
    desk = Desk()
    desk.issue("ktp")
    desk.act("call_next", "loket-1")
    outcome = desk.act("transfer", "loket-1", service="jkn")
    assert outcome.ticket.number == "A-001"
    assert outcome.ticket.status == Status.WAITING
    assert outcome.ticket.service == "jkn"
    assert outcome.ticket.transferred_from == "ktp"
    assert desk.state.current_ticket("loket-1") is None
    assert desk.number_called("loket-2") == "A-001"


def test_a_transferred_ticket_keeps_its_place_by_issue_time():
    desk = Desk()
    desk.issue("ktp")
    desk.issue("jkn")
    desk.act("call_next", "loket-1")
    desk.act("transfer", "loket-1", service="jkn")
    assert desk.number_called("loket-2") == "A-001"


def test_transfer_to_the_same_service_is_refused():
    desk = Desk()
    desk.issue("ktp")
    desk.act("call_next")
    assert desk.act("transfer", service="ktp").code == "same_service"


def test_transfer_needs_a_current_ticket():
    assert Desk().act("transfer", service="jkn").code == "no_current_ticket"


# --- call a specific ticket ----------------------------------------------------------


def test_call_a_specific_waiting_ticket_by_number():
    desk = Desk()
    for _ in range(3):
        desk.issue()
    outcome = desk.act("call", number="a3")
    assert outcome.ticket.number == "A-003"
    assert desk.number_called() == "A-001"


def test_calling_a_ticket_that_is_not_waiting_is_refused():
    desk = Desk()
    desk.issue()
    desk.act("call_next", "loket-1")
    assert desk.act("call", "loket-3", number="A-001").code == "ticket_taken"
    assert desk.act("call", "loket-3", number="A-099").code == "ticket_not_found"
    assert desk.act("call", "loket-3", number="not a number").code == "ticket_not_found"


def test_a_counter_cannot_call_another_services_ticket():
    desk = Desk()
    desk.issue("jkn")
    assert desk.act("call", "loket-1", number="C-001").code == "wrong_service"


# --- pending (printed) tickets -------------------------------------------------------


def issue_pending(desk: Desk) -> Outcome:
    decision = engine.decide_issue(
        desk.state,
        CONFIG.service("ktp"),
        priority=False,
        now=desk.tick(),
        token="p",
        availability=engine.Availability(True),
        pending=True,
    )
    desk.state.apply(decision)
    return decision


def test_a_pending_ticket_is_not_called_until_confirmed():
    desk = Desk()
    pending = issue_pending(desk)
    assert pending.ticket.status == Status.PENDING
    assert desk.act("call_next").code == "queue_empty"
    desk.state.apply(engine.decide_confirm(desk.state, pending.ticket.id))
    assert desk.number_called() == "A-001"


def test_a_cancelled_ticket_never_joins_the_queue_nor_counts_for_the_quota():
    desk = Desk()
    pending = issue_pending(desk)
    desk.state.apply(engine.decide_cancel(desk.state, pending.ticket.id, now=desk.now))
    assert desk.state.tickets[pending.ticket.id].status == Status.CANCELLED
    assert desk.act("call_next").code == "queue_empty"
    assert desk.state.issued_count("ktp") == 0
    assert desk.issue().ticket.number == "A-002"  # the printed-and-lost number is not reused
    assert engine.decide_confirm(desk.state, pending.ticket.id).code == "ticket_not_pending"


# --- people ahead and restoring state ------------------------------------------------


def test_people_ahead_counts_who_will_be_called_first():
    desk = Desk(priority_every=1)
    a1 = desk.issue().ticket
    a2 = desk.issue().ticket
    p = desk.issue(priority=True).ticket
    assert desk.state.ahead_of(a1) == 1  # the priority ticket
    assert desk.state.ahead_of(a2) == 2
    assert desk.state.ahead_of(p) == 0


def test_state_rebuilt_from_stored_tickets_continues_where_it_stopped():
    desk = Desk()
    for _ in range(3):
        desk.issue()
    desk.act("call_next", "loket-1")
    rebuilt = engine.QueueState.from_tickets(DAY, list(desk.state.tickets.values()))
    assert rebuilt.current_ticket("loket-1").number == "A-001"
    assert rebuilt.waiting_count("ktp") == 2
    assert rebuilt.last_sequence["ktp"] == 3


def test_preview_shows_the_state_after_an_outcome_without_changing_it():
    desk = Desk()
    desk.issue()
    decision = engine.decide_call_next(desk.state, CONFIG.counter("loket-1"), now=desk.now, priority_every=1)
    after = desk.state.preview(decision)
    assert after.current_ticket("loket-1").number == "A-001"
    assert desk.state.current_ticket("loket-1") is None
    assert desk.state.waiting_count("ktp") == 1


def test_time_is_passed_in_never_read():
    desk = Desk()
    desk.now = desk.now + timedelta(days=400)
    assert desk.issue().ticket.issued_at == desk.now
