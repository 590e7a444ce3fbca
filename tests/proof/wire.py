"""Raw sockets for hostile clients: a hand-made WebSocket handshake and frames.

Real client libraries refuse to send what these tests need (invalid UTF-8 in a text
frame, a screen that never reads), so the bytes are written here by hand.
"""

from __future__ import annotations

import base64
import os
import socket
import struct

import psutil

OP_TEXT, OP_BINARY, OP_CLOSE = 0x1, 0x2, 0x8


def open_websocket(
    port: int, path: str, *, origin: str | None = None, rcvbuf: int | None = None, timeout: float = 5.0
) -> socket.socket:
    """Connect and complete the upgrade; raise ConnectionError when the server refuses it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # before connect, so the advertised window stays small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = _read_until(sock, b"\r\n\r\n", limit=16_384)
    status = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status + b" ":
        sock.close()
        raise ConnectionError(status.decode(errors="replace"))
    return sock


def _read_until(sock: socket.socket, marker: bytes, limit: int) -> bytes:
    data = b""
    while marker not in data and len(data) < limit:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A masked client frame."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65_536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One unmasked server frame: (opcode, payload)."""
    first, second = _recv_exactly(sock, 2)
    n = second & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", _recv_exactly(sock, 2))
    elif n == 127:
        (n,) = struct.unpack("!Q", _recv_exactly(sock, 8))
    return first & 0x0F, _recv_exactly(sock, n)


def close_code(payload: bytes) -> int | None:
    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed by the server")
        data += chunk
    return data


def open_fds(pid: int) -> int:
    return psutil.Process(pid).num_fds()
