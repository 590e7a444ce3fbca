"""The screen tests' hall: the shared test hall plus a media screen with a local playlist."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screens.helpers import write_screen_hall


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_screen_hall(tmp_path)
