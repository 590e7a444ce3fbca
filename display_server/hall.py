"""The running hall: the one path every command takes.

    decide (engine, pure) -> commit (store, durable) -> apply (memory) -> publish (hub)

Commands are serialised by one lock, so numbering and "who gets which ticket" are
decided one at a time; the store's UNIQUE constraints back that up. A command's reply
is acknowledged only after its commit, and replies are kept by request id so a retried
command returns the first reply instead of acting twice.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from . import engine
from .announce import Announcer
from .config import Config, Counter, Screen
from .engine import Call, Outcome, QueueState, Rejection, Ticket
from .hub import Hub
from .store import Reply, Store

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
COUNTER_ACTIONS = ("call_next", "recall", "skip", "finish", "transfer", "call")
RECENT_CALLS_KEPT = 20
REPLIES_KEPT = timedelta(days=2)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class CommandError(Exception):
    """A command refused by the rules or by its input. Nothing was changed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Published:
    seq: int
    reply: dict


class Hall:
    def __init__(self, config: Config, store: Store, hub: Hub, announcer: Announcer, clock: Clock = utc_now):
        self.config = config
        self.store = store
        self.hub = hub
        self.announcer = announcer
        self.clock = clock
        self._lock = asyncio.Lock()
        self.state = QueueState(self._today())
        self.recent_calls: dict[str, deque[dict]] = {}

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self.hub.seq = max(self.hub.seq, await self.store.last_seq())
        await self.store.forget_replies_before(self.clock() - REPLIES_KEPT)
        await self._load_day(self._today())
        self._prewarm()

    async def _load_day(self, day) -> None:
        tickets = await self.store.tickets_on(day)
        self.state = QueueState.from_tickets(day, tickets)
        self.recent_calls = {}
        for event in await self.store.events_on(day, ("called", "recalled"), 50 * len(self.config.zones)):
            self._remember_call(event.data.get("call"))
        log.info("loaded %d tickets for %s", len(tickets), day)

    async def _roll_over_if_new_day(self) -> None:
        today = self._today()
        if today != self.state.service_date:
            log.info("new service date %s: starting a fresh queue", today)
            await self._load_day(today)

    def _today(self):
        return engine.service_date(self.clock(), self.config.site.zone_info)

    def reload(self, config: Config) -> None:
        """Put a new, already validated config in force (tickets and calls are kept)."""
        self.config = config
        self.announcer.update_config(config)

    # --- kiosk -------------------------------------------------------------------------

    async def issue(
        self, service_id: str, *, priority: bool = False, request_id: str | None = None, pending: bool = False
    ) -> dict:
        service = self.config.service(service_id)
        if service is None:
            raise CommandError("unknown_service", f"no service {service_id!r}")
        async with self._lock:
            if request_id and (earlier := await self.store.find_reply("kiosk", request_id)):
                return earlier
            await self._roll_over_if_new_day()
            now = self.clock()
            open_now = self.service_availability(service_id, now)
            decision = engine.decide_issue(
                self.state, service, priority=priority, now=now, token=secrets.token_urlsafe(16),
                availability=open_now, pending=pending,
            )
            return await self._carry_out(decision, scope="kiosk", request_id=request_id)

    async def settle_pending(self, ticket_id: str, printed: bool) -> dict:
        """Second phase of a printed issue: confirm the ticket, or cancel it so no ghost waits."""
        async with self._lock:
            if printed:
                decision = engine.decide_confirm(self.state, ticket_id)
            else:
                decision = engine.decide_cancel(self.state, ticket_id, now=self.clock())
            return await self._carry_out(decision, scope="kiosk", request_id=None)

    def service_availability(self, service_id: str, now: datetime | None = None) -> engine.Availability:
        service = self.config.service(service_id)
        assert service is not None
        return engine.availability(
            self.config.schedule_for(service),
            now or self.clock(),
            self.config.site.zone_info,
            self.state.issued_count(service_id),
            service.daily_quota,
        )

    async def refresh_day(self) -> None:
        """Start the new service date's queue if local midnight has passed, before a read-only view."""
        async with self._lock:
            await self._roll_over_if_new_day()

    # --- counters ----------------------------------------------------------------------

    async def command(self, counter_id: str, action: str, request_id: str, **args: str) -> dict:
        counter = self.config.counter(counter_id)
        if counter is None:
            raise CommandError("unknown_counter", f"no counter {counter_id!r}")
        if action not in COUNTER_ACTIONS:
            raise CommandError("unknown_action", f"unknown command {action!r}")
        scope = f"counter:{counter_id}"
        async with self._lock:
            if earlier := await self.store.find_reply(scope, request_id):
                return earlier
            await self._roll_over_if_new_day()
            decision = self._decide(counter, action, args)
            return await self._carry_out(decision, scope=scope, request_id=request_id)

    def _decide(self, counter: Counter, action: str, args: dict) -> engine.Decision:
        now, state = self.clock(), self.state
        match action:
            case "call_next":
                return engine.decide_call_next(state, counter, now=now, priority_every=self.config.queue.priority_every)
            case "call":
                number = args.get("number")
                if not isinstance(number, str) or not number:
                    return Rejection("bad_request", "'call' needs a ticket 'number'")
                return engine.decide_call_number(state, counter, number, now=now)
            case "recall":
                return engine.decide_recall(state, counter, now=now)
            case "skip":
                return engine.decide_skip(state, counter, now=now)
            case "finish":
                return engine.decide_finish(state, counter, now=now)
            case "transfer":
                service = self.config.service(str(args.get("service", "")))
                if service is None:
                    return Rejection("unknown_service", f"no service {args.get('service')!r}")
                return engine.decide_transfer(state, counter, service, now=now)
        raise AssertionError(action)

    # --- the one path ------------------------------------------------------------------

    async def _carry_out(self, decision: engine.Decision, *, scope: str, request_id: str | None) -> dict:
        if isinstance(decision, Rejection):
            raise CommandError(decision.code, decision.message)
        call = self._call_view(decision.call) if decision.call else None
        reply = self._reply_for(decision, request_id)
        data = {"ticket": decision.ticket.as_json(), "call": call}
        stored_reply = Reply(scope, request_id, reply, self.clock()) if request_id else None
        seq = await self.store.commit(decision, data, stored_reply)
        self.state.apply(decision)
        self._publish(decision, call, seq)
        return reply

    def _reply_for(self, outcome: Outcome, request_id: str | None) -> dict:
        after = self.state.preview(outcome)
        # Only the kiosk that issued a ticket learns its status token (for the QR code).
        reply = {"ticket": self.ticket_view(outcome.ticket, after, with_token=outcome.kind == "issued")}
        if outcome.counter:
            reply["counter"] = self.counter_view(self.config.counter(outcome.counter), after)
        if request_id:
            reply["id"] = request_id
        return reply

    def _publish(self, outcome: Outcome, call: dict | None, seq: int) -> None:
        ticket = outcome.ticket
        if call is not None:
            self._remember_call(call)
            self._prewarm()
            counter = self.config.counter(outcome.counter)
            self.hub.publish(
                [f"zone:{counter.zone}", f"ticket:{ticket.token}"], {"type": "call", "call": call}, seq
            )
        if outcome.counter:
            counter = self.config.counter(outcome.counter)
            # Screens learn a counter's new ticket from the call itself: one message per TV per call.
            topics = [f"counter:{counter.id}"] if call is not None else [f"zone:{counter.zone}", f"counter:{counter.id}"]
            self.hub.publish(topics, {"type": "counter", "counter": self.counter_view(counter)}, seq)
        for changed in outcome.changed:  # each visitor's phone hears of its own ticket only
            self.hub.publish([f"ticket:{changed.token}"], {"type": "ticket", "ticket": self.ticket_view(changed)}, seq)
        services = {t.service for t in outcome.changed} | {t.transferred_from for t in outcome.changed if t.transferred_from}
        for service_id in services:
            self.hub.publish(
                [f"service:{service_id}"],
                {"type": "waiting", "service": service_id, "waiting": self.state.waiting_count(service_id)},
                seq,
            )

    def _call_view(self, call: Call) -> dict:
        ticket = call.ticket
        counter = self.config.counter(call.counter)
        service = self.config.service(ticket.service)
        text = self.announcer.sentence(ticket.number, counter.id, service_id=service.id, recall=call.recall)
        key = self.announcer.request(text)
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
        """Tell the voice which numbers come next, so their WAVs are ready before the call."""
        upcoming: dict[str, int | str] = {}
        for service in self.config.services:
            waiting = self.state.waiting([service.id])
            upcoming[service.id] = waiting[0].number if waiting else self.state.last_sequence.get(service.id, 0) + 1
        self.announcer.prewarm(upcoming)

    def _remember_call(self, call: dict | None) -> None:
        if call is None:
            return
        zone = call["counter"]["zone"]
        self.recent_calls.setdefault(zone, deque(maxlen=RECENT_CALLS_KEPT)).appendleft(call)

    # --- views -------------------------------------------------------------------------

    def ticket_view(self, ticket: Ticket, state: QueueState | None = None, *, with_token: bool = False) -> dict:
        state = state or self.state
        view = ticket.as_json()
        service = self.config.service(ticket.service)
        view["service_name"] = service.name if service else ticket.service
        if with_token:
            view["token"] = ticket.token
        view["ahead"] = state.ahead_of(ticket)
        return view

    def counter_view(self, counter: Counter, state: QueueState | None = None) -> dict:
        state = state or self.state
        return {
            "id": counter.id,
            "name": counter.name,
            "zone": counter.zone,
            "services": list(counter.services),
            "current": _current_view(state.current_ticket(counter.id)),
            "waiting": sum(state.waiting_count(s) for s in counter.services),
            "recall_limit": self.config.queue.recall_limit,
        }

    def screen_snapshot(self, screen: Screen) -> dict:
        counters = [c for c in self.config.counters if c.zone == screen.zone]
        if screen.counters:
            counters = [c for c in counters if c.id in screen.counters]
        calls = list(self.recent_calls.get(screen.zone, ()))
        if screen.counters:
            calls = [c for c in calls if c["counter"]["id"] in screen.counters]
        if screen.services:
            calls = [c for c in calls if c["service"]["id"] in screen.services]
        return {
            "type": "snapshot",
            "site": {"name": self.config.site.name, "timezone": self.config.site.timezone},
            "screen": screen.model_dump(mode="json"),
            "running_text": screen.running_text or self.config.site.running_text,
            "calls": calls[: max(screen.history + 1, 1)],
            "counters": [self.counter_view(c) for c in counters],
            "server_time": self.clock().isoformat(),
        }

    def zone_snapshot(self, zone_id: str) -> dict:
        """For a zone's speaker: the zone's recent calls, newest first."""
        return {
            "type": "snapshot",
            "zone": zone_id,
            "site": {"name": self.config.site.name, "timezone": self.config.site.timezone},
            "calls": list(self.recent_calls.get(zone_id, ()))[:RECENT_CALLS_KEPT],
            "server_time": self.clock().isoformat(),
        }

    def counter_snapshot(self, counter: Counter) -> dict:
        services = [self.config.service(s) for s in counter.services]
        return {
            "type": "welcome",
            "counter": self.counter_view(counter),
            "services": [
                {"id": s.id, "name": s.name, "prefix": s.prefix, "waiting": self.state.waiting_count(s.id)}
                for s in services
            ],
            "transfer_to": [{"id": s.id, "name": s.name} for s in self.config.services],
        }

    def state_view(self) -> dict:
        return {
            "service_date": self.state.service_date.isoformat(),
            "services": [
                {
                    "id": s.id,
                    "name": s.name,
                    "agency": s.agency,
                    "prefix": s.prefix,
                    "waiting": self.state.waiting_count(s.id),
                    "issued": self.state.issued_count(s.id),
                    "open": self.service_availability(s.id).open,
                }
                for s in self.config.services
            ],
            "counters": [self.counter_view(c) for c in self.config.counters],
            "recent_calls": sorted(
                (c for calls in self.recent_calls.values() for c in calls), key=lambda c: c["at"], reverse=True
            )[:RECENT_CALLS_KEPT],
        }


def _current_view(ticket: Ticket | None) -> dict | None:
    if ticket is None:
        return None
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "recalls": ticket.recalls,
    }
