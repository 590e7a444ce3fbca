"""The touch kiosk: its page, its state, and issuing (printed at once when it has a printer).

GET  /kiosk, /kiosk/{kiosk_id}            the touch kiosk (HTML)
GET  /api/kiosk, /api/kiosk/{kiosk_id}    its state: agencies, services, open/closed, waiting, wait
POST /api/kiosk/{kiosk_id}/tickets        issue (and print, two-phase, when the kiosk has a printer)
POST /api/kiosk/{kiosk_id}/check-in       a booking's code: its ticket, printed like an issued one
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..config import Config
from ..config.model import Kiosk
from ..engine import Status, Ticket
from ..hall import CommandError
from ..printing import describe
from .api import check_issue_rate, issue_scope
from .context import Context, context
from .errors import error_response
from .requests import CheckInRequest, IssueRequest, read_model
from .templating import templates
from .visitor import not_found_page, status_url

DEFAULT_KIOSK_ID = "default"


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


async def kiosk_page(request: Request) -> Response:
    config = context(request).config
    kiosk = find_kiosk(config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return not_found_page(request, "Kiosk tidak ditemukan", "Alamat kiosk ini tidak terdaftar.")
    response = templates.TemplateResponse(request, "kiosk.html", {"site": config.site, "kiosk": kiosk})
    response.headers["Cache-Control"] = "no-store"
    return response


async def kiosk_api(request: Request) -> Response:
    ctx = context(request)
    kiosk = find_kiosk(ctx.config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return error_response("unknown_kiosk", "no such kiosk")
    printer = describe(kiosk.printer) if kiosk.printer else None
    return JSONResponse(await ctx.reader.kiosk_state(kiosk, printer), headers={"Cache-Control": "no-store"})


async def kiosk_issue(request: Request) -> Response:
    ctx = context(request)
    config = ctx.config
    kiosk = find_kiosk(config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return error_response("unknown_kiosk", "no such kiosk")
    body = await read_model(request, IssueRequest, request_id=request.headers.get("idempotency-key"))
    if isinstance(body, Response):
        return body
    if not kiosk_offers(config, kiosk, body.service):
        return error_response("unknown_service", "this kiosk offers no such service")
    if body.priority_label is not None and body.priority_label not in config.queue.priority_labels:
        return error_response("bad_request", "'priority_label' must be one of queue.priority_labels")
    if refusal := check_issue_rate(request):
        return refusal
    try:
        reply = await ctx.hall.issue(
            body.service,
            priority=body.priority,
            request_id=body.request_id,
            pending=kiosk.printer is not None,
            scope=issue_scope(request, kiosk.id),
        )
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    ticket = ctx.reader.live_ticket(reply["ticket"]["id"])
    if ticket is None:  # a retried request from an earlier service date
        return JSONResponse({"ticket": reply["ticket"]}, status_code=201)
    if kiosk.printer is not None:
        slip = ctx.print_desk.slip(ticket, status_url(request, ticket.token), body.priority_label, logo_path(ctx))
        ticket = await ctx.print_desk.print_once(kiosk, ticket, slip)
        if ticket.status == Status.CANCELLED:
            return error_response("printer_error", f"the slip did not print; ticket {ticket.number} was cancelled")
    return JSONResponse(_issued_view(request, ctx, kiosk, ticket), status_code=201)


async def kiosk_check_in(request: Request) -> Response:
    """A booking checks in at this kiosk: its ticket, printed on the kiosk's printer when it has
    one, answered in the same shape as an issued ticket (so the kiosk shows it the same way)."""
    ctx = context(request)
    kiosk = find_kiosk(ctx.config, request.path_params.get("kiosk_id"))
    if kiosk is None:
        return error_response("unknown_kiosk", "no such kiosk")
    body = await read_model(request, CheckInRequest)
    if isinstance(body, Response):
        return body
    if refusal := check_issue_rate(request):
        return refusal
    try:
        reply = await ctx.hall.check_in(body.code)
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    ticket = ctx.reader.live_ticket(reply["ticket"]["id"])
    assert ticket is not None  # checked in today, under the hall's lock
    printed = False
    if kiosk.printer is not None:
        slip = ctx.print_desk.slip(ticket, status_url(request, ticket.token), "Booking", logo_path(ctx))
        printed = await ctx.print_desk.print_copy(kiosk, ticket, slip)
    return JSONResponse(_issued_view(request, ctx, kiosk, ticket, printed=printed), status_code=201)


def _issued_view(request: Request, ctx: Context, kiosk: Kiosk, ticket: Ticket, *, printed: bool | None = None) -> dict:
    return {
        "ticket": ctx.reader.public_ticket(ticket),
        "status_url": status_url(request, ticket.token),
        "slip_url": f"/t/{ticket.token}/slip",
        "qr_url": f"/t/{ticket.token}/qr.svg",
        "printed": kiosk.printer is not None if printed is None else printed,
    }


def logo_path(ctx: Context) -> str | None:
    """The hall's logo as a file for the thermal printer (a /static/ logo is for pages only)."""
    logo = ctx.config.site.logo
    if not logo or logo.startswith("/static/"):
        return None
    path = Path(logo).expanduser()
    if not path.is_absolute() and ctx.config_path is not None:
        path = ctx.config_path.parent / path
    return str(path)


routes = [
    Route("/kiosk", kiosk_page),
    Route("/kiosk/{kiosk_id}", kiosk_page),
    Route("/api/kiosk", kiosk_api),
    Route("/api/kiosk/{kiosk_id}", kiosk_api),
    Route("/api/kiosk/{kiosk_id}/tickets", kiosk_issue, methods=["POST"]),
    Route("/api/kiosk/{kiosk_id}/check-in", kiosk_check_in, methods=["POST"]),
]
