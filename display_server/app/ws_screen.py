"""`/ws/screen/{screen_id}`: public and read-only. A screen gets a snapshot, then its zone's events.

Screens may send only `ping` (a heartbeat, answered with `pong`) and `status`
(whether their audio is unlocked), which feed the admin status view.
"""

from __future__ import annotations

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from ..hall import Hall
from .connection import accept_from_allowed_origin, refuse, run_connection
from .health import ScreenHealth


async def screen_socket(websocket: WebSocket) -> None:
    app = websocket.app.state
    hall: Hall = app.hall
    if not await accept_from_allowed_origin(websocket, hall.config.security.allowed_origins):
        return
    screen_id = websocket.path_params["screen_id"]
    screen = hall.config.screen(screen_id)
    if screen is None:
        await refuse(websocket, "unknown_screen", f"no screen {screen_id!r}", close_code=4004)
        return
    health: ScreenHealth = app.screen_health
    subscriber = app.hub.subscribe(
        [f"zone:{screen.zone}", f"screen:{screen.id}"], kind="screen", key=screen.id,
        snapshot=hall.screen_snapshot(screen),
    )
    health.connected(screen.id)

    async def handle(message: dict) -> dict | None:
        kind = message["type"]
        if kind == "ping":
            health.seen(screen.id)
            return {"type": "pong"}
        if kind == "status":
            health.report(screen.id, message)
            return None
        return {"type": "error", "code": "forbidden", "message": "screens are read-only"}

    try:
        await run_connection(websocket, app.hub, subscriber, handle, hall.config.security.max_message_bytes)
    finally:
        health.disconnected(screen.id)


async def zone_socket(websocket: WebSocket) -> None:
    """`/ws/zone/{zone_id}`: a zone's calls without a screen's layout, for `antrian speaker`."""
    app = websocket.app.state
    hall: Hall = app.hall
    if not await accept_from_allowed_origin(websocket, hall.config.security.allowed_origins):
        return
    zone = hall.config.zone(websocket.path_params["zone_id"])
    if zone is None:
        known = ", ".join(z.id for z in hall.config.zones)
        await refuse(websocket, "unknown_zone", f"no zone {websocket.path_params['zone_id']!r} (zones: {known})", close_code=4004)
        return
    subscriber = app.hub.subscribe([f"zone:{zone.id}"], kind="speaker", key=zone.id, snapshot=hall.zone_snapshot(zone.id))

    async def handle(message: dict) -> dict | None:
        if message["type"] == "ping":
            return {"type": "pong"}
        return {"type": "error", "code": "forbidden", "message": "speakers are read-only"}

    await run_connection(websocket, app.hub, subscriber, handle, hall.config.security.max_message_bytes)


routes = [
    WebSocketRoute("/ws/screen/{screen_id}", screen_socket),
    WebSocketRoute("/ws/zone/{zone_id}", zone_socket),
]
