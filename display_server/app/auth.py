"""Who may use the admin doors, and as whom.

The JSON admin API takes the admin token as a Bearer header only. The admin area's pages
take a sign-in: a roster admin or supervisor with their id and password, or the admin token
itself (the first setup, scripts). Either is traded at once for a session cookie holding a
random session id; a bookmark's `?token=` is traded too and cleared from the address bar.
A supervisor sees only their agencies' pages and data (`Principal.may_see`).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..command_error import CommandError
from .base import cookie_path, hall_path
from .context import context
from .errors import error_response
from .requests import AdminLogin, read_form
from .security import bearer_token, origin_allowed, tokens_equal
from .sessions import TOKEN_ADMIN, Principal, principal_of
from .templating import templates

ADMIN_COOKIE = "antrian_admin"  # a session id for the admin area and its reports, never a secret
PAGE_TITLES = {
    "/admin/hall": "Pantauan Aula",
    "/admin/reports": "Laporan",
    "/admin/survey": "Survei Kepuasan",
    "/admin/bookings": "Booking",
    "/admin/screens": "Status Layar",
    "/admin/printers": "Status Printer Kiosk",
    "/admin/staff": "Petugas",
}


def given_admin_token(connection: HTTPConnection, *, cookie: bool = False) -> str | None:
    """The token this request presents: the Bearer header; on a page (COOKIE) also `?token=`."""
    token = bearer_token(connection)
    if token is None and cookie:
        token = connection.query_params.get("token")
    return token


def principal(connection: HTTPConnection, *, cookie: bool = False) -> Principal | None:
    """Who asks: the admin token (Bearer; on a page also `?token=`), or a page session (COOKIE)."""
    ctx = context(connection)
    if tokens_equal(given_admin_token(connection, cookie=cookie), ctx.config.security.admin_token):
        return TOKEN_ADMIN
    if not cookie:
        return None
    return ctx.page_sessions.principal(connection.cookies.get(ADMIN_COOKIE), ctx.config)


def is_admin(connection: HTTPConnection, *, cookie: bool = False) -> bool:
    """The JSON API (the default) needs the Bearer header; a page (COOKIE) also takes `?token=` or a session."""
    who = principal(connection, cookie=cookie)
    return who is not None and who.is_admin


def require_admin(request: Request) -> Response | None:
    """None when the request carries the admin token; else the 401 to send."""
    if is_admin(request):
        return None
    return error_response("unauthorized", "this needs the admin token (Authorization: Bearer …)")


def session_redirect(request: Request, to: str, who: Principal) -> Response:
    """Send WHO to the hall-relative page TO with a fresh session cookie (and no token in the address)."""
    ctx = context(request)
    admin_token = ctx.config.security.admin_token if who.staff_id is None else None
    seconds = ctx.config.attendance.session_hours * 3600
    redirect = RedirectResponse(hall_path(request, to), status_code=303)
    redirect.set_cookie(
        ADMIN_COOKIE,
        ctx.page_sessions.open(who, admin_token=admin_token, seconds=seconds),
        httponly=True,
        samesite="strict",
        # The admin area and the report API (`/api/reports`) both read it; the hall's own
        # path, so two halls' sign-ins in one deployment never collide.
        path=cookie_path(request),
        secure=request.url.scheme == "https",  # https here means a trusted proxy said so
        max_age=int(seconds),
    )
    return redirect


def end_session(request: Request, response: Response) -> Response:
    context(request).page_sessions.close(request.cookies.get(ADMIN_COOKIE))
    response.delete_cookie(ADMIN_COOKIE, path=cookie_path(request))
    return response


async def admin_login(request: Request) -> Response:
    ctx = context(request)
    if not origin_allowed(request, ctx.config.security.allowed_origins):
        return error_response("forbidden", "sign in from this server's own page")
    form = await read_form(request, AdminLogin)
    if isinstance(form, Response):
        return form
    if not form.user:
        if tokens_equal(form.token, ctx.config.security.admin_token):
            return session_redirect(request, form.next, TOKEN_ADMIN)
        return login_page(request, form.next, problem="wrong_pin")
    try:
        member = await ctx.hall.check_staff(form.user, form.token)
    except CommandError as exc:
        return login_page(request, form.next, problem=exc.code, user=form.user)
    who = principal_of(ctx.config, member.id)
    if who is None:  # an officer: counters, not the admin area
        return login_page(request, form.next, problem="forbidden", user=form.user)
    return session_redirect(request, form.next, who)


def login_page(request: Request, next_page: str, *, problem: str | None, user: str = "", status: int = 401) -> Response:
    page = {
        "site": context(request).config.site,
        "problem": problem,
        "next": next_page,
        "title": PAGE_TITLES.get(next_page, "Admin"),
        "user": user,
    }
    response = templates.TemplateResponse(request, "admin_login.html", page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def page_gate(request: Request, page: str, *, supervisors: bool = False) -> Principal | Response:
    """Who may see the admin PAGE (supervisors too, when SUPERVISORS); else the sign-in page,
    or the redirect that trades a bookmark's `?token=` for a session and drops it from the address."""
    who = principal(request, cookie=True)
    if who is None:
        return login_page(request, page, problem="wrong_pin" if given_admin_token(request, cookie=True) else None)
    if not who.is_admin and not supervisors:
        return login_page(request, page, problem="forbidden", status=403)
    if "token" in request.query_params:
        return session_redirect(request, page, who)
    return who


def admin_page_gate(request: Request, page: str) -> Response | None:
    """None when an admin may see PAGE; else the response to send instead."""
    gate = page_gate(request, page)
    return gate if isinstance(gate, Response) else None


routes = [Route("/admin/login", admin_login, methods=["POST"])]
