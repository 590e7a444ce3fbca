"""`/ws/counter`: a counter authenticates once, then sends commands and gets acks."""

from __future__ import annotations

import asyncio
import logging

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from ..hall import COUNTER_ACTIONS, CommandError, Hall
from .connection import BadMessage, accept_from_allowed_origin, parse_message, refuse, run_connection
from .security import tokens_equal

log = logging.getLogger(__name__)

HELLO_TIMEOUT = 10.0
MAX_REQUEST_ID = 100


async def counter_socket(websocket: WebSocket) -> None:
    app = websocket.app.state
    hall: Hall = app.hall
    security = hall.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    try:
        frame = await asyncio.wait_for(websocket.receive(), HELLO_TIMEOUT)
        hello = parse_message(frame.get("text"), security.max_message_bytes)
    except asyncio.TimeoutError:
        await refuse(websocket, "hello_timeout", "send hello first")
        return
    except BadMessage as exc:
        await refuse(websocket, exc.code, exc.message)
        return
    if hello.get("type") != "hello":
        await refuse(websocket, "hello_required", "the first message must be hello")
        return
    counter = hall.config.counter(str(hello.get("counter", "")))
    if counter is None:
        await refuse(websocket, "unknown_counter", f"no counter {hello.get('counter')!r}")
        return
    if not tokens_equal(hello.get("token"), counter.token):
        log.warning("wrong token for counter %s from %s", counter.id, websocket.client)
        await refuse(websocket, "unauthorized", "wrong token for this counter")
        return

    topics = [f"counter:{counter.id}"] + [f"service:{s}" for s in counter.services]
    subscriber = app.hub.subscribe(topics, kind="counter", key=counter.id, snapshot=hall.counter_snapshot(counter))

    async def handle(message: dict) -> dict | None:
        return await _handle_command(hall, counter.id, message)

    await run_connection(websocket, app.hub, subscriber, handle, security.max_message_bytes)


async def _handle_command(hall: Hall, counter_id: str, message: dict) -> dict | None:
    kind = message["type"]
    if kind == "ping":
        return {"type": "pong"}
    if kind == "state":
        counter = hall.config.counter(counter_id)
        return hall.counter_snapshot(counter) | {"type": "state"}
    request_id = message.get("id")
    if kind not in COUNTER_ACTIONS:
        return {"type": "error", "id": request_id, "code": "unknown_type", "message": f"unknown message type {kind!r}"}
    if not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID:
        return {"type": "error", "id": None, "code": "bad_request", "message": "every command needs a string 'id' (1-100 characters)"}
    args = {k: message[k] for k in ("service", "number") if isinstance(message.get(k), str)}
    try:
        reply = await hall.command(counter_id, kind, request_id, **args)
    except CommandError as exc:
        return {"type": "error", "id": request_id, "code": exc.code, "message": exc.message}
    except Exception:  # e.g. the disk is full: nothing was acknowledged, the client may retry
        log.exception("command %s from counter %s failed", kind, counter_id)
        return {"type": "error", "id": request_id, "code": "internal_error", "message": "the server could not save this; try again"}
    return {"type": "ack", **reply}


routes = [WebSocketRoute("/ws/counter", counter_socket)]
