"""A hall config for the audio tests: the demo hall plus a few unusual names."""

from __future__ import annotations

import tomllib
from typing import Any

from antrian_voice.text import sentence
from display_server.announce import spoken_call
from display_server.config import demo_config_text
from display_server.config.model import Config

# Extra hall furniture the demo lacks: a three-letter prefix, names with letters and
# brackets, a service with its own spoken name.
_EXTRA: dict[str, list[dict[str, Any]]] = {
    "services": [
        {"id": "pid", "name": "Pelayanan Informasi dan Dokumentasi", "agency": "dukcapil", "prefix": "PID"},
        {"id": "sim", "name": "Perpanjangan SIM", "agency": "polres", "prefix": "S", "spoken_name": "perpanjangan sim"},
    ],
    "counters": [
        {"id": "meja-3a", "name": "Meja 3A", "services": ["pid"], "zone": "lantai1", "token": "demo-meja-3a"},
        {"id": "loket-cs", "name": "Loket CS", "services": ["cs"], "zone": "lantai2", "token": "demo-loket-cs"},
        {"id": "loket-b2", "name": "Loket B2", "services": ["kk"], "zone": "lantai1", "token": "demo-loket-b2"},
        {"id": "ruang-2", "name": "Ruang Konsultasi (Lantai 2)", "services": ["npwp"], "zone": "lantai2", "token": "demo-ruang-2"},
        {"id": "sim-1", "name": "Loket SIM 1", "services": ["sim"], "zone": "lantai1", "token": "demo-sim-1"},
        {"id": "loket-100", "name": "Loket 100", "services": ["akta"], "zone": "lantai1", "token": "demo-loket-100"},
    ],
}  # fmt: skip


def make_config(**voice: Any) -> Config:
    """The demo hall plus `_EXTRA`, with VOICE settings overridden, validated like a real file."""
    data = tomllib.loads(demo_config_text())
    for section, items in _EXTRA.items():
        data[section] = data[section] + items
    data["voice"] = {**data.get("voice", {}), **voice}
    return Config.model_validate(data)


def say(config: Config, number: str, counter_id: str, *, service_id: str | None = None, recall: bool = False) -> str:
    """The sentence the hall speaks: the server builds the call from its config, the voice words it."""
    call = spoken_call(config, number, counter_id, service_id=service_id, recall=recall)
    return sentence(call, config.voice)
