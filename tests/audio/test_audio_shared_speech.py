"""Many halls in one server process share one speech engine (`antrian_voice.speech.Speech`), with a
stand-in worker (no eSpeak): one worker process for every hall, each hall's WAVs, a call of any
hall before every plan, the halls' plans drawn in turn while idle, one hall's stop or plan
leaving the others' alone, and one restart for all after a crash. Last, with eSpeak NG: two
halls' own voice packs through one real worker."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from itertools import zip_longest
from pathlib import Path

import pytest

from antrian_voice import Announcer, Speech
from display_server.announce import prewarm_plan, spoken_call, upcoming_calls
from tests.audio.audio_config import make_config
from tests.audio.speaking import said, wait_until
from tests.audio.voice_pack import named, read_speech, segments, tone_pack

FAKE_WORKER = Path(__file__).with_name("fake_worker.py")
HALL_A = make_config()
HALL_B = make_config(rate=150)  # another hall, another voice: the same words are another WAV
PLAN_A = {"kk": "B-041"}  # 8 calls ahead
PLAN_B = {"paspor": "L-007"}  # 4 calls ahead


class Deployment:
    """One speech engine and the announcers of two halls, as `antrian serve --config-dir` has."""

    def __init__(self, tmp_path: Path):
        self.log = tmp_path / "jobs.jsonl"
        self.gate = tmp_path / "gate"
        self.speech = Speech(
            tmp_path,
            job_timeout=60.0,
            idle_after_call=0.0,
            prewarm_slower_than=0.0,  # the stand-in is fast; these tests are about the turns
            command=[sys.executable, str(FAKE_WORKER), str(self.log), str(self.gate)],
        )
        self.a = Announcer(HALL_A.voice, tmp_path / "a", speech=self.speech)
        self.b = Announcer(HALL_B.voice, tmp_path / "b", speech=self.speech)

    def let_through(self, jobs: int | None = None) -> None:
        """Let the worker run JOBS jobs in all (every one when None); atomic, so the worker never
        reads half a number."""
        tmp = self.gate.with_name("gate.tmp")
        tmp.write_text("" if jobs is None else str(jobs))
        os.replace(tmp, self.gate)

    def entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def jobs(self) -> list[str]:
        return [entry["text"] for entry in self.entries()]


def words(announcer: Announcer, number: str, counter: str = "loket-1") -> str:
    return announcer.sentence(spoken_call(HALL_A, number, counter))


def plan_texts(announcer: Announcer, numbers: dict[str, str]) -> list[str]:
    return [announcer.sentence(call) for call in upcoming_calls(HALL_A, numbers, 2)]


def in_turn(first: list[str], second: list[str]) -> list[str]:
    """FIRST and SECOND one each in turn, then the rest of the longer."""
    return [text for pair in zip_longest(first, second) for text in pair if text is not None]


@pytest.fixture
async def halls(tmp_path: Path) -> AsyncIterator[Deployment]:
    d = Deployment(tmp_path)
    await d.speech.start()
    await d.a.start()
    await d.b.start()
    yield d
    d.let_through()
    await d.a.stop()
    await d.b.stop()
    await d.speech.stop()


async def test_two_halls_share_one_worker_and_each_gets_its_wavs(halls: Deployment) -> None:
    halls.let_through()
    a_text, b_text = words(halls.a, "A-001"), words(halls.b, "C-001")
    a_wav, b_wav = await said(halls.a, a_text), await said(halls.b, b_text)
    assert a_wav.parent == b_wav.parent  # one cache for the process
    assert a_wav != b_wav
    assert halls.a.worker_pid == halls.b.worker_pid == halls.speech.worker_pid is not None
    assert {entry["pid"] for entry in halls.entries()} == {halls.speech.worker_pid}
    assert halls.speech.workers_started == 1

    # The same words in another voice are another WAV; in the same voice they are the same WAV,
    # made once for both halls.
    assert halls.b.key(a_text) != halls.a.key(a_text)
    same_voice = Announcer(HALL_A.voice, halls.speech.cache_dir, speech=halls.speech)
    await same_voice.start()
    try:
        assert (await said(same_voice, a_text)).name == a_wav.name  # the same key, made once (below)
    finally:
        await same_voice.stop()
    assert halls.jobs() == [a_text, b_text]


async def test_the_halls_plans_are_drawn_in_turn_and_a_call_of_either_hall_goes_next(halls: Deployment) -> None:
    first = words(halls.a, "A-001")
    halls.a.announce(first)
    await wait_until(lambda: halls.jobs() == [first], "the worker to take hall A's call")

    halls.a.prewarm(prewarm_plan(HALL_A, PLAN_A, 2))
    halls.b.prewarm(prewarm_plan(HALL_A, PLAN_B, 2))
    plan_a, plan_b = plan_texts(halls.a, PLAN_A), plan_texts(halls.b, PLAN_B)
    assert len(plan_a) > 3 and len(plan_b) > 2
    halls.let_through(3)  # the call, then one candidate of each hall; the fourth job waits
    await wait_until(lambda: len(halls.jobs()) == 4, "a second round of the plans")
    assert halls.jobs() == [first, plan_a[0], plan_b[0], plan_a[1]]

    call_b = words(halls.b, "C-009")  # hall B calls while hall A's prewarm job is in the worker
    halls.b.announce(call_b)
    halls.let_through()
    assert await halls.b.wav(halls.b.key(call_b), timeout=30.0) is not None
    await wait_until(lambda: len(halls.jobs()) == 2 + len(plan_a) + len(plan_b), "both plans")
    # B's call is next, then the plans go on in turn, B's first: it was B's turn.
    assert halls.jobs() == [first, plan_a[0], plan_b[0], plan_a[1], call_b, *in_turn(plan_b[1:], plan_a[2:])]
    assert all(halls.a.is_ready(halls.a.key(text)) for text in plan_a)
    assert all(halls.b.is_ready(halls.b.key(text)) for text in plan_b)


async def test_a_wav_already_made_costs_a_hall_no_turn(halls: Deployment) -> None:
    plan_a, plan_b = plan_texts(halls.a, PLAN_A), plan_texts(halls.b, PLAN_B)
    halls.let_through(2)
    for text in plan_a[:2]:  # called already: hall A's plan finds them made
        await said(halls.a, text)
    busy = words(halls.b, "C-009")
    halls.b.announce(busy)
    await wait_until(lambda: len(halls.jobs()) == 3, "the worker to take hall B's call")
    halls.a.prewarm(prewarm_plan(HALL_A, PLAN_A, 2))
    halls.b.prewarm(prewarm_plan(HALL_A, PLAN_B, 2))
    halls.let_through()
    await wait_until(lambda: len(halls.jobs()) == 1 + len(plan_a) + len(plan_b), "both plans")
    assert halls.jobs() == [*plan_a[:2], busy, *in_turn(plan_a[2:], plan_b)]


async def test_a_halls_new_plan_replaces_only_its_own(halls: Deployment) -> None:
    first = words(halls.a, "A-001")
    halls.a.announce(first)
    await wait_until(lambda: halls.jobs() == [first], "the worker to take hall A's call")
    halls.a.prewarm(prewarm_plan(HALL_A, PLAN_A, 2))
    halls.b.prewarm(prewarm_plan(HALL_A, PLAN_B, 2))
    plan_a, plan_b = plan_texts(halls.a, PLAN_A), plan_texts(halls.b, PLAN_B)
    halls.let_through(3)
    await wait_until(lambda: len(halls.jobs()) == 4, "a second round of the plans")

    later = {"akta": "C-003"}  # hall A has called meanwhile: its plan starts over
    halls.a.prewarm(prewarm_plan(HALL_A, later, 2))
    new_a = plan_texts(halls.a, later)
    halls.let_through()
    await wait_until(lambda: len(halls.jobs()) == 4 + len(plan_b) - 1 + len(new_a), "both plans")
    # B's plan goes on where it was; nothing of A's old plan is made after the change.
    assert halls.jobs() == [first, plan_a[0], plan_b[0], plan_a[1], *in_turn(plan_b[1:], new_a)]


async def test_stopping_one_hall_leaves_the_others_speech_alone(halls: Deployment) -> None:
    halls.let_through(2)
    await said(halls.a, words(halls.a, "A-001"))
    await said(halls.b, words(halls.b, "A-001"))
    pid = halls.speech.worker_pid
    busy = words(halls.b, "A-002")
    halls.b.announce(busy)
    await wait_until(lambda: len(halls.jobs()) == 3, "the worker to take hall B's call")
    halls.a.prewarm(prewarm_plan(HALL_A, PLAN_A, 2))
    halls.b.prewarm(prewarm_plan(HALL_A, PLAN_B, 2))

    await halls.a.stop()  # that hall's app is shutting down: its plan goes with it
    assert halls.speech.running
    halls.let_through()
    assert await halls.b.wav(halls.b.key(busy), timeout=30.0) is not None
    plan_b = plan_texts(halls.b, PLAN_B)
    await wait_until(lambda: all(halls.b.is_ready(halls.b.key(t)) for t in plan_b), "hall B's plan")
    await said(halls.b, words(halls.b, "A-003"))
    halls.a.prewarm(prewarm_plan(HALL_A, {"akta": "C-003"}, 2))  # a stopped hall's plan is kept, not drawn
    await said(halls.b, words(halls.b, "A-004"))
    assert halls.speech.worker_pid == pid
    assert not set(halls.jobs()) & {*plan_texts(halls.a, PLAN_A), *plan_texts(halls.a, {"akta": "C-003"})}


async def test_a_hall_does_not_start_or_stop_a_shared_engine(tmp_path: Path) -> None:
    d = Deployment(tmp_path)
    d.let_through()
    await d.a.start()
    assert not d.speech.running
    text = words(d.a, "A-001")
    d.a.announce(text)  # queued until the engine's owner starts it
    await d.speech.start()
    try:
        assert await d.a.wav(d.a.key(text), timeout=30.0) is not None
        await d.a.stop()
        assert d.speech.running and d.speech.worker_pid is not None
    finally:
        await d.speech.stop()
    assert d.speech.worker_pid is None


async def test_a_worker_crash_restarts_it_once_for_both_halls(halls: Deployment) -> None:
    halls.let_through()
    await said(halls.a, words(halls.a, "A-001"))
    old = halls.speech.worker_pid
    assert old is not None
    os.kill(old, signal.SIGKILL)

    a_text, b_text = words(halls.a, "A-002"), words(halls.b, "A-002")
    halls.a.announce(a_text)
    halls.b.announce(b_text)
    assert await halls.a.wav(halls.a.key(a_text), timeout=30.0) is not None
    assert await halls.b.wav(halls.b.key(b_text), timeout=30.0) is not None
    assert halls.speech.restarts == 1 and halls.speech.workers_started == 2
    assert halls.speech.worker_pid not in (None, old)
    assert {entry["pid"] for entry in halls.entries()[1:]} == {halls.speech.worker_pid}


@pytest.mark.audio
async def test_two_halls_with_their_own_voice_packs_on_one_real_worker(tmp_path: Path) -> None:
    units = ["nomor antrean", "a", "satu", "silakan menuju", "loket satu"]
    tones = {"a": [300.0, 350.0, 400.0, 450.0, 500.0], "b": [600.0, 650.0, 700.0, 750.0, 800.0]}
    halls = {}
    speech = Speech(tmp_path / "data", job_timeout=10.0)
    await speech.start()
    try:
        for hall, pitches in tones.items():
            tone_pack(tmp_path / hall / "suara", dict(zip(units, pitches, strict=True)))
            config = make_config(pack=str(tmp_path / hall / "suara"), chime=False)
            halls[hall] = (config, Announcer(config.voice, tmp_path / hall, speech=speech))
            await halls[hall][1].start()
        for hall, (config, announcer) in halls.items():
            text = announcer.sentence(spoken_call(config, "A-1", "loket-1"))
            path = await said(announcer, text)
            pack = dict(zip(units, tones[hall], strict=True))
            assert named(segments(read_speech(path, 0)), pack) == units  # this hall's own recording
        assert speech.workers_started == 1
    finally:
        for _, announcer in halls.values():
            await announcer.stop()
        await speech.stop()
