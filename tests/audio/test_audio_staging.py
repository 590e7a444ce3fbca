"""A call's WAV is made in memory and written to the cache on disk while the hall is idle, with a
stand-in worker (no eSpeak). (The real worker, memory then disk: test_audio_announcer.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from antrian_voice import Announcer, staging
from antrian_voice.staging import Staging
from display_server.announce import prewarm_plan, spoken_call
from tests.audio.audio_config import make_config
from tests.audio.speaking import said, wait_until

CONFIG = make_config()
FAKE_WORKER = Path(__file__).with_name("fake_worker.py")


def stand_in(tmp_path: Path, **options: float) -> Announcer:
    return Announcer(
        CONFIG.voice,
        tmp_path,
        job_timeout=60.0,
        command=[sys.executable, str(FAKE_WORKER), str(tmp_path / "jobs")],
        **options,
    )


async def call(announcer: Announcer, number: str) -> Path:
    return await said(announcer, announcer.sentence(spoken_call(CONFIG, number, "loket-1")))


async def test_a_hall_that_never_pauses_still_has_its_wavs_written_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "MAX_BYTES", 0)  # memory is full after one WAV
    announcer = stand_in(tmp_path, idle_after_call=3600.0)  # and the hall is never idle
    await announcer.start()
    try:
        fresh = [await call(announcer, number) for number in ("A-001", "A-002")]
        await wait_until(lambda: all((announcer.cache_dir / p.name).exists() for p in fresh), "both on disk")
    finally:
        await announcer.stop()


async def test_a_prewarmed_wav_is_made_on_disk_as_it_is_made_while_idle(tmp_path: Path) -> None:
    announcer = stand_in(tmp_path, idle_after_call=0.0, prewarm_slower_than=0.0)
    await announcer.start()
    try:
        announcer.prewarm(prewarm_plan(CONFIG, {"kk": "B-041"}, 1))
        await wait_until(lambda: len(list(announcer.cache_dir.glob("*.wav"))) >= 4, "the plan on disk")
        for key in (p.stem for p in announcer.cache_dir.glob("*.wav")):
            assert await announcer.wav(key) == announcer.cache_dir / f"{key}.wav"
    finally:
        await announcer.stop()


def test_without_memory_to_stage_in_calls_go_straight_to_disk(tmp_path: Path) -> None:
    assert Staging.in_memory(tmp_path / "cache", memory=tmp_path / "no-such-folder") is None


def test_the_staging_folder_of_a_killed_server_is_removed_by_the_next(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = tmp_path / f"{staging.PREFIX}{gone.stdout.strip()}-x1y2"
    alive = tmp_path / f"{staging.PREFIX}{os.getpid()}-z3w4"
    for folder in (abandoned, alive):
        folder.mkdir()
        (folder / f"{'0' * 24}.wav").write_bytes(b"RIFF")
    fresh = Staging.in_memory(tmp_path / "cache", memory=tmp_path)
    assert fresh is not None
    assert not abandoned.exists() and alive.exists()
    assert fresh.folder.parent == tmp_path and fresh.folder.name.startswith(f"{staging.PREFIX}{os.getpid()}-")
    fresh.close()
    assert not fresh.folder.exists()
