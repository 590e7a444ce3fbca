"""What the tests need from the machine beyond pip (scripts/install-system-deps installs it)."""

from __future__ import annotations

import os

import pytest


def require_or_skip(condition: bool, message: str) -> None:
    """Skip when a system tool is missing; under CI=true that is a failure instead."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
