"""Log lines without secrets: tokens in query strings and in the paths that carry them.

uvicorn logs each request's path with its query (`uvicorn.access`) and each WebSocket
handshake's (`uvicorn.error`). A ticket's status token (`/t/{token}`, `/ws/ticket/{token}`)
is the visitor's only credential, and `?token=` / `?key=` are a counter's, the admin's or a
TV's; none of them may sit in a log file that support staff copy around.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

MASK = "***"
SECRET_QUERY_NAMES = frozenset({"token", "key"})
# A hall of a deployment of many prefixes its addresses with its base, /h/{hall}.
_SECRET_SEGMENT = re.compile(r"^((?:/h/[^/?#]+)?(?:/t/|/ws/ticket/))[^/?#]+")
_LOGGERS = ("uvicorn.access", "uvicorn.error")


def mask_path(path: str) -> str:
    """PATH (with its query) with every secret replaced by ***."""
    path, mark, query = path.partition("?")
    path = _SECRET_SEGMENT.sub(lambda m: m.group(1) + MASK, path)
    if not mark:
        return path
    pairs = []
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        secret = equals and unquote(name).strip().lower() in SECRET_QUERY_NAMES
        pairs.append(f"{name}={MASK}" if secret else pair)
    return f"{path}?{'&'.join(pairs)}"


class MaskSecrets(logging.Filter):
    """Rewrites the path arguments of uvicorn's request and handshake lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        return True


def _masked(value: object) -> object:
    return mask_path(value) if isinstance(value, str) and value.startswith("/") else value


def install() -> None:
    """Mask secrets in uvicorn's log lines (a logger's filters survive uvicorn's logging set-up)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskSecrets) for f in logger.filters):
            logger.addFilter(MaskSecrets())
