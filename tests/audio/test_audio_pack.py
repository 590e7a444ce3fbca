"""Voice packs without eSpeak: the manifest, how a sentence is split into units, reading clips of
any common format, and joining them (order, gaps, crossfade, loudness, no clicks).

The packs are tone packs (tests/audio/voice_pack.py): every unit is a tone of its own pitch and
volume, so the clips are found in the result by their frequency, not by asking the code."""

from __future__ import annotations

import math
from array import array
from pathlib import Path
from typing import Any

import pytest

from antrian_voice import mix
from antrian_voice.assemble import COMMA_PAUSE_MS, Assembler
from antrian_voice.pack import Clip, Missing, PackError, Pause, read_manifest, signature, split, unit_key
from tests.audio.voice_pack import FORMATS, RATE, named, segments, tone, tone_pack, write_manifest, write_wav

SENTENCE = "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga."
TONES = {
    "nomor antrean": 300.0,
    "a": 350.0,
    "seratus": 400.0,
    "dua": 450.0,
    "puluh": 500.0,
    "tiga": 550.0,
    "silakan menuju": 600.0,
    "loket": 650.0,
    "loket tiga": 700.0,
}


def no_espeak(text: str, voice: str) -> bytes:
    raise AssertionError(f"eSpeak asked for {text!r}: the pack has every unit")


def assemble(folder: Path, text: str = SENTENCE, **pack: Any) -> tuple[list[int], list[str]]:
    options = {"folder": str(folder), "gap_ms": 60, "crossfade_ms": 10, "fallback": "word", **pack}
    frames, lacking = Assembler().speech(
        [{"language": "id", "text": text, "voice": "id"}], options, 1.0, synthesise=no_espeak
    )
    return list(mix.from_bytes(frames)), lacking


# -- the manifest and the units -------------------------------------------------------------


def test_units_are_matched_longest_first_within_each_clause() -> None:
    units = {"nomor antrean", "a", "seratus", "dua", "puluh", "tiga", "silakan menuju", "loket", "loket tiga"}
    assert split(SENTENCE, dict.fromkeys(units)) == [
        Clip("nomor antrean"), Clip("a"), Clip("seratus"), Clip("dua"), Clip("puluh"), Clip("tiga"),
        Pause(stop=False),
        Clip("silakan menuju"), Clip("loket tiga"),
    ]  # fmt: skip


def test_words_the_pack_lacks_are_grouped_in_their_place() -> None:
    units = dict.fromkeys(["nomor antrean", "a", "silakan menuju", "loket"])
    assert split("Nomor antrean a dua ratus, silakan menuju loket tiga.", units) == [
        Clip("nomor antrean"), Clip("a"), Missing("dua ratus"), Pause(stop=False),
        Clip("silakan menuju"), Clip("loket"), Missing("tiga"),
    ]  # fmt: skip


def test_a_unit_never_spans_a_pause() -> None:
    units = dict.fromkeys(["tiga silakan", "tiga", "silakan"])
    assert split("tiga, silakan", units) == [Clip("tiga"), Pause(stop=False), Clip("silakan")]


def test_unit_names_ignore_case_punctuation_and_hyphens() -> None:
    assert unit_key("  Nomor  Antrean, ") == "nomor antrean"
    assert unit_key("twenty-three") == "twenty three"
    assert split("Queue number ay twenty-three.", dict.fromkeys(["queue number", "ay", "twenty", "three"])) == [
        Clip("queue number"), Clip("ay"), Clip("twenty"), Clip("three"),
    ]  # fmt: skip


def test_manifest_maps_units_to_clips(tmp_path: Path) -> None:
    tone_pack(tmp_path, {"Nomor Antrean": 300.0, "loket": 400.0})
    manifest = read_manifest(tmp_path)
    assert manifest.name == "Pack uji"
    assert manifest.languages() == ("id",)
    assert set(manifest.units["id"]) == {"nomor antrean", "loket"}


@pytest.mark.parametrize(
    ("tables", "extra", "message"),
    [
        (None, "", "no manifest.toml"),
        ({}, "[jv]\n", "unknown section 'jv'"),
        ({"id": {"loket": "nothere.wav"}}, "", "clip 'nothere.wav' not found"),
        ({"id": {"loket": "clip.mp3"}}, "", "must name a .wav file"),
        ({}, '[id]\n"Loket" = "a.wav"\n"loket," = "a.wav"\n', "listed twice"),
        ({}, "[id\n", "not valid TOML"),
    ],
)
def test_a_broken_manifest_says_what_is_wrong(tmp_path: Path, tables: Any, extra: str, message: str) -> None:
    write_wav(tmp_path / "a.wav", tone(300), FORMATS[-1])
    if tables is not None:
        write_manifest(tmp_path, tables)
        with open(tmp_path / "manifest.toml", "a") as f:
            f.write(extra)
    with pytest.raises(PackError, match=message):
        read_manifest(tmp_path)


def test_signature_changes_with_a_re_recorded_clip_or_an_edited_manifest(tmp_path: Path) -> None:
    tone_pack(tmp_path, {"loket": 400.0, "tiga": 500.0})
    first = signature(tmp_path)
    assert signature(tmp_path) == first
    write_wav(tmp_path / "id-01.wav", tone(520, seconds=0.5), FORMATS[-1])
    second = signature(tmp_path)
    assert second != first
    write_manifest(tmp_path, {"id": {"loket": "id-00.wav"}})
    assert signature(tmp_path) not in (first, second)


# -- clips of any format -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f"{f.rate}Hz-{f.channels}ch-{8 * f.width}bit")
def test_any_common_wav_becomes_mono_16_bit_22050_hz(tmp_path: Path, fmt: Any) -> None:
    write_wav(tmp_path / "clip.wav", tone(440, seconds=0.5, padding=0), fmt)
    samples = mix.read_wav(tmp_path / "clip.wav")
    assert samples.typecode == "h"
    assert abs(len(samples) - 0.5 * RATE) <= RATE * 0.002  # the same duration
    (found,) = segments(samples)
    assert found.freq == pytest.approx(440, rel=0.02)  # the same pitch


# -- joining ---------------------------------------------------------------------------------


def test_clips_are_joined_in_the_sentences_order(tmp_path: Path) -> None:
    tone_pack(tmp_path, TONES)
    samples, lacking = assemble(tmp_path)
    assert lacking == []
    assert named(segments(samples), TONES) == [
        "nomor antrean", "a", "seratus", "dua", "puluh", "tiga", "silakan menuju", "loket tiga",
    ]  # fmt: skip


@pytest.mark.parametrize("gap_ms", [40, 60, 150])
def test_the_gap_between_clips_is_the_configured_one(tmp_path: Path, gap_ms: int) -> None:
    tone_pack(tmp_path, TONES)
    samples, _ = assemble(tmp_path, gap_ms=gap_ms, crossfade_ms=10)
    found = segments(samples, min_gap_ms=20)
    gaps = [(b.start - a.end) * 1000 / RATE for a, b in zip(found, found[1:], strict=False)]
    comma = 5  # the comma after "tiga": a pause instead of the gap
    assert gaps[comma] == pytest.approx(COMMA_PAUSE_MS + 10, abs=6)
    for gap in gaps[:comma] + gaps[comma + 1 :]:
        # the silence between two clips: the gap, plus at most the 5 ms each clip keeps around its sound
        assert gap_ms <= gap <= gap_ms + 12


def test_clips_recorded_at_any_volume_and_rate_come_out_equally_loud(tmp_path: Path) -> None:
    tone_pack(tmp_path, TONES)  # gains 0.25 to 2.2, 8 kHz to 44.1 kHz
    samples, _ = assemble(tmp_path)
    levels = [20 * math.log10(s.rms / 32767) for s in segments(samples)]
    assert len(levels) == 8
    assert max(levels) - min(levels) < 1.0  # dB
    assert all(abs(level - -20.0) < 1.0 for level in levels)  # at the target


@pytest.mark.parametrize(("gap_ms", "crossfade_ms"), [(60, 10), (0, 10), (0, 0), (20, 0)])
def test_joins_never_click(tmp_path: Path, gap_ms: int, crossfade_ms: int) -> None:
    tone_pack(tmp_path, TONES)
    samples, _ = assemble(tmp_path, gap_ms=gap_ms, crossfade_ms=crossfade_ms)
    # A tone moves at most 2*pi*f*A/RATE per sample; a click (a cut edge) jumps much further.
    peak = max(abs(v) for v in samples)
    steepest = 2 * math.pi * max(TONES.values()) * peak / RATE
    assert max(abs(b - a) for a, b in zip(samples, samples[1:], strict=False)) < 1.5 * steepest
    assert samples[0] == 0 and abs(samples[-1]) < 0.05 * peak  # faded in and out


def test_with_no_gap_the_clips_overlap_by_the_crossfade(tmp_path: Path) -> None:
    tone_pack(tmp_path, TONES)
    apart, _ = assemble(tmp_path, gap_ms=60, crossfade_ms=10)
    overlapped, _ = assemble(tmp_path, gap_ms=0, crossfade_ms=10)
    joins = 7 - 1  # eight clips, one join is the comma's pause
    expected = len(apart) - joins * (mix.ms(60) + mix.ms(10))
    assert abs(len(overlapped) - expected) <= joins
    assert not [s for s in segments(overlapped) if s.seconds < 0.1]  # no silence inside a clause


def test_the_volume_setting_scales_the_pack_too(tmp_path: Path) -> None:
    tone_pack(tmp_path, TONES)
    options = {"folder": str(tmp_path), "gap_ms": 60, "crossfade_ms": 10, "fallback": "word"}
    part = [{"language": "id", "text": SENTENCE, "voice": "id"}]
    full = mix.from_bytes(Assembler().speech(part, options, 1.0, synthesise=no_espeak)[0])
    half = mix.from_bytes(Assembler().speech(part, options, 0.5, synthesise=no_espeak)[0])
    assert mix.loudness(half) == pytest.approx(mix.loudness(full) / 2, rel=0.03)


def espeak_stand_in(text: str, voice: str) -> bytes:
    """What the worker's eSpeak would give for TEXT: here a 900 Hz tone, told apart from every clip."""
    return mix.to_bytes(array("h", (int(v * 32767) for v in tone(900.0, padding=0.02))))


def test_a_clip_that_cannot_be_read_is_said_by_espeak_and_a_pack_gone_leaves_all_to_espeak(tmp_path: Path) -> None:
    tone_pack(tmp_path, TONES)
    (tmp_path / "id-07.wav").write_bytes(b"RIFF, but no WAV")  # "loket"
    options = {"folder": str(tmp_path), "gap_ms": 60, "crossfade_ms": 10, "fallback": "word"}
    assembler = Assembler()
    text = "Nomor antrean a dua, silakan menuju loket."
    frames, _ = assembler.speech(
        [{"language": "id", "text": text, "voice": "id"}], options, 1.0, synthesise=espeak_stand_in
    )
    spoken = {**TONES, "<espeak>": 900.0}
    assert named(segments(mix.from_bytes(frames)), spoken) == [
        "nomor antrean",
        "a",
        "dua",
        "silakan menuju",
        "<espeak>",
    ]
    (tmp_path / "manifest.toml").unlink()
    frames, _ = assembler.speech(
        [{"language": "id", "text": text, "voice": "id"}], options, 1.0, synthesise=espeak_stand_in
    )
    assert named(segments(mix.from_bytes(frames)), spoken) == ["<espeak>"]
