"""What screens report about themselves, so a silent or dark TV does not go unnoticed.

Health is kept per connection: each connection reports for itself, its report leaves with
it, and a screen is as healthy as its healthiest live connection. A connection that did not
present the screen's `key` (when the config sets one) is counted and shown, never trusted:
its reports cannot make a silent TV look online with sound.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

AUDIO_STATES = ("ok", "blocked", "off")  # best first; anything else is "unknown"


def _audio_rank(audio: str) -> int:
    return AUDIO_STATES.index(audio) if audio in AUDIO_STATES else len(AUDIO_STATES)


@dataclass
class ScreenLink:
    """One live connection of a screen, and what it said about itself."""

    screen_id: str
    trusted: bool
    last_seen: float
    serial: int
    audio: str = "unknown"  # ok | blocked | off | unknown
    user_agent: str = ""


@dataclass
class _Screen:
    links: dict[int, ScreenLink] = field(default_factory=dict)
    last_seen: float | None = None  # the last trusted sign of life, kept after its connection left


class ScreenHealth:
    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._screens: dict[str, _Screen] = {}
        self._serials = itertools.count(1)

    def connected(self, screen_id: str, *, trusted: bool = True) -> ScreenLink:
        link = ScreenLink(screen_id, trusted, self.clock(), next(self._serials))
        self._screens.setdefault(screen_id, _Screen()).links[link.serial] = link
        self._touch(link)
        return link

    def disconnected(self, link: ScreenLink) -> None:
        self._touch(link)
        screen = self._screens.get(link.screen_id)
        if screen is not None:
            screen.links.pop(link.serial, None)

    def seen(self, link: ScreenLink) -> None:
        self._touch(link)

    def report(self, link: ScreenLink, message: dict) -> None:
        """A connection's own status; ignored (beyond being seen) when the connection is not trusted."""
        self._touch(link)
        if not link.trusted:
            return
        audio = message.get("audio")
        if audio in AUDIO_STATES:
            link.audio = audio
        agent = message.get("user_agent")
        if isinstance(agent, str):
            link.user_agent = agent[:200]

    def _touch(self, link: ScreenLink) -> None:
        link.last_seen = self.clock()
        if link.trusted:
            self._screens.setdefault(link.screen_id, _Screen()).last_seen = link.last_seen

    def view(self, screen_ids: Iterable[str]) -> list[dict]:
        rows = []
        for screen_id in screen_ids:
            screen = self._screens.get(screen_id, _Screen())
            live = list(screen.links.values())
            trusted = [link for link in live if link.trusted]
            best = min(trusted, key=lambda link: (_audio_rank(link.audio), -link.last_seen), default=None)
            rows.append(
                {
                    "id": screen_id,
                    "online": best is not None,
                    "connections": len(live),
                    "unverified": len(live) - len(trusted),
                    "audio": best.audio if best else "unknown",
                    "last_seen": screen.last_seen,
                    "user_agent": best.user_agent if best else "",
                }
            )
        return rows
