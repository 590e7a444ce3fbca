"""The write path: the one path every command takes.

    decide (engine, pure) -> commit (store, durable) -> apply (memory) -> publish (hub)
                                                                        -> announce (voice)

Commands are serialised by one lock, so numbering and "who gets which ticket" are
decided one at a time; the store's UNIQUE constraints back that up. The commands that write
the journal take turns (`turns.py`, group commit): whoever leads decides every waiting
command on a draft of memory, in order, commits them in one transaction, and only then puts
the draft in force, acknowledges and publishes. When several nodes
serve the hall (PostgreSQL), the store's `command()` extends that lock across them, and a
node whose memory is behind the journal catches up before it decides (`_deciding`).
Events committed by other nodes are applied and published here exactly as our own are
(`_absorb`): every node's screens see every call. A command's reply
is acknowledged only after its commit, and replies are kept by request id so a retried
command returns the first reply instead of acting twice.

The announcement is derived from the committed call: the call event carries the sentence
and the WAV's key (a hash, computed before the commit, nothing synthesised), and only
after the commit and the publish is the voice asked to make the WAV.

Doors never reach in here for reads: `reader.Reader` answers them from the state this
path keeps (`state`, `recent_calls`), through the pure shapes of `views`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from . import engine, views
from .announce import Announcer, prewarm_plan, spoken_call
from .command_error import CommandError
from .config import Config, Counter
from .config.model import StaffMember
from .contract import (
    ACTIONS,
    BOOKING_ALPHABET,
    BOOKING_CODE_LENGTH,
    DESK_ACTIONS,
    KIOSK_SCOPE,
    Action,
    Topic,
    command_scope,
    format_number,
    normal_booking_code,
)
from .engine import Call, Desk, DeskChange, Outcome, QueueState, Rejection, Status, Ticket
from .engine import booking as booking_rules
from .engine.booking import Booking
from .hub import Hub
from .staff import Credentials
from .store import Entry, Event, JournalMoved, Reply, Store, SurveyResponse
from .survey_answer import SurveyAnswer
from .turns import Draft, DraftFunction, Publish, Turn, without_twins

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Acknowledge = Callable[[dict], None]
RECENT_CALLS_KEPT = views.RECENT_CALLS_SHOWN
PREWARM_AHEAD = 10  # numbers ahead of each service's queue the voice may prepare while idle
REPLIES_KEPT = timedelta(days=2)
CATCH_UP_BATCH = 500  # journal events read at a time when this node is behind
FOLLOW_RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0, 2.0)  # seconds, then the last one again
DECIDE_ATTEMPTS = 3  # a decision the journal moved under is made again this many times at most


P = ParamSpec("P")
T = TypeVar("T")
_finishing: set[asyncio.Task] = set()  # commands whose caller went away, kept until they end


def to_the_end(
    command: Callable[Concatenate[Hall, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Hall, P], Awaitable[T]]:
    """A hall's command, carried through:

    - once begun, it runs to its end even when its caller is cancelled (a counter's socket
      closing mid-command): the caller stops waiting for the reply, the command does not stop.
      Cut short between its commit and the apply, the journal would hold an event this node's
      memory lacks, and with the locks released the next decision would be made without it:
      the same ticket called twice;
    - when its decision could not be written because the journal moved under it (another
      node's event at its seq: `JournalMoved`, nothing written), it catches up and decides
      again, on what is now true."""

    async def decide(hall: Hall, *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in itertools.count(1):
            try:
                return await command(hall, *args, **kwargs)
            except JournalMoved as moved:
                if attempt >= DECIDE_ATTEMPTS:
                    raise CommandError("busy", "the queue changed meanwhile; try again") from moved
                log.warning("%s: catching up and deciding again", moved)
                async with hall._lock:
                    await hall._catch_up()
        raise AssertionError("unreachable")

    @functools.wraps(command)
    async def run(hall: Hall, *args: P.args, **kwargs: P.kwargs) -> T:
        task = asyncio.ensure_future(decide(hall, *args, **kwargs))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            _finishing.add(task)
            task.add_done_callback(_finished_without_caller)
            raise

    return run


def _finished_without_caller(task: asyncio.Future) -> None:
    _finishing.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None and not isinstance(error, CommandError):
        log.error("a command failed after its caller went away", exc_info=error)


def survey_key(ticket: Ticket) -> str:
    """A ticket's survey response is stored under this: one per ticket, no way back to it."""
    return hashlib.sha256(ticket.token.encode()).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)


class Hall:
    def __init__(self, config: Config, store: Store, hub: Hub, announcer: Announcer, clock: Clock = utc_now):
        self.config = config
        self.store = store
        self.hub = hub
        self.announcer = announcer
        self.clock = clock  # the one clock: doors and views get the time from here
        self._lock = asyncio.Lock()
        self.applied_seq = 0  # the last journal event this node's memory reflects
        self.state = QueueState(self.today())
        self.recent_calls: dict[str, deque[dict]] = {}
        self.desks: dict[str, Desk] = {}  # each counter's state and officer; outlives the day
        self.surveyed: set[str] = set()  # survey keys of today's answered tickets (a tablet skips them)
        self.credentials = Credentials(store, clock)
        self._turns: list[Turn] = []  # commands waiting for the next batch
        self._leader: asyncio.Task | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self.store.forget_replies_before(self.clock() - REPLIES_KEPT)
        await self._load_day(self.today())
        self.hub.seq = max(self.hub.seq, self.applied_seq)
        self._prewarm()

    async def _load_day(self, day) -> None:
        """The day's queue, desks and recent calls as of one journal `seq` (other nodes may be
        committing meanwhile: the store reads them all from one snapshot)."""
        async with self.store.consistent():
            head = await self.store.last_seq()
            tickets = await self.store.tickets_on(day)
            desks = await self.store.desks()
            waits = await self.store.visit_durations(day, day)
            surveyed = await self.store.survey_responses(day, day)
            calls = await self.store.events_on(day, ("called", "recalled"), 50 * len(self.config.zones))
        self.applied_seq = head
        self.state = QueueState.from_tickets(day, tickets)
        self.desks = {desk.counter: desk for desk in desks}
        for service_id, wait, _ in waits:
            self.state.waits.setdefault(service_id, []).append(wait or 0.0)
        self.surveyed = {r.ticket_key for r in surveyed}
        self.recent_calls = {}
        for event in calls:
            self._remember_call(event.data.get("call"))
        log.info("loaded %d tickets for %s as of seq %d", len(tickets), day, head)

    async def _roll_over_if_new_day(self) -> None:
        today = self.today()
        if today != self.state.service_date:
            log.info("new service date %s: starting a fresh queue", today)
            await self._load_day(today)

    def today(self) -> date:
        """The hall's service date now: its local date, not UTC's."""
        return engine.service_date(self.clock(), self.config.site.zone_info)

    def reload(self, config: Config) -> None:
        """Put a new, already validated config in force (tickets and calls are kept)."""
        self.config = config
        self.announcer.set_voice(config.voice)

    # --- one decision at a time, on the journal's latest state ---------------------------

    @contextlib.asynccontextmanager
    async def _deciding(self) -> AsyncIterator[None]:
        """Hold the hall's lock (across nodes, when the store has several) with memory caught up."""
        async with self._lock, self.store.command() as head:
            if head is not None and head > self.applied_seq:
                await self._catch_up()
            yield

    async def _take_turn(
        self, draft: DraftFunction | None = None, *, prepare: Callable[[], Awaitable[DraftFunction]] | None = None,
        key: tuple[str, str] | None = None,
    ) -> dict:  # fmt: skip
        """Join the next batch and wait for this command's reply. A caller that is cancelled
        (a counter's socket closing) stops waiting; its command is carried through regardless."""
        if prepare is None:
            assert draft is not None
            ready = draft

            async def prepare() -> DraftFunction:
                return ready

        turn = Turn(prepare, key)
        self._turns.append(turn)
        if self._leader is None or self._leader.done():
            self._leader = asyncio.ensure_future(self._lead())
        try:
            return await asyncio.shield(turn.future)
        except asyncio.CancelledError:
            turn.future.add_done_callback(_finished_without_caller)
            raise
        finally:
            del turn  # a refusal raised here holds this frame: no cycle back to it through the turn

    async def _lead(self) -> None:
        """Take the waiting turns, a batch at a time, until none is left."""
        try:
            while self._turns:
                turns, self._turns = self._turns, []
                await self._take_turns(without_twins(turns))
        except BaseException as error:  # cancelled at shutdown: nobody waits forever
            for turn in self._turns:
                turn.fail(
                    CommandError("busy", "the server is stopping")
                    if isinstance(error, asyncio.CancelledError)
                    else error
                )
            self._turns = []
            raise

    async def _take_turns(self, turns: list[Turn]) -> None:
        """Decide TURNS on one draft, commit them at once, then put them in force.

        When the journal moved under the batch (another node's event at its seq, nothing
        written), catch up and decide them all again. A batch that fails otherwise is tried
        again a turn at a time, so one bad command does not fail the others."""
        for attempt in itertools.count(1):
            try:
                async with self._deciding():
                    draft = await self._draft(turns)
                    if draft.entries:
                        await self.store.commit_all(draft.entries)
                    self._put_in_force(draft, turns)
                return
            except JournalMoved as moved:
                for turn in turns:
                    turn.forget_decision()
                if attempt >= DECIDE_ATTEMPTS:
                    for turn in turns:
                        turn.fail(CommandError("busy", "the queue changed meanwhile; try again"))
                    return
                log.warning("%s: catching up and deciding again", moved)
                async with self._lock:
                    await self._catch_up()
            except Exception as error:
                waiting = [turn for turn in turns if not turn.done]
                for turn in waiting:
                    turn.forget_decision()
                if len(waiting) > 1:
                    for turn in waiting:
                        await self._take_turns([turn])
                    return
                for turn in waiting:
                    turn.fail(error)
                if not isinstance(error, CommandError):
                    log.error("a command failed", exc_info=error)
                return

    async def _draft(self, turns: list[Turn]) -> Draft:
        """Each turn's decision, in order, on a draft of memory (which stays as it is)."""
        await self._roll_over_if_new_day()
        deciding: list[tuple[Turn, DraftFunction]] = []
        for turn in turns:
            if turn.key is not None and (earlier := await self.store.find_reply(*turn.key)):
                turn.reply = earlier
                continue
            try:
                deciding.append((turn, await turn.prepare()))
            except CommandError as refusal:
                turn.error = refusal.with_traceback(None)  # its frames hold the draft: no cycle
        draft = Draft(self.state, self.desks, self.recent_calls, self.applied_seq, self.hub.publish)
        with self._drafting(draft):
            for turn, decide in deciding:
                try:
                    turn.reply = decide(draft)
                except CommandError as refusal:
                    turn.error = refusal.with_traceback(None)
        return draft

    @contextlib.contextmanager
    def _drafting(self, draft: Draft) -> Iterator[None]:
        """Decide on DRAFT's memory instead of ours. Synchronous on purpose: nothing else
        (a screen's snapshot, a view) can run meanwhile and see what is not committed."""
        committed = self.state, self.desks, self.recent_calls, self.applied_seq
        self.state, self.desks, self.recent_calls, self.applied_seq = (
            draft.state, draft.desks, draft.recent_calls, draft.applied_seq
        )  # fmt: skip
        try:
            yield
        finally:
            draft.state, draft.desks, draft.recent_calls, draft.applied_seq = (
                self.state, self.desks, self.recent_calls, self.applied_seq
            )  # fmt: skip
            self.state, self.desks, self.recent_calls, self.applied_seq = committed

    def _put_in_force(self, draft: Draft, turns: list[Turn]) -> None:
        """The batch is committed: memory becomes the draft, then each counter is told, then
        the screens, then the voice (one synchronous step)."""
        self.state, self.desks, self.recent_calls = draft.state, draft.desks, draft.recent_calls
        self.applied_seq = draft.applied_seq
        for acknowledge in draft.acks:
            acknowledge()
        for effect in draft.effects:
            effect()
        if draft.called:
            self._prewarm()
        for turn in turns:
            turn.resolve()

    async def follow_other_nodes(self) -> None:
        """Apply and publish what other nodes commit, as they commit it (runs until cancelled).

        A read that fails (the database restarting) is tried again until it succeeds: this node
        must not stay behind because one notification came while the database was away."""
        async for seq in self.store.changes():
            for attempt in itertools.count():
                if seq is not None and seq <= self.applied_seq:
                    break
                try:
                    await self.catch_up()
                    break
                except Exception as error:
                    delay = FOLLOW_RETRY_DELAYS[min(attempt, len(FOLLOW_RETRY_DELAYS) - 1)]
                    log.warning("catching up with the other nodes failed (%s); again in %.2f s", error, delay)
                    await asyncio.sleep(delay)

    async def catch_up(self) -> None:
        """Apply what every node has committed so far (one node: nothing to do). A counter's
        welcome is built after it, so a counter that moves to another node (its own died) is
        shown what it did there, not what this node had heard of so far."""
        if self.store.shared:
            async with self._lock:
                await self._catch_up()

    async def _catch_up(self) -> None:
        while events := await self.store.events_after(self.applied_seq, CATCH_UP_BATCH):
            for event in events:
                await self._absorb(event)

    async def _absorb(self, event: Event) -> None:
        """Apply and publish an event another node committed, as if it had been decided here."""
        if event.ticket_id is None:  # a desk's change
            desks = tuple(Desk.from_json(d) for d in event.data["desks"])
            change = DeskChange(event.kind, event.counter or "", event.officer, event.at, desks, event.data["reason"])
            self.desks = {**self.desks, **change.as_map()}
            self.applied_seq = event.seq
            self._publish_desks(change, event.seq, self.hub.publish)
            return
        outcome = engine.outcome_from_record(event.data["outcome"])
        if outcome.ticket.service_date > self.state.service_date:
            await self._load_day(outcome.ticket.service_date)  # another node has begun a new day
            return
        self.applied_seq = event.seq
        if outcome.ticket.service_date < self.state.service_date:
            return  # yesterday's: today's queue does not hold it
        self.state.apply(outcome)
        call = event.data["call"]
        self._remember_call(call)
        self._publish(outcome, call, event.seq, self.hub.publish)
        if call is not None and self._plays_here(call["counter"]["zone"]):
            self.announcer.announce(call["text"])
            self._prewarm()

    def _plays_here(self, zone_id: str) -> bool:
        """Whether a screen or speaker that plays this zone's calls is connected to this node.

        Another node's call is made into a WAV here only then: the node that committed it has
        made one already, and a TV fetches its WAV from the node it is connected to (which makes
        it on demand if need be). Speech stays one WAV a call, not one a node."""
        for subscriber in self.hub.subscribers_to(Topic.zone(zone_id)):
            screen = self.config.screen(subscriber.key) if subscriber.kind == "screen" else None
            if subscriber.kind == "speaker" or (screen is not None and screen.audio):
                return True
        return False

    # --- kiosk -------------------------------------------------------------------------

    async def issue(
        self,
        service_id: str,
        *,
        priority: bool = False,
        request_id: str | None = None,
        pending: bool = False,
        scope: str = KIOSK_SCOPE,
    ) -> dict:
        """Issue a ticket. SCOPE (contract.kiosk_scope) is where REQUEST_ID is unique."""
        service = self.config.service(service_id)
        if service is None:
            raise CommandError("unknown_service", f"no service {service_id!r}")

        def decide(draft: Draft) -> dict:
            now = self.clock()
            decision = engine.decide_issue(
                self.state,
                service,
                priority=priority,
                now=now,
                token=secrets.token_urlsafe(16),
                availability=self.service_availability(service_id, now),
                pending=pending,
            )
            return self._stage(draft, decision, scope=scope, request_id=request_id)

        return await self._take_turn(decide, key=(scope, request_id) if request_id else None)

    async def settle_pending(self, ticket_id: str, printed: bool) -> dict:
        """Second phase of a printed issue: confirm the ticket, or cancel it so no ghost waits."""

        def decide(draft: Draft) -> dict:
            if printed:
                decision = engine.decide_confirm(self.state, ticket_id)
            else:
                decision = engine.decide_cancel(self.state, ticket_id, now=self.clock())
            return self._stage(draft, decision, scope=KIOSK_SCOPE, request_id=None)

        return await self._take_turn(decide)

    def service_availability(self, service_id: str, now: datetime | None = None) -> engine.Availability:
        """Whether SERVICE_ID issues tickets now (hours, breaks, holidays, quota)."""
        service = self.config.service(service_id)
        assert service is not None
        return engine.availability(
            self.config.schedule_for(service),
            now or self.clock(),
            self.config.site.zone_info,
            self.state.issued_count(service_id),
            service.daily_quota,
        )

    @to_the_end
    async def refresh_day(self) -> None:
        """Start the new service date's queue if local midnight has passed, before a read-only view."""
        async with self._deciding():
            await self._roll_over_if_new_day()

    # --- people ------------------------------------------------------------------------

    async def check_staff(self, staff_id: str, secret: str) -> StaffMember:
        """The roster member with this id and PIN or password (wrong ones count toward the lock)."""
        return await self.credentials.verify(self.config, staff_id, secret)

    async def set_staff_secret(self, staff_id: str, secret: str) -> StaffMember:
        """Set or reset a member's PIN or password (an admin's act; the caller checked who may)."""
        member = self.config.staff_member(staff_id)
        if member is None:
            raise CommandError("unknown_officer", f"nobody {staff_id!r} on the roster")
        await self.credentials.set_secret(member, secret)
        return member

    async def change_own_secret(self, staff_id: str, old: str, new: str) -> StaffMember:
        return await self.credentials.change_own(self.config, staff_id, old, new)

    async def unlock_staff(self, staff_id: str) -> bool:
        return await self.credentials.unlock(staff_id)

    # --- booking ahead (engine/booking.py) ------------------------------------------------

    @to_the_end
    async def book(self, service_id: str, day: date, start: time, *, holder: str, phone: str | None) -> Booking:
        """Take a place in a session; one at a time, so two bookers never share the last place."""
        service = self.config.service(service_id)
        if service is None:
            raise CommandError("unknown_service", f"no service {service_id!r}")
        async with self._deciding():
            await self._roll_over_if_new_day()
            rules, zone, now = service.booking, self.config.site.zone_info, self.clock()
            session = booking_rules.decide_booking(
                rules,
                self.config.schedule_for(service),
                day,
                start,
                today=self.today(),
                now=now,
                zone=zone,
                booked=await self.store.booked_count(service.id, day, f"{start:%H:%M}"),
                open_by_holder=await self.store.open_bookings_of(holder),
                open_limit=self.config.security.open_bookings_per_address,
            )
            if isinstance(session, Rejection):
                raise CommandError(session.code, session.message)
            if service.daily_quota is not None and await self._day_is_full(service.id, day, service.daily_quota):
                raise CommandError("quota_reached", "the day's quota is taken")
            while True:  # a fresh code until one is free (25^6 codes: a clash is rare)
                booking = booking_rules.Booking(
                    code="".join(secrets.choice(BOOKING_ALPHABET) for _ in range(BOOKING_CODE_LENGTH)),
                    token=secrets.token_urlsafe(16),
                    service=service.id,
                    service_date=day,
                    start=session.start,
                    end=session.end,
                    status=booking_rules.BookingStatus.BOOKED,
                    created_at=now,
                    holder=holder,
                    phone=phone,
                )
                if await self.store.save_booking(booking, new=True):
                    return booking

    async def _day_is_full(self, service_id: str, day: date, quota: int) -> bool:
        taken = sum(1 for b in await self.store.bookings_between(day, day) if b.service == service_id
                    and b.status in (booking_rules.BookingStatus.BOOKED, booking_rules.BookingStatus.CHECKED_IN))  # fmt: skip
        walk_ins = sum(1 for t in self.state.tickets.values() if t.origin_service == service_id
                       and t.channel != "booking" and t.status != Status.CANCELLED) if day == self.today() else 0  # fmt: skip
        return taken + walk_ins >= quota

    @to_the_end
    async def cancel_booking(self, token: str) -> Booking:
        """The holder cancels their own booking (before check-in)."""
        async with self._deciding():
            booking = await self.store.booking_by_token(token)
            if booking is None:
                raise CommandError("booking_not_found", "no such booking")
            if booking.status != booking_rules.BookingStatus.BOOKED:
                raise CommandError({"checked_in": "already_checked_in", "cancelled": "booking_cancelled"}.get(
                    str(booking.status), "too_late"), f"this booking is {booking.status}")  # fmt: skip
            cancelled = booking.evolve(status=booking_rules.BookingStatus.CANCELLED)  # no reason: the holder's own
            await self.store.save_booking(cancelled, new=False)
        self._publish_booking(cancelled)
        return cancelled

    @to_the_end
    async def cancel_session(self, service_id: str, day: date, start: time, reason: str) -> int:
        """Staff cancel a whole session (an outage at the agency): its holders' pages say why."""
        async with self._deciding():
            holders = [b for b in await self.store.bookings_between(day, day) if b.service == service_id
                       and b.start == start and b.status == booking_rules.BookingStatus.BOOKED]  # fmt: skip
            for booking in holders:
                cancelled = booking.evolve(status=booking_rules.BookingStatus.CANCELLED, reason=reason)
                await self.store.save_booking(cancelled, new=False)
                self._publish_booking(cancelled)
        return len(holders)

    async def check_in(self, code: str) -> dict:
        """A booking arrives (kiosk or counter): a real ticket of its service, placed as if it
        had joined at its session's start (engine/booking.py). The reply is the kiosk's."""
        normal = normal_booking_code(code)
        booking = await self.store.booking_by_code(normal) if normal else None
        if booking is None:
            raise CommandError("booking_not_found", f"no booking {code!r}")
        service = self.config.service(booking.service)
        if service is None:
            raise CommandError("unknown_service", f"no service {booking.service!r}")

        async def prepare() -> DraftFunction:
            current = await self.store.booking_by_code(booking.code) or booking  # as it is now, under the lock

            def decide(draft: Draft) -> dict:
                now, zone = self.clock(), self.config.site.zone_info
                place = booking_rules.decide_check_in(service.booking, current, now=now, today=self.today(), zone=zone)
                if isinstance(place, Rejection):
                    raise CommandError(place.code, place.message)
                decision = engine.decide_issue(
                    self.state, service, priority=False, now=now, token=secrets.token_urlsafe(16),
                    availability=engine.Availability(True, ""), booked_for=place,
                )  # fmt: skip
                assert isinstance(decision, Outcome)
                checked = current.evolve(
                    status=booking_rules.BookingStatus.CHECKED_IN, ticket_id=decision.ticket.id, checked_in_at=now
                )
                reply = self._stage(draft, decision, scope=KIOSK_SCOPE, request_id=None, booking=checked)
                draft.later(self._publish_booking, checked)
                return reply

            return decide

        return await self._take_turn(prepare=prepare)

    @to_the_end
    async def expire_bookings(self) -> int:
        """Bookings past their check-in window expire (a booking no-show in the reports)."""
        async with self._deciding():
            now, zone, today = self.clock(), self.config.site.zone_info, self.today()
            stale = []
            for booking in await self.store.bookings_between(today - timedelta(days=7), today):
                service = self.config.service(booking.service)
                if booking_rules.expired(service.booking if service else None, booking, now, zone):
                    stale.append(booking.evolve(status=booking_rules.BookingStatus.EXPIRED))
            for booking in stale:
                await self.store.save_booking(booking, new=False)
                self._publish_booking(booking)
        return len(stale)

    def _publish_booking(self, booking: Booking) -> None:
        topic = Topic.booking(booking.token)
        if self.hub.listening(topic):
            self.hub.publish([topic], {"type": "booking", "booking": booking.as_json()})

    # --- the survey (docs/skm.md) -------------------------------------------------------

    async def answer_survey(self, ticket: Ticket, answer: SurveyAnswer, *, channel: str) -> None:
        """Keep a served visitor's SKM answers, once per ticket; CommandError says why not."""
        survey = self.config.survey
        ticket = self.state.tickets.get(ticket.id, ticket)  # today's live state, else as stored
        if not survey.enabled:
            raise CommandError("survey_closed", "the survey is switched off")
        if ticket.status != Status.SERVED or ticket.finished_at is None:
            raise CommandError("not_served", f"ticket {ticket.number} is {ticket.status}, not served")
        window = (
            timedelta(hours=survey.answer_hours) if channel == "phone" else timedelta(minutes=survey.tablet_minutes)
        )
        if self.clock() - ticket.finished_at > window:
            raise CommandError("survey_closed", f"ticket {ticket.number} was served too long ago to answer")
        response = SurveyResponse(
            ticket_key=survey_key(ticket),
            service_date=ticket.service_date,
            service=ticket.service,
            channel=channel,
            answers=tuple(answer.answers),
            age_group=answer.age_group,
            sex=answer.sex,
            education=answer.education,
            occupation=answer.occupation,
            suggestion=answer.suggestion,
        )
        if not await self.store.save_survey(response):
            raise CommandError("already_answered", f"ticket {ticket.number} has already answered the survey")
        self.surveyed.add(response.ticket_key)

    async def publish_suggestion(self, response_id: int, published: bool) -> bool:
        """Show a visitor's suggestion on the public results page, or take it down (an admin's act)."""
        return await self.store.publish_suggestion(response_id, published)

    def served_here(self, counter_id: str, ticket_id: str) -> Ticket | None:
        """Today's ticket TICKET_ID when COUNTER_ID served it (what its survey tablet may offer)."""
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None or ticket.counter != counter_id or ticket.status != Status.SERVED:
            return None
        return ticket

    # --- counters ----------------------------------------------------------------------

    async def command(
        self, counter_id: str, action: str, request_id: str, *, acknowledge: Acknowledge | None = None, **args: str
    ) -> dict:
        """Carry out a counter's command; its reply. ACKNOWLEDGE, when given, is handed the reply
        the moment it is committed, before the fan-out to the screens (the counter is told first)."""
        counter = self.config.counter(counter_id)
        if counter is None:
            raise CommandError("unknown_counter", f"no counter {counter_id!r}")
        if action not in ACTIONS:
            raise CommandError("unknown_action", f"unknown command {action!r}")
        scope = command_scope(counter_id)
        if action == Action.SIGN_IN:  # the PIN is checked first, outside the lock: argon2 is slow on purpose
            if earlier := await self.store.find_reply(scope, request_id):
                return earlier
            await self._check_officer(counter, args.get("officer"), args.get("pin"))

        def decide(draft: Draft) -> dict:
            if action in DESK_ACTIONS:
                change = self._decide_desk(counter, action, args)
                return self._stage_desk(draft, change, scope=scope, request_id=request_id, acknowledge=acknowledge)
            decision = self._decide(counter, action, args)
            return self._stage(draft, decision, scope=scope, request_id=request_id, acknowledge=acknowledge)

        return await self._take_turn(decide, key=(scope, request_id))

    async def _check_officer(self, counter: Counter, officer: object, pin: object) -> None:
        """The officer may serve at COUNTER: known, right PIN, of one of its agencies."""
        if not isinstance(officer, str) or not isinstance(pin, str) or not officer or not pin:
            raise CommandError("bad_request", "'sign_in' needs 'officer' and 'pin'")
        member = await self.credentials.verify(self.config, officer, pin)
        if member.role == "admin" or not set(member.agencies) & self.config.counter_agencies(counter):
            raise CommandError("wrong_agency", f"{member.id} does not serve the agencies of counter {counter.id}")

    def _decide_desk(self, counter: Counter, action: str, args: dict) -> engine.DeskDecision:
        now, desks = self.clock(), self.desks
        match action:
            case Action.SIGN_IN:
                return engine.decide_sign_in(desks, counter.id, str(args["officer"]), now=now)
            case Action.SIGN_OUT:
                return engine.decide_sign_out(desks, counter.id, now=now)
            case Action.PAUSE:
                reasons = self.config.attendance.pause_reasons
                return engine.decide_pause(desks, counter.id, str(args.get("reason", "")), reasons, now=now)
            case Action.OPEN:
                return engine.decide_open(desks, counter.id, now=now)
            case Action.CLOSE:
                return engine.decide_close(desks, counter.id, now=now)
        raise AssertionError(action)

    def _decide(self, counter: Counter, action: str, args: dict) -> engine.Decision:
        now, state = self.clock(), self.state
        desk = engine.desk_of(self.desks, counter.id)
        if refusal := engine.refuse_call(desk, action, require_sign_in=self.config.requires_sign_in(counter)):
            return refusal
        officer = desk.officer
        match action:
            case Action.CALL_NEXT:
                every = self.config.queue.priority_every
                return engine.decide_call_next(state, counter, now=now, priority_every=every, officer=officer)
            case Action.CALL:
                number = args.get("number")
                if not isinstance(number, str) or not number:
                    return Rejection("bad_request", "'call' needs a ticket 'number'")
                return engine.decide_call_number(state, counter, number, now=now, officer=officer)
            case Action.RECALL:
                return engine.decide_recall(state, counter, now=now)
            case Action.SKIP:
                return engine.decide_skip(state, counter, now=now)
            case Action.FINISH:
                return engine.decide_finish(state, counter, now=now)
            case Action.TRANSFER:
                service = self.config.service(str(args.get("service", "")))
                if service is None:
                    return Rejection("unknown_service", f"no service {args.get('service')!r}")
                return engine.decide_transfer(state, counter, service, now=now)
        raise AssertionError(action)

    # --- the one path ------------------------------------------------------------------

    def _stage(
        self,
        draft: Draft,
        decision: engine.Decision,
        *,
        scope: str,
        request_id: str | None,
        acknowledge: Acknowledge | None = None,
        booking: Booking | None = None,
    ) -> dict:
        """Apply DECISION to the draft (being decided on: `_drafting`) as the journal's next
        event; its acknowledgement, publishing and announcement wait for the commit."""
        if isinstance(decision, Rejection):
            raise CommandError(decision.code, decision.message)
        call = self._call_view(decision.call) if decision.call else None
        officer = engine.desk_of(self.desks, decision.counter).officer if decision.counter else None
        self.applied_seq = seq = self.applied_seq + 1
        self.state.apply(decision)
        self._remember_call(call)
        reply = self._reply_for(decision, request_id)
        data = {"ticket": decision.ticket.as_json(), "call": call, "outcome": engine.outcome_record(decision)}
        stored_reply = Reply(scope, request_id, reply, self.clock()) if request_id else None
        draft.entries.append(Entry(decision, data, seq, stored_reply, officer, booking))
        if acknowledge is not None:
            draft.acks.append(functools.partial(acknowledge, reply))
        self._publish(decision, call, seq, draft.send)
        if call is not None:
            draft.later(self.announcer.announce, call["text"])
            draft.called = True
        return reply

    def _stage_desk(
        self,
        draft: Draft,
        decision: engine.DeskDecision,
        *,
        scope: str,
        request_id: str,
        acknowledge: Acknowledge | None,
    ) -> dict:
        if isinstance(decision, Rejection):
            raise CommandError(decision.code, decision.message)
        self.desks = {**self.desks, **decision.as_map()}
        self.applied_seq = seq = self.applied_seq + 1
        counter = self._counter(decision.counter)
        reply: dict[str, object] = {
            "id": request_id,
            "counter": views.counter_view(self.config, self.state, counter, self.desks, staff=True),
        }
        data = {
            "service_date": self.today().isoformat(),
            "desks": [d.as_json() for d in decision.desks],
            "reason": decision.reason,
        }
        draft.entries.append(Entry(decision, data, seq, Reply(scope, request_id, reply, self.clock())))
        if acknowledge is not None:
            draft.acks.append(functools.partial(acknowledge, reply))
        self._publish_desks(decision, seq, draft.send)
        return reply

    def _publish_desks(self, change: DeskChange, seq: int, send: Publish) -> None:
        for desk in change.desks:
            counter = self.config.counter(desk.counter)
            if counter is None:  # a desk left from a counter since removed from the config
                continue
            public = views.counter_view(self.config, self.state, counter, self.desks)
            staff = views.counter_view(self.config, self.state, counter, self.desks, staff=True)
            send([Topic.zone(counter.zone)], {"type": "counter", "counter": public}, seq)
            send([Topic.counter(counter.id)], {"type": "counter", "counter": staff}, seq)
        counters = [c for c in map(self.config.counter, (d.counter for d in change.desks)) if c is not None]
        self._publish_agencies({a for c in counters for a in self.config.counter_agencies(c)}, seq, send)

    def _publish_agencies(self, agency_ids: set[str], seq: int, send: Publish) -> None:
        """The live hall view of each agency touched, for its supervisors (only when one watches)."""
        now = self.clock()
        for agency_id in agency_ids:
            topic = Topic.agency(agency_id)
            if self.hub.listening(topic):
                view = views.agency_live(self.config, self.state, self.desks, agency_id, now)
                send([topic], {"type": "agency", "agency": view}, seq)

    def _counter_agencies(self, counter_id: str) -> set[str]:
        return self.config.counter_agencies(self._counter(counter_id))

    def _reply_for(self, outcome: Outcome, request_id: str | None) -> dict:
        """The command's reply, from the state it left (OUTCOME applied)."""
        after = self.state
        # Only the kiosk that issued a ticket learns its status token (for the QR code).
        reply: dict[str, object] = {
            "ticket": views.ticket_view(self.config, after, outcome.ticket, with_token=outcome.kind == "issued")
        }
        if outcome.counter:
            counter = self._counter(outcome.counter)
            reply["counter"] = views.counter_view(self.config, after, counter, self.desks, staff=True)
        if request_id:
            reply["id"] = request_id
        return reply

    def _publish(self, outcome: Outcome, call: dict | None, seq: int, send: Publish) -> None:
        ticket = outcome.ticket
        if call is not None:
            zone = call["counter"]["zone"]
            send([Topic.zone(zone), Topic.ticket(ticket.token)], {"type": "call", "call": call}, seq)
        if outcome.counter:
            counter = self._counter(outcome.counter)
            staff = views.counter_view(self.config, self.state, counter, self.desks, staff=True)
            send([Topic.counter(counter.id)], {"type": "counter", "counter": staff}, seq)
            if call is None:  # screens learn a counter's new ticket from the call itself: one message per TV
                public = views.counter_view(self.config, self.state, counter, self.desks)
                send([Topic.zone(counter.zone)], {"type": "counter", "counter": public}, seq)
        for changed in outcome.changed:  # each visitor's phone hears of its own ticket only
            view = views.ticket_view(self.config, self.state, changed)
            send([Topic.ticket(changed.token)], {"type": "ticket", "ticket": view}, seq)
            if (
                changed.status == Status.SERVED
                and changed.counter
                and self.hub.listening(Topic.survey(changed.counter))
            ):
                offer = {"type": "offer", "offer": views.survey_offer(self.config, changed)}
                send([Topic.survey(changed.counter)], offer, seq)
        services = {t.service for t in outcome.changed} | {
            t.transferred_from for t in outcome.changed if t.transferred_from
        }
        for service_id in services:
            send(
                [Topic.service(service_id)],
                {"type": "waiting", "service": service_id, "waiting": self.state.waiting_count(service_id)},
                seq,
            )
        agencies = {s.agency for s in map(self.config.service, services) if s is not None}
        if outcome.counter:
            agencies |= self._counter_agencies(outcome.counter)
        self._publish_agencies(agencies, seq, send)

    def _call_view(self, call: Call) -> dict:
        """The call event. Its sentence and WAV key are pure; nothing is synthesised yet."""
        ticket = call.ticket
        counter = self._counter(call.counter)
        service = self.config.service(ticket.service)
        assert service is not None
        spoken = spoken_call(self.config, ticket.number, counter.id, service_id=service.id, recall=call.recall)
        text = self.announcer.sentence(spoken)
        key = self.announcer.key(text)
        return {
            "id": secrets.token_hex(8),
            "ticket_id": ticket.id,
            "number": ticket.number,
            "counter": {"id": counter.id, "name": counter.name, "zone": counter.zone},
            "service": {"id": service.id, "name": service.name, "agency": service.agency},
            "text": text,
            "audio": f"/audio/{key}.wav" if key else None,
            "recall": call.recall,
            "at": call.at.isoformat(),
        }

    def _prewarm(self) -> None:
        """Tell the voice which numbers come next; it prepares their WAVs only while idle."""
        config, upcoming = self.config, {}
        for service in config.services:
            waiting = self.state.waiting([service.id])
            next_sequence = self.state.last_sequence.get(service.id, 0) + 1
            upcoming[service.id] = waiting[0].number if waiting else format_number(service.prefix, next_sequence)
        self.announcer.prewarm(prewarm_plan(config, upcoming, PREWARM_AHEAD))

    def _counter(self, counter_id: str | None) -> Counter:
        counter = self.config.counter(counter_id or "")
        assert counter is not None, counter_id  # the engine decided for a configured counter
        return counter

    def _remember_call(self, call: dict | None) -> None:
        if call is None:
            return
        zone = call["counter"]["zone"]
        self.recent_calls.setdefault(zone, deque(maxlen=RECENT_CALLS_KEPT)).appendleft(call)
