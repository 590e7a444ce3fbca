"""Security headers on every HTTP response (docs/protocol.md, "Security headers").

Pages get a Content-Security-Policy with no inline script and, unless their route says
otherwise, no framing at all. Everything else (logos, media, audio, QR codes, JSON) is a file,
never a document: opened on its own it is sandboxed, so an SVG logo with a script cannot run
it on our origin.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"
# Style attributes are set by the pages' scripts (tile and row sizes) and templates (themes).
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "media-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'"
)
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
# Not "no-referrer": under it a browser sends `Origin: null` on the page's own POSTs, and the
# origin checks of the admin sign-in would refuse them. "same-origin" still never tells
# another site an address of ours (the ticket tokens in /t/…).
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
FRAMING_HEADER = {"'none'": "DENY", "'self'": "SAMEORIGIN"}
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def page_headers(host: str | None, frame_ancestors: str | None = "'none'") -> dict[str, str]:
    """The page policy; `frame_ancestors` None lets any site frame the page (the TV screens).

    Before CSP level 3, 'self' does not cover WebSockets, so the page's own host is named
    for ws: and wss: (old TV browsers); a Host that is not a plain host name is left out.
    """
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    policy = f"{PAGE_POLICY}; connect-src 'self'{sockets}"
    headers = {CSP: policy}
    if frame_ancestors is not None:
        headers[CSP] = f"{policy}; frame-ancestors {frame_ancestors}"
        headers["X-Frame-Options"] = FRAMING_HEADER[frame_ancestors]
    return headers


class SecurityHeaders:
    """ASGI middleware: adds the headers a response lacks; a route that sets its own policy
    (`page_headers`) keeps it, framing included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1") or None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                added = ALWAYS if CSP in headers else _defaults(headers.get("content-type", ""), host)
                for name, value in added.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _defaults(content_type: str, host: str | None) -> dict[str, str]:
    is_page = content_type.split(";")[0].strip().lower() == "text/html"
    return {**ALWAYS, **(page_headers(host) if is_page else {CSP: FILE_POLICY})}
