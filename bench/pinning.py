"""The server on one CPU, the bench's clients on another (issue 19's way of measuring).

A hall's TVs and counters are machines of their own; on a bench machine they are processes
beside the server. Pinned apart, the clients' own CPU does not count as the server's latency,
and the server's speech worker shares the server's CPU, as it does on a hall's mini PC.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from tests.support.server import ServerProcess

SERVER_CPU, CLIENT_CPU = 0, 1


def can_pin() -> bool:
    return hasattr(os, "sched_setaffinity") and {SERVER_CPU, CLIENT_CPU} <= os.sched_getaffinity(0)


def pin_clients() -> None:
    """This process, and every process it starts from now on, runs on CLIENT_CPU."""
    os.sched_setaffinity(0, {CLIENT_CPU})


def start_pinned(config: Path, data: Path) -> ServerProcess:
    """Start the server on SERVER_CPU (its children inherit the mask), then pin us to CLIENT_CPU."""
    os.sched_setaffinity(0, {SERVER_CPU})
    try:
        return ServerProcess(config, data).start()
    finally:
        pin_clients()


def affinities(server: ServerProcess) -> dict[str, list[int]]:
    """The CPUs the server and each of its children may run on, to print beside the figures."""
    process = psutil.Process(server.process.pid)
    found = {"server": sorted(process.cpu_affinity())}
    for child in process.children(recursive=True):
        found[" ".join(child.cmdline()[-4:])] = sorted(child.cpu_affinity())
    return found
