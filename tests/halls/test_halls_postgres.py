"""Many halls on one PostgreSQL database: each hall in its own schema (`hall_{id}`), numbering
and tickets its own, exactly as with one SQLite file per hall."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.halls.conftest import DESA, KOTA, HallAddress
from tests.screens.helpers import run_async
from tests.support.clients import issue
from tests.support.server import ServerProcess

pytestmark = pytest.mark.postgres


@pytest.fixture
def deployment(tmp_path: Path, halls_dir: Path, postgres_dsn: str) -> Iterator[ServerProcess]:
    process = ServerProcess(None, tmp_path / "data", config_dir=halls_dir, database=postgres_dsn).start()
    yield process
    process.stop()


def test_each_hall_has_its_own_schema_and_numbering(deployment: ServerProcess, postgres_dsn: str):
    kota, desa = HallAddress(deployment, KOTA), HallAddress(deployment, DESA)
    numbers = [run_async(issue(hall.url, "ktp"))["number"] for hall in (kota, kota, desa)]
    assert numbers == ["A-001", "A-002", "A-001"]
    with psycopg.connect(postgres_dsn) as connection:
        schemas = {row[0] for row in connection.execute("SELECT schema_name FROM information_schema.schemata")}
        assert {"hall_mpp_kota", "hall_mpp_desa"} <= schemas
        for schema, issued in (("hall_mpp_kota", 2), ("hall_mpp_desa", 1)):
            count = connection.execute(f"SELECT count(*) FROM {schema}.tickets").fetchone()
            assert count is not None and count[0] == issued, schema
    assert not (deployment.data_dir / KOTA / "antrian.sqlite3").exists()
