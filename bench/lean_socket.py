"""A WebSocket client that costs the bench almost nothing, for the benches' many TVs.

A TV is its own machine. Here hundreds of them share the bench machine with the server, and
the full `websockets` client spends about as much CPU per message as the server does, which
the figures would count as server latency. `LeanSocket` is an asyncio Protocol that splits
the server's frames (unmasked, no extension) straight from `data_received`, with no stream
reader and no task per frame. Like a TV's browser, it answers pings (uvicorn pings every
20 s and drops a socket that has not answered 20 s later) and notes the close code; each
text frame goes to `text_received`, which subclasses override.
"""

from __future__ import annotations

import asyncio
import time

HANDSHAKE = (
    "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame must be masked (RFC 6455 5.3); a zero mask key leaves the payload as is."""
    assert len(payload) < 126, "control frames only"
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\x00\x00\x00\x00" + payload


class LeanSocket(asyncio.Protocol):
    """One display connection; `path` is the WebSocket's path, `host` its `address:port`."""

    def __init__(self, path: str, host: str):
        loop = asyncio.get_running_loop()
        self.handshake = HANDSHAKE.format(path=path, host=host).encode()
        self.buffer = b""
        self.upgraded: asyncio.Future[bool] = loop.create_future()  # False: refused
        self.closed: asyncio.Future[int] = loop.create_future()  # the close code (1006: no close frame)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.handshake)

    def data_received(self, data: bytes) -> None:
        received = time.time()
        self.buffer += data
        if not self.upgraded.done():
            head, found, rest = self.buffer.partition(b"\r\n\r\n")
            if not found:
                return
            self.upgraded.set_result(b" 101 " in head.split(b"\r\n", 1)[0])
            self.buffer = rest
        self._split_frames(received)

    def _split_frames(self, received: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                break
            payload, buffer = buffer[start : start + length], buffer[start + length :]
            if opcode == CLOSE:
                self._finish(int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005)
                break
            if opcode == PING:
                assert self.transport is not None
                self.transport.write(masked_frame(PONG, payload))
            elif opcode == TEXT:
                self.text_received(payload, received)
        self.buffer = buffer

    def text_received(self, payload: bytes, received: float) -> None:
        """A whole text message from the server; `received` is the wall clock when it came."""

    def close(self, code: int = 1000) -> None:
        """Send a close frame (the server closes the TCP connection after it)."""
        assert self.transport is not None
        self.transport.write(masked_frame(CLOSE, code.to_bytes(2, "big")))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_result(False)
        self._finish(1006)

    def _finish(self, code: int) -> None:
        if not self.closed.done():
            self.closed.set_result(code)


async def open_lean(protocol: type[LeanSocket], address: str, port: int, path: str) -> LeanSocket:
    """Connect and upgrade; raise ConnectionError when the server refuses the upgrade."""
    loop = asyncio.get_running_loop()
    _, socket = await loop.create_connection(lambda: protocol(path, f"{address}:{port}"), address, port)
    if not await socket.upgraded:
        raise ConnectionError(f"{path}: the server refused the WebSocket upgrade")
    return socket
