"""Booking ahead, as pure rules: sessions with quotas, the check-in window, the place in line.

A reservation is not a queue position. A booking becomes a ticket only at check-in, and the
ticket joins the queue *as if it had arrived at its session's start*: walk-ins who came
before that still go first, one who checks in early waits behind them, one who checks in
late (within the window) joins at check-in. `Ticket.booked_for` carries the session start,
and the queue orders by `max(issued_at, booked_for)`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from ..config.model import WEEKDAYS, BookingSession, Schedule
from ..config.model import Booking as BookingRules
from .queue import Rejection


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # not checked in by the end of its window: a booking no-show


@dataclass(frozen=True, slots=True)
class Booking:
    code: str  # short, to read aloud and type (contract.BOOKING_ALPHABET)
    token: str  # unguessable: the holder's page
    service: str
    service_date: date
    start: time
    end: time
    status: BookingStatus
    created_at: datetime
    holder: str  # a hash of the booker's address: the per-address cap, nothing more
    phone: str | None = None
    ticket_id: str | None = None
    checked_in_at: datetime | None = None
    reason: str | None = None  # why it was cancelled, when staff cancelled it

    def evolve(self, **changes) -> Booking:
        return replace(self, **changes)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "service": self.service,
            "date": self.service_date.isoformat(),
            "session": {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"},
            "status": str(self.status),
            "created_at": self.created_at.isoformat(),
            "ticket_id": self.ticket_id,
            "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None,
            "reason": self.reason,
        }


def local_moment(day: date, at: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, at, zone)


def day_refusal(schedule: Schedule, day: date) -> Rejection | None:
    """Holidays and closed days take no bookings."""
    if day in schedule.holidays:
        return Rejection("holiday", "Tutup: hari libur")
    if WEEKDAYS[day.weekday()] not in schedule.days:
        return Rejection("closed_day", "Tutup hari ini")
    return None


def decide_booking(
    rules: BookingRules | None,
    schedule: Schedule,
    day: date,
    start: time,
    *,
    today: date,
    now: datetime,
    zone: tzinfo,
    booked: int,
    open_by_holder: int,
    open_limit: int,
) -> BookingSession | Rejection:
    """The session a new booking takes, or why not. BOOKED counts the session's live bookings."""
    if rules is None:
        return Rejection("booking_off", "this service takes no bookings")
    session = rules.session(start)
    if session is None:
        return Rejection("bad_request", f"no session starting at {start:%H:%M}")
    if day < today or local_moment(day, session.end, zone) <= now:
        return Rejection("session_over", "that session is over")
    if (day - today).days > rules.days_ahead:
        return Rejection("too_far_ahead", f"bookings open {rules.days_ahead} days ahead")
    if refusal := day_refusal(schedule, day):
        return refusal
    if booked >= session.quota:
        return Rejection("slot_full", "this session is full")
    if open_by_holder >= open_limit:
        return Rejection("booking_limit", f"at most {open_limit} open bookings from one device")
    return session


def check_in_window(rules: BookingRules, booking: Booking, zone: tzinfo) -> tuple[datetime, datetime]:
    start = local_moment(booking.service_date, booking.start, zone)
    end = local_moment(booking.service_date, booking.end, zone)
    return start - timedelta(minutes=rules.check_in_early_minutes), end + timedelta(minutes=rules.check_in_late_minutes)


def decide_check_in(
    rules: BookingRules | None, booking: Booking, *, now: datetime, today: date, zone: tzinfo
) -> datetime | Rejection:
    """The moment the booked ticket counts as arrived (its place in line), or why not."""
    if booking.status == BookingStatus.CHECKED_IN:
        return Rejection("already_checked_in", "this booking has checked in")
    if booking.status == BookingStatus.CANCELLED:
        return Rejection("booking_cancelled", booking.reason or "this booking was cancelled")
    if booking.status == BookingStatus.EXPIRED:
        return Rejection("too_late", "this booking expired")
    if booking.service_date != today:
        return Rejection("other_day", f"this booking is for {booking.service_date.isoformat()}")
    if rules is None:
        return Rejection("booking_off", "this service no longer takes bookings")
    opens, closes = check_in_window(rules, booking, zone)
    if now < opens:
        return Rejection("too_early", f"check-in opens at {opens.astimezone(zone):%H:%M}")
    if now > closes:
        return Rejection("too_late", f"check-in closed at {closes.astimezone(zone):%H:%M}")
    return max(local_moment(booking.service_date, booking.start, zone).astimezone(now.tzinfo), now)


def expired(rules: BookingRules | None, booking: Booking, now: datetime, zone: tzinfo) -> bool:
    """A booking not checked in by the end of its window."""
    if booking.status != BookingStatus.BOOKED:
        return False
    if rules is None:
        return local_moment(booking.service_date, booking.end, zone) < now
    return check_in_window(rules, booking, zone)[1] < now
