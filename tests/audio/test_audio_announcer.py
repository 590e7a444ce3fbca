"""Real speech through the worker process: format, cache, and survival of a killed or hung worker."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import wave
from array import array
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from antrian_voice import Announcer
from antrian_voice.announcer import Settings, cache_key
from tests.audio.audio_config import make_config

pytestmark = pytest.mark.audio


@pytest.fixture
async def announcer(tmp_path: Path) -> AsyncIterator[Announcer]:
    a = Announcer(make_config(), tmp_path, prewarm_on_start=False, job_timeout=2.0)
    await a.start()
    yield a
    await a.stop()


def rms(frames: bytes) -> float:
    samples = array("h", frames)
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def spoken(announcer: Announcer, number: str, counter: str = "loket-3") -> Path:
    key = announcer.request(announcer.sentence(number, counter))
    path = await announcer.wav(key, timeout=30.0)
    assert path is not None, f"no audio for {number}"
    return path


async def test_announcement_is_a_plain_wav_that_fits_the_sentence(announcer: Announcer) -> None:
    text = announcer.sentence("A-123", "loket-3")
    key = announcer.request(text)
    path = await announcer.wav(key, timeout=30.0)
    assert path == announcer.cache_dir / f"{key}.wav"
    assert announcer.is_ready(key)
    with wave.open(str(path)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getcomptype()) == (1, 2, 22050, "NONE")
        duration = f.getnframes() / f.getframerate()
        chime = f.readframes(int(1.5 * 22050))
        speech = f.readframes(f.getnframes())
    assert 1.5 < duration < 12.0
    assert rms(chime) > 500  # the ding-dong is there
    assert rms(speech) > 500  # and so is a voice, not silence
    assert not [p for p in announcer.cache_dir.iterdir() if p.name.startswith(".")]  # no temp files left


async def test_second_request_is_served_from_the_cache(announcer: Announcer, tmp_path: Path) -> None:
    first = await spoken(announcer, "B-7", "loket-4")
    mtime, jobs = first.stat().st_mtime_ns, announcer.jobs_done
    again = await spoken(announcer, "B-7", "loket-4")
    assert again == first
    assert first.stat().st_mtime_ns == mtime
    assert announcer.jobs_done == jobs

    # A restarted server finds yesterday's file on disk without asking the worker.
    other = Announcer(make_config(), tmp_path, prewarm_on_start=False)
    key = other.request(announcer.sentence("B-7", "loket-4"))
    assert other.is_ready(key)
    assert await other.wav(key) == first
    assert other.jobs_done == 0


async def test_killed_worker_is_replaced(announcer: Announcer) -> None:
    await spoken(announcer, "A-1")
    old = announcer.worker_pid
    assert old is not None
    os.kill(old, signal.SIGKILL)

    text = announcer.sentence("A-2", "loket-3")  # neither call waits on the dead worker
    key = announcer.request(text)
    assert await announcer.wav(key, timeout=30.0) is not None
    assert announcer.worker_pid not in (None, old)
    assert not alive(old)


async def test_worker_killed_in_the_middle_of_a_job(announcer: Announcer) -> None:
    await spoken(announcer, "A-1")
    old = announcer.worker_pid
    assert old is not None
    announcer._debug_hang_next_job(60.0)
    key = announcer.request(announcer.sentence("A-3", "loket-3"))
    await asyncio.sleep(0.2)
    os.kill(old, signal.SIGKILL)
    assert await announcer.wav(key, timeout=30.0) is not None
    assert announcer.restarts >= 1
    assert not alive(old)


async def test_hung_worker_is_killed_and_replaced(announcer: Announcer) -> None:
    await spoken(announcer, "A-1")
    old = announcer.worker_pid
    assert old is not None
    announcer._debug_hang_next_job(60.0)
    stuck = announcer.request(announcer.sentence("A-4", "loket-3"))
    behind = announcer.request(announcer.sentence("A-5", "loket-3"))  # queued behind the stuck job
    assert announcer.sentence("A-6", "loket-3")
    assert await announcer.wav(stuck, timeout=30.0) is not None
    assert await announcer.wav(behind, timeout=30.0) is not None
    assert announcer.restarts >= 1
    assert not alive(old)


async def test_failed_synthesis_gives_none(announcer: Announcer) -> None:
    key = announcer.request("")  # pyttsx3 refuses empty text
    assert await announcer.wav(key, timeout=30.0) is None
    assert not announcer.is_ready(key)
    await spoken(announcer, "A-9")  # and the worker still serves the next call


async def test_unknown_and_malformed_keys(announcer: Announcer) -> None:
    assert await announcer.wav("0" * 24) is None
    assert await announcer.wav("../../etc/passwd") is None
    assert not announcer.is_ready("0" * 24)


async def test_voice_disabled(tmp_path: Path) -> None:
    announcer = Announcer(make_config(enabled=False), tmp_path, prewarm_on_start=False)
    await announcer.start()
    try:
        assert announcer.request(announcer.sentence("A-1", "loket-1")) == ""
        assert await announcer.wav("0" * 24, timeout=1.0) is None
        assert list(announcer.cache_dir.iterdir()) == []
    finally:
        await announcer.stop()


async def test_config_reload_changes_the_voice(announcer: Announcer) -> None:
    text = announcer.sentence("A-1", "loket-1")
    before = announcer.request(text)
    announcer.update_config(make_config(rate=180, chime=False))
    after = announcer.request(text)
    assert before != after
    fast = await announcer.wav(after, timeout=30.0)
    assert fast is not None
    with wave.open(str(fast)) as f:
        assert f.getnframes() / f.getframerate() < 6.0  # no chime, faster speech
    # The sentence follows the new config too.
    announcer.update_config(make_config(number_mode="digits"))
    assert announcer.sentence("A-12", "loket-1") == "Nomor antrean a satu dua, silakan menuju loket satu."


async def test_prewarm_fills_the_cache_for_the_next_calls(announcer: Announcer) -> None:
    announcer.prewarm({"kk": 41, "paspor": "L-007"})
    config = make_config()
    expected = [
        text
        for number, counters in (("B-041", ["loket-3", "loket-4", "loket-5", "loket-b2"]), ("B-050", ["loket-4"]),
                                 ("L-007", ["loket-17", "loket-18"]), ("L-016", ["loket-18"]))
        for counter in counters
        for text in [announcer.sentence(number, counter)]
    ]  # fmt: skip
    keys = [cache_key(text, Settings.of(config)) for text in expected]
    for _ in range(600):
        if all(announcer.is_ready(k) for k in keys):
            break
        await asyncio.sleep(0.05)
    assert all(announcer.is_ready(k) for k in keys)
    # Those are now cache hits: a call costs no synthesis.
    jobs = announcer.jobs_done
    assert await announcer.wav(announcer.request(expected[0])) is not None
    assert announcer.jobs_done == jobs


async def test_stop_ends_the_worker(tmp_path: Path) -> None:
    announcer = Announcer(make_config(), tmp_path, prewarm_on_start=True)
    await announcer.start()
    await spoken(announcer, "A-1")
    pid = announcer.worker_pid
    assert pid is not None
    await announcer.stop()
    assert not alive(pid)


def test_long_espeak_data_path_is_shortened(tmp_path: Path) -> None:
    from antrian_voice.worker import short_data_path

    deep = tmp_path / ("d" * 100) / ("e" * 60)
    deep.mkdir(parents=True)
    short = short_data_path(str(deep))
    try:
        assert len(short) <= 140
        assert Path(short).resolve() == deep.resolve()
        assert short_data_path(str(deep)) == short  # reused, not made again
    finally:
        Path(short).unlink()
    assert short_data_path(str(tmp_path)) == str(tmp_path)


async def test_numbers_given_before_start_are_not_replaced_by_the_default(tmp_path: Path) -> None:
    announcer = Announcer(make_config(), tmp_path, prewarm_on_start=True)
    announcer.prewarm({"paspor": "L-042"})  # the hall does this before start()
    await announcer.start()
    try:
        key = cache_key(announcer.sentence("L-042", "loket-17"), Settings.of(make_config()))
        for _ in range(600):
            if announcer.is_ready(key):
                break
            await asyncio.sleep(0.05)
        assert announcer.is_ready(key)
        first_ticket = cache_key(announcer.sentence("A-001", "loket-1"), Settings.of(make_config()))
        assert not announcer.is_ready(first_ticket)
    finally:
        await announcer.stop()
