"""Who may use the admin doors: the admin token, as a Bearer header, `?token=`, or (pages only) a cookie."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .context import context
from .errors import error_response
from .security import bearer_token, tokens_equal

ADMIN_COOKIE = "antrian_admin"  # set by the admin HTML pages (path /admin), never read by the JSON API


def given_admin_token(request: Request, *, cookie: bool = False) -> str | None:
    token = bearer_token(request) or request.query_params.get("token")
    if token is None and cookie:
        token = request.cookies.get(ADMIN_COOKIE)
    return token


def is_admin(request: Request, *, cookie: bool = False) -> bool:
    expected = context(request).config.security.admin_token
    return tokens_equal(given_admin_token(request, cookie=cookie), expected)


def require_admin(request: Request) -> Response | None:
    """None when the request carries the admin token; else the 401 to send."""
    if is_admin(request):
        return None
    return error_response("unauthorized", "this needs the admin token (Authorization: Bearer …)")
