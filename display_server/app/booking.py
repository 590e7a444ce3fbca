"""Booking ahead (docs/booking.md): the visitor's booking page and API, check-in at the kiosk or
a counter, and the day's bookings in the admin area.

    GET  /booking                          the phone page: agency, service, date, session
    GET  /api/booking/services             what takes bookings
    GET  /api/booking/slots?service=&date= the sessions with the places left
    POST /api/bookings                     book (rate-limited, a cap of open bookings per address)
    GET  /b/{token}, /api/bookings/{token} the holder's page and its data; POST .../cancel
    GET  /b/{token}/qr.svg                 the code as a QR (a kiosk's scanner types it)
    POST /api/bookings/{code}/check-in     a kiosk (public), or a counter (its token as Bearer)
    GET  /admin/bookings?date=             the day's bookings; POST /admin/bookings/cancel-session
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, time

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..command_error import CommandError
from ..engine.booking import Booking
from .api import check_issue_rate, client_address
from .auth import page_gate
from .base import absolute_url, hall_path
from .context import context
from .errors import error_response
from .requests import BookingRequest, SessionCancel, read_form, read_model
from .security import bearer_token, origin_allowed, tokens_equal
from .templating import templates
from .visitor import not_found_page


def holder_of(request: Request) -> str:
    """The per-address cap's key: a hash, so the bookings table holds no address."""
    return hashlib.sha256(f"antrian-booking:{client_address(request)}".encode()).hexdigest()[:32]


def holder_url(request: Request, booking: Booking) -> str:
    return absolute_url(request, f"/b/{booking.token}")


async def booking_page(request: Request) -> Response:
    ctx = context(request)
    page = {"site": ctx.config.site, "services": ctx.reader.booking_services()}
    response = templates.TemplateResponse(request, "booking.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


async def services_api(request: Request) -> Response:
    return JSONResponse({"agencies": context(request).reader.booking_services()})


async def slots_api(request: Request) -> Response:
    try:
        day = date.fromisoformat(request.query_params.get("date", ""))
    except ValueError:
        return error_response("bad_request", "'date' must be YYYY-MM-DD")
    slots = await context(request).reader.booking_slots(request.query_params.get("service", ""), day)
    if slots is None:
        return error_response("booking_off", "that service takes no bookings")
    return JSONResponse(slots, headers={"Cache-Control": "no-store"})


async def book(request: Request) -> Response:
    ctx = context(request)
    body = await read_model(request, BookingRequest)
    if isinstance(body, Response):
        return body
    if not ctx.booking_limiter.allow(client_address(request)):
        return error_response("rate_limited", "too many bookings from this address; wait a while")
    try:
        day, start = date.fromisoformat(body.date), time.fromisoformat(body.session)
    except ValueError:
        return error_response("bad_request", "'date' is YYYY-MM-DD and 'session' HH:MM")
    try:
        booking = await ctx.hall.book(body.service, day, start, holder=holder_of(request), phone=body.phone)
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    view = await ctx.reader.booking_view(booking)
    return JSONResponse({**view, "token": booking.token, "status_url": holder_url(request, booking)}, status_code=201)


async def booking_api(request: Request) -> Response:
    ctx = context(request)
    booking = await ctx.reader.find_booking(token=request.path_params["token"])
    if booking is None:
        return error_response("booking_not_found", "no such booking")
    return JSONResponse(await ctx.reader.booking_view(booking), headers={"Cache-Control": "no-store"})


async def cancel(request: Request) -> Response:
    try:
        booking = await context(request).hall.cancel_booking(request.path_params["token"])
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    return JSONResponse(await context(request).reader.booking_view(booking))


async def holder_page(request: Request) -> Response:
    """The holder's page; once checked in, it leads to the ticket's own live page."""
    ctx = context(request)
    booking = await ctx.reader.find_booking(token=request.path_params["token"])
    if booking is None:
        return not_found_page(request, "Booking tidak ditemukan", "Tautan booking ini tidak dikenal.")
    view = await ctx.reader.booking_view(booking)
    if view["ticket_url"]:
        return RedirectResponse(hall_path(request, view["ticket_url"]), status_code=303)
    page = {"site": ctx.config.site, "booking": view, "token": booking.token}
    response = templates.TemplateResponse(request, "booking_status.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


async def booking_qr(request: Request) -> Response:
    booking = await context(request).reader.find_booking(token=request.path_params["token"])
    if booking is None:
        return Response("", status_code=404)
    buffer = io.BytesIO()
    segno.make(booking.code, error="m").save(buffer, kind="svg", scale=8, border=2)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


async def check_in(request: Request) -> Response:
    """At a kiosk (public, rate-limited like issuing) or a counter (`Authorization: Bearer
    <counter token>`, `?counter=ID`): the booking becomes a ticket, printed like any other."""
    ctx = context(request)
    counter_id = request.query_params.get("counter")
    if counter_id is not None:
        counter = ctx.config.counter(counter_id)
        if counter is None or not tokens_equal(bearer_token(request), counter.token):
            return error_response("unauthorized", "a counter checks in with its token (Authorization: Bearer)")
    elif refusal := check_issue_rate(request):
        return refusal
    try:
        reply = await ctx.hall.check_in(request.path_params["code"])
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    return JSONResponse(reply["ticket"], status_code=201)


async def admin_bookings(request: Request) -> Response:
    gate = page_gate(request, "/admin/bookings", supervisors=True)
    if isinstance(gate, Response):
        return gate
    ctx = context(request)
    try:
        day = date.fromisoformat(request.query_params.get("date") or ctx.reader.service_date.isoformat())
    except ValueError:
        return error_response("bad_request", "'date' must be YYYY-MM-DD")
    sessions = await ctx.reader.bookings_on(day, gate.visible_agencies(ctx.config))
    page = {"site": ctx.config.site, "who": gate, "day": day, "sessions": sessions}
    response = templates.TemplateResponse(request, "admin_bookings.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


async def cancel_session(request: Request) -> Response:
    gate = page_gate(request, "/admin/bookings", supervisors=True)
    if isinstance(gate, Response):
        return gate
    ctx = context(request)
    if not origin_allowed(request, ctx.config.security.allowed_origins):
        return error_response("forbidden", "use this server's own page")
    form = await read_form(request, SessionCancel)
    if isinstance(form, Response):
        return form
    service = ctx.config.service(form.service)
    if service is None:
        return error_response("unknown_service", "no such service")
    if not gate.may_see(service.agency):
        return error_response("other_agency", f"{gate.name} may not act on agency {service.agency!r}")
    day, start = date.fromisoformat(form.date), time.fromisoformat(form.session)
    await ctx.hall.cancel_session(service.id, day, start, form.reason)
    return RedirectResponse(hall_path(request, f"/admin/bookings?date={day.isoformat()}"), status_code=303)


routes = [
    Route("/booking", booking_page),
    Route("/api/booking/services", services_api),
    Route("/api/booking/slots", slots_api),
    Route("/api/bookings", book, methods=["POST"]),
    Route("/api/bookings/{token}", booking_api),
    Route("/api/bookings/{token}/cancel", cancel, methods=["POST"]),
    Route("/api/bookings/{code}/check-in", check_in, methods=["POST"]),
    Route("/b/{token}", holder_page),
    Route("/b/{token}/qr.svg", booking_qr),
    Route("/admin/bookings", admin_bookings),
    Route("/admin/bookings/cancel-session", cancel_session, methods=["POST"]),
]
