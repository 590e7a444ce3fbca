"""The read side's shapes: what each client is shown, as pure functions of config and state.

No I/O and no clock reads (`now` is passed in). The write path uses them to build the
messages it publishes and the replies it acknowledges; `reader.Reader` uses them to answer
the doors. One function per shape, so a figure shown on a screen, a phone and in the API
comes from one computation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from .config import Config, Counter, Screen
from .config.model import Kiosk
from .contract import DeskState
from .engine import Availability, Desk, QueueState, Status, Ticket, desk_of
from .engine.estimate import estimated_wait_seconds, staffed_counters, typical_service_seconds, wait_minutes
from .figures import median

RECENT_CALLS_SHOWN = 20
OLDEST_WAITING_SHOWN = 20  # per service on the hall view: enough to flag every wait past target

Calls = Mapping[str, Iterable[dict]]  # zone id -> its recent calls, newest first
Desks = Mapping[str, Desk]


def site_view(config: Config) -> dict:
    return {"name": config.site.name, "timezone": config.site.timezone}


def current_view(ticket: Ticket | None) -> dict | None:
    if ticket is None:
        return None
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "recalls": ticket.recalls,
    }


def counter_view(config: Config, state: QueueState, counter: Counter, desks: Desks, *, staff: bool = False) -> dict:
    """A counter as screens show it; STAFF adds who is signed in (never sent to public screens)."""
    desk = desk_of(desks, counter.id)
    view = {
        "id": counter.id,
        "name": counter.name,
        "zone": counter.zone,
        "services": list(counter.services),
        "current": current_view(state.current_ticket(counter.id)),
        "waiting": sum(state.waiting_count(s) for s in counter.services),
        "recall_limit": config.queue.recall_limit,
        "state": str(desk.state),
        "reason": desk.reason,
        "since": desk.since.isoformat() if desk.since else None,
    }
    if staff:
        view["officer"] = officer_view(config, desk.officer)
        view["officer_since"] = desk.officer_since.isoformat() if desk.officer_since else None
        view["require_sign_in"] = config.requires_sign_in(counter)
    return view


def officer_view(config: Config, staff_id: str | None) -> dict | None:
    if staff_id is None:
        return None
    member = config.staff_member(staff_id)
    return {"id": staff_id, "name": member.name if member else staff_id}


def ticket_view(config: Config, state: QueueState, ticket: Ticket, *, with_token: bool = False) -> dict:
    """A ticket as a counter or the API sees it (its status token only for the issuing kiosk)."""
    view = ticket.as_json()
    service = config.service(ticket.service)
    view["service_name"] = service.name if service else ticket.service
    if with_token:
        view["token"] = ticket.token
    view["ahead"] = state.ahead_of(ticket)
    return view


def screen_snapshot(
    config: Config, state: QueueState, desks: Desks, calls: Calls, screen: Screen, now: datetime
) -> dict:
    counters = [c for c in config.counters if c.zone == screen.zone]
    if screen.counters:
        counters = [c for c in counters if c.id in screen.counters]
    shown = list(calls.get(screen.zone, ()))
    if screen.counters:
        shown = [c for c in shown if c["counter"]["id"] in screen.counters]
    if screen.services:
        shown = [c for c in shown if c["service"]["id"] in screen.services]
    return {
        "type": "snapshot",
        "site": site_view(config),
        "screen": screen.model_dump(mode="json"),
        "running_text": screen.running_text or config.site.running_text,
        "calls": shown[: max(screen.history + 1, 1)],
        "counters": [counter_view(config, state, c, desks) for c in counters],
        "server_time": now.isoformat(),
    }


def zone_snapshot(config: Config, calls: Calls, zone_id: str, now: datetime) -> dict:
    """For a zone's speaker: the zone's recent calls, newest first."""
    return {
        "type": "snapshot",
        "zone": zone_id,
        "site": site_view(config),
        "calls": list(calls.get(zone_id, ()))[:RECENT_CALLS_SHOWN],
        "server_time": now.isoformat(),
    }


def counter_snapshot(config: Config, state: QueueState, desks: Desks, counter: Counter) -> dict:
    services = [s for s in (config.service(sid) for sid in counter.services) if s is not None]
    return {
        "type": "welcome",
        "counter": counter_view(config, state, counter, desks, staff=True),
        "pause_reasons": list(config.attendance.pause_reasons),
        "services": [
            {"id": s.id, "name": s.name, "prefix": s.prefix, "waiting": state.waiting_count(s.id)} for s in services
        ],
        "transfer_to": [{"id": s.id, "name": s.name} for s in config.services],
    }


def state_view(
    config: Config, state: QueueState, desks: Desks, calls: Calls, availability: Mapping[str, Availability]
) -> dict:
    """`GET /api/state`: the whole hall at a glance."""
    return {
        "service_date": state.service_date.isoformat(),
        "services": [
            {
                "id": s.id,
                "name": s.name,
                "agency": s.agency,
                "prefix": s.prefix,
                "waiting": state.waiting_count(s.id),
                "issued": state.issued_count(s.id),
                "open": availability[s.id].open,
            }
            for s in config.services
        ],
        "counters": [counter_view(config, state, c, desks) for c in config.counters],  # public: no officers
        "recent_calls": sorted((c for zone in calls.values() for c in zone), key=lambda c: c["at"], reverse=True)[
            :RECENT_CALLS_SHOWN
        ],
    }


# --- the supervisors' live hall view --------------------------------------------------------


def agency_live(config: Config, state: QueueState, desks: Desks, agency_id: str, now: datetime) -> dict:
    """One agency on the live hall view: its services' queues and its counters, as of NOW.

    The client ticks the waits on from `oldest` and `since` with the hall's clock, so a wait
    crossing its target is flagged without a message from the server.
    """
    agency = config.agency(agency_id)
    assert agency is not None, agency_id
    services = [s for s in config.services if s.agency == agency_id]
    counters = [c for c in config.counters if agency_id in config.counter_agencies(c)]
    return {
        "id": agency.id,
        "name": agency.name,
        "short_name": agency.label,
        "services": [_service_live(config, state, s.id, now) for s in services],
        "counters": [counter_view(config, state, c, desks, staff=True) for c in counters],
        "server_time": now.isoformat(),
    }


def _service_live(config: Config, state: QueueState, service_id: str, now: datetime) -> dict:
    service = config.service(service_id)
    assert service is not None
    waiting = state.waiting([service_id])
    oldest = sorted(waiting, key=lambda t: t.queued_at)[:OLDEST_WAITING_SHOWN]
    today = [t for t in state.tickets.values() if t.service == service_id]
    waits = state.waits.get(service_id, [])
    return {
        "id": service.id,
        "name": service.name,
        "prefix": service.prefix,
        "waiting": len(waiting),
        "target_wait_minutes": config.target_wait_minutes(service),
        "oldest": [{"number": t.number, "queued_at": t.queued_at.isoformat(), "priority": t.priority} for t in oldest],
        "longest_wait_seconds": int((now - oldest[0].queued_at).total_seconds()) if oldest else 0,
        "served": sum(1 for t in today if t.status == Status.SERVED),
        "no_show": sum(1 for t in today if t.status == Status.NO_SHOW),
        "median_wait_seconds": median(waits),
    }


def hall_live(config: Config, state: QueueState, desks: Desks, agency_ids: Iterable[str], now: datetime) -> dict:
    """The live hall view's first message: the agencies this person may see."""
    return {
        "type": "snapshot",
        "site": site_view(config),
        "service_date": state.service_date.isoformat(),
        "desk_states": [str(s) for s in DeskState],
        "agencies": [agency_live(config, state, desks, a, now) for a in agency_ids],
        "server_time": now.isoformat(),
    }


# --- visitors: kiosk, slip and phone ------------------------------------------------------


def serving_counters(config: Config, service_id: str) -> list[str]:
    return [c.name for c in config.counters if service_id in c.services]


def estimated_minutes(config: Config, state: QueueState, service_id: str, ahead: int, now: datetime) -> int:
    """The wait shown to a visitor with AHEAD people before them (one computation for all pages)."""
    tickets = state.tickets.values()
    per_visitor = typical_service_seconds(tickets, service_id)
    at_work = staffed_counters(tickets, service_id, now)
    counters = len(at_work) or len(serving_counters(config, service_id))
    return wait_minutes(estimated_wait_seconds(ahead, per_visitor, counters))


def ahead_of(state: QueueState, ticket: Ticket) -> int:
    if ticket.service_date != state.service_date:
        return 0
    if ticket.status == Status.PENDING:  # its slip is printing: count it as it will be once confirmed
        ticket = ticket.evolve(status=Status.WAITING)
    return state.ahead_of(ticket)


def public_ticket(config: Config, state: QueueState, ticket: Ticket, now: datetime) -> dict:
    """What the visitor's phone and the kiosk show: no token, no personal data."""
    service = config.service(ticket.service)
    agency = config.agency(service.agency) if service else None
    counter = config.counter(ticket.counter) if ticket.counter else None
    ahead = ahead_of(state, ticket)
    waiting = ticket.status == Status.WAITING
    return {
        "number": ticket.number,
        "status": str(ticket.status),
        "priority": ticket.priority,
        "service": {"id": ticket.service, "name": service.name if service else ticket.service},
        "agency": agency.label if agency else "",
        "counters": serving_counters(config, ticket.service),
        "counter": {"id": counter.id, "name": counter.name} if counter else None,
        "ahead": ahead,
        "wait_minutes": estimated_minutes(config, state, ticket.service, ahead, now) if waiting else 0,
        "service_date": ticket.service_date.isoformat(),
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
    }


def kiosk_state(
    config: Config,
    state: QueueState,
    kiosk: Kiosk,
    availability: Mapping[str, Availability],
    printer: str | None,
    now: datetime,
) -> dict:
    """`GET /api/kiosk/{id}`: what the kiosk offers, open or closed, and the waits."""
    agencies = []
    for agency in config.agencies:
        if kiosk.agencies and agency.id not in kiosk.agencies:
            continue
        services = []
        for service in (s for s in config.services if s.agency == agency.id):
            open_now = availability[service.id]
            waiting = state.waiting_count(service.id)
            services.append(
                {
                    "id": service.id,
                    "name": service.name,
                    "prefix": service.prefix,
                    "open": open_now.open,
                    "code": open_now.code,
                    "reason": open_now.reason,
                    "waiting": waiting,
                    "wait_minutes": estimated_minutes(config, state, service.id, waiting, now),
                    "counters": serving_counters(config, service.id),
                }
            )
        if services:
            agencies.append(
                {"id": agency.id, "name": agency.name, "short_name": agency.label, "booth": agency.booth,
                 "services": services}
            )  # fmt: skip
    return {
        "kiosk": {"id": kiosk.id, "name": kiosk.name, "printer": printer, "idle_seconds": kiosk.idle_seconds},
        "site": site_view(config),
        "service_date": state.service_date.isoformat(),
        "priority_labels": list(config.queue.priority_labels),
        "agencies": agencies,
        "server_time": now.isoformat(),
    }


def survey_offer(config: Config, ticket: Ticket) -> dict:
    """What a counter's survey tablet shows of the ticket it just served (never its token)."""
    service = config.service(ticket.service)
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "service": service.name if service else ticket.service,
        "finished_at": ticket.finished_at.isoformat() if ticket.finished_at else None,
    }


def survey_form(config: Config) -> dict:
    """The survey's questions and profile choices, as the phone and the tablet show them."""
    survey = config.survey
    return {
        "questions": [q.model_dump() for q in survey.questions],
        "profile": {
            "age_group": list(survey.age_groups),
            "sex": list(survey.sexes),
            "education": list(survey.education),
            "occupation": list(survey.occupations),
        },
        "answer_hours": survey.answer_hours,
        "tablet_minutes": survey.tablet_minutes,
    }


def phone_call(call: dict) -> dict:
    """The part of a call a visitor's phone is sent."""
    return {k: call[k] for k in ("id", "number", "counter", "recall", "at", "text")}
