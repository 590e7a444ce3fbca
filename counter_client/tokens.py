"""Files in the user's config folder: saved counter tokens (only when asked) and pending commands."""

from __future__ import annotations

import json
import os
from pathlib import Path


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "antrian" / "counter.json"


def outbox_path(counter: str) -> Path:
    """Where the desktop window keeps commands still awaiting their ack, across restarts."""
    return config_path().parent / f"outbox-{counter}.json"


def _key(server: str, counter: str) -> str:
    return f"{server.rstrip('/')}|{counter}"


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def stored_token(server: str, counter: str, path: Path | None = None) -> str | None:
    token = _load(path or config_path()).get("tokens", {}).get(_key(server, counter))
    return token if isinstance(token, str) and token else None


def store_token(server: str, counter: str, token: str | None, path: Path | None = None) -> Path:
    """Save (or with None, forget) a token; the file is readable by its owner only."""
    path = path or config_path()
    data = _load(path)
    tokens = data.setdefault("tokens", {})
    if token:
        tokens[_key(server, counter)] = token
    else:
        tokens.pop(_key(server, counter), None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=2)
    return path
