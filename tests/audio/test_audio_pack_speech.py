"""Voice packs and the English call through the real announcer, speech worker and eSpeak NG:
fallback for a missing word (word and sentence modes), logged once; the call in two languages;
a pack recorded with eSpeak in another voice; the cache key follows the pack's content."""

from __future__ import annotations

import asyncio
import logging
import shutil
import wave
from array import array
from pathlib import Path
from typing import Any

import pytest

from antrian_voice import Announcer, mix
from display_server.announce import spoken_call
from display_server.config import Config
from tests.audio.audio_config import make_config
from tests.audio.voice_pack import FORMATS, named, read_speech, segments, tone, tone_pack, write_manifest, write_wav

pytestmark = pytest.mark.audio

TONES = {
    "nomor antrean": 300.0,
    "a": 350.0,
    "seratus": 400.0,
    "dua": 450.0,
    "puluh": 500.0,
    "silakan menuju": 600.0,
    "loket": 650.0,
}  # no "tiga": eSpeak says it
EN_TONES = {"queue number": 800.0, "ay": 850.0, "one hundred": 900.0, "please proceed to": 950.0, "counter": 1000.0}


async def speak(config: Config, number: str, counter: str, tmp_path: Path, **options: Any) -> tuple[Announcer, Path]:
    announcer = Announcer(config.voice, tmp_path / "data", **options)
    await announcer.start()
    text = announcer.sentence(spoken_call(config, number, counter))
    announcer.announce(text)
    path = await announcer.wav(announcer.key(text), timeout=30.0)
    assert path is not None
    return announcer, heard(path, tmp_path)


def heard(path: Path, tmp_path: Path) -> Path:
    """A copy of the WAV as a screen fetched it: a fresh one lives in memory until the announcer
    writes it to disk, and may be gone from there once the announcer stops."""
    copy = tmp_path / "heard" / path.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    return copy


async def test_a_word_the_pack_lacks_is_said_by_espeak_in_its_place_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tone_pack(tmp_path / "pack", TONES)
    config = make_config(pack=str(tmp_path / "pack"), chime=False)
    caplog.set_level(logging.WARNING, logger="antrian.audio")
    announcer, path = await speak(config, "A-123", "loket-3", tmp_path)
    try:
        assert named(segments(read_speech(path, 0)), TONES) == [
            "nomor antrean", "a", "seratus", "dua", "puluh", "<speech>", "silakan menuju", "loket", "<speech>",
        ]  # fmt: skip
        text = announcer.sentence(spoken_call(config, "A-223", "loket-3"))  # "tiga" again
        announcer.announce(text)
        assert await announcer.wav(announcer.key(text), timeout=30.0) is not None
    finally:
        await announcer.stop()
    lacking = [r.getMessage() for r in caplog.records if "no clip for" in r.getMessage()]
    assert sorted(lacking) == sorted(
        f"the voice pack has no clip for {word!r} (id); eSpeak NG says it (see antrian voice-pack check)"
        for word in ("tiga", "ratus")
    )


async def test_with_sentence_fallback_a_missing_word_has_espeak_say_it_all(tmp_path: Path) -> None:
    tone_pack(tmp_path / "pack", TONES)
    config = make_config(pack=str(tmp_path / "pack"), pack_fallback="sentence", chime=False)
    announcer, path = await speak(config, "A-123", "loket-3", tmp_path)
    await announcer.stop()
    assert named(segments(read_speech(path, 0)), TONES) == ["<speech>"]
    # ... while a sentence the pack covers whole is still made of clips
    covered = {**TONES, "tiga": 550.0}
    tone_pack(tmp_path / "full", covered)
    config = make_config(pack=str(tmp_path / "full"), pack_fallback="sentence", chime=False)
    announcer, path = await speak(config, "A-123", "loket-3", tmp_path)
    await announcer.stop()
    assert "<speech>" not in named(segments(read_speech(path, 0)), covered)


async def test_the_call_is_said_in_indonesian_then_english(tmp_path: Path) -> None:
    id_only = make_config(chime=False)
    both = make_config(languages=["id", "en"], chime=False)
    announcer, single = await speak(id_only, "A-123", "loket-3", tmp_path / "one")
    await announcer.stop()
    announcer, double = await speak(both, "A-123", "loket-3", tmp_path / "two")
    try:
        text = announcer.sentence(spoken_call(both, "A-123", "loket-3"))
        assert text == "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga."  # the screens' words
        assert announcer.key(text) != Announcer(id_only.voice, tmp_path / "k").key(text)
    finally:
        await announcer.stop()
    with wave.open(str(single)) as a, wave.open(str(double)) as b:
        assert (b.getnchannels(), b.getsampwidth(), b.getframerate()) == (1, 2, 22050)
        assert b.getnframes() > a.getnframes() + 2 * 22050  # "Queue number ay one hundred twenty-three, ..."


async def test_english_from_the_packs_english_clips(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    tone_pack(folder, {**TONES, "tiga": 550.0})
    tone_pack(tmp_path / "en", EN_TONES, language="en")
    for clip in (tmp_path / "en").glob("*.wav"):
        shutil.copy(clip, folder / clip.name)
    id_files = {unit: f"id-{i:02d}.wav" for i, unit in enumerate({**TONES, "tiga": 550.0})}
    en_files = {unit: f"en-{i:02d}.wav" for i, unit in enumerate(EN_TONES)}
    write_manifest(folder, {"id": id_files, "en": en_files})
    config = make_config(pack=str(folder), languages=["id", "en"], chime=False)
    announcer, path = await speak(config, "A-100", "loket-1", tmp_path)
    await announcer.stop()
    # "Nomor antrean a seratus, silakan menuju loket satu." then "Queue number ay one hundred, ..."
    assert named(segments(read_speech(path, 0)), {**TONES, **EN_TONES}) == [
        "nomor antrean", "a", "seratus", "silakan menuju", "loket", "<speech>",
        "queue number", "ay", "one hundred", "please proceed to", "counter", "<speech>",
    ]  # fmt: skip


@pytest.fixture
async def recorded_pack(tmp_path: Path) -> Path:
    """The units of "A-123 to loket-3" recorded by eSpeak NG in another voice (id+f3), as a hall
    records its speaker, each clip in another format and volume."""
    folder = tmp_path / "recorded"
    folder.mkdir()
    units = ["nomor antrean", "a", "seratus", "dua puluh", "tiga", "silakan menuju", "loket"]
    recorder = Announcer(make_config(voice="id+f3", chime=False).voice, tmp_path / "recording")
    await recorder.start()
    files = {}
    try:
        for i, unit in enumerate(units):
            recorder.announce(unit)
            path = await recorder.wav(recorder.key(unit), timeout=30.0)
            assert path is not None
            with wave.open(str(path)) as f:
                samples = array("h", f.readframes(f.getnframes()))
            name = f"{unit.replace(' ', '-')}.wav"
            write_wav(folder / name, [v / 32767 for v in samples], FORMATS[i % len(FORMATS)])
            files[unit] = name
    finally:
        await recorder.stop()
    write_manifest(folder, {"id": files})
    return folder


def found_in_order(body: bytes, sounds: list[tuple[str, array]]) -> None:
    """Each sound, as prepared for the announcement, is found whole (but its faded edges) in BODY, in order."""
    at = 0
    for name, sound in sounds:
        middle = mix.to_bytes(sound[mix.ms(15) : -mix.ms(15)])
        found = body.find(middle, at)
        assert found > at, f"{name!r} not found after byte {at}"
        at = found + len(middle)


def clip(pack: Path, unit: str) -> tuple[str, array]:
    return unit, mix.prepared(mix.read_wav(pack / f"{unit.replace(' ', '-')}.wav"))


async def test_a_recorded_pack_is_played_clip_by_clip_in_order(recorded_pack: Path, tmp_path: Path) -> None:
    config = make_config(pack=str(recorded_pack))
    announcer, path = await speak(config, "A-123", "loket-3", tmp_path)
    await announcer.stop()
    with wave.open(str(path)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getcomptype()) == (1, 2, 22050, "NONE")
        body = f.readframes(f.getnframes())
    order = ["nomor antrean", "a", "seratus", "dua puluh", "tiga", "silakan menuju", "loket", "tiga"]
    found_in_order(body, [clip(recorded_pack, unit) for unit in order])


async def test_a_word_missing_from_a_recorded_pack_is_the_halls_espeak_voice(
    recorded_pack: Path, tmp_path: Path
) -> None:
    manifest = (recorded_pack / "manifest.toml").read_text(encoding="utf-8")
    (recorded_pack / "manifest.toml").write_text(manifest.replace('"tiga" = "tiga.wav"\n', ""), encoding="utf-8")
    config = make_config(pack=str(recorded_pack))
    announcer, path = await speak(config, "A-123", "loket-3", tmp_path)
    await announcer.stop()
    with wave.open(str(path)) as f:
        body = f.readframes(f.getnframes())
    # "tiga" as the hall's own eSpeak voice (id, not the pack's id+f3) says it alone
    speaker = Announcer(make_config(chime=False).voice, tmp_path / "espeak")
    await speaker.start()
    speaker.announce("tiga")
    said = await speaker.wav(speaker.key("tiga"), timeout=30.0)
    assert said is not None
    said = heard(said, tmp_path)
    await speaker.stop()
    with wave.open(str(said)) as f:
        tiga = ("tiga (eSpeak)", mix.prepared(mix.from_bytes(f.readframes(f.getnframes()))))
    units = [clip(recorded_pack, u) for u in ("nomor antrean", "a", "seratus", "dua puluh")]
    found_in_order(body, [*units, tiga, clip(recorded_pack, "silakan menuju"), clip(recorded_pack, "loket"), tiga])


async def test_the_key_follows_the_packs_content(tmp_path: Path) -> None:
    tone_pack(tmp_path / "pack", TONES)
    config = make_config(pack=str(tmp_path / "pack"))
    text = "Nomor antrean a seratus, silakan menuju loket tiga."
    before = Announcer(config.voice, tmp_path / "data").key(text)
    assert Announcer(config.voice, tmp_path / "data").key(text) == before
    write_wav(tmp_path / "pack" / "id-01.wav", [0.3] * 100 + [0.0] * 100, FORMATS[-1])  # "a" re-recorded
    announcer = Announcer(config.voice, tmp_path / "data")
    after = announcer.key(text)
    assert after != before
    announcer.set_voice(make_config(pack=str(tmp_path / "pack"), pack_gap_ms=100).voice)
    assert announcer.key(text) not in (before, after)
    assert Announcer(make_config().voice, tmp_path / "data").key(text) not in (before, after)


async def test_a_re_recorded_clip_is_used_without_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("antrian_voice.announcer.PACK_RECHECK_SECONDS", 0.1)
    tone_pack(tmp_path / "pack", {**TONES, "tiga": 550.0})
    config = make_config(pack=str(tmp_path / "pack"), chime=False)
    announcer = Announcer(config.voice, tmp_path / "data")
    await announcer.start()
    try:
        text = announcer.sentence(spoken_call(config, "A-123", "loket-3"))
        before = announcer.key(text)
        announcer.announce(text)
        assert await announcer.wav(before, timeout=30.0) is not None
        write_wav(tmp_path / "pack" / "id-01.wav", tone(375.0), FORMATS[0])  # "a" said again, lower
        for _ in range(300):
            if announcer.key(text) != before:
                break
            await asyncio.sleep(0.05)
        after = announcer.key(text)
        assert after != before
        announcer.announce(text)
        path = await announcer.wav(after, timeout=30.0)
        assert path is not None
        assert named(segments(read_speech(path, 0)), {**TONES, "tiga": 550.0, "a (new)": 375.0})[:2] == [
            "nomor antrean",
            "a (new)",
        ]
    finally:
        await announcer.stop()
