"""The test hall's roster and its PINs and passwords, set as an admin does: `antrian staff set-pin`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROSTER = """
[[staff]]
id = "kepala"
name = "Kepala Aula"
role = "admin"

[[staff]]
id = "sari"
name = "Sari Dukcapil"
role = "supervisor"
agencies = ["dukcapil"]

[[staff]]
id = "bayu"
name = "Bayu BPJS"
role = "supervisor"
agencies = ["bpjs-kes"]

[[staff]]
id = "budi"
name = "Budi Santoso"
role = "officer"
agencies = ["dukcapil"]

[[staff]]
id = "ani"
name = "Ani Lestari"
role = "officer"
agencies = ["dukcapil"]

[[staff]]
id = "wati"
name = "Wati BPJS"
role = "officer"
agencies = ["bpjs-kes"]
"""

# Officers have PINs (4-12 digits); admins and supervisors passwords (8+ characters).
SECRETS = {
    "kepala": "kata-sandi-kepala",
    "sari": "kata-sandi-sari",
    "bayu": "kata-sandi-bayu",
    "budi": "482913",
    "ani": "271828",
    "wati": "735102",
}
PINS = SECRETS


def set_pin(config_path: Path, data_dir: Path, staff_id: str, secret: str, database: str | None = None) -> None:
    """`antrian staff set-pin ID` with the secret on stdin, before the server starts."""
    subprocess.run(
        [sys.executable, "-m", "display_server", "staff", "set-pin", staff_id]
        + ["--config", str(config_path), "--data", str(data_dir)]
        + (["--database", database] if database else []),
        input=secret + "\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )


def set_pins(config_path: Path, data_dir: Path, pins: dict[str, str] = SECRETS, database: str | None = None) -> None:
    for staff_id, secret in pins.items():
        set_pin(config_path, data_dir, staff_id, secret, database)
