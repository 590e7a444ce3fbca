"""One WebSocket connection fed by the hub: a single sender, a receiver, and the drop signal."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..contract import Close, error_message
from ..hub import Subscriber
from .security import origin_allowed
from .ws_protocol import FRAMES_EXTENSION

log = logging.getLogger(__name__)

Handler = Callable[[dict], Awaitable[dict | None]]
Shape = Callable[[str], str | None]
Unfollow = Callable[[Subscriber], None]


class BadMessage(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_message(text: str | None, max_bytes: int) -> dict:
    if text is None:
        raise BadMessage("bad_json", "messages must be JSON text frames")
    if len(text.encode()) > max_bytes:
        raise BadMessage("message_too_large", f"messages are limited to {max_bytes} bytes")
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser allows
        raise BadMessage("bad_json", "the message is not valid JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadMessage("bad_request", "a message is a JSON object with a string 'type'")
    return message


def send_direct(subscriber: Subscriber, message: dict) -> None:
    """Replies take the subscriber's path as events do, so none overtakes what came before it."""
    if not subscriber.send(json.dumps(message, ensure_ascii=False, separators=(",", ":"))):
        subscriber.dropped.set()


async def run_connection(
    websocket: WebSocket,
    subscriber: Subscriber,
    unfollow: Unfollow,
    handle: Handler,
    max_bytes: int,
    shape: Shape | None = None,
) -> None:
    """Pump hub messages out and hand incoming messages to `handle` until either side ends.

    `shape`, when given, rewrites each outgoing message for this one client (a phone's
    own "people ahead") at the moment it is sent, or drops it (None) when it changes
    nothing this client shows. Without `shape`, and when the server offers it, the hub writes
    frames straight to the connection while its queue is idle (`ws_protocol`).
    """
    if shape is None:
        subscriber.writer = websocket.scope.get("extensions", {}).get(FRAMES_EXTENSION)
    sender = asyncio.create_task(_pump(websocket, subscriber, shape))
    receiver = asyncio.create_task(_receive(websocket, subscriber, handle, max_bytes))
    dropped = asyncio.create_task(subscriber.dropped.wait())
    try:
        done, _ = await asyncio.wait({sender, receiver, dropped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, receiver, dropped):
            task.cancel()
        subscriber.writer = None
        unfollow(subscriber)
    if dropped in done:
        await _close_quietly(websocket, Close.TOO_SLOW, "too slow: reconnect and resync")


async def _pump(websocket: WebSocket, subscriber: Subscriber, shape: Shape | None) -> None:
    try:
        while True:
            text: str | None = await subscriber.next_message()
            if shape is not None and text is not None:
                text = shape(text)
            if text is not None:  # a shaped message that shows nothing new is not sent
                await websocket.send_text(text)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return


async def _receive(websocket: WebSocket, subscriber: Subscriber, handle: Handler, max_bytes: int) -> None:
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            try:
                message = parse_message(frame.get("text"), max_bytes)
                reply = await handle(message)
            except BadMessage as exc:
                reply = error_message(exc.code, exc.message)
            if reply is not None:
                send_direct(subscriber, reply)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await asyncio.wait_for(websocket.close(code=code, reason=reason), timeout=2)
    except Exception:  # the peer is gone or stuck; the server moves on either way
        pass


async def accept_from_allowed_origin(websocket: WebSocket, allowed_origins: list[str]) -> bool:
    """Accept the handshake, or refuse it with HTTP 403 when a browser calls from another origin."""
    if not origin_allowed(websocket, allowed_origins):
        await websocket.close(code=Close.CROSS_ORIGIN)
        return False
    await websocket.accept()
    return True


async def refuse(websocket: WebSocket, code: str, message: str, close_code: int = Close.REFUSED) -> None:
    """Tell an accepted client why it is refused, then close."""
    try:
        await websocket.send_json(error_message(code, message))
    except Exception:
        pass
    await _close_quietly(websocket, close_code, code)
