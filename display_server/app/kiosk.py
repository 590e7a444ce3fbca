"""The kiosk, its printed slips and the visitor's phone.

    GET  /kiosk, /kiosk/{kiosk_id}            the touch kiosk (HTML)
    GET  /api/kiosk, /api/kiosk/{kiosk_id}    its state: agencies, services, open/closed, waiting, wait
    POST /api/kiosk/{kiosk_id}/tickets        issue (and print, two-phase, when the kiosk has a printer)
    GET  /t/{token}                           the visitor's status page; /t/{token}/slip the printable slip
    WS   /ws/ticket/{token}                   live status for that page
    GET  /api/admin/printers, /admin/printers printer health (admin)

A kiosk with a printer issues a *pending* ticket, prints it, then confirms it; when the
printer fails the ticket is cancelled, so no visitor without a slip is ever called.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..config import Config
from ..config.model import Kiosk
from ..engine import Status, Ticket
from ..engine.estimate import estimated_wait_seconds, staffed_counters, typical_service_seconds, wait_minutes
from ..hall import CommandError, Hall
from ..hub import Subscriber
from ..printing import PrinterError, Slip, check_printer, describe, format_local_datetime, print_bytes, slip_bytes
from .api import check_issue_request, is_admin, read_json, require_admin
from .connection import accept_from_allowed_origin, refuse, run_connection
from .errors import error_response, status_for
from .security import tokens_equal
from .templating import templates

log = logging.getLogger(__name__)

DEFAULT_KIOSK_ID = "default"
PRINTER_ERROR_TEXT = "Printer bermasalah, silakan hubungi petugas"


# --- lookups and views -------------------------------------------------------------------


def find_kiosk(config: Config, kiosk_id: str | None) -> Kiosk | None:
    """A configured kiosk; the default one (every agency, browser printing) when none is named."""
    kiosk_id = kiosk_id or DEFAULT_KIOSK_ID
    found = config.kiosk(kiosk_id)
    if found is None and kiosk_id == DEFAULT_KIOSK_ID:
        return Kiosk(id=DEFAULT_KIOSK_ID, name="Kiosk")
    return found


def kiosk_offers(config: Config, kiosk: Kiosk, service_id: str) -> bool:
    service = config.service(service_id)
    return service is not None and (not kiosk.agencies or service.agency in kiosk.agencies)


def serving_counters(config: Config, service_id: str) -> list[str]:
    return [c.name for c in config.counters if service_id in c.services]


def estimated_minutes(hall: Hall, service_id: str, ahead: int) -> int:
    tickets = hall.state.tickets.values()
    per_visitor = typical_service_seconds(tickets, service_id)
    at_work = staffed_counters(tickets, service_id, hall.clock())
    counters = len(at_work) or len(serving_counters(hall.config, service_id))
    return wait_minutes(estimated_wait_seconds(ahead, per_visitor, counters))


def ahead_of(hall: Hall, ticket: Ticket) -> int:
    if ticket.service_date != hall.state.service_date:
        return 0
    if ticket.status == Status.PENDING:  # its slip is printing: count it as it will be once confirmed
        ticket = ticket.evolve(status=Status.WAITING)
    return hall.state.ahead_of(ticket)


def public_ticket(hall: Hall, ticket: Ticket) -> dict:
    """What the visitor's phone and the kiosk show: no token, no personal data."""
    config = hall.config
    service = config.service(ticket.service)
    agency = config.agency(service.agency) if service else None
    counter = config.counter(ticket.counter) if ticket.counter else None
    ahead = ahead_of(hall, ticket)
    return {
        "number": ticket.number,
        "status": str(ticket.status),
        "priority": ticket.priority,
        "service": {"id": ticket.service, "name": service.name if service else ticket.service},
        "agency": agency.label if agency else "",
        "counters": serving_counters(config, ticket.service),
        "counter": {"id": counter.id, "name": counter.name} if counter else None,
        "ahead": ahead,
        "wait_minutes": estimated_minutes(hall, ticket.service, ahead) if ticket.status == Status.WAITING else 0,
        "service_date": ticket.service_date.isoformat(),
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
    }


def kiosk_state(hall: Hall, kiosk: Kiosk) -> dict:
    config = hall.config
    agencies = []
    for agency in config.agencies:
        if kiosk.agencies and agency.id not in kiosk.agencies:
            continue
        services = []
        for service in (s for s in config.services if s.agency == agency.id):
            open_now = hall.service_availability(service.id)
            waiting = hall.state.waiting_count(service.id)
            services.append(
                {
                    "id": service.id,
                    "name": service.name,
                    "prefix": service.prefix,
                    "open": open_now.open,
                    "code": open_now.code,
                    "reason": open_now.reason,
                    "waiting": waiting,
                    "wait_minutes": estimated_minutes(hall, service.id, waiting),
                    "counters": serving_counters(config, service.id),
                }
            )
        if services:
            agencies.append(
                {"id": agency.id, "name": agency.name, "short_name": agency.label, "booth": agency.booth,
                 "services": services}
            )
    return {
        "kiosk": {
            "id": kiosk.id,
            "name": kiosk.name,
            "printer": describe(kiosk.printer) if kiosk.printer else None,
            "idle_seconds": kiosk.idle_seconds,
        },
        "site": {"name": config.site.name, "timezone": config.site.timezone},
        "service_date": hall.state.service_date.isoformat(),
        "priority_labels": list(config.queue.priority_labels),
        "agencies": agencies,
        "server_time": hall.clock().isoformat(),
    }


async def find_ticket(hall: Hall, token: str) -> Ticket | None:
    """Today's live ticket from memory; an older one from the store."""
    if not token or len(token) > 64:
        return None
    found = next((t for t in hall.state.tickets.values() if tokens_equal(t.token, token)), None)
    return found or await hall.store.ticket_by_token(token)


def status_url(request: Request, token: str) -> str:
    """Absolute, from the host the kiosk used: the phone reaches the server the same way."""
    return f"{str(request.base_url).rstrip('/')}/t/{token}"


# --- kiosk page and state ------------------------------------------------------------------


async def kiosk_page(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    kiosk = find_kiosk(hall.config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return _not_found_page(request, "Kiosk tidak ditemukan", "Alamat kiosk ini tidak terdaftar.")
    context = {"site": hall.config.site, "kiosk": kiosk}
    response = templates.TemplateResponse(request, "kiosk.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def kiosk_api(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    kiosk = find_kiosk(hall.config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return error_response(404, "unknown_kiosk", "no such kiosk")
    await hall.refresh_day()
    return JSONResponse(kiosk_state(hall, kiosk), headers={"Cache-Control": "no-store"})


# --- issuing -----------------------------------------------------------------------------


def _printing_jobs(request: Request) -> dict[str, asyncio.Task]:
    state = request.app.state
    if getattr(state, "kiosk_print_jobs", None) is None:
        state.kiosk_print_jobs = {}
    return state.kiosk_print_jobs


def _last_prints(request: Request) -> dict[str, dict]:
    state = request.app.state
    if getattr(state, "kiosk_last_prints", None) is None:
        state.kiosk_last_prints = {}
    return state.kiosk_last_prints


async def kiosk_issue(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    kiosk = find_kiosk(hall.config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return error_response(404, "unknown_kiosk", "no such kiosk")
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    service = body.get("service")
    priority = body.get("priority", False)
    label = body.get("priority_label")
    request_id = body.get("request_id", request.headers.get("idempotency-key"))
    if not isinstance(service, str) or not kiosk_offers(hall.config, kiosk, service):
        return error_response(404, "unknown_service", "this kiosk offers no such service")
    if not isinstance(priority, bool):
        return error_response(400, "bad_request", "'priority' must be true or false")
    if label is not None and label not in hall.config.queue.priority_labels:
        return error_response(400, "bad_request", "'priority_label' must be one of queue.priority_labels")
    if refusal := check_issue_request(request, request_id):
        return refusal
    try:
        reply = await hall.issue(
            service, priority=priority, request_id=request_id, pending=kiosk.printer is not None
        )
    except CommandError as exc:
        return error_response(status_for(exc.code), exc.code, exc.message)
    ticket = hall.state.tickets.get(reply["ticket"]["id"])
    if ticket is None:  # a retried request from an earlier service date
        return JSONResponse({"ticket": reply["ticket"]}, status_code=201)
    if kiosk.printer is not None:
        ticket = await _print_once(request, kiosk, ticket, label)
        if ticket.status == Status.CANCELLED:
            return error_response(503, "printer_error", f"the slip did not print; ticket {ticket.number} was cancelled")
    return JSONResponse(_issued_view(request, hall, kiosk, ticket), status_code=201)


def _issued_view(request: Request, hall: Hall, kiosk: Kiosk, ticket: Ticket) -> dict:
    return {
        "ticket": public_ticket(hall, ticket),
        "status_url": status_url(request, ticket.token),
        "slip_url": f"/t/{ticket.token}/slip",
        "qr_url": f"/t/{ticket.token}/qr.svg",
        "printed": kiosk.printer is not None,
    }


async def _print_once(request: Request, kiosk: Kiosk, ticket: Ticket, label: str | None) -> Ticket:
    """Print a pending ticket's slip and settle it. A retried request waits for the same job."""
    hall: Hall = request.app.state.hall
    jobs = _printing_jobs(request)
    if ticket.status == Status.PENDING:
        job = jobs.get(ticket.id)
        if job is None:
            data = slip_bytes(_slip(request, hall, ticket, label))
            job = asyncio.create_task(_print_and_settle(request, kiosk, ticket, data))
            jobs[ticket.id] = job
            job.add_done_callback(lambda _: jobs.pop(ticket.id, None))
        # Shielded: a kiosk that hangs up mid-print must not leave the ticket pending.
        await asyncio.shield(job)
    return hall.state.tickets.get(ticket.id, ticket)


async def _print_and_settle(request: Request, kiosk: Kiosk, ticket: Ticket, data: bytes) -> None:
    hall: Hall = request.app.state.hall
    error = None
    try:
        await print_bytes(kiosk.printer, data, kiosk.print_timeout_seconds)
    except PrinterError as exc:
        error = str(exc)
        log.warning("kiosk %s: %s; cancelling %s", kiosk.id, error, ticket.number)
    try:
        await hall.settle_pending(ticket.id, printed=error is None)
    finally:
        _last_prints(request)[kiosk.id] = {
            "at": datetime.now(timezone.utc).isoformat(), "number": ticket.number, "ok": error is None, "error": error,
        }


def _slip(request: Request, hall: Hall, ticket: Ticket, label: str | None) -> Slip:
    config = hall.config
    service = config.service(ticket.service)
    agency = config.agency(service.agency) if service else None
    ahead = ahead_of(hall, ticket)
    return Slip(
        hall=config.site.name,
        number=ticket.number,
        service=service.name if service else ticket.service,
        agency=agency.name if agency else "",
        issued_at=ticket.issued_at,
        timezone=config.site.timezone,
        ahead=ahead,
        wait_minutes=estimated_minutes(hall, ticket.service, ahead),
        counters=tuple(serving_counters(config, ticket.service)),
        status_url=status_url(request, ticket.token),
        priority_label=label if ticket.priority else None,
        logo_path=_logo_path(request, config),
    )


def _logo_path(request: Request, config: Config) -> str | None:
    logo = config.site.logo
    if not logo or logo.startswith("/static/"):
        return None
    path = Path(logo).expanduser()
    config_path = getattr(request.app.state, "config_path", None)
    if not path.is_absolute() and config_path is not None:
        path = Path(config_path).parent / path
    return str(path)


# --- the visitor's pages -------------------------------------------------------------------


async def ticket_page(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    ticket = await find_ticket(hall, request.path_params["token"])
    if ticket is None:
        return _unknown_ticket(request)
    context = {
        "site": hall.config.site,
        "ticket": public_ticket(hall, ticket),
        "initial": json.dumps(public_ticket(hall, ticket), ensure_ascii=False),
        "token": ticket.token,
    }
    response = templates.TemplateResponse(request, "ticket.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def slip_page(request: Request) -> Response:
    """The printable slip, for kiosks without an ESC/POS printer (the browser's print dialog)."""
    hall: Hall = request.app.state.hall
    ticket = await find_ticket(hall, request.path_params["token"])
    if ticket is None:
        return _unknown_ticket(request)
    label = request.query_params.get("label")
    slip = _slip(request, hall, ticket, label if label in hall.config.queue.priority_labels else None)
    logo = hall.config.site.logo if (hall.config.site.logo or "").startswith("/static/") else None
    context = {
        "slip": slip,
        "logo": logo,
        "when": format_local_datetime(slip.issued_at, slip.timezone),
        "qr_svg": _qr_svg(slip.status_url, scale=4),
        "autoprint": request.query_params.get("print") == "1",
    }
    return templates.TemplateResponse(request, "ticket_slip.html", context)


async def ticket_qr(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    ticket = await find_ticket(hall, request.path_params["token"])
    if ticket is None:
        return Response("", status_code=404)
    buffer = io.BytesIO()
    segno.make(status_url(request, ticket.token), error="m").save(buffer, kind="svg", scale=8, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _qr_svg(url: str, scale: int) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale, border=2)


def _unknown_ticket(request: Request) -> Response:
    return _not_found_page(
        request, "Nomor antrean tidak ditemukan",
        "Tautan ini tidak dikenal atau sudah kedaluwarsa. Silakan pindai lagi kode QR pada struk Anda.",
    )


def _not_found_page(request: Request, title: str, text: str) -> Response:
    context = {"title": title, "text": text}
    return templates.TemplateResponse(request, "ticket_notfound.html", context, status_code=404)


# --- WebSocket /ws/ticket/{token} --------------------------------------------------------------


class TicketStream:
    """One phone's subscription; it follows its ticket to the new queue when transferred."""

    def __init__(self, hall: Hall, ticket: Ticket):
        self.hall = hall
        self.ticket = ticket
        self.subscriber: Subscriber | None = None
        self.last_view: dict | None = None  # the `ticket` this phone was last sent
        self.last_sent_seq: int | None = None

    def topics(self) -> list[str]:
        return [f"ticket:{self.ticket.token}", f"service:{self.ticket.service}"]

    def subscribe(self) -> Subscriber:
        self.subscriber = self.hall.hub.subscribe(
            self.topics(), kind="ticket", key=self.ticket.number, snapshot=self.snapshot()
        )
        return self.subscriber

    def snapshot(self) -> dict:
        site = self.hall.config.site
        return {
            "type": "snapshot",
            "site": {"name": site.name, "timezone": site.timezone},
            "ticket": public_ticket(self.hall, self.ticket),
            "server_time": self.hall.clock().isoformat(),
        }

    def shape_text(self, text: str) -> str | None:
        """The pushed message as this visitor sees it; moves to the new queue after a transfer.

        None when it would show nothing new: most queue changes are tickets issued behind
        this one, and with hundreds of phones in a hall they are most of the traffic.
        """
        message = json.loads(text)
        shaped = self.shape(message)
        if message.get("type") == "ticket" and f"service:{self.ticket.service}" not in self.subscriber.topics:
            self.hall.hub.retopic(self.subscriber, self.topics())
        if shaped.get("type") == "waiting" and shaped.get("ticket") == self.last_view:
            return None
        if "prev_seq" in shaped and self.last_sent_seq is not None and shaped.get("type") != "snapshot":
            shaped["prev_seq"] = self.last_sent_seq  # the chain runs over what was sent
        self.last_sent_seq = shaped.get("seq", self.last_sent_seq)
        self.last_view = shaped.get("ticket", self.last_view)
        return json.dumps(shaped, ensure_ascii=False, separators=(",", ":"))

    def shape(self, message: dict) -> dict:
        """Recompute this visitor's view (notably `ahead`) from the hall's state at send time."""
        kind = message.get("type")
        if kind not in ("ticket", "call", "waiting"):
            return message
        latest = self.hall.state.tickets.get(self.ticket.id)
        if latest is not None:
            self.ticket = latest
        shaped = {k: message[k] for k in ("seq", "prev_seq", "type") if k in message}
        shaped["ticket"] = public_ticket(self.hall, self.ticket)
        if kind == "call":
            call = message["call"]
            shaped["call"] = {k: call[k] for k in ("id", "number", "counter", "recall", "at", "text")}
        return shaped


async def ticket_socket(websocket: WebSocket) -> None:
    hall: Hall = websocket.app.state.hall
    if not await accept_from_allowed_origin(websocket, hall.config.security.allowed_origins):
        return
    ticket = await find_ticket(hall, websocket.path_params["token"])
    if ticket is None:
        await refuse(websocket, "ticket_not_found", "no such ticket", close_code=4004)
        return
    stream = TicketStream(hall, ticket)
    subscriber = stream.subscribe()

    async def handle(message: dict) -> dict | None:
        if message["type"] == "ping":
            return {"type": "pong"}
        return {"type": "error", "code": "forbidden", "message": "the ticket status is read-only"}

    max_bytes = hall.config.security.max_message_bytes
    await run_connection(websocket, hall.hub, subscriber, handle, max_bytes, shape=stream.shape_text)


# --- printer health (admin) ----------------------------------------------------------------


async def printers_status(request: Request) -> dict:
    hall: Hall = request.app.state.hall
    last = _last_prints(request)
    kiosks = hall.config.kiosks
    checks = await asyncio.gather(*(check_printer(k.printer) for k in kiosks if k.printer))
    results = iter(checks)
    rows = []
    for kiosk in kiosks:
        health = next(results).as_json() if kiosk.printer else {"ok": True, "message": "Cetak lewat browser"}
        rows.append(
            {
                "kiosk": kiosk.id,
                "name": kiosk.name,
                "kind": kiosk.printer.kind if kiosk.printer else "browser",
                "printer": describe(kiosk.printer) if kiosk.printer else None,
                **health,
                "last_print": last.get(kiosk.id),
            }
        )
    return {"printers": rows, "checked_at": datetime.now(timezone.utc).isoformat()}


async def printers_api(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    return JSONResponse(await printers_status(request), headers={"Cache-Control": "no-store"})


async def printers_page(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    if not is_admin(request, cookie=True):
        return templates.TemplateResponse(
            request, "kiosk_printers.html", {"site": hall.config.site, "rows": None}, status_code=401
        )
    status = await printers_status(request)
    zone = hall.config.site.zone_info
    for row in status["printers"]:
        if row["last_print"]:
            at = datetime.fromisoformat(row["last_print"]["at"]).astimezone(zone)
            row["last_print"]["local"] = at.strftime("%d-%m-%Y %H:%M:%S")
    context = {"site": hall.config.site, "rows": status["printers"]}
    response = templates.TemplateResponse(request, "kiosk_printers.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/kiosk", kiosk_page),
    Route("/kiosk/{kiosk_id}", kiosk_page),
    Route("/api/kiosk", kiosk_api),
    Route("/api/kiosk/{kiosk_id}", kiosk_api),
    Route("/api/kiosk/{kiosk_id}/tickets", kiosk_issue, methods=["POST"]),
    Route("/t/{token}", ticket_page),
    Route("/t/{token}/slip", slip_page),
    Route("/t/{token}/qr.svg", ticket_qr),
    WebSocketRoute("/ws/ticket/{token}", ticket_socket),
    Route("/api/admin/printers", printers_api),
    Route("/admin/printers", printers_page),
]
