"""The queue's rules, as pure decisions over an in-memory state.

Every command is handled in two steps so that nothing is changed before it is durable:

    outcome = decide_call_next(state, counter, now, priority_every=3)   # pure
    await store.commit(outcome)                                          # I/O, may fail
    state.apply(outcome)                                                 # only after commit

`decide_*` functions never mutate `state`; they return an `Outcome` (the tickets as
they will be after the command, and the call to announce, if any) or a `Rejection`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..config.model import Counter, Service
from ..contract import format_number, parse_number
from .schedule import Availability
from .tickets import FINAL_STATES, Status, Ticket, ticket_id


@dataclass(frozen=True, slots=True)
class Rejection:
    code: str
    message: str  # English, for logs and API clients; UIs map `code` to Indonesian text


@dataclass(frozen=True, slots=True)
class Call:
    ticket: Ticket
    counter: str
    recall: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # issued | confirmed | cancelled | called | recalled | served | no_show | transferred
    ticket: Ticket  # the ticket the command is about, as it is after the command
    changed: tuple[Ticket, ...]  # every ticket whose row changes, `ticket` included
    counter: str | None = None
    call: Call | None = None


Decision = Outcome | Rejection


def outcome_record(outcome: Outcome) -> dict:
    """An outcome as the journal keeps it, so that another node can apply it exactly."""
    call = outcome.call
    return {
        "kind": outcome.kind,
        "ticket": outcome.ticket.id,
        "changed": [t.as_record() for t in outcome.changed],
        "counter": outcome.counter,
        "call": {"counter": call.counter, "recall": call.recall, "at": call.at.isoformat()} if call else None,
    }


def outcome_from_record(record: dict) -> Outcome:
    changed = tuple(Ticket.from_record(t) for t in record["changed"])
    ticket = next(t for t in changed if t.id == record["ticket"])
    call = record["call"]
    return Outcome(
        kind=record["kind"],
        ticket=ticket,
        changed=changed,
        counter=record["counter"],
        call=Call(ticket, call["counter"], call["recall"], datetime.fromisoformat(call["at"])) if call else None,
    )


@dataclass
class CounterState:
    current: str | None = None  # ticket id in service at this counter
    normals_since_priority: int | None = None  # None: no call yet, priority may go first


@dataclass
class QueueState:
    """One service date's queue. Mutated only through `apply`."""

    service_date: date
    tickets: dict[str, Ticket] = field(default_factory=dict)
    counters: dict[str, CounterState] = field(default_factory=dict)
    last_sequence: dict[str, int] = field(default_factory=dict)  # per origin service
    _waiting: dict[str, dict[str, Ticket]] = field(default_factory=dict, repr=False)
    # Every wait of the day, per service (a transferred ticket waited once in each): the live
    # view's figures are the reports' (docs/reports.md). Loaded from the store with the day.
    waits: dict[str, list[float]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_tickets(cls, service_date: date, tickets: list[Ticket]) -> QueueState:
        state = cls(service_date)
        for ticket in sorted(tickets, key=lambda t: (t.issued_at, t.id)):
            state._put(ticket)
        return state

    def preview(self, outcome: Outcome) -> QueueState:
        """A copy with `outcome` applied: to answer with the state a command will leave."""
        copy = self.copy()
        copy.apply(outcome)
        return copy

    def copy(self) -> QueueState:
        """A copy that changes apart from this one (a draft of decisions not yet committed)."""
        return QueueState(
            self.service_date,
            dict(self.tickets),
            {k: CounterState(v.current, v.normals_since_priority) for k, v in self.counters.items()},
            dict(self.last_sequence),
            {k: dict(v) for k, v in self._waiting.items()},
            {k: list(v) for k, v in self.waits.items()},
        )

    def apply(self, outcome: Outcome) -> None:
        for ticket in outcome.changed:
            self._put(ticket)
        if outcome.call is not None:
            counter = self.counter(outcome.call.counter)
            if not outcome.call.recall:
                waited = (outcome.call.at - outcome.ticket.queued_at).total_seconds()
                self.waits.setdefault(outcome.ticket.service, []).append(max(0.0, waited))
                counter.normals_since_priority = (
                    0 if outcome.ticket.priority else (counter.normals_since_priority or 0) + 1
                )

    def _put(self, ticket: Ticket) -> None:
        previous = self.tickets.get(ticket.id)
        self.tickets[ticket.id] = ticket
        if previous is not None:
            self._waiting.get(previous.service, {}).pop(ticket.id, None)
        if ticket.status == Status.WAITING:
            self._waiting.setdefault(ticket.service, {})[ticket.id] = ticket
        last = self.last_sequence.get(ticket.origin_service, 0)
        self.last_sequence[ticket.origin_service] = max(last, ticket.sequence)
        if previous is not None and previous.counter and previous.status == Status.CALLED:
            state = self.counter(previous.counter)
            if state.current == ticket.id:
                state.current = None
        if ticket.status == Status.CALLED and ticket.counter:
            self.counter(ticket.counter).current = ticket.id

    def counter(self, counter_id: str) -> CounterState:
        return self.counters.setdefault(counter_id, CounterState())

    def current_ticket(self, counter_id: str) -> Ticket | None:
        current = self.counters.get(counter_id, CounterState()).current
        return self.tickets.get(current) if current else None

    def issued_count(self, service_id: str) -> int:
        """Tickets that count against the daily quota: cancelled (unprinted) ones do not."""
        return sum(1 for t in self.tickets.values() if t.origin_service == service_id and t.status != Status.CANCELLED)

    def waiting(self, service_ids: list[str] | set[str]) -> list[Ticket]:
        """Waiting tickets of these services, in the order they will be called (priority aside)."""
        found = [t for sid in set(service_ids) for t in self._waiting.get(sid, {}).values()]
        return sorted(found, key=_queue_order)

    def waiting_count(self, service_id: str) -> int:
        return len(self._waiting.get(service_id, ()))

    def ahead_of(self, ticket: Ticket) -> int:
        """How many waiting tickets will be called before this one (same service)."""
        if ticket.status != Status.WAITING:
            return 0
        key = _queue_order(ticket)
        queue = self.waiting([ticket.service])
        if ticket.priority:
            return sum(1 for t in queue if t.priority and _queue_order(t) < key)
        return sum(1 for t in queue if t.priority or _queue_order(t) < key)

    def find_by_number(self, number: str) -> Ticket | None:
        parsed = parse_number(number)
        if parsed is None or not parsed.prefix:  # every service has a prefix: a bare number names no ticket
            return None
        wanted = format_number(parsed.prefix, parsed.sequence)
        return next((t for t in self.tickets.values() if t.number == wanted), None)


def _queue_order(ticket: Ticket) -> tuple:
    # A transferred ticket keeps its place by issue time: the visitor has already waited once.
    # A booked one stands as if it had arrived at its session's start (engine/booking.py).
    arrived = max(ticket.issued_at, ticket.booked_for) if ticket.booked_for else ticket.issued_at
    return (arrived, ticket.id)


# --- decisions ------------------------------------------------------------------------


def decide_issue(
    state: QueueState,
    service: Service,
    *,
    priority: bool,
    now: datetime,
    token: str,
    availability: Availability,
    pending: bool = False,
    booked_for: datetime | None = None,
) -> Decision:
    """Issue the service's next number. A `pending` ticket joins the queue only on `decide_confirm`."""
    if not availability.open:
        return Rejection(availability.code or "closed", availability.reason)
    sequence = state.last_sequence.get(service.id, 0) + 1
    ticket = Ticket(
        id=ticket_id(state.service_date, service.id, sequence),
        service_date=state.service_date,
        origin_service=service.id,
        service=service.id,
        sequence=sequence,
        number=format_number(service.prefix, sequence),
        priority=priority,
        status=Status.PENDING if pending else Status.WAITING,
        issued_at=now,
        queued_at=now,
        token=token,
        channel="booking" if booked_for else "kiosk",
        booked_for=booked_for,
    )
    return Outcome("issued", ticket, (ticket,))


def decide_confirm(state: QueueState, ticket_id_: str) -> Decision:
    """A pending ticket's slip printed: it joins the queue."""
    ticket = state.tickets.get(ticket_id_)
    if ticket is None or ticket.status != Status.PENDING:
        return Rejection("ticket_not_pending", f"ticket {ticket_id_!r} is not pending")
    confirmed = ticket.evolve(status=Status.WAITING)
    return Outcome("confirmed", confirmed, (confirmed,))


def decide_cancel(state: QueueState, ticket_id_: str, *, now: datetime) -> Decision:
    """A pending ticket's slip failed to print: it never reaches the queue."""
    ticket = state.tickets.get(ticket_id_)
    if ticket is None or ticket.status != Status.PENDING:
        return Rejection("ticket_not_pending", f"ticket {ticket_id_!r} is not pending")
    cancelled = ticket.evolve(status=Status.CANCELLED, finished_at=now)
    return Outcome("cancelled", cancelled, (cancelled,))


def decide_call_next(
    state: QueueState, counter: Counter, *, now: datetime, priority_every: int, officer: str | None = None
) -> Decision:
    queue = state.waiting(counter.services)
    if not queue:
        return Rejection("queue_empty", "no ticket is waiting for this counter's services")
    chosen = _next_by_priority_mix(queue, state.counter(counter.id), priority_every)
    return _call(state, counter, chosen, now, officer)


def decide_call_number(
    state: QueueState, counter: Counter, number: str, *, now: datetime, officer: str | None = None
) -> Decision:
    ticket = state.find_by_number(number)
    if ticket is None:
        return Rejection("ticket_not_found", f"no ticket {number!r} today")
    if ticket.status != Status.WAITING:
        return Rejection("ticket_taken", f"ticket {ticket.number} is {ticket.status}, not waiting")
    if ticket.service not in counter.services:
        return Rejection("wrong_service", f"ticket {ticket.number} is not for this counter's services")
    return _call(state, counter, ticket, now, officer)


def decide_recall(state: QueueState, counter: Counter, *, now: datetime) -> Decision:
    current = state.current_ticket(counter.id)
    if current is None:
        return Rejection("no_current_ticket", "this counter has no called ticket to recall")
    ticket = current.evolve(recalls=current.recalls + 1)
    return Outcome("recalled", ticket, (ticket,), counter.id, Call(ticket, counter.id, True, now))


def decide_finish(state: QueueState, counter: Counter, *, now: datetime) -> Decision:
    return _close_current(state, counter, Status.SERVED, "served", now)


def decide_skip(state: QueueState, counter: Counter, *, now: datetime) -> Decision:
    return _close_current(state, counter, Status.NO_SHOW, "no_show", now)


def decide_transfer(state: QueueState, counter: Counter, service: Service, *, now: datetime) -> Decision:
    current = state.current_ticket(counter.id)
    if current is None:
        return Rejection("no_current_ticket", "this counter has no called ticket to transfer")
    if service.id == current.service:
        return Rejection("same_service", f"ticket {current.number} is already in {service.id}")
    ticket = current.evolve(
        status=Status.WAITING,
        service=service.id,
        transferred_from=current.service,
        counter=None,
        called_at=None,
        queued_at=now,
        recalls=0,
        officer=None,
    )
    return Outcome("transferred", ticket, (ticket,), counter.id)


def _call(state: QueueState, counter: Counter, ticket: Ticket, now: datetime, officer: str | None) -> Outcome:
    """Call `ticket` at `counter`; the ticket it was serving counts as served."""
    called = ticket.evolve(status=Status.CALLED, called_at=now, counter=counter.id, recalls=0, officer=officer)
    changed = [called]
    previous = state.current_ticket(counter.id)
    if previous is not None and previous.status not in FINAL_STATES:
        changed.insert(0, previous.evolve(status=Status.SERVED, finished_at=now))
    return Outcome("called", called, tuple(changed), counter.id, Call(called, counter.id, False, now))


def _close_current(state: QueueState, counter: Counter, status: Status, kind: str, now: datetime) -> Decision:
    current = state.current_ticket(counter.id)
    if current is None:
        return Rejection("no_current_ticket", "this counter has no called ticket")
    ticket = current.evolve(status=status, finished_at=now)
    return Outcome(kind, ticket, (ticket,), counter.id)


def _next_by_priority_mix(queue: list[Ticket], counter: CounterState, every: int) -> Ticket:
    """Priority first, but when both kinds wait, one priority call per `every` calls.

    With every=1 priority tickets always go first; with every=3 a counter alternates
    one priority ticket, then two normal ones, so normal visitors are never starved.
    """
    priority = next((t for t in queue if t.priority), None)
    normal = next((t for t in queue if not t.priority), None)
    if priority is None:
        assert normal is not None, "called with an empty queue"
        return normal
    if normal is None:
        return priority
    normals = counter.normals_since_priority
    if normals is None or normals >= every - 1:
        return priority
    return normal
