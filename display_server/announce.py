"""What the hall needs from the voice: the sentence, and a key for its WAV.

The real implementation is `audio.Announcer` (speech, chime, cache). `TextAnnouncer` is
the fallback when audio cannot start: screens still show the call and the sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from .config import Config


class Announcer(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def update_config(self, config: Config) -> None: ...
    def prewarm(self, numbers: Mapping[str, int | str]) -> None:
        """Synthesise ahead, when idle, the calls likely next: service id -> next number."""
    def sentence(self, number: str, counter_id: str, *, service_id: str | None = None, recall: bool = False) -> str: ...
    def request(self, text: str) -> str:
        """Schedule the WAV for `text` without waiting; return its key ('' when there is no audio)."""
    async def wav(self, key: str, timeout: float = 10.0) -> Path | None: ...


class TextAnnouncer:
    def __init__(self, config: Config):
        self.config = config

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def update_config(self, config: Config) -> None:
        self.config = config

    def prewarm(self, numbers: Mapping[str, int | str]) -> None:
        pass

    def sentence(self, number: str, counter_id: str, *, service_id: str | None = None, recall: bool = False) -> str:
        counter = self.config.counter(counter_id)
        destination = counter.name if counter else counter_id
        lead = "Panggilan ulang, nomor antrean" if recall else "Nomor antrean"
        return f"{lead} {number}, silakan menuju {destination}."

    def request(self, text: str) -> str:
        return ""

    async def wav(self, key: str, timeout: float = 10.0) -> Path | None:
        return None
