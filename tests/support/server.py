"""A real Antrian server in its own process, on a free loopback port.

Tests kill it (SIGKILL) and start it again on the same data folder to prove durability.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(
        self,
        config_path: Path | None,
        data_dir: Path,
        port: int | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
        database: str | None = None,
        config_dir: Path | None = None,
        env: dict[str, str] | None = None,
    ):
        self.env = env or {}  # added to the test run's environment
        self.config_dir = config_dir  # a folder of halls (serve --config-dir) instead of CONFIG_PATH
        self.database = database  # a postgresql:// URL; None: SQLite in DATA_DIR
        self.cwd = cwd  # the folder the server is started from (default: the test run's)
        self.config_path = config_path
        self.data_dir = data_dir
        self.port = port or free_port()
        self.log_path = log_path or data_dir.parent / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerProcess:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "display_server",
                "serve",
                *(["--config", str(self.config_path)] if self.config_path else []),
                *(["--config-dir", str(self.config_dir)] if self.config_dir else []),
                "--port",
                str(self.port),
                "--data",
                str(self.data_dir),
                *(["--database", self.database] if self.database else []),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            cwd=self.cwd,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"server did not start within {timeout}s: {self.log()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or power cut of the process."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> ServerProcess:
        self.stop()
        return self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""
