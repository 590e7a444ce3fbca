"""Real speech through the worker process: format, cache, priority, and survival of a killed or
hung worker. (The scheduling of calls and prewarm, with a stand-in worker: test_audio_prewarm.py.)"""

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

from antrian_voice import Announcer, sound
from antrian_voice.process import WORKER_NICE
from antrian_voice.staging import Staging
from display_server.announce import prewarm_plan, spoken_call
from display_server.contract import format_number
from tests.audio.audio_config import make_config

pytestmark = pytest.mark.audio

CONFIG = make_config()


@pytest.fixture
async def announcer(tmp_path: Path) -> AsyncIterator[Announcer]:
    a = Announcer(CONFIG.voice, tmp_path, job_timeout=2.0)
    await a.start()
    yield a
    await a.stop()


def words(announcer: Announcer, number: str, counter: str = "loket-3") -> str:
    """The sentence of a call, as the hall asks for it."""
    return announcer.sentence(spoken_call(CONFIG, number, counter))


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
    text = words(announcer, number, counter)
    announcer.announce(text)
    path = await announcer.wav(announcer.key(text), timeout=30.0)
    assert path is not None, f"no audio for {number}"
    return path


async def test_announcement_is_a_plain_wav_that_fits_the_sentence(announcer: Announcer) -> None:
    text = words(announcer, "A-123")
    key = announcer.key(text)
    announcer.announce(text)
    path = await announcer.wav(key, timeout=30.0)
    assert path is not None and path.name == f"{key}.wav"
    assert announcer.is_ready(key)
    with wave.open(str(path)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getcomptype()) == (1, 2, 22050, "NONE")
        duration = f.getnframes() / f.getframerate()
        chime = f.readframes(int(1.5 * 22050))
        speech = f.readframes(f.getnframes())
    assert 1.5 < duration < 12.0
    assert rms(chime) > 500  # the ding-dong is there
    assert rms(speech) > 500  # and so is a voice, not silence
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # the worker left no temp file
    await announcer.stop()  # the copy to disk runs while idle: look at the cache once it is done
    assert not [p for p in announcer.cache_dir.iterdir() if p.name.startswith(".")]


async def test_second_request_is_served_from_the_cache(announcer: Announcer, tmp_path: Path) -> None:
    first = await spoken(announcer, "B-7", "loket-4")
    mtime, jobs = first.stat().st_mtime_ns, announcer.jobs_done
    again = await spoken(announcer, "B-7", "loket-4")
    assert again == first
    assert first.stat().st_mtime_ns == mtime
    assert announcer.jobs_done == jobs
    made = first.read_bytes()
    await announcer.stop()  # a WAV still in memory is written to disk on the way out

    # A restarted server finds yesterday's file on disk without asking the worker.
    text = words(announcer, "B-7", "loket-4")
    other = Announcer(CONFIG.voice, tmp_path)
    key = other.key(text)
    on_disk = other.cache_dir / f"{key}.wav"
    assert other.is_ready(key)
    assert await other.wav(key) == on_disk and on_disk.read_bytes() == made
    await other.start()
    try:
        other.announce(text)  # a call whose WAV is on disk: no synthesis, no worker at all
        assert await other.wav(key, timeout=30.0) == on_disk
        assert other.jobs_done == 0 and other.worker_pid is None
    finally:
        await other.stop()


async def test_a_calls_wav_is_made_in_memory_and_written_to_disk_only_while_no_call_is_coming(
    tmp_path: Path,
) -> None:
    """Made while the server pushes the call to the screens and commits the next one, a call's
    WAV touches no disk then: screens fetch it from memory, and its copy is written, synced,
    once no call has come for `idle_after_call`, or when the server stops."""
    patient = Announcer(CONFIG.voice, tmp_path / "patient", idle_after_call=3600.0)
    await patient.start()
    try:
        fresh = await spoken(patient, "C-5")
        assert fresh.parent != patient.cache_dir and fresh.parent.parent == Path("/dev/shm")
        assert not (patient.cache_dir / fresh.name).exists()
        made = fresh.read_bytes()
    finally:
        await patient.stop()
    assert (patient.cache_dir / fresh.name).read_bytes() == made
    assert not fresh.parent.exists()  # the memory is given back

    eager = Announcer(CONFIG.voice, tmp_path / "eager", idle_after_call=0.0)
    await eager.start()
    try:
        fresh = await spoken(eager, "C-6")
        on_disk = eager.cache_dir / fresh.name
        for _ in range(500):
            if await eager.wav(on_disk.stem) == on_disk:
                break
            await asyncio.sleep(0.02)
        assert await eager.wav(on_disk.stem) == on_disk  # served from disk once it is there
        assert on_disk.read_bytes() == fresh.read_bytes()  # kept a while for a screen that was given it
    finally:
        await eager.stop()


def test_a_wav_is_on_disk_before_it_takes_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Synced before the rename: after a power cut a cached WAV is whole or absent, never empty,
    and its blocks are not left for the server's next commit to write."""
    done: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        done.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def renamed(source: Path, target: Path) -> None:
        done.append(("rename", str(source)))
        replace(source, target)

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", renamed)
    sound.write_atomic(tmp_path / "call.wav", b"\x00\x00" * 100)
    temp = done[-1][1]
    assert done == [("fsync", temp), ("rename", temp)]
    with wave.open(str(tmp_path / "call.wav")) as wav:
        assert wav.getnframes() == 100

    # A call's WAV made in memory is copied to the cache the same way.
    staging = Staging(tmp_path / "memory", tmp_path / "cache")
    staging.folder.mkdir()
    staging.cache_dir.mkdir()
    staging.path("0" * 24).write_bytes((tmp_path / "call.wav").read_bytes())
    staging.add("0" * 24)
    done.clear()
    assert staging.persist("0" * 24)
    temp = done[-1][1]
    assert done == [("fsync", temp), ("rename", temp)] and temp.startswith(str(staging.cache_dir))
    assert (staging.cache_dir / f"{'0' * 24}.wav").read_bytes() == (tmp_path / "call.wav").read_bytes()


async def test_killed_worker_is_replaced(announcer: Announcer) -> None:
    await spoken(announcer, "A-1")
    old = announcer.worker_pid
    assert old is not None
    os.kill(old, signal.SIGKILL)

    text = words(announcer, "A-2")  # neither call waits on the dead worker
    key = announcer.key(text)
    announcer.announce(text)
    assert await announcer.wav(key, timeout=30.0) is not None
    assert announcer.worker_pid not in (None, old)
    assert not alive(old)


async def test_worker_killed_in_the_middle_of_a_job(announcer: Announcer) -> None:
    await spoken(announcer, "A-1")
    old = announcer.worker_pid
    assert old is not None
    announcer._debug_hang_next_job(60.0)
    text = words(announcer, "A-3")
    announcer.announce(text)
    key = announcer.key(text)
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
    texts = [words(announcer, n) for n in ("A-4", "A-5")]
    for text in texts:
        announcer.announce(text)  # A-5 is queued behind the stuck job
    stuck, behind = (announcer.key(text) for text in texts)
    assert words(announcer, "A-6")
    assert await announcer.wav(stuck, timeout=30.0) is not None
    assert await announcer.wav(behind, timeout=30.0) is not None
    assert announcer.restarts >= 1
    assert not alive(old)


async def test_failed_synthesis_gives_none(announcer: Announcer) -> None:
    announcer.announce("")  # pyttsx3 refuses empty text
    key = announcer.key("")
    assert await announcer.wav(key, timeout=30.0) is None
    assert not announcer.is_ready(key)
    await spoken(announcer, "A-9")  # and the worker still serves the next call


async def test_unknown_and_malformed_keys(announcer: Announcer) -> None:
    assert await announcer.wav("0" * 24) is None
    assert await announcer.wav("../../etc/passwd") is None
    assert not announcer.is_ready("0" * 24)


async def test_voice_disabled(tmp_path: Path) -> None:
    announcer = Announcer(make_config(enabled=False).voice, tmp_path)
    await announcer.start()
    try:
        text = words(announcer, "A-1", "loket-1")
        assert announcer.key(text) == ""
        announcer.announce(text)
        announcer.prewarm(prewarm_plan(CONFIG, {"ktp": "A-001"}, 10))
        assert await announcer.wav("0" * 24, timeout=1.0) is None
        assert list(announcer.cache_dir.iterdir()) == []
    finally:
        await announcer.stop()


async def test_config_reload_changes_the_voice(announcer: Announcer) -> None:
    text = words(announcer, "A-1", "loket-1")
    before = announcer.key(text)
    announcer.set_voice(make_config(rate=180, chime=False).voice)
    after = announcer.key(text)
    assert before != after
    announcer.announce(text)
    fast = await announcer.wav(after, timeout=30.0)
    assert fast is not None
    with wave.open(str(fast)) as f:
        assert f.getnframes() / f.getframerate() < 6.0  # no chime, faster speech
    # The sentence follows the new config too.
    announcer.set_voice(make_config(number_mode="digits").voice)
    assert words(announcer, "A-12", "loket-1") == "Nomor antrean a satu dua, silakan menuju loket satu."


@pytest.fixture
async def slow_machine(tmp_path: Path) -> AsyncIterator[Announcer]:
    """An announcer that counts every job as slow (as on a slow board): it prewarms."""
    a = Announcer(CONFIG.voice, tmp_path, job_timeout=2.0, prewarm_slower_than=0.0)
    await a.start()
    yield a
    await a.stop()


async def test_where_synthesis_is_slow_prewarm_fills_the_cache_for_the_next_calls(slow_machine: Announcer) -> None:
    announcer = slow_machine
    announcer.prewarm(prewarm_plan(CONFIG, {"kk": format_number("B", 41), "paspor": "L-007"}, 10))
    expected = [
        text
        for number, counters in (("B-041", ["loket-3", "loket-4", "loket-5", "loket-b2"]), ("B-050", ["loket-4"]),
                                 ("L-007", ["loket-17", "loket-18"]), ("L-016", ["loket-18"]))
        for counter in counters
        for text in [words(announcer, number, counter)]
    ]  # fmt: skip
    keys = [announcer.key(text) for text in expected]
    for _ in range(600):
        if all(announcer.is_ready(k) for k in keys):
            break
        await asyncio.sleep(0.05)
    assert all(announcer.is_ready(k) for k in keys)
    # Those are now cache hits: a call costs no synthesis.
    jobs = announcer.jobs_done
    announcer.announce(expected[0])
    assert await announcer.wav(keys[0]) is not None
    assert announcer.jobs_done == jobs


async def test_where_synthesis_is_fast_a_calls_wav_is_made_on_demand_and_nothing_is_prewarmed(tmp_path: Path) -> None:
    announcer = Announcer(CONFIG.voice, tmp_path, prewarm_slower_than=60.0)  # every job counts as fast
    announcer.prewarm(prewarm_plan(CONFIG, {"kk": format_number("B", 41)}, 10))
    await announcer.start()
    try:
        for _ in range(600):
            if announcer.jobs_done:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        assert announcer.jobs_done == 1  # the first job measures the machine; then no more
        text = words(announcer, "B-050", "loket-4")
        announcer.announce(text)
        assert await announcer.wav(announcer.key(text)) is not None
        assert announcer.jobs_done == 2
    finally:
        await announcer.stop()


async def test_stop_ends_the_worker(tmp_path: Path) -> None:
    announcer = Announcer(CONFIG.voice, tmp_path)
    announcer.prewarm(prewarm_plan(CONFIG, {s.id: format_number(s.prefix, 1) for s in CONFIG.services}, 10))
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


async def test_a_plan_given_before_start_is_followed_and_nothing_else(tmp_path: Path) -> None:
    announcer = Announcer(CONFIG.voice, tmp_path, prewarm_slower_than=0.0)
    announcer.prewarm(prewarm_plan(CONFIG, {"paspor": "L-042"}, 10))  # the hall does this before start()
    await announcer.start()
    try:
        key = announcer.key(words(announcer, "L-042", "loket-17"))
        for _ in range(600):
            if announcer.is_ready(key):
                break
            await asyncio.sleep(0.05)
        assert announcer.is_ready(key)
        first_ticket = announcer.key(words(announcer, "A-001", "loket-1"))
        assert not announcer.is_ready(first_ticket)
    finally:
        await announcer.stop()


async def test_the_worker_runs_at_a_lower_priority(announcer: Announcer) -> None:
    await spoken(announcer, "A-8")
    pid = announcer.worker_pid
    assert pid is not None
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, ours + WORKER_NICE)
