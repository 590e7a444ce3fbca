"""The supervisors' live hall view: `/admin/hall` (page), `/admin/hall.json`, `/admin/ws/hall`.

Admins see every agency; a supervisor sees only theirs, and asking for another agency is
refused (`other_agency`), over HTTP and over the socket alike. The socket sends a snapshot,
then each agency's figures whenever they change; the page never reloads.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..contract import DESK_STATE_LABELS, error_message
from .auth import page_gate, principal
from .connection import accept_from_allowed_origin, refuse, run_connection
from .context import context
from .errors import error_response
from .sessions import Principal
from .templating import templates


def agencies_asked(connection: HTTPConnection, who: Principal) -> list[str] | tuple[str, str]:
    """The agencies to show: `?agency=` (one) or all WHO may see; or the refusal (code, message)."""
    config = context(connection).config
    asked = connection.query_params.get("agency")
    if asked is None:
        return who.visible_agencies(config)
    if config.agency(asked) is None:
        return ("not_found", f"no agency {asked!r}")
    if not who.may_see(asked):
        return ("other_agency", f"{who.name} may not see agency {asked!r}")
    return [asked]


async def hall_page(request: Request) -> Response:
    gate = page_gate(request, "/admin/hall", supervisors=True)
    if isinstance(gate, Response):
        return gate
    agencies = agencies_asked(request, gate)
    if isinstance(agencies, tuple):
        return error_response(*agencies)
    ctx = context(request)
    page = {
        "site": ctx.config.site,
        "who": gate,
        "snapshot": ctx.reader.hall_live(agencies),
        "agency": request.query_params.get("agency"),
        "state_labels": DESK_STATE_LABELS,
    }
    response = templates.TemplateResponse(request, "admin_hall.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


async def hall_json(request: Request) -> Response:
    who = principal(request, cookie=True)
    if who is None:
        return error_response("unauthorized", "sign in at /admin/hall, or send the admin token")
    agencies = agencies_asked(request, who)
    if isinstance(agencies, tuple):
        return error_response(*agencies)
    return JSONResponse(context(request).reader.hall_live(agencies), headers={"Cache-Control": "no-store"})


async def hall_socket(websocket: WebSocket) -> None:
    ctx = context(websocket)
    security = ctx.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    who = principal(websocket, cookie=True)
    if who is None:
        await refuse(websocket, "unauthorized", "sign in at /admin/hall first")
        return
    agencies = agencies_asked(websocket, who)
    if isinstance(agencies, tuple):
        await refuse(websocket, *agencies)
        return
    subscriber = ctx.reader.follow_hall(agencies, who.staff_id or "admin")

    async def handle(message: dict) -> dict | None:
        if message["type"] == "ping":
            return {"type": "pong"}
        return error_message("forbidden", "the hall view is read-only")

    await run_connection(websocket, subscriber, ctx.reader.unfollow, handle, security.max_message_bytes)


routes = [
    Route("/admin/hall", hall_page),
    Route("/admin/hall.json", hall_json),
    WebSocketRoute("/admin/ws/hall", hall_socket),
]
