"""Two halls served by one deployment (`antrian serve --config-dir`): MPP Kota and MPP Desa.

Both are the shared test hall with their own site name; MPP Desa has its own tokens, so a
token of one hall is never valid at the other by accident of the test data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.hall_config import test_config_text
from tests.support.server import ServerProcess
from tests.support.staff import ROSTER

KOTA, DESA = "mpp-kota", "mpp-desa"
ADMIN_TOKENS = {KOTA: "admin-secret-token", DESA: "admin-desa-token"}
# The Kartu Keluarga service takes bookings, so the booking pages render too.
BOOKABLE = 'prefix = "B"\nbooking = { days_ahead = 3, sessions = [{ start = 00:00:00, end = 23:59:00, quota = 50 }] }\n'


def hall_text(hall_id: str) -> str:
    text = test_config_text(counters=4, extra=ROSTER).replace('prefix = "B"\n', BOOKABLE, 1)
    if hall_id == KOTA:
        return text.replace('name = "MPP Uji"', 'name = "MPP Kota"', 1)
    text = text.replace('name = "MPP Uji"', 'name = "MPP Desa"', 1)
    text = text.replace('token = "token-', 'token = "desa-token-')
    return text.replace(ADMIN_TOKENS[KOTA], ADMIN_TOKENS[DESA])


def counter_token(hall_id: str, counter: str) -> str:
    return f"token-{counter}" if hall_id == KOTA else f"desa-token-{counter}"


@dataclass(frozen=True)
class HallAddress:
    """One hall of a running deployment, shaped like a ServerProcess for the clients
    (`url`, `ws_url`): every address under the hall's base."""

    server: ServerProcess
    id: str

    @property
    def base(self) -> str:
        return f"/h/{self.id}"

    @property
    def url(self) -> str:
        return self.server.url + self.base

    @property
    def ws_url(self) -> str:
        return self.server.ws_url + self.base

    @property
    def config_path(self) -> Path:
        assert self.server.config_dir is not None
        return self.server.config_dir / f"{self.id}.toml"

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir / self.id


@pytest.fixture
def halls_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "halls"
    folder.mkdir()
    for hall_id in (KOTA, DESA):
        (folder / f"{hall_id}.toml").write_text(hall_text(hall_id), encoding="utf-8")
    return folder


@pytest.fixture
def deployment(tmp_path: Path, halls_dir: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(None, tmp_path / "data", config_dir=halls_dir).start()
    yield process
    process.stop()


@pytest.fixture
def kota(deployment: ServerProcess) -> HallAddress:
    return HallAddress(deployment, KOTA)


@pytest.fixture
def desa(deployment: ServerProcess) -> HallAddress:
    return HallAddress(deployment, DESA)
