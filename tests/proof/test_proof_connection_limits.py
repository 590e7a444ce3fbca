"""Issue 12, item 2: slow bodies and connection caps.

- A request with complete headers and a `Content-Length` whose body dribbles in one byte
  every two seconds must be closed by the server (the probe: 150 such were all open after 20 s).
- No more than `security.max_connections` connections are open at once: one more is
  answered 503 at once, and service comes back when they go.
- No more than `security.max_websockets_per_address` WebSockets from one address, except
  from a trusted proxy.

Timings are measured and printed, not asserted: the bounds are loop limits.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.proof.wire import open_websocket
from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess

SLOW_BODIES = 150
DRIBBLE_EVERY = 2.0
GIVE_UP_AFTER = 40.0  # well past the body deadline; before the fix every connection was still open here


def security_config(path: Path, extra_security: str) -> Path:
    text = test_config_text().replace(
        "issue_rate_per_minute = 10000\n", f"issue_rate_per_minute = 10000\n{extra_security}\n", 1
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def capped_server(tmp_path: Path):
    config = security_config(tmp_path / "capped.toml", "max_connections = 30\nmax_websockets_per_address = 3")
    process = ServerProcess(config, tmp_path / "data").start()
    yield process
    process.stop()


@pytest.fixture
def proxied_server(tmp_path: Path):
    config = security_config(
        tmp_path / "proxied.toml", 'max_websockets_per_address = 3\ntrusted_proxies = ["127.0.0.1"]'
    )
    process = ServerProcess(config, tmp_path / "data").start()
    yield process
    process.stop()


def closed_by_server(sock: socket.socket) -> bool:
    """True when the server has closed its side (EOF or reset); never blocks."""
    sock.setblocking(False)
    try:
        return sock.recv(4096) == b""
    except (BlockingIOError, TimeoutError):  # nothing to read yet
        return False
    except ConnectionError:
        return True


def slow_body_open(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    return sock


def test_slow_bodies_are_closed_by_the_server(server) -> None:
    sockets = [slow_body_open(server.port) for _ in range(SLOW_BODIES)]
    open_sockets = list(sockets)
    started = time.monotonic()
    open_after_20s: int | None = None
    all_closed_after: float | None = None
    try:
        while time.monotonic() - started < GIVE_UP_AFTER:  # bounded: gives up after GIVE_UP_AFTER
            open_sockets = [s for s in open_sockets if not closed_by_server(s)]
            elapsed = time.monotonic() - started
            if open_after_20s is None and elapsed >= 20:
                open_after_20s = len(open_sockets)
            if not open_sockets:
                all_closed_after = elapsed
                break
            for sock in open_sockets:
                try:
                    sock.send(b" ")
                except OSError:
                    pass
            assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200  # others are served
            time.sleep(DRIBBLE_EVERY)
    finally:
        for sock in sockets:
            sock.close()
    print(
        f"\nslow bodies: {SLOW_BODIES} connections dribbling a byte every {DRIBBLE_EVERY:.0f} s; "
        f"open after 20 s: {open_after_20s if open_after_20s is not None else 0}; "
        f"all closed by the server after: {all_closed_after if all_closed_after is None else round(all_closed_after, 1)} s"
    )
    assert all_closed_after is not None, f"{len(open_sockets)} slow-body connections still open"


def test_connections_beyond_the_cap_are_refused_and_service_comes_back(capped_server) -> None:
    port = capped_server.port
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(40)]
    try:
        deadline = time.monotonic() + 5
        refused: set[int] = set()
        while len(refused) < 10 and time.monotonic() < deadline:  # bounded: five seconds
            for i, sock in enumerate(held):
                if i not in refused and closed_or_refused(sock):
                    refused.add(i)
            time.sleep(0.05)
        assert healthz_while_full(capped_server) == 503
        with pytest.raises(ConnectionError, match="503"):
            open_websocket(port, "/ws/screen/tv1")
    finally:
        for sock in held:
            sock.close()
    print(f"\nconnection cap 30: {len(refused)} of 40 held connections refused with 503 at once")
    assert len(refused) == 10
    deadline = time.monotonic() + 5
    status = 0
    while status != 200 and time.monotonic() < deadline:  # bounded: the closed ones are released
        try:
            status = httpx.get(f"{capped_server.url}/healthz", timeout=5).status_code
        except httpx.HTTPError:
            status = 0
        time.sleep(0.05)
    assert status == 200
    open_websocket(port, "/ws/screen/tv1").close()


def closed_or_refused(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        data = sock.recv(4096)
    except (BlockingIOError, TimeoutError):  # nothing to read yet
        return False
    except ConnectionError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 503")


def healthz_while_full(server: ServerProcess) -> int:
    """The status of a plain request while the server is full (closed before reading counts as 503)."""
    try:
        return httpx.get(f"{server.url}/healthz", timeout=5).status_code
    except httpx.TransportError:
        return 503


def test_websockets_per_address_are_capped(capped_server) -> None:
    port = capped_server.port
    sockets = [open_websocket(port, "/ws/screen/tv1") for _ in range(3)]
    try:
        with pytest.raises(ConnectionError, match="503"):
            open_websocket(port, "/ws/screen/tv1")
        sockets.pop().close()
        deadline = time.monotonic() + 5
        reopened = None
        while reopened is None and time.monotonic() < deadline:  # bounded: the closed one is released
            try:
                reopened = open_websocket(port, "/ws/screen/tv1")
            except ConnectionError:
                time.sleep(0.05)
        assert reopened is not None
        sockets.append(reopened)
    finally:
        for sock in sockets:
            sock.close()


def test_a_trusted_proxy_is_not_capped_per_address(proxied_server) -> None:
    sockets = [open_websocket(proxied_server.port, "/ws/screen/tv1") for _ in range(6)]
    for sock in sockets:
        sock.close()
    assert len(sockets) == 6
