"""A hall's base: the path every page, script, socket, API, redirect and cookie of the hall is under.

Empty for a single-hall deployment (today's addresses); `/h/{hall}` when the deployment app
(`app/deployment.py`) mounts the hall. Starlette puts the mount's path in the ASGI scope's
`root_path`, so a door never needs to know which hall it serves. Static files are global
(`/static/...`) and never take a base.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request


def hall_base(connection: HTTPConnection) -> str:
    """'' for a single hall, else the mount's path without a trailing slash, e.g. '/h/mpp-kota'."""
    return str(connection.scope.get("root_path", "")).rstrip("/")


def hall_path(connection: HTTPConnection, path: str) -> str:
    """PATH (hall-relative, starting with '/') under this hall's base."""
    return hall_base(connection) + path


def absolute_url(connection: HTTPConnection, path: str) -> str:
    """PATH under this hall's base, with the scheme and host the request came in by: a phone
    scanning a slip reaches the server the same way the kiosk did."""
    return str(connection.url.replace(path=hall_path(connection, path), query="", fragment=""))


def cookie_path(connection: HTTPConnection) -> str:
    """The hall's own cookie path: two halls' sign-ins never collide; a single hall keeps '/'."""
    return hall_base(connection) + "/"


def template_base(request: Request) -> dict[str, str]:
    """Every template's `base` (a Jinja2Templates context processor)."""
    return {"base": hall_base(request)}
