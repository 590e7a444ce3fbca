"""Who may use the admin doors.

The JSON admin API takes the admin token as a Bearer header only. The admin HTML pages
also take it once from their sign-in form (`POST /admin/login`) or a first visit's
`?token=` (bookmarks); either is traded at once for a session cookie holding a random
session id (never the token), and the address bar is cleared by a redirect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .context import context
from .errors import error_response
from .requests import AdminLogin, read_form
from .security import bearer_token, origin_allowed, tokens_equal
from .templating import templates

ADMIN_COOKIE = "antrian_admin"  # a session id for the admin HTML pages (path /admin), never read by the JSON API


def given_admin_token(request: Request, *, cookie: bool = False) -> str | None:
    """The token this request presents: the Bearer header; on a page (COOKIE) also `?token=`."""
    token = bearer_token(request)
    if token is None and cookie:
        token = request.query_params.get("token")
    return token


def is_admin(request: Request, *, cookie: bool = False) -> bool:
    """The JSON API (the default) needs the Bearer header; a page (COOKIE) also takes `?token=` or a session."""
    expected = context(request).config.security.admin_token
    if tokens_equal(given_admin_token(request, cookie=cookie), expected):
        return True
    return cookie and context(request).admin_sessions.valid(request.cookies.get(ADMIN_COOKIE), expected)


def require_admin(request: Request) -> Response | None:
    """None when the request carries the admin token; else the 401 to send."""
    if is_admin(request):
        return None
    return error_response("unauthorized", "this needs the admin token (Authorization: Bearer …)")


def session_redirect(request: Request, to: str) -> Response:
    """Send a signed-in admin to the page TO with a fresh session cookie (and no token in the address)."""
    ctx = context(request)
    redirect = RedirectResponse(to, status_code=303)
    redirect.set_cookie(
        ADMIN_COOKIE,
        ctx.admin_sessions.open(ctx.config.security.admin_token),
        httponly=True,
        samesite="strict",
        path="/admin",
        secure=request.url.scheme == "https",  # https here means a trusted proxy said so
    )
    return redirect


def end_session(request: Request, response: Response) -> Response:
    context(request).admin_sessions.close(request.cookies.get(ADMIN_COOKIE))
    response.delete_cookie(ADMIN_COOKIE, path="/admin")
    return response


async def admin_login(request: Request) -> Response:
    ctx = context(request)
    if not origin_allowed(request, ctx.config.security.allowed_origins):
        return error_response("forbidden", "sign in from this server's own page")
    form = await read_form(request, AdminLogin)
    if isinstance(form, Response):
        return form
    if tokens_equal(form.token, ctx.config.security.admin_token):
        return session_redirect(request, form.next)
    return login_page(request, form.next, wrong=True)


def login_page(request: Request, next_page: str, *, wrong: bool) -> Response:
    page = {"site": context(request).config.site, "wrong": wrong, "next": next_page}
    response = templates.TemplateResponse(request, "admin_login.html", page, status_code=401)
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_page_gate(request: Request, page: str) -> Response | None:
    """None when the request may see the admin PAGE; else the sign-in page, or the redirect that
    trades a bookmark's `?token=` for a session cookie and drops it from the address bar."""
    if not is_admin(request, cookie=True):
        return login_page(request, page, wrong=given_admin_token(request, cookie=True) is not None)
    if "token" in request.query_params:
        return session_redirect(request, page)
    return None


routes = [Route("/admin/login", admin_login, methods=["POST"])]
