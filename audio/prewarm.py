"""The prewarm plan: calls the server expects next, put into words only when the voice is idle.

The server hands over a callable, not a list: nothing about the plan is computed on the call
path. The supervisor thread calls it on first use and draws one call at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from . import languages, text
from .cache import Settings, cache_key
from .call import SpokenCall
from .languages import Part

if TYPE_CHECKING:
    from .settings import Voice

log = logging.getLogger("antrian.audio")

# The calls likely next, most likely first. It runs in the voice's thread, so it must read
# only what the server will not change under it (an immutable config, a copied dict), and end.
Upcoming = Callable[[], Iterable[SpokenCall]]
# A call's sentence, its WAV's key, and every language said for it.
Candidate = tuple[str, str, tuple[Part, ...]]
# The candidates already put into words in one voice, by call: a hall re-plans on every call
# and its next plans hold mostly the same calls, so each is put into words once, not per plan.
Known = dict[SpokenCall, Candidate]
KNOWN_LIMIT = 4096


class Plan:
    def __init__(self, upcoming: Upcoming, voice: Voice, settings: Settings | None = None, known: Known | None = None):
        """SETTINGS: the voice's, already made (making them reads the voice pack's files).
        KNOWN: candidates of earlier plans in the same voice and settings, kept and added to."""
        self.voice = voice
        self.settings = settings if settings is not None else Settings.of(voice)
        self.known: Known = known if known is not None else {}
        self._upcoming = upcoming
        self._calls: Iterator[SpokenCall] | None = None
        self._held: Candidate | None = None

    def next(self) -> Candidate | None:
        """(text, key, parts) of the next candidate, or None when the plan is done."""
        if self._held is not None:
            held, self._held = self._held, None
            return held
        while True:
            try:
                if self._calls is None:
                    self._calls = iter(self._upcoming())
                call = next(self._calls)
            except StopIteration:
                return None
            except Exception:  # the server's plan failed: prewarm is an optimisation, calls go on
                log.exception("the prewarm plan failed; prewarming stops until the next plan")
                return None
            if (known := self.known.get(call)) is not None:
                return known
            try:
                sentence = text.sentence(call, self.voice)
                parts = (
                    languages.parts(call, self.voice, sentence) if not self.settings.plain else (Part("id", sentence),)
                )
            except ValueError as exc:
                log.debug("prewarm skipped %r: %s", call, exc)
                continue
            candidate = sentence, cache_key(sentence, self.settings, [(p.language, p.text) for p in parts]), parts
            if len(self.known) >= KNOWN_LIMIT:
                self.known.clear()
            self.known[call] = candidate
            return candidate

    def hold(self, candidate: Candidate) -> None:
        """Give CANDIDATE back; `next()` returns it again."""
        self._held = candidate
