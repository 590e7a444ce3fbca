"""Spoken announcements: the Indonesian sentence for a call, and its WAV (chime + speech).

What the server uses:

- `SpokenCall`: one call as the voice reads it (the server builds it from its config);
- `Voice`: the `[voice]` settings (a pydantic model the server's config embeds);
- `sentence(call, voice)`: the exact words, pure;
- `Announcer`: one hall's sentence, the WAV's key, the WAV itself;
- `Speech`: the engine that makes the WAVs (speech worker, chime, cache), one per announcer or
  one shared by every hall of a server process.

The voice imports nothing of the server but its wire contract (`display_server.contract`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .announcer import Announcer
    from .call import SpokenCall
    from .settings import Voice
    from .speech import Speech
    from .text import sentence

__all__ = ["Announcer", "Speech", "SpokenCall", "Voice", "sentence"]

# Imported on first use, so the worker process (`python -m antrian_voice.worker`) does not load
# pydantic or the announcer just to speak.
_EXPORTS = {
    "Announcer": ".announcer",
    "Speech": ".speech",
    "SpokenCall": ".call",
    "Voice": ".settings",
    "sentence": ".text",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
