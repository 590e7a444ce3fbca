"""uvicorn's sans-I/O WebSocket protocol, with a way for the hub to write frames below ASGI.

Through ASGI, every TV's copy of a call is its own `send`: an await, a task wake-up and a
framing of its own, about 40 µs per TV. Each connection here puts a `DirectFrames` writer in
its ASGI scope (`scope["extensions"][FRAMES_EXTENSION]`); a connection whose messages need
no shaping registers it with its hub subscriber, and the hub then frames a call once and
writes the same bytes to every idle TV's transport (`display_server.hub`).

The bound on a connection's backlog is its transport's write buffer, up to the high-water
mark (64 KiB): a TV that stops reading fills it and is dropped, as when its queue fills. The
bound is never passed by these writes, so the transport is never paused by them and the
close frame (4008) still goes out at once, behind the backlog.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

FRAMES_EXTENSION = "antrian.frames"


def text_frame(text: str) -> bytes:
    """A whole message as one unmasked text frame (a server's, with no extension)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class DirectFrames:
    """The hub's `FrameWriter` on one connection: the transport, without waiting."""

    def __init__(self, protocol: WebSocketsSansIOProtocol):
        self._protocol = protocol

    def frame(self, text: str) -> bytes:
        return text_frame(text)

    def write(self, frame: bytes) -> bool:
        protocol = self._protocol
        transport = protocol.transport
        if protocol.conn.state is not State.OPEN or protocol.close_sent or transport.is_closing():
            return True  # closing: nothing more is sent, and its subscriber is on its way out
        _, high_water = transport.get_write_buffer_limits()
        if transport.get_write_buffer_size() + len(frame) > high_water:
            return False
        transport.write(frame)
        return True


class FramingWebSocketProtocol(WebSocketsSansIOProtocol):
    """`uvicorn.run(ws=...)`: the sans-I/O protocol, offering `DirectFrames` to the app."""

    async def run_asgi(self) -> None:
        # Frames written below ASGI carry no compression: only without permessage-deflate.
        if not self.config.ws_per_message_deflate:
            self.scope["extensions"][FRAMES_EXTENSION] = DirectFrames(self)  # type: ignore[assignment]  # ASGI types extensions as dicts
        try:
            await super().run_asgi()
        finally:
            self._app_done = True
            self._forget_when_done()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        # asyncio's selector transport keeps a bound method of itself to read with: a cycle,
        # with the socket in it, that only a full collection frees. Nothing reads any more.
        if getattr(self.transport, "_read_ready_cb", None) is not None:
            self.transport._read_ready_cb = None  # type: ignore[attr-defined]
        self._forget_when_done()

    def _forget_when_done(self) -> None:
        """Once the app has finished and the connection is gone, undo the reference cycles a
        connection is made of (websockets' parser generator holds its protocol; the scope holds
        the writer that holds this protocol), so its objects are freed at once. Left to
        Python's full collection, the garbage of churning connections made that collection
        stall every call for 100-250 ms under `bench/load.py` (docs/performance.md)."""
        if not (getattr(self, "_app_done", False) and self.disconnected):
            return
        self.scope.get("extensions", {}).pop(FRAMES_EXTENSION, None)
        self.conn.parser.close()
