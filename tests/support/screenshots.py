"""Where browser tests save their screenshots.

`ANTRIAN_SCREENSHOTS=1 make test` refreshes the pictures in docs/screenshots (shown in the
README); an ordinary run writes to a temporary folder, so running the tests never changes
the working tree.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_folder() -> Path:
    if os.environ.get("ANTRIAN_SCREENSHOTS") == "1":
        folder = DOCS
    else:
        folder = Path(tempfile.gettempdir()) / "antrian-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
