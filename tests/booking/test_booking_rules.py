"""Booking ahead as pure rules (display_server/engine/booking.py): the place in line, quotas at
their edges, the check-in window and expiry, and the date at the hall's local midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from display_server.config.model import Booking as Rules
from display_server.config.model import BookingSession, Schedule, Service
from display_server.engine import Availability, QueueState, Rejection, decide_issue
from display_server.engine.booking import Booking, BookingStatus, decide_booking, decide_check_in, expired

WITA = ZoneInfo("Asia/Makassar")
DAY = date(2026, 12, 2)
RULES = Rules(sessions=[BookingSession(start=time(10), end=time(12), quota=2)], days_ahead=7,
              check_in_early_minutes=30, check_in_late_minutes=15)  # fmt: skip
KTP = Service(id="ktp", name="KTP", agency="dukcapil", prefix="A", booking=RULES)
OPEN = Availability(True, "")


def wita(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), WITA)


def booking(status: BookingStatus = BookingStatus.BOOKED, day: date = DAY) -> Booking:
    return Booking("K7M3PQ", "t", "ktp", day, time(10), time(12), status, wita(8), "h")


def book(*, booked: int = 0, now: datetime | None = None, day: date = DAY, open_by_holder: int = 0, start=time(10)):
    return decide_booking(RULES, Schedule(), day, start, today=DAY, now=now or wita(8), zone=WITA, booked=booked,
                          open_by_holder=open_by_holder, open_limit=3)  # fmt: skip


# --- quotas and dates ---------------------------------------------------------------------


def test_the_last_place_of_a_session_is_taken_and_then_it_is_full():
    assert not isinstance(book(booked=1), Rejection)
    assert book(booked=2).code == "slot_full"


def test_days_ahead_closed_days_and_holidays():
    assert not isinstance(book(day=DAY + timedelta(days=7)), Rejection)
    assert book(day=DAY + timedelta(days=8)).code == "too_far_ahead"
    weekdays_only = Schedule(days=["mon", "tue", "wed", "thu", "fri"])
    saturday = date(2026, 12, 5)
    closed = decide_booking(RULES, weekdays_only, saturday, time(10), today=DAY, now=wita(8), zone=WITA, booked=0,
                            open_by_holder=0, open_limit=3)  # fmt: skip
    assert closed.code == "closed_day"
    holiday = Schedule(holidays=[date(2026, 12, 8)])
    refused = decide_booking(RULES, holiday, date(2026, 12, 8), time(10), today=DAY, now=wita(8), zone=WITA,
                             booked=0, open_by_holder=0, open_limit=3)  # fmt: skip
    assert refused.code == "holiday"


def test_a_session_over_or_a_past_day_cannot_be_booked_and_a_session_under_way_can():
    assert not isinstance(book(now=wita(11, 59)), Rejection)
    assert book(now=wita(12)).code == "session_over"
    assert book(day=DAY - timedelta(days=1)).code == "session_over"


def test_one_address_holds_a_few_open_bookings_at_most():
    assert not isinstance(book(open_by_holder=2), Rejection)
    assert book(open_by_holder=3).code == "booking_limit"


def test_an_unknown_session_or_a_service_without_booking():
    assert book(start=time(9)).code == "bad_request"
    assert decide_booking(None, Schedule(), DAY, time(10), today=DAY, now=wita(8), zone=WITA, booked=0,
                          open_by_holder=0, open_limit=3).code == "booking_off"  # fmt: skip


# --- check-in and expiry --------------------------------------------------------------------


def test_the_check_in_window_runs_from_early_before_the_start_to_late_after_the_end():
    def at(moment):
        return decide_check_in(RULES, booking(), now=moment, today=DAY, zone=WITA)

    assert at(wita(9, 29)).code == "too_early"
    assert at(wita(9, 30)) == wita(10)  # early: it stands as if it came at 10:00
    assert at(wita(11)) == wita(11)  # late within the window: it joins at check-in
    assert at(wita(12, 15)) == wita(12, 15)
    assert at(wita(12, 16)).code == "too_late"


def test_a_cancelled_a_checked_in_an_expired_or_another_days_booking_is_refused_clearly():
    def code(b):
        return decide_check_in(RULES, b, now=wita(10), today=DAY, zone=WITA).code

    assert code(booking(BookingStatus.CANCELLED)) == "booking_cancelled"
    assert code(booking(BookingStatus.CHECKED_IN)) == "already_checked_in"
    assert code(booking(BookingStatus.EXPIRED)) == "too_late"
    assert code(booking(day=DAY + timedelta(days=1))) == "other_day"


def test_a_booking_expires_at_the_end_of_its_window_and_not_before():
    assert not expired(RULES, booking(), wita(12, 15), WITA)
    assert expired(RULES, booking(), wita(12, 15) + timedelta(seconds=1), WITA)
    assert not expired(RULES, booking(BookingStatus.CHECKED_IN), wita(18), WITA)


def test_the_booking_day_is_the_halls_local_date_across_midnight():
    # 23:30 WITA on 1 December is 15:30 UTC: "today" is still the 1st in the hall
    late = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)
    yesterday = date(2026, 12, 1)
    decided = decide_booking(RULES, Schedule(), DAY, time(10), today=yesterday, now=late, zone=WITA, booked=0,
                             open_by_holder=0, open_limit=3)  # fmt: skip
    assert not isinstance(decided, Rejection)
    # 00:30 WITA on the 2nd is still the 1st in UTC: a booking for the 2nd checks in as today's
    early = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert decide_check_in(RULES, booking(), now=early, today=DAY, zone=WITA).code == "too_early"


# --- the place in line ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    walk_ins=st.lists(st.integers(min_value=0, max_value=240), min_size=0, max_size=12),
    check_in=st.integers(min_value=60, max_value=225),  # 09:30 to 12:15: the window
)
def test_a_booked_ticket_never_passes_a_walk_in_who_was_waiting_before_its_session_start(walk_ins, check_in):
    """Minutes after 08:30 WITA: walk-ins arrive when they like, the booking (session 10:00)
    checks in within its window; the queue order then never puts the booking ahead of a
    walk-in who arrived before 10:00, and never behind one who arrived after its check-in."""
    opening = wita(8, 30)
    state = QueueState(DAY)
    arrivals = sorted([(opening + timedelta(minutes=m), None) for m in walk_ins]
                      + [(opening + timedelta(minutes=check_in), "booked")], key=lambda a: a[0])  # fmt: skip
    booked_ticket = None
    for n, (moment, kind) in enumerate(arrivals):
        place = decide_check_in(RULES, booking(), now=moment, today=DAY, zone=WITA) if kind else None
        decision = decide_issue(state, KTP, priority=False, now=moment, token=f"t{n}", availability=OPEN,
                                booked_for=place if isinstance(place, datetime) else None)  # fmt: skip
        state.apply(decision)
        if kind:
            booked_ticket = decision.ticket
    order = state.waiting(["ktp"])
    position = next(i for i, t in enumerate(order) if t.id == booked_ticket.id)
    for i, ticket in enumerate(order):
        if ticket.booked_for is None and ticket.issued_at < wita(10):
            assert i < position, "a walk-in from before the session start was passed"
        if ticket.booked_for is None and ticket.issued_at > max(wita(10), booked_ticket.issued_at):
            assert i > position, "the booking fell behind a walk-in who came after it"
    assert booked_ticket.channel == "booking"
