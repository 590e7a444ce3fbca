"""`antrian announce` (display_server/announce_cli.py) through click's runner."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from display_server.announce_cli import announce
from display_server.config import demo_config_text


def test_text_prints_the_exact_sentence() -> None:
    result = CliRunner().invoke(announce, ["A-123", "loket-3", "--text"])
    assert result.exit_code == 0, result.output
    assert result.output == "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga.\n"


def test_recall_with_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "hall.toml"
    config.write_text(demo_config_text().replace('number_mode = "words"', 'number_mode = "digits"'))
    result = CliRunner().invoke(announce, ["H-012", "meja-12", "--config", str(config), "--recall", "--text"])
    assert result.exit_code == 0, result.output
    assert result.output == "Panggilan ulang, nomor antrean ha nol satu dua, silakan menuju meja dua belas.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["A-1", "loket-99", "--text"], "unknown counter 'loket-99'"),
        (["12-AB", "loket-1", "--text"], "not a ticket number: '12-AB'"),
        (["A-1", "loket-1", "--config", "/nonexistent/hall.toml"], "cannot read file"),
    ],
)
def test_errors_exit_2_with_a_clear_message(args: list[str], message: str) -> None:
    result = CliRunner().invoke(announce, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.audio
def test_writes_the_wav(tmp_path: Path) -> None:
    out = tmp_path / "calls" / "a7.wav"
    result = CliRunner().invoke(announce, ["A-7", "loket-3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with wave.open(str(out)) as f:
        assert (f.getnchannels(), f.getsampwidth(), f.getframerate()) == (1, 2, 22050)
        assert f.getnframes() > 22050


@pytest.mark.audio
def test_default_output_is_named_after_the_number(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(announce, ["B-12", "loket-4"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "B-12.wav").stat().st_size > 44


def test_antrian_has_both_voice_commands() -> None:
    """`announce` needs the hall's config, so the server defines it; `speaker` is the voice's own."""
    from antrian_voice.cli import speaker
    from display_server.cli import main

    assert main.commands["announce"] is announce
    assert main.commands["speaker"] is speaker


def test_text_prints_every_language_said(tmp_path: Path) -> None:
    config = tmp_path / "hall.toml"
    config.write_text(demo_config_text().replace("[voice]\n", '[voice]\nlanguages = ["id", "en"]\n', 1))
    result = CliRunner().invoke(announce, ["A-123", "loket-3", "--config", str(config), "--text"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Nomor antrean a seratus dua puluh tiga, silakan menuju loket tiga.\n"
        "Queue number ay one hundred twenty-three, please proceed to counter three.\n"
    )
