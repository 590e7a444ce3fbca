"""Properties that hold for any sequence of commands, checked by hypothesis."""

from __future__ import annotations

from collections import Counter as Tally

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from display_server.engine import Outcome, Status
from tests.engine.engine_fixtures import Desk

COUNTERS = ["loket-1", "loket-2", "loket-3", "loket-4"]
SERVICES = ["ktp", "kk", "jkn", "kuota"]


class QueueMachine(RuleBasedStateMachine):
    """Random kiosks and counters; the engine's guarantees must hold after every step."""

    def __init__(self):
        super().__init__()
        self.desk = Desk(priority_every=3)
        self.calls: list[tuple[str, str]] = []  # (ticket id, counter) for first calls

    @rule(service=st.sampled_from(SERVICES), priority=st.booleans())
    def issue(self, service, priority):
        self.desk.issue(service, priority)

    @rule(counter=st.sampled_from(COUNTERS), action=st.sampled_from(["call_next", "recall", "skip", "finish"]))
    def act(self, counter, action):
        decision = self.desk.act(action, counter)
        if isinstance(decision, Outcome) and decision.kind == "called":
            self.calls.append((decision.ticket.id, counter))

    @rule(counter=st.sampled_from(COUNTERS), service=st.sampled_from(SERVICES))
    def transfer(self, counter, service):
        self.desk.act("transfer", counter, service=service)

    @rule(counter=st.sampled_from(COUNTERS), n=st.integers(1, 30), prefix=st.sampled_from("ABCQ"))
    def call_number(self, counter, n, prefix):
        decision = self.desk.act("call", counter, number=f"{prefix}{n}")
        if isinstance(decision, Outcome):
            self.calls.append((decision.ticket.id, counter))

    @invariant()
    def numbers_never_repeat_within_a_service_date(self):
        numbers = Tally((t.service_date, t.number) for t in self.desk.state.tickets.values())
        assert all(count == 1 for count in numbers.values())

    @invariant()
    def a_ticket_is_held_by_at_most_one_counter(self):
        held = [c.current for c in self.desk.state.counters.values() if c.current]
        assert len(held) == len(set(held))
        for counter_id, counter in self.desk.state.counters.items():
            if counter.current:
                ticket = self.desk.state.tickets[counter.current]
                assert ticket.status == Status.CALLED and ticket.counter == counter_id

    @invariant()
    def no_ticket_is_called_twice_unless_transferred_back(self):
        called = Tally(ticket_id for ticket_id, _ in self.calls)
        for ticket_id, times in called.items():
            if times > 1:
                assert self.desk.state.tickets[ticket_id].transferred_from is not None

    @invariant()
    def waiting_index_agrees_with_the_tickets(self):
        for service in SERVICES:
            waiting = [
                t for t in self.desk.state.tickets.values() if t.status == Status.WAITING and t.service == service
            ]
            assert self.desk.state.waiting_count(service) == len(waiting)

    @invariant()
    def counters_only_hold_tickets_of_their_services(self):
        from tests.engine.engine_fixtures import CONFIG

        for counter_id in COUNTERS:
            ticket = self.desk.state.current_ticket(counter_id)
            if ticket is not None:
                assert ticket.service in CONFIG.counter(counter_id).services


QueueMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=60, deadline=None)
TestQueueMachine = QueueMachine.TestCase
