"""A hall installs a voice pack: the `[voice]` keys, `antrian voice-pack script` (what to record),
`antrian voice-pack check` (what a pack lacks) and the warning of `antrian check-config`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from display_server.cli import main
from display_server.config import ConfigError, load_config, parse_config
from tests.audio.voice_pack import FORMATS, tone, write_manifest, write_wav
from tests.support.hall_config import test_config_text


def hall(tmp_path: Path, voice: str = "") -> Path:
    """The test hall (counters Loket 1 to 4) with a [voice] section, in TMP_PATH/hall/antrian.toml."""
    folder = tmp_path / "hall"
    folder.mkdir(exist_ok=True)
    path = folder / "antrian.toml"
    path.write_text(test_config_text(counters=4, extra=f"\n[voice]\n{voice}\n"), encoding="utf-8")
    return path


def record(folder: Path, manifest: str) -> None:
    """Write a pack for MANIFEST (a manifest.toml's text): a short tone for every file it names."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.toml").write_text(manifest, encoding="utf-8")
    for i, table in enumerate(v for v in tomllib.loads(manifest).values() if isinstance(v, dict)):
        for j, file in enumerate(table.values()):
            write_wav(folder / file, tone(200 + 10 * j, seconds=0.05, padding=0.01), FORMATS[(i + j) % len(FORMATS)])


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- the [voice] keys -----------------------------------------------------------------------------


def test_a_relative_pack_is_found_beside_the_config_file(tmp_path: Path) -> None:
    record(tmp_path / "hall" / "suara", '[id]\n"loket" = "loket.wav"\n')
    config = load_config(hall(tmp_path, 'pack = "suara"'))
    assert config.voice.pack == str((tmp_path / "hall" / "suara").resolve())


@pytest.mark.parametrize(
    ("voice", "problem"),
    [
        ('pack = "nowhere"', "voice.pack: no manifest.toml in"),
        ("languages = []", "voice.languages: at least one language"),
        ('languages = ["id", "fr"]', "voice.languages: unknown language 'fr'"),
        ('languages = ["id", "id"]', "voice.languages: a language is listed twice"),
        ("pack_gap_ms = -5", "voice.pack_gap_ms: Input should be greater than or equal to 0"),
        ("pack_crossfade_ms = 500", "voice.pack_crossfade_ms: Input should be less than or equal to 100"),
        ('pack_fallback = "silence"', "voice.pack_fallback: Input should be 'word' or 'sentence'"),
        ('en = { template = "Number {nomer}" }', "voice.en.template: unknown placeholder {nomer}"),
        ('en = { templat = "Number {nomor}" }', "voice.en.templat: unknown field"),
    ],
)
def test_voice_pack_and_language_mistakes_are_reported(tmp_path: Path, voice: str, problem: str) -> None:
    path = hall(tmp_path, voice)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert any(p.startswith(f"{path}: {problem}") for p in caught.value.problems), caught.value.problems


def test_a_config_without_a_file_resolves_the_pack_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(tmp_path / "suara", '[id]\n"loket" = "loket.wav"\n')
    monkeypatch.chdir(tmp_path)
    config = parse_config(test_config_text(extra='\n[voice]\npack = "suara"\n'))
    assert config.voice.pack == str((tmp_path / "suara").resolve())


# -- antrian voice-pack script --------------------------------------------------------------------


def test_script_lists_every_unit_with_its_file_and_a_sentence(tmp_path: Path) -> None:
    code, out, _ = run("voice-pack", "script", "--config", str(hall(tmp_path, 'languages = ["id", "en"]')))
    assert code == 0
    assert "== Bahasa Indonesia ==" in out and "== English ==" in out
    assert (
        "   1. nomor antrean\n      file: nomor-antrean.wav\n      as in: Nomor antrean a seratus dua puluh tiga" in out
    )
    for unit in (
        "silakan menuju",
        "panggilan ulang",
        "be",
        "seribu",
        "belas",
        "loket empat",
        "queue number",
        "bee",
        "counter four",
    ):
        assert f". {unit}\n" in out, unit
    assert ". sekali lagi\n" not in out  # said only with repeat = true


def test_script_writes_a_manifest_that_check_accepts_once_recorded(tmp_path: Path) -> None:
    config = hall(tmp_path, 'languages = ["id", "en"]')
    code, manifest, _ = run("voice-pack", "script", "--config", str(config), "--manifest")
    assert code == 0
    tables = tomllib.loads(manifest)
    assert tables["id"]["nomor antrean"] == "nomor-antrean.wav"
    assert tables["en"]["please proceed to"] == "en-please-proceed-to.wav"
    record(tmp_path / "pack", manifest)
    code, out, _ = run("voice-pack", "check", str(tmp_path / "pack"), "--config", str(config))
    assert code == 0, out
    assert "0 missing" in out and "Every unit the hall needs is in the pack." in out


# -- antrian voice-pack check ---------------------------------------------------------------------


def test_check_names_the_missing_units_and_exits_1(tmp_path: Path) -> None:
    config = hall(tmp_path)
    _, manifest, _ = run("voice-pack", "script", "--config", str(config), "--manifest")
    lines = manifest.splitlines()
    # Loket 1..4 recorded as "loket" + a number word instead of whole; "seribu" and "be" never recorded.
    kept = [line for line in lines if not line.startswith(('"loket ', '"seribu"', '"be"'))] + ['"loket" = "loket.wav"']
    record(tmp_path / "pack", "\n".join(kept) + "\n")
    code, out, _ = run("voice-pack", "check", str(tmp_path / "pack"), "--config", str(config))
    assert code == 1
    assert "4 made of smaller units, 2 missing" in out
    assert '  missing  letter  "be"  (no clip for: be)' in out
    assert '  missing  number  "seribu"  (no clip for: seribu)' in out


def test_check_says_english_comes_from_espeak_without_english_clips(tmp_path: Path) -> None:
    config = hall(tmp_path, 'languages = ["id", "en"]')
    _, manifest, _ = run("voice-pack", "script", "--config", str(config), "--manifest")
    record(tmp_path / "pack", manifest.split("[en]")[0])
    code, out, _ = run("voice-pack", "check", str(tmp_path / "pack"), "--config", str(config))
    assert code == 0, out
    assert "English: no [en] clips; eSpeak NG says all" in out


def test_check_reports_an_unreadable_clip(tmp_path: Path) -> None:
    config = hall(tmp_path)
    _, manifest, _ = run("voice-pack", "script", "--config", str(config), "--manifest")
    record(tmp_path / "pack", manifest)
    (tmp_path / "pack" / "tiga.wav").write_bytes(b"RIFF....not a wav")
    code, out, _ = run("voice-pack", "check", str(tmp_path / "pack"), "--config", str(config))
    assert code == 1
    assert "unreadable  tiga.wav" in out


def test_check_of_a_folder_without_a_manifest_exits_2(tmp_path: Path) -> None:
    code, _, err = run("voice-pack", "check", str(tmp_path))
    assert code == 2
    assert f"Error: no manifest.toml in {tmp_path}" in err


# -- antrian check-config -------------------------------------------------------------------------


def test_check_config_warns_about_missing_units_and_still_passes(tmp_path: Path) -> None:
    record(tmp_path / "hall" / "suara", '[id]\n"nomor antrean" = "a.wav"\n"silakan menuju" = "b.wav"\n')
    path = hall(tmp_path, 'pack = "suara"')
    code, out, err = run("check-config", str(path))
    assert code == 0
    assert "valid" in out
    assert f"{path}: warning: voice.pack: " in err
    assert 'units the hall needs have no clip (eSpeak NG says them): id "panggilan ulang", id "a"' in err
    write_manifest(tmp_path / "hall" / "suara", {})
    _, manifest, _ = run("voice-pack", "script", "--config", str(path), "--manifest")
    record(tmp_path / "hall" / "suara", manifest)
    code, _, err = run("check-config", str(path))
    assert code == 0 and "voice.pack" not in err
