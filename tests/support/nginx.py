"""nginx as the load balancer in front of Antrian nodes: Debian's binary, a generated config.

Round robin over the upstreams; a node that refuses a connection is passed over for 2 s and the
request goes to the next one, so a killed node's clients land on a live node. WebSockets are
proxied with HTTP/1.1 Upgrade and may stay open for an hour.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil

from tests.support.system import require_or_skip

from .server import free_port

NGINX_PATHS = ("/usr/sbin/nginx",)


def find_nginx() -> Path | None:
    found = shutil.which("nginx") or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)
    return Path(found) if found else None


def require_nginx() -> Path:
    """The nginx binary; the test is skipped without one (a failure under CI=true)."""
    binary = find_nginx()
    require_or_skip(binary is not None, "nginx is not installed (run scripts/install-system-deps)")
    assert binary is not None
    return binary


DOCUMENTED_CONFIG = Path(__file__).resolve().parents[2] / "docs" / "nginx-antrian.conf"


def nginx_config(port: int, upstream_ports: list[int], folder: Path) -> str:
    """The README's nginx config (docs/nginx-antrian.conf) with these nodes and this port, in a
    whole nginx.conf of its own: the tests run the configuration halls are told to use."""
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n" for p in upstream_ports)
    documented = DOCUMENTED_CONFIG.read_text(encoding="utf-8")
    documented = re.sub(r"upstream antrian \{.*?\n\}", f"upstream antrian {{\n{servers}}}", documented, flags=re.S)
    documented = documented.replace("    listen 80;\n", f"    listen 127.0.0.1:{port};\n", 1)
    # As root, workers would otherwise switch to "nobody", who cannot enter pytest's temp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes auto;
worker_rlimit_nofile 20000;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{
    worker_connections 8192;
}}
http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{documented}
}}
"""


class Nginx:
    """One nginx on a free loopback port in front of the given upstream ports."""

    def __init__(self, upstream_ports: list[int], tmp_dir: Path, binary: Path | None = None):
        found = binary or find_nginx()
        if found is None:
            raise RuntimeError("nginx is not installed (run scripts/install-system-deps)")
        self.binary = found
        self.upstream_ports = list(upstream_ports)
        self.folder = tmp_dir
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_path = self.folder / "nginx.conf"
        self.log_path = self.folder / "error.log"
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> Nginx:
        self._write_config()
        output = open(self.folder / "output.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, "-p", self.folder, "-c", self.config_path, "-e", self.log_path],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() can reach the workers too
        )
        output.close()
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"nginx did not start within {timeout}s: {self.log()}")

    def set_upstreams(self, upstream_ports: list[int], timeout: float = 15.0) -> None:
        """Reload with other upstreams. Returns once new workers run the new config and no old
        worker accepts connections; connections open at the time stay on the old upstreams until
        they close."""
        assert self.process is not None and self.process.poll() is None, "nginx is not running"
        self.upstream_ports = list(upstream_ports)
        self._write_config()
        master = psutil.Process(self.process.pid)
        old_workers = master.children()
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited on reload: {self.log()}")
            started = {child.pid for child in master.children()} - {worker.pid for worker in old_workers}
            if started and not any(self._listens(worker) for worker in old_workers):
                return
            time.sleep(0.02)
        raise RuntimeError(f"nginx did not reload within {timeout}s: {self.log()}")

    def stop(self) -> None:
        """A fast shutdown: open connections, WebSockets too, are closed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        atexit.unregister(self.stop)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _listens(self, worker: psutil.Process) -> bool:
        try:
            return any(
                c.status == psutil.CONN_LISTEN and c.laddr.port == self.port for c in worker.net_connections("tcp")
            )
        except psutil.NoSuchProcess:
            return False

    def _write_config(self) -> None:
        self.config_path.write_text(nginx_config(self.port, self.upstream_ports, self.folder), encoding="utf-8")
