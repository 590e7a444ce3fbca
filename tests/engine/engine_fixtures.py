"""A tiny hall and a driver for the pure engine: decide, then apply, as the server does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from display_server import engine
from display_server.config import parse_config
from display_server.engine import Outcome, QueueState, Rejection
from tests.support.hall_config import test_config_text

CONFIG = parse_config(test_config_text(counters=4))
DAY = date(2026, 11, 24)
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 WITA


class Desk:
    """Drives the engine like the server: every accepted decision is applied."""

    def __init__(self, priority_every: int = 1):
        self.state = QueueState(DAY)
        self.now = START
        self.priority_every = priority_every
        self.tokens = 0

    def tick(self, seconds: int = 30) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def _apply(self, decision):
        if isinstance(decision, Outcome):
            self.state.apply(decision)
        return decision

    def issue(self, service: str = "ktp", priority: bool = False):
        self.tokens += 1
        return self._apply(
            engine.decide_issue(
                self.state,
                CONFIG.service(service),
                priority=priority,
                now=self.tick(),
                token=f"tok{self.tokens}",
                availability=engine.Availability(True),
            )
        )

    def act(self, action: str, counter: str = "loket-1", **args):
        counter_config = CONFIG.counter(counter)
        now = self.tick()
        if action == "call_next":
            decision = engine.decide_call_next(self.state, counter_config, now=now, priority_every=self.priority_every)
        elif action == "call":
            decision = engine.decide_call_number(self.state, counter_config, args["number"], now=now)
        elif action == "transfer":
            decision = engine.decide_transfer(self.state, counter_config, CONFIG.service(args["service"]), now=now)
        else:
            decision = getattr(engine, f"decide_{action}")(self.state, counter_config, now=now)
        return self._apply(decision)

    def number_called(self, counter: str = "loket-1") -> str:
        decision = self.act("call_next", counter)
        assert not isinstance(decision, Rejection), decision
        return decision.ticket.number
