"""A folder of halls: `antrian serve --config-dir DIR`, one config file per hall.

    halls = load_config_folder(Path("/etc/antrian/halls"))   # [HallFile("mpp-kota", ...), ...]

Every `DIR/*.toml` is one hall, and the file's name (without `.toml`) is the hall's id, which
its addresses carry: `/h/{id}/screen/tv1`. Every file is read and validated before any hall is
served; `ConfigFolderError.problems` lists what is wrong with all of them, one line each, in
the same `file: field.path: what is wrong` form as a single config file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import ConfigError, load_config
from .model import Config

HALL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
HALL_ID_RULE = "1 to 31 lowercase letters, digits or '-', starting with a letter or digit"


@dataclass(frozen=True)
class HallFile:
    """One hall of a deployment: its id (the file's name), its file and its config."""

    id: str
    path: Path
    config: Config


class ConfigFolderError(ConfigError):
    """Every problem of every hall file in a folder, each line already naming its file."""

    def __init__(self, source: str, problems: list[str]):
        Exception.__init__(self, "\n".join(problems))
        self.source = source
        self.problems = problems


def hall_id_problem(path: Path) -> str | None:
    """Why PATH's name cannot be a hall's id, or None when it can."""
    if HALL_ID.match(path.stem):
        return None
    return f"{path}: the file's name is the hall's id in its addresses (/h/<id>/): {path.stem!r} must be {HALL_ID_RULE}"


def load_config_folder(folder: Path) -> list[HallFile]:
    """Every hall in FOLDER, by id; raises ConfigFolderError listing every problem of every file."""
    if not folder.is_dir():
        raise ConfigFolderError(str(folder), [f"{folder}: not a folder"])
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise ConfigFolderError(str(folder), [f"{folder}: no hall config files (*.toml) in this folder"])
    halls: list[HallFile] = []
    problems: list[str] = []
    for path in paths:
        if problem := hall_id_problem(path):
            problems.append(problem)
        try:
            config = load_config(path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        halls.append(HallFile(path.stem, path, config))
    if problems:
        raise ConfigFolderError(str(folder), problems)
    return halls
