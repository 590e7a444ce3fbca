"""The announcer's scheduling, with a stand-in worker (no eSpeak): a call always goes before the
prewarm plan, the plan is walked lazily in the voice's thread and only while idle, the key is pure,
and `wav()` waits for a call that was announced."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from antrian_voice import Announcer, SpokenCall
from antrian_voice.cache import Settings, cache_key
from display_server.announce import prewarm_plan, spoken_call, upcoming_calls
from tests.audio.audio_config import make_config
from tests.audio.speaking import wait_until

CONFIG = make_config()
FAKE_WORKER = Path(__file__).with_name("fake_worker.py")
PLAN = {"kk": "B-041"}  # served at loket-3, loket-4, loket-5 and loket-b2


class Harness:
    def __init__(self, tmp_path: Path):
        self.log = tmp_path / "jobs.jsonl"
        self.gate = tmp_path / "gate"  # the stand-in worker holds each job until this exists
        self.announcer = Announcer(
            CONFIG.voice,
            tmp_path,
            job_timeout=60.0,
            idle_after_call=0.0,
            prewarm_slower_than=0.0,  # the stand-in is fast; these tests are about the order
            command=[sys.executable, str(FAKE_WORKER), str(self.log), str(self.gate)],
        )

    def jobs(self) -> list[str]:
        if not self.log.exists():
            return []
        return [json.loads(line)["text"] for line in self.log.read_text().splitlines()]

    def text(self, number: str, counter: str = "loket-1") -> str:
        return self.announcer.sentence(spoken_call(CONFIG, number, counter))

    def plan_texts(self, numbers: dict[str, str] = PLAN, ahead: int = 2) -> list[str]:
        return [self.announcer.sentence(c) for c in upcoming_calls(CONFIG, numbers, ahead)]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path)
    await h.announcer.start()
    yield h
    h.gate.touch()
    await h.announcer.stop()


async def test_a_call_goes_before_the_plan_and_the_plan_is_walked_only_when_idle(harness: Harness) -> None:
    announcer = harness.announcer
    first, second = harness.text("A-001"), harness.text("A-002")
    announcer.announce(first)
    await wait_until(lambda: harness.jobs() == [first], "the worker to take the first call")

    drawn: list[tuple[str, bool]] = []  # (thread, was the worker free?) for every call drawn

    def upcoming() -> Iterator[SpokenCall]:
        for call in upcoming_calls(CONFIG, PLAN, 2):
            drawn.append((threading.current_thread().name, harness.gate.exists()))
            yield call

    announcer.prewarm(upcoming)
    announcer.announce(second)  # a second call while the worker is busy and a plan is waiting
    assert drawn == []  # prewarm() only keeps the callable
    harness.gate.touch()
    assert await announcer.wav(announcer.key(second), timeout=30.0) is not None
    plan = harness.plan_texts()
    await wait_until(lambda: all(announcer.is_ready(announcer.key(t)) for t in plan), "the plan")

    assert harness.jobs() == [first, second, *plan]
    assert len(drawn) == len(plan)
    assert all(thread == "antrian-audio" and free for thread, free in drawn)


async def test_a_call_that_arrives_while_a_candidate_is_built_goes_first(harness: Harness) -> None:
    announcer = harness.announcer
    harness.gate.touch()
    call = harness.text("A-009")

    def upcoming() -> Iterator[SpokenCall]:
        for i, planned in enumerate(upcoming_calls(CONFIG, PLAN, 1)):
            if i == 0:
                announcer.announce(call)  # the hall calls someone just as the voice builds a sentence
            yield planned

    announcer.prewarm(upcoming)
    plan = harness.plan_texts(ahead=1)
    await wait_until(lambda: all(announcer.is_ready(announcer.key(t)) for t in [call, *plan]), "every job")
    assert harness.jobs() == [call, *plan]  # the candidate built first was put back, not lost


async def test_a_replaced_plan_is_never_walked_and_a_failing_plan_stops_quietly(harness: Harness) -> None:
    announcer = harness.announcer
    busy = harness.text("A-001")
    announcer.announce(busy)
    await wait_until(lambda: harness.jobs() == [busy], "the worker to be busy")
    called: list[str] = []

    def stale() -> Iterator[SpokenCall]:
        called.append("stale")
        yield from upcoming_calls(CONFIG, {"ktp": "A-100"}, 1)

    def broken() -> Iterator[SpokenCall]:
        called.append("broken")
        raise RuntimeError("the server's plan has a bug")
        yield  # a generator

    announcer.prewarm(stale)
    announcer.prewarm(broken)
    harness.gate.touch()
    await wait_until(lambda: called == ["broken"], "the broken plan to be tried")
    after = harness.text("A-002")
    announcer.announce(after)  # calls are still announced
    assert await announcer.wav(announcer.key(after), timeout=30.0) is not None
    assert called == ["broken"]
    assert harness.jobs() == [busy, after]


async def test_a_new_voice_restarts_the_plan_in_that_voice(harness: Harness) -> None:
    announcer = harness.announcer
    harness.gate.touch()
    announcer.prewarm(prewarm_plan(CONFIG, PLAN, ahead=1))
    plan = harness.plan_texts(ahead=1)
    await wait_until(lambda: all(announcer.is_ready(announcer.key(t)) for t in plan), "the plan")
    slow = make_config(rate=100).voice
    announcer.set_voice(slow)
    await wait_until(lambda: all(announcer.is_ready(cache_key(t, Settings.of(slow))) for t in plan), "the plan again")
    assert harness.jobs() == plan + plan  # same words, a new voice: new files


async def test_wav_waits_for_an_announced_call(harness: Harness) -> None:
    announcer = harness.announcer
    text = harness.text("C-021", "loket-5")
    key = announcer.key(text)
    announcer.announce(text)
    waiting = asyncio.create_task(announcer.wav(key, timeout=60.0))
    await wait_until(lambda: harness.jobs() == [text], "the job to start")
    harness.gate.touch()
    made = await waiting
    assert made is not None and made.name == f"{key}.wav"
    announcer.announce(text)  # announced again: already made
    again = await announcer.wav(key)
    assert again is not None and again.read_bytes() == made.read_bytes()
    assert harness.jobs() == [text]


async def test_the_key_is_pure(tmp_path: Path) -> None:
    announcer = Announcer(CONFIG.voice, tmp_path)  # not even started
    text = announcer.sentence(spoken_call(CONFIG, "A-1", "loket-1"))
    key = announcer.key(text)
    assert key == announcer.key(text) == cache_key(text, Settings.of(CONFIG.voice))
    assert len(key) == 24 and key != announcer.key(text + " ")
    assert list(announcer.cache_dir.iterdir()) == [] and announcer.worker_pid is None
    assert not announcer.is_ready(key) and await announcer.wav(key) is None  # never announced
    assert Announcer(make_config(enabled=False).voice, tmp_path).key(text) == ""


def test_the_worker_command_lowers_its_priority(tmp_path: Path) -> None:
    command = Announcer(CONFIG.voice, tmp_path, nice=7).command
    assert command == [sys.executable, "-P", "-m", "antrian_voice.worker", "--nice", "7"]


def test_a_call_is_put_into_words_once_across_the_plans_of_one_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hall re-plans on every call, and its next plan holds mostly the same calls: the voice's
    thread builds each sentence and key once, not once per plan (it shares the CPU with the push)."""
    from antrian_voice import prewarm, text

    built: list[SpokenCall] = []
    sentence = text.sentence
    monkeypatch.setattr(text, "sentence", lambda call, voice: built.append(call) or sentence(call, voice))
    known: prewarm.Known = {}

    def walk(numbers: dict[str, str]) -> list[prewarm.Candidate]:
        plan = prewarm.Plan(prewarm_plan(CONFIG, numbers, 2), CONFIG.voice, known=known)
        return list(iter(plan.next, None))

    first = walk({"kk": "B-041"})
    second = walk({"kk": "B-042"})  # one number on: B-042 was in the first plan, B-043 is new
    assert [c[0] for c in second] == [c[0] for c in walk({"kk": "B-042"})]
    counters = len(first) // 2
    assert len(built) == len(first) + counters  # only B-043's calls were new
    assert {c[1] for c in second} >= {c[1] for c in first[counters:]}
