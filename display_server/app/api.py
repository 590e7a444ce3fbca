"""JSON over HTTP: health, issuing tickets, the day's tickets, the hall's state, call audio."""

from __future__ import annotations

import json
import re
from datetime import date

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..hall import CommandError, Hall
from .errors import error_response, status_for
from .security import bearer_token, tokens_equal

MAX_BODY_BYTES = 4096
_AUDIO_KEY = re.compile(r"^[0-9a-f]{8,64}$")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def issue_ticket(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    service = body.get("service")
    priority = body.get("priority", False)
    request_id = body.get("request_id", request.headers.get("idempotency-key"))
    if not isinstance(service, str) or not service:
        return error_response(400, "bad_request", "'service' must be a service id")
    if not isinstance(priority, bool):
        return error_response(400, "bad_request", "'priority' must be true or false")
    if refusal := check_issue_request(request, request_id):
        return refusal
    try:
        reply = await hall.issue(service, priority=priority, request_id=request_id)
    except CommandError as exc:
        return error_response(status_for(exc.code), exc.code, exc.message)
    return JSONResponse(reply["ticket"], status_code=201)


def check_issue_request(request: Request, request_id: object) -> Response | None:
    """What every ticket-issuing door checks last: the request id's shape, then the address's rate."""
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 100):
        return error_response(400, "bad_request", "'request_id' must be a string of 1-100 characters")
    client = request.client.host if request.client else "unknown"
    if not request.app.state.issue_limiter.allow(client):
        return error_response(429, "rate_limited", "too many tickets from this address; wait a minute")
    return None


async def list_tickets(request: Request) -> Response:
    hall: Hall = request.app.state.hall
    if refusal := require_admin(request):
        return refusal
    raw = request.query_params.get("date")
    try:
        day = date.fromisoformat(raw) if raw else hall.state.service_date
    except ValueError:
        return error_response(400, "bad_request", "'date' must be YYYY-MM-DD")
    tickets = await hall.store.tickets_on(day)
    return JSONResponse({"date": day.isoformat(), "tickets": [t.as_json() for t in tickets]})


async def hall_state(request: Request) -> Response:
    return JSONResponse(request.app.state.hall.state_view())


async def call_audio(request: Request) -> Response:
    key = request.path_params["key"]
    if not _AUDIO_KEY.match(key):
        return error_response(404, "not_found", "no such announcement")
    path = await request.app.state.hall.announcer.wav(key)
    if path is None:
        return error_response(404, "not_found", "no such announcement (or speech is unavailable)")
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


async def screens_status(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    return JSONResponse(admin_status(request))


def admin_status(request: Request) -> dict:
    app = request.app.state
    hall: Hall = app.hall
    return {
        "screens": app.screen_health.view([s.id for s in hall.config.screens]),
        "config": {"path": str(app.config_path) if app.config_path else None, "problems": app.config_problems},
    }


ADMIN_COOKIE = "antrian_admin"  # set by the admin HTML pages (path /admin), never read by the JSON API


def given_admin_token(request: Request, *, cookie: bool = False) -> str | None:
    """The admin token the request carries: a Bearer header, `?token=`, or (pages only) the cookie."""
    token = bearer_token(request) or request.query_params.get("token")
    if token is None and cookie:
        token = request.cookies.get(ADMIN_COOKIE)
    return token


def is_admin(request: Request, *, cookie: bool = False) -> bool:
    expected = request.app.state.hall.config.security.admin_token
    return tokens_equal(given_admin_token(request, cookie=cookie), expected)


def require_admin(request: Request) -> Response | None:
    """None when the request carries the admin token; else the 401 to send."""
    if is_admin(request):
        return None
    return error_response(401, "unauthorized", "this needs the admin token (Authorization: Bearer …)")


async def read_json(request: Request) -> dict | Response:
    """The request body as a JSON object, or the 400 to send."""
    raw = b""
    async for chunk in request.stream():  # streamed, so an oversized body is never buffered whole
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return error_response(413, "message_too_large", f"the body is limited to {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser allows
        return error_response(400, "bad_json", "the body is not valid JSON")
    if not isinstance(body, dict):
        return error_response(400, "bad_request", "the body must be a JSON object")
    return body


routes = [
    Route("/healthz", healthz),
    Route("/api/tickets", issue_ticket, methods=["POST"]),
    Route("/api/tickets", list_tickets, methods=["GET"]),
    Route("/api/state", hall_state),
    Route("/api/admin/screens", screens_status),
    Route("/audio/{key}.wav", call_audio),
]
