"""`antrian serve` as the IT person meets it: refusals and warnings before anything listens."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import websockets

from tests.support.server import free_port


def serve(*args: str, seconds: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "display_server", "serve", *args], capture_output=True, text=True, timeout=seconds
    )


def serve_until_listening(*args: str, seconds: float = 20) -> tuple[str, str]:
    """Start the server, wait until uvicorn listens, stop it; return (stdout, stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "display_server", "serve", "--port", str(free_port()), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if "Uvicorn running" in line or not line:
                break
    finally:
        process.terminate()
        stdout, rest = process.communicate(timeout=10)
    return stdout, "".join(lines) + rest


def test_the_server_refuses_to_start_on_an_invalid_config(tmp_path):
    config = tmp_path / "antrian.toml"
    config.write_text('[site]\nname = "Hall"\n')
    result = serve("--config", str(config), "--data", str(tmp_path / "data"), "--port", str(free_port()))
    assert result.returncode == 2
    assert f"{config}: security: required field is missing" in result.stderr
    assert not (tmp_path / "data").exists()


def test_demo_tokens_on_the_network_are_a_loud_warning(tmp_path):
    stdout, stderr = serve_until_listening("--host", "0.0.0.0", "--data", str(tmp_path / "data"))
    assert "WARNING: this config uses demo tokens" in stderr
    assert "Screen:   http://127.0.0.1:" in stdout
    assert "/counter/loket-1" in stdout


def test_no_warning_on_loopback(tmp_path):
    stdout, stderr = serve_until_listening("--data", str(tmp_path / "data"))
    assert "Uvicorn running" in stderr
    assert "demo tokens" not in stderr


async def test_screens_are_not_offered_compression(server):
    """A browser asks for permessage-deflate; on a LAN it would cost a zlib context per TV
    and a compression per TV per call (docs/performance.md), so the server declines it."""
    async with websockets.connect(f"{server.ws_url}/ws/screen/tv1") as socket:
        assert "permessage-deflate" in socket.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in socket.response.headers
        assert (await socket.recv()).startswith('{"seq"')
