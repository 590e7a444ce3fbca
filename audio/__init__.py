"""Spoken announcements: the Indonesian sentence for a call, and its WAV (chime + speech).

`audio.Announcer` is what the server uses; `audio.text.sentence` builds the words alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .announcer import Announcer

__all__ = ["Announcer"]


def __getattr__(name: str) -> Any:
    # Imported lazily so the worker process (`python -m antrian_voice.worker`) does not load the
    # config model and pydantic just to speak.
    if name == "Announcer":
        from .announcer import Announcer

        return Announcer
    raise AttributeError(f"module 'audio' has no attribute {name!r}")
