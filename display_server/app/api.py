"""JSON over HTTP: health, issuing tickets, the day's tickets, the hall's state, call audio."""

from __future__ import annotations

import re
from datetime import date

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..contract import kiosk_scope
from ..hall import CommandError
from .auth import require_admin
from .context import context
from .errors import error_response
from .requests import IssueRequest, read_model

_AUDIO_KEY = re.compile(r"^[0-9a-f]{8,64}$")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def issue_ticket(request: Request) -> Response:
    body = await read_model(request, IssueRequest, request_id=request.headers.get("idempotency-key"))
    if isinstance(body, Response):
        return body
    if refusal := check_issue_rate(request):
        return refusal
    try:
        reply = await context(request).hall.issue(
            body.service, priority=body.priority, request_id=body.request_id, scope=issue_scope(request, "api")
        )
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    return JSONResponse(reply["ticket"], status_code=201)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def issue_scope(request: Request, kiosk_id: str) -> str:
    """Request ids are unique per kiosk and address: a replay from elsewhere gets its own ticket."""
    return kiosk_scope(kiosk_id, client_address(request))


def check_issue_rate(request: Request) -> Response | None:
    """What every ticket-issuing door checks last: the address's rate."""
    if not context(request).issue_limiter.allow(client_address(request)):
        return error_response("rate_limited", "too many tickets from this address; wait a minute")
    return None


async def list_tickets(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    reader = context(request).reader
    raw = request.query_params.get("date")
    try:
        day = date.fromisoformat(raw) if raw else reader.service_date
    except ValueError:
        return error_response("bad_request", "'date' must be YYYY-MM-DD")
    tickets = await reader.tickets_on(day)
    return JSONResponse({"date": day.isoformat(), "tickets": [t.as_json() for t in tickets]})


async def hall_state(request: Request) -> Response:
    return JSONResponse(context(request).reader.state_view())


async def call_audio(request: Request) -> Response:
    key = request.path_params["key"]
    path = await context(request).reader.call_audio(key) if _AUDIO_KEY.match(key) else None
    if path is None:
        return error_response("not_found", "no such announcement (or speech is unavailable)")
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


async def screens_status(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    return JSONResponse(admin_status(request))


def admin_status(request: Request) -> dict:
    ctx = context(request)
    return {
        "screens": ctx.screen_health.view([s.id for s in ctx.config.screens]),
        "config": {"path": str(ctx.config_path) if ctx.config_path else None, "problems": ctx.config_problems},
    }


routes = [
    Route("/healthz", healthz),
    Route("/api/tickets", issue_ticket, methods=["POST"]),
    Route("/api/tickets", list_tickets, methods=["GET"]),
    Route("/api/state", hall_state),
    Route("/api/admin/screens", screens_status),
    Route("/audio/{key}.wav", call_audio),
]
