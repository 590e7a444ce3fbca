"""Fixtures for the proofs: a real server on the test hall, shared per module for speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory):
    """One real server for a whole module (fuzzing thousands of messages needs no fresh one)."""
    root: Path = tmp_path_factory.mktemp("proof")
    config = root / "antrian.toml"
    config.write_text(test_config_text(counters=4), encoding="utf-8")
    process = ServerProcess(config, root / "data").start()
    yield process
    process.stop()
