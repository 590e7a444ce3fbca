"""The visitor's own pages, reached from the QR code on the slip.

GET  /t/{token}          the status page (live over /ws/ticket/{token})
GET  /t/{token}/slip     the printable slip, for kiosks without an ESC/POS printer
GET  /t/{token}/qr.svg   the slip's QR code
WS   /ws/ticket/{token}  live status for that page
"""

from __future__ import annotations

import io

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..contract import Close, error_message
from ..printing import format_local_datetime
from .base import absolute_url
from .connection import accept_from_allowed_origin, refuse, run_connection
from .context import context
from .headers import page_headers
from .templating import templates


def status_url(request: Request, token: str) -> str:
    """Absolute, under the hall's base, from the host the kiosk used: the phone reaches the server the same way."""
    return absolute_url(request, f"/t/{token}")


async def ticket_page(request: Request) -> Response:
    ctx = context(request)
    ticket = await ctx.reader.find_ticket(request.path_params["token"])
    if ticket is None:
        return _unknown_ticket(request)
    public = ctx.reader.public_ticket(ticket)
    survey = {"enabled": ctx.config.survey.enabled, **await ctx.reader.survey_state(ticket), **ctx.reader.survey_form()}
    page = {
        "site": ctx.config.site,
        "ticket": public,
        "token": ticket.token,
        "survey": survey,
    }
    response = templates.TemplateResponse(request, "ticket.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


async def slip_page(request: Request) -> Response:
    """The printable slip, for kiosks without an ESC/POS printer (the browser's print dialog)."""
    ctx = context(request)
    ticket = await ctx.reader.find_ticket(request.path_params["token"])
    if ticket is None:
        return _unknown_ticket(request)
    label = request.query_params.get("label")
    label = label if label in ctx.config.queue.priority_labels else None
    slip = ctx.print_desk.slip(ticket, status_url(request, ticket.token), label, logo_path=None)
    logo = ctx.config.site.logo if (ctx.config.site.logo or "").startswith("/static/") else None
    page = {
        "slip": slip,
        "logo": logo,
        "when": format_local_datetime(slip.issued_at, slip.timezone),
        "qr_svg": segno.make(slip.status_url, error="m").svg_inline(scale=4, border=2),
        "autoprint": request.query_params.get("print") == "1",
    }
    # The kiosk prints the slip from a frame of its own page.
    headers = page_headers(request.headers.get("host"), frame_ancestors="'self'")
    return templates.TemplateResponse(request, "ticket_slip.html", page, headers=headers)


async def ticket_qr(request: Request) -> Response:
    ticket = await context(request).reader.find_ticket(request.path_params["token"])
    if ticket is None:
        return Response("", status_code=404)
    buffer = io.BytesIO()
    segno.make(status_url(request, ticket.token), error="m").save(buffer, kind="svg", scale=8, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _unknown_ticket(request: Request) -> Response:
    return not_found_page(
        request, "Nomor antrean tidak ditemukan",
        "Tautan ini tidak dikenal atau sudah kedaluwarsa. Silakan pindai lagi kode QR pada struk Anda.",
    )  # fmt: skip


def not_found_page(request: Request, title: str, text: str) -> Response:
    return templates.TemplateResponse(request, "ticket_notfound.html", {"title": title, "text": text}, status_code=404)


async def ticket_socket(websocket: WebSocket) -> None:
    ctx = context(websocket)
    security = ctx.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    ticket = await ctx.reader.find_ticket(websocket.path_params["token"])
    if ticket is None:
        await refuse(websocket, "ticket_not_found", "no such ticket", close_code=Close.NOT_FOUND)
        return
    feed = ctx.reader.follow_ticket(ticket)

    async def handle(message: dict) -> dict | None:
        if message["type"] == "ping":
            return {"type": "pong"}
        return error_message("forbidden", "the ticket status is read-only")

    await run_connection(
        websocket, feed.subscriber, ctx.reader.unfollow, handle, security.max_message_bytes, shape=feed.shape_text
    )


routes = [
    Route("/t/{token}", ticket_page),
    Route("/t/{token}/slip", slip_page),
    Route("/t/{token}/qr.svg", ticket_qr),
    WebSocketRoute("/ws/ticket/{token}", ticket_socket),
]
