"""The read side the doors use: views of the live hall, stored tickets, and live feeds.

Doors ask a `Reader` for what to show and a `Hall` to act; they never touch the hall's
state, the store or the hub themselves. A feed (`follow_*`) subscribes a connection and
builds its first snapshot in one synchronous step, so no event can fall between them.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

from . import views
from .announce import Announcer
from .config import Config, Counter, Screen
from .config.model import Kiosk
from .contract import Topic, normal_booking_code
from .engine import Availability, Status, Ticket
from .engine.booking import Booking, check_in_window, day_refusal, local_moment
from .hall import Hall, survey_key
from .hub import Hub, Subscriber
from .reports import Book, Only, Period, build
from .reports.survey import results as survey_results
from .store import Store, Visit

MAX_TOKEN = 64


class Reader:
    def __init__(self, hall: Hall, store: Store, hub: Hub, announcer: Announcer):
        self._hall = hall
        self._store = store
        self._hub = hub
        self._announcer = announcer

    @property
    def config(self) -> Config:
        return self._hall.config

    def now(self) -> datetime:
        return self._hall.clock()

    def _availability(self) -> dict[str, Availability]:
        now = self.now()
        return {s.id: self._hall.service_availability(s.id, now) for s in self.config.services}

    # --- views ---------------------------------------------------------------------------

    def state_view(self) -> dict:
        hall = self._hall
        return views.state_view(hall.config, hall.state, hall.desks, hall.recent_calls, self._availability())

    def screen_snapshot(self, screen: Screen) -> dict:
        hall = self._hall
        return views.screen_snapshot(hall.config, hall.state, hall.desks, hall.recent_calls, screen, self.now())

    def counter_snapshot(self, counter: Counter) -> dict:
        return views.counter_snapshot(self.config, self._hall.state, self._hall.desks, counter)

    def hall_live(self, agency_ids: list[str]) -> dict:
        """The live hall view of these agencies (the caller has checked who may see them)."""
        hall = self._hall
        return views.hall_live(hall.config, hall.state, hall.desks, agency_ids, self.now())

    def public_ticket(self, ticket: Ticket) -> dict:
        return views.public_ticket(self.config, self._hall.state, ticket, self.now())

    def wait_minutes(self, service_id: str, ahead: int) -> int:
        return views.estimated_minutes(self.config, self._hall.state, service_id, ahead, self.now())

    def ahead_of(self, ticket: Ticket) -> int:
        return views.ahead_of(self._hall.state, ticket)

    async def kiosk_state(self, kiosk: Kiosk, printer: str | None) -> dict:
        await self._hall.refresh_day()  # a kiosk left on overnight shows the new day as open
        hall = self._hall
        return views.kiosk_state(hall.config, hall.state, kiosk, self._availability(), printer, self.now())

    @property
    def service_date(self) -> date:
        return self._hall.state.service_date

    # --- tickets -------------------------------------------------------------------------

    def live_ticket(self, ticket_id: str) -> Ticket | None:
        """Today's ticket as it is now in memory."""
        return self._hall.state.tickets.get(ticket_id)

    async def find_ticket(self, token: str) -> Ticket | None:
        """A ticket by its status token: today's from memory, an older one from the store.

        None once its service date is more than `security.ticket_days` days before the
        hall's date: a slip found in a bin does not open a page forever.
        """
        if not token or len(token) > MAX_TOKEN:
            return None
        given = token.encode()
        # Constant-time comparison: response timing reveals nothing about other tokens.
        found = next(
            (t for t in self._hall.state.tickets.values() if hmac.compare_digest(t.token.encode(), given)), None
        )
        found = found or await self._store.ticket_by_token(token)
        if found is None:
            return None
        return found if (self._hall.today() - found.service_date).days <= self.config.security.ticket_days else None

    async def staff_status(self) -> list[dict]:
        """The roster with each person's PIN state (set or not, locked until when); never a hash."""
        secrets = {s.staff_id: s for s in await self._store.staff_secrets()}
        desks = {d.officer: d.counter for d in self._hall.desks.values() if d.officer}
        now = self.now()
        rows = []
        for member in self.config.staff:
            secret = secrets.get(member.id)
            locked = secret.locked_until if secret and secret.locked_until and secret.locked_until > now else None
            rows.append(
                {
                    "id": member.id,
                    "name": member.name,
                    "role": member.role,
                    "agencies": list(member.agencies),
                    "pin_set": secret is not None,
                    "pin_set_at": secret.set_at.isoformat() if secret else None,
                    "locked_until": locked.isoformat() if locked else None,
                    "counter": desks.get(member.id),
                }
            )
        return rows

    async def report_book(self, period: Period, agencies: list[str], only: Only = None) -> Book:
        """Every report of PERIOD for these agencies (the caller checked who may see them)."""
        return await build(self._store, self.config, period, agencies, only)

    def report_detail(self, period: Period) -> AsyncIterator[list[Visit]]:
        return self._store.iter_visits(period.first, period.last)

    # --- booking ahead --------------------------------------------------------------------

    def booking_services(self) -> list[dict]:
        """Agencies with services that take bookings, for the booking page."""
        config, today = self.config, self.service_date
        agencies = []
        for agency in config.agencies:
            services = [
                {"id": s.id, "name": s.name, "requirements": list(s.requirements),
                 "dates": [(today + timedelta(days=n)).isoformat() for n in range(s.booking.days_ahead + 1)]}
                for s in config.services if s.agency == agency.id and s.booking is not None
            ]  # fmt: skip
            if services:
                agencies.append(
                    {"id": agency.id, "name": agency.name, "short_name": agency.label, "services": services}
                )
        return agencies

    async def booking_slots(self, service_id: str, day: date) -> dict | None:
        """A day's sessions of a service with the places left; None when it takes no bookings."""
        service = self.config.service(service_id)
        if service is None or service.booking is None:
            return None
        zone, now = self.config.site.zone_info, self.now()
        closed = day_refusal(self.config.schedule_for(service), day)
        sessions = []
        for session in service.booking.sessions:
            taken = await self._store.booked_count(service.id, day, f"{session.start:%H:%M}")
            sessions.append({"start": f"{session.start:%H:%M}", "end": f"{session.end:%H:%M}", "quota": session.quota,
                             "left": max(0, session.quota - taken),
                             "over": local_moment(day, session.end, zone) <= now})  # fmt: skip
        return {"service": service.id, "name": service.name, "date": day.isoformat(), "open": closed is None,
                "code": closed.code if closed else None, "reason": closed.message if closed else None,
                "sessions": sessions}  # fmt: skip

    async def find_booking(self, *, token: str | None = None, code: str | None = None) -> Booking | None:
        if token:
            return await self._store.booking_by_token(token) if len(token) <= MAX_TOKEN else None
        normal = normal_booking_code(code or "")
        return await self._store.booking_by_code(normal) if normal else None

    async def booking_view(self, booking: Booking) -> dict:
        """What the holder's page shows: never the holder, the phone or another's booking."""
        config = self.config
        service = config.service(booking.service)
        agency = config.agency(service.agency) if service else None
        view = booking.as_json()
        view["service"] = {"id": booking.service, "name": service.name if service else booking.service}
        view["agency"] = agency.label if agency else ""
        view["requirements"] = list(service.requirements) if service else []
        if service and service.booking:
            opens, closes = check_in_window(service.booking, booking, config.site.zone_info)
            zone = config.site.zone_info
            view["check_in"] = {"from": f"{opens.astimezone(zone):%H:%M}", "until": f"{closes.astimezone(zone):%H:%M}"}
        ticket = None
        if booking.ticket_id:
            ticket = self.live_ticket(booking.ticket_id)
        view["ticket_url"] = f"/t/{ticket.token}" if ticket else None
        return view

    async def bookings_on(self, day: date, agencies: list[str]) -> list[dict]:
        """The day's bookings by service and session, for the admin area."""
        wanted = {s.id: s for s in self.config.services if s.agency in agencies and s.booking}
        rows = [b for b in await self._store.bookings_between(day, day) if b.service in wanted]
        sessions = []
        for service in wanted.values():
            assert service.booking is not None
            for session in service.booking.sessions:
                mine = [b for b in rows if b.service == service.id and b.start == session.start]
                sessions.append({"service": service.id, "name": service.name, "agency": service.agency,
                                 "start": f"{session.start:%H:%M}", "end": f"{session.end:%H:%M}",
                                 "quota": session.quota, "bookings": [b.as_json() | {"phone": b.phone} for b in mine]})  # fmt: skip
        return sessions

    # --- the survey (docs/skm.md) --------------------------------------------------------

    def survey_form(self) -> dict:
        return views.survey_form(self.config)

    async def survey_state(self, ticket: Ticket) -> dict:
        """Whether this visitor may answer now: served, within the window, not yet answered."""
        survey = self.config.survey
        ticket = self.live_ticket(ticket.id) or ticket
        until = ticket.finished_at + timedelta(hours=survey.answer_hours) if ticket.finished_at else None
        served = ticket.status == Status.SERVED
        answered = served and await self._store.survey_answered(survey_key(ticket))
        return {
            "open": survey.enabled and served and not answered and until is not None and self.now() <= until,
            "answered": answered,
            "until": until.isoformat() if until else None,
        }

    def survey_offer(self, counter: Counter) -> dict | None:
        """The ticket this counter served last, while its tablet may still offer it."""
        answered = self._hall.surveyed
        served = [
            t for t in self._hall.state.tickets.values()
            if t.counter == counter.id and t.status == Status.SERVED and t.finished_at is not None
        ]  # fmt: skip
        if served and survey_key(max(served, key=lambda t: t.finished_at or self.now())) in answered:
            return None  # the last visitor here has answered: nothing to offer until the next one
        if not served:
            return None
        last = max(served, key=lambda t: t.finished_at or self.now())
        assert last.finished_at is not None
        if self.now() - last.finished_at > timedelta(minutes=self.config.survey.tablet_minutes):
            return None
        return views.survey_offer(self.config, last)

    def follow_survey(self, counter: Counter) -> Subscriber:
        """A counter's survey tablet: what it may offer now, then each ticket the counter serves."""
        snapshot = {"type": "snapshot", "offer": self.survey_offer(counter), "form": self.survey_form()}
        return self._hub.subscribe([Topic.survey(counter.id)], kind="survey", key=counter.id, snapshot=snapshot)

    async def survey_results(
        self, period: Period, agencies: list[str], only: Only = None, *, with_suggestions: bool = True
    ) -> dict:
        responses = await self._store.survey_responses(period.first, period.last)
        served = await self._store.served_by_service(period.first, period.last)
        return survey_results(self.config, responses, served, period, agencies, only, with_suggestions=with_suggestions)

    async def tickets_on(self, day: date) -> list[Ticket]:
        return await self._store.tickets_on(day)

    async def call_audio(self, key: str) -> Path | None:
        return await self._announcer.wav(key)

    # --- live feeds ----------------------------------------------------------------------

    def follow_screen(self, screen: Screen) -> Subscriber:
        return self._hub.subscribe(
            [Topic.zone(screen.zone)], kind="screen", key=screen.id, snapshot=self.screen_snapshot(screen)
        )

    def follow_zone(self, zone_id: str) -> Subscriber:
        snapshot = views.zone_snapshot(self.config, self._hall.recent_calls, zone_id, self.now())
        return self._hub.subscribe([Topic.zone(zone_id)], kind="speaker", key=zone_id, snapshot=snapshot)

    def follow_counter(self, counter: Counter) -> Subscriber:
        topics = [Topic.counter(counter.id)] + [Topic.service(s) for s in counter.services]
        return self._hub.subscribe(topics, kind="counter", key=counter.id, snapshot=self.counter_snapshot(counter))

    def follow_hall(self, agency_ids: list[str], who: str) -> Subscriber:
        """The live hall view of these agencies: a snapshot, then each agency's figures as they change."""
        topics = [Topic.agency(a) for a in agency_ids]
        return self._hub.subscribe(topics, kind="hall", key=who, snapshot=self.hall_live(agency_ids))

    def follow_ticket(self, ticket: Ticket) -> TicketFeed:
        return TicketFeed(self, self._hub, ticket)

    def unfollow(self, subscriber: Subscriber) -> None:
        self._hub.unsubscribe(subscriber)

    def refresh_screens(self) -> None:
        """Send every connected screen a fresh snapshot (after a config change)."""
        for subscriber in self._hub.subscribers_of("screen"):
            screen = self.config.screen(subscriber.key)
            if screen is not None:
                self._hub.resend_snapshot(subscriber, self.screen_snapshot(screen))

    def connections(self, kind: str, key: str | None = None) -> int:
        return self._hub.count(kind, key)


class TicketFeed:
    """One phone's feed; it follows its ticket to the new queue when transferred."""

    def __init__(self, reader: Reader, hub: Hub, ticket: Ticket):
        self.reader = reader
        self.hub = hub
        self.ticket = ticket
        self.last_view: dict | None = None  # the `ticket` this phone was last sent
        self.last_sent_seq: int | None = None
        self.subscriber = hub.subscribe(self._topics(), kind="ticket", key=ticket.number, snapshot=self._snapshot())

    def _topics(self) -> list[str]:
        return [Topic.ticket(self.ticket.token), Topic.service(self.ticket.service)]

    def _snapshot(self) -> dict:
        return {
            "type": "snapshot",
            "site": views.site_view(self.reader.config),
            "ticket": self.reader.public_ticket(self.ticket),
            "server_time": self.reader.now().isoformat(),
        }

    def shape_text(self, text: str) -> str | None:
        """The pushed message as this visitor sees it; moves to the new queue after a transfer.

        None when it would show nothing new: most queue changes are tickets issued behind
        this one, and with hundreds of phones in a hall they are most of the traffic.
        """
        message = json.loads(text)
        shaped = self._shape(message)
        if message.get("type") == "ticket" and Topic.service(self.ticket.service) not in self.subscriber.topics:
            self.hub.retopic(self.subscriber, self._topics())
        if shaped.get("type") == "waiting" and shaped.get("ticket") == self.last_view:
            return None
        if "prev_seq" in shaped and self.last_sent_seq is not None and shaped.get("type") != "snapshot":
            shaped["prev_seq"] = self.last_sent_seq  # the chain runs over what was sent
        self.last_sent_seq = shaped.get("seq", self.last_sent_seq)
        self.last_view = shaped.get("ticket", self.last_view)
        return json.dumps(shaped, ensure_ascii=False, separators=(",", ":"))

    def _shape(self, message: dict) -> dict:
        """Recompute this visitor's view (notably `ahead`) from the hall's state at send time."""
        kind = message.get("type")
        if kind not in ("ticket", "call", "waiting"):
            return message
        latest = self.reader.live_ticket(self.ticket.id)
        if latest is not None:
            self.ticket = latest
        shaped = {k: message[k] for k in ("seq", "prev_seq", "type") if k in message}
        shaped["ticket"] = self.reader.public_ticket(self.ticket)
        if kind == "call":
            shaped["call"] = views.phone_call(message["call"])
        return shaped
