"""`/ws/screen/{screen_id}`: public and read-only. A screen gets a snapshot, then its zone's events.

Screens may send only `ping` (a heartbeat, answered with `pong`) and `status`
(whether their audio is unlocked), which feed the admin status view. When the config
gives the screen a `key`, only a connection opened with `?key=<that key>` is trusted with
its status; any other still gets the screen's events, and is shown as unverified.
"""

from __future__ import annotations

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from ..contract import Close, error_message
from .connection import accept_from_allowed_origin, refuse, run_connection
from .context import context
from .security import tokens_equal


async def screen_socket(websocket: WebSocket) -> None:
    ctx = context(websocket)
    security = ctx.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    screen_id = websocket.path_params["screen_id"]
    screen = ctx.config.screen(screen_id)
    if screen is None:
        await refuse(websocket, "unknown_screen", f"no screen {screen_id!r}", close_code=Close.NOT_FOUND)
        return
    health = ctx.screen_health
    subscriber = ctx.reader.follow_screen(screen)
    trusted = screen.key is None or tokens_equal(websocket.query_params.get("key"), screen.key)
    link = health.connected(screen.id, trusted=trusted)

    async def handle(message: dict) -> dict | None:
        kind = message["type"]
        if kind == "ping":
            health.seen(link)
            return {"type": "pong"}
        if kind == "status":
            health.report(link, message)
            return None
        return error_message("forbidden", "screens are read-only")

    try:
        await run_connection(websocket, subscriber, ctx.reader.unfollow, handle, security.max_message_bytes)
    finally:
        health.disconnected(link)


async def zone_socket(websocket: WebSocket) -> None:
    """`/ws/zone/{zone_id}`: a zone's calls without a screen's layout, for `antrian speaker`."""
    ctx = context(websocket)
    security = ctx.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    zone_id = websocket.path_params["zone_id"]
    zone = ctx.config.zone(zone_id)
    if zone is None:
        known = ", ".join(z.id for z in ctx.config.zones)
        await refuse(websocket, "unknown_zone", f"no zone {zone_id!r} (zones: {known})", close_code=Close.NOT_FOUND)
        return
    subscriber = ctx.reader.follow_zone(zone.id)

    async def handle(message: dict) -> dict | None:
        if message["type"] == "ping":
            return {"type": "pong"}
        return error_message("forbidden", "speakers are read-only")

    await run_connection(websocket, subscriber, ctx.reader.unfollow, handle, security.max_message_bytes)


routes = [
    WebSocketRoute("/ws/screen/{screen_id}", screen_socket),
    WebSocketRoute("/ws/zone/{zone_id}", zone_socket),
]
