"""`/ws/counter`: a counter authenticates once, then sends commands and gets acks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from ..config import Counter
from ..contract import ACTIONS, MAX_REQUEST_ID, error_message
from ..hall import CommandError
from .connection import BadMessage, accept_from_allowed_origin, parse_message, refuse, run_connection, send_direct
from .context import Context, context
from .requests import CounterCommand, validate
from .security import tokens_equal

log = logging.getLogger(__name__)

HELLO_TIMEOUT = 10.0
Send = Callable[[dict], None]


async def counter_socket(websocket: WebSocket) -> None:
    ctx = context(websocket)
    security = ctx.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    counter = await authenticate_counter(websocket, ctx)
    if counter is None:
        return
    await ctx.hall.catch_up()  # the welcome holds all this counter did, on whichever node
    subscriber = ctx.reader.follow_counter(counter)

    async def handle(message: dict) -> dict | None:
        return await _handle_command(ctx, counter.id, message, lambda reply: send_direct(subscriber, reply))

    await run_connection(websocket, subscriber, ctx.reader.unfollow, handle, security.max_message_bytes)


async def authenticate_counter(websocket: WebSocket, ctx: Context) -> Counter | None:
    """The counter the hello names, when its token matches; else the refusal is sent and None."""
    try:
        frame = await asyncio.wait_for(websocket.receive(), HELLO_TIMEOUT)
        message = parse_message(frame.get("text"), ctx.config.security.max_message_bytes)
    except TimeoutError:
        await refuse(websocket, "hello_timeout", "send hello first")
        return None
    except BadMessage as exc:
        await refuse(websocket, exc.code, exc.message)
        return None
    if message.get("type") != "hello":
        await refuse(websocket, "hello_required", "the first message must be hello")
        return None
    counter = ctx.config.counter(str(message.get("counter", "")))
    if counter is None:
        await refuse(websocket, "unknown_counter", f"no counter {message.get('counter')!r}")
        return None
    if not tokens_equal(message.get("token"), counter.token):
        log.warning("wrong token for counter %s from %s", counter.id, websocket.client)
        await refuse(websocket, "unauthorized", "wrong token for this counter")
        return None
    return counter


async def _handle_command(ctx: Context, counter_id: str, message: dict, send: Send) -> dict | None:
    kind = message["type"]
    if kind == "ping":
        return {"type": "pong"}
    if kind == "state":
        await ctx.hall.catch_up()
        counter = ctx.config.counter(counter_id)
        return ctx.reader.counter_snapshot(counter) | {"type": "state"} if counter else None
    request_id = message.get("id")
    if kind not in ACTIONS:
        return error_message("unknown_type", f"unknown message type {kind!r}", request_id, with_id=True)
    if not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID:
        return error_message("bad_request", "every command needs a string 'id' (1-100 characters)", with_id=True)
    command = validate(CounterCommand, message)
    if isinstance(command, str):
        return error_message("bad_request", command, request_id)
    sent = False

    def acknowledge(reply: dict) -> None:  # committed: the counter hears before the screens do
        nonlocal sent
        sent = True
        send({"type": "ack", **reply})

    try:
        reply = await ctx.hall.command(counter_id, command.type, command.id, acknowledge=acknowledge, **command.args())
    except CommandError as exc:
        return error_message(exc.code, exc.message, request_id)
    except Exception:  # e.g. the disk is full: nothing was acknowledged, the client may retry
        log.exception("command %s from counter %s failed", kind, counter_id)
        if sent:  # committed and acknowledged; only the fan-out failed
            return None
        return error_message("internal_error", "the server could not save this; try again", request_id)
    return None if sent else {"type": "ack", **reply}  # a retried id: the stored ack


routes = [WebSocketRoute("/ws/counter", counter_socket)]
