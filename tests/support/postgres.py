"""A real PostgreSQL for tests: Debian's binaries, a throwaway cluster in a temporary folder.

PostgreSQL refuses to run as root. When the tests run as root (as in CI containers), initdb and
the server run as the `postgres` system user, in a folder of their own under the system's temp
folder (pytest's temp folders are private to root).

The server is a direct child of the test process, not daemonised by `pg_ctl`: a container's
PID 1 may never reap orphans, and a killed postmaster left as a zombie keeps its PID "alive", so
PostgreSQL would refuse to start on that data folder again.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql

from tests.support.system import require_or_skip

from .server import free_port

SUPERUSER = "antrian"
SYSTEM_USER = "postgres"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "600",
    "shared_buffers": "64MB",
    "fsync": "on",  # the durability proofs kill the server and count on what it acknowledged
    "synchronous_commit": "on",
    "lc_messages": "'C'",
}


def find_postgres_bin() -> Path | None:
    """The bin folder of the highest PostgreSQL version installed from Debian's packages."""
    versions = []
    for pg_ctl in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"):
        version = pg_ctl.parent.parent.name
        if re.fullmatch(r"\d+(\.\d+)?", version):
            versions.append((tuple(int(part) for part in version.split(".")), pg_ctl.parent))
    return max(versions)[1] if versions else None


def require_postgres() -> Path:
    """The PostgreSQL bin folder; the test is skipped without one (a failure under CI=true)."""
    bin_dir = find_postgres_bin()
    require_or_skip(bin_dir is not None, "PostgreSQL is not installed (run scripts/install-system-deps)")
    assert bin_dir is not None
    return bin_dir


def _as_server_user() -> dict[str, Any]:
    """subprocess arguments that drop root to the postgres system user (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    return {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}


class PostgresServer:
    """One PostgreSQL cluster on a free loopback port; `close()` stops it and deletes its files."""

    def __init__(self, bin_dir: Path, port: int | None = None):
        self.bin_dir = bin_dir
        self.port = port or free_port()
        self.base_dir = Path(tempfile.mkdtemp(prefix="antrian-postgres-"))
        if os.geteuid() == 0:
            shutil.chown(self.base_dir, SYSTEM_USER, SYSTEM_USER)
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "postgres.log"
        self.process: subprocess.Popen | None = None
        atexit.register(self.close)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60.0) -> PostgresServer:
        """Starts the server (a first start creates the cluster); nothing to do when it runs."""
        if self.running:
            return self
        if not self.data_dir.exists():
            self._initdb()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.bin_dir / "postgres", "-D", self.data_dir],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal reaches pytest, not the server
            cwd=self.base_dir,
            **_as_server_user(),
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited with {self.process.returncode}: {self.log()}")
            if self._accepts_connections():
                return self
            time.sleep(0.02)
        raise RuntimeError(f"PostgreSQL did not start within {timeout}s: {self.log()}")

    def stop(self, timeout: float = 30.0) -> None:
        """A fast shutdown (as `pg_ctl stop -m fast`): clients are disconnected, data is kept."""
        if self.process is None or not self.running:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def restart(self) -> PostgresServer:
        self.stop()
        return self.start()

    def kill(self) -> None:
        """SIGKILL to the postmaster and every backend at once, as in a crash; `start()` recovers."""
        if self.process is None or not self.running:
            return
        processes = [psutil.Process(self.process.pid)]
        processes += processes[0].children(recursive=True)
        for process in processes:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        self.process.wait(10)
        # The backends are not our children: where PID 1 never reaps them they stay zombies, which
        # are dead enough (they hold no shared memory), so wait for "gone or zombie".
        deadline = time.monotonic() + 10
        while any(_alive(process) for process in processes) and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)
        atexit.unregister(self.close)

    def create_database(self, name: str | None = None) -> str:
        """A fresh, empty database; returns its DSN."""
        name = name or f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drops it even while clients are still connected to it."""
        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _initdb(self) -> None:
        subprocess.run(
            [
                self.bin_dir / "initdb",
                "--pgdata",
                self.data_dir,
                "--username",
                SUPERUSER,
                "--auth",
                "trust",  # initdb's pg_hba.conf: the local socket and loopback only
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",  # the cluster's own files; the server itself still fsyncs every commit
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            cwd=self.base_dir,
            **_as_server_user(),
        )
        settings = {**SETTINGS, "port": str(self.port), "unix_socket_directories": f"'{self.base_dir}'"}
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# tests/support/postgres.py\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def _accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.dsn(), connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
