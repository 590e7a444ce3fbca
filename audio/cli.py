"""`antrian speaker`: play a zone's announcements on this PC's sound card (see audio/speaker.py);
`antrian voice-pack check|script`: what a hall's voice pack must hold, and what it lacks.

The main CLI registers these; this module does not define the `antrian` group itself. `antrian
announce` needs the hall's config (counter and service names), so it lives with the server
(display_server/announce_cli.py). `voice-pack` needs it too: the server hands it a function that
reads a config into its voice and one call per counter and service (`HallReader`).
"""

from __future__ import annotations

import asyncio
import shutil
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from .call import SpokenCall
    from .needs import Need
    from .settings import Voice

# A config file (None: the bundled demo) -> its [voice] and one call per counter and service.
HallReader = Callable[[Path | None], "tuple[Voice, list[SpokenCall]]"]
EXIT_MISSING = 1
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

EXIT_USAGE = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


@click.command("speaker")
@click.option("--server", required=True, help="The server's address: http://192.168.1.10:8000")
@click.option("--zone", required=True, help="The zone whose calls this PC plays (a zone id from the config: lantai1).")
@click.option(
    "--player",
    help="Command that plays one WAV and exits when done; {file} is the file "
    "(default: the first installed of 'aplay -q {file}', 'paplay {file}', "
    "'ffplay -nodisp -autoexit -loglevel quiet {file}').",
)
@click.option(
    "--max-age",
    type=float,
    default=60.0,
    show_default=True,
    help="Skip calls older than this many seconds (0: play calls of any age).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also log debugging details.")
def speaker(server: str, zone: str, player: str | None, max_age: float, verbose: bool) -> None:
    """Play a zone's announcements on this PC's sound card (for a PA system wired to a PC).

    Connects to the server's /ws/zone/ZONE, plays each new call once, one at a time in the order
    made, and reconnects by itself. Stop with Ctrl-C.
    """
    import logging

    from .speaker import NO_PLAYER_MESSAGE, Speaker, SpeakerRefused, default_player, player_program, run_speaker

    if max_age < 0:
        _fail("--max-age must be 0 or more")
    if player is None:
        player = default_player()
        if player is None:
            _fail(NO_PLAYER_MESSAGE)
    else:
        program = player_program(player)
        if program is None:
            _fail(f"--player is not a valid command: {player!r}")
        if "{file}" not in player:
            _fail("--player must contain {file}, where the WAV file goes (e.g. 'aplay -q {file}')")
        if shutil.which(program) is None:
            _fail(f"--player: program {program!r} not found")
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    instance = Speaker(server, zone, player, max_age=max_age)
    logging.getLogger("antrian.speaker").info(
        "speaker for zone %r: %s, player %r, max age %g s", zone, instance.url, player, max_age
    )
    try:
        asyncio.run(run_speaker(instance))
    except SpeakerRefused as exc:
        _fail(f"the server refused: {exc}")
    except KeyboardInterrupt:
        pass
    logging.getLogger("antrian.speaker").info("stopped")


def voice_pack_commands(read_hall: HallReader) -> click.Group:
    """The `antrian voice-pack` group; READ_HALL reads the hall's config (see `HallReader`)."""
    config_option = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Hall config file (default: the bundled demo).",
    )

    @click.group("voice-pack")
    def voice_pack() -> None:
        """Recorded voice packs: what to record, and what a pack lacks (docs/audio.md)."""

    @voice_pack.command("check")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    @config_option
    def check(folder: Path, config_path: Path | None) -> None:
        """Compare the pack in FOLDER with the units the hall's config needs.

        Exit 0 when every unit is recorded (whole or from smaller units), 1 when some are
        missing or a clip cannot be read, 2 when the pack or the config cannot be read."""
        from .mix import read_wav
        from .needs import coverage, needed_units
        from .pack import PackError, read_manifest

        voice, calls = read_hall(config_path)
        try:
            manifest = read_manifest(folder)
        except PackError as exc:
            _fail(str(exc))
        recorded = manifest.languages()
        counts = [f"{len(manifest.units[lang])} clips in {LANGUAGE_NAMES[lang]}" for lang in recorded]
        click.echo(f"Pack {manifest.folder} ({manifest.name}): {', '.join(counts) or 'no clips'}")
        problems = 0
        for clip in manifest.files():
            try:
                read_wav(clip)
            except (wave.Error, EOFError, ValueError, OSError) as exc:
                click.echo(f"  unreadable  {clip.relative_to(manifest.folder)}: {exc}")
                problems += 1
        needs = coverage(needed_units(voice, calls), manifest)
        for language in voice.languages:
            mine = [c for c in needs if c.need.language == language]
            if language not in recorded:
                click.echo(f"{LANGUAGE_NAMES[language]}: no [{language}] clips; eSpeak NG says all {len(mine)} units")
                continue
            whole = sum(1 for c in mine if c.recorded)
            pieced = sum(1 for c in mine if not c.recorded and not c.lacking)
            lacking = [c for c in mine if c.lacking]
            click.echo(
                f"{LANGUAGE_NAMES[language]}: the hall needs {len(mine)} units: {whole} recorded, "
                f"{pieced} made of smaller units, {len(lacking)} missing"
            )
            for c in lacking:
                click.echo(f'  missing  {c.need.kind:<6}  "{c.need.unit}"  (no clip for: {", ".join(c.lacking)})')
            problems += len(lacking)
        if problems:
            click.echo(f"{problems} problem(s); missing words are said by eSpeak NG (pack_fallback) until recorded")
            raise click.exceptions.Exit(EXIT_MISSING)
        click.echo("Every unit the hall needs is in the pack.")

    @voice_pack.command("script")
    @config_option
    @click.option("--manifest", "as_manifest", is_flag=True, help="Print a manifest.toml for these files instead.")
    def script(config_path: Path | None, as_manifest: bool) -> None:
        """The units to record, as a script for the person recording them: each unit, its file
        name and a sentence it is said in."""
        from .needs import needed_units

        voice, calls = read_hall(config_path)
        needs = needed_units(voice, calls)
        click.echo(_manifest_text(needs) if as_manifest else _script_text(needs), nl=False)

    return voice_pack


def _script_text(needs: list[Need]) -> str:
    from .needs import KIND_TITLES, KINDS

    lines = [
        f"Voice pack script: {len(needs)} units",
        "Record each unit as its own WAV file (any rate, mono or stereo, 16-bit), said calmly and",
        "evenly, as in the example sentence, with a little silence before and after.",
    ]
    number = 0
    for language in dict.fromkeys(n.language for n in needs):
        lines += ["", f"== {LANGUAGE_NAMES[language]} =="]
        for kind in KINDS:
            group = [n for n in needs if n.language == language and n.kind == kind]
            if not group:
                continue
            lines += ["", f"-- {KIND_TITLES[kind]} --"]
            for need in group:
                number += 1
                lines.append(f"{number:>4}. {need.unit}")
                lines.append(f"      file: {need.file_name}")
                lines.append(f"      as in: {need.example}")
    return "\n".join(lines) + "\n"


def _manifest_text(needs: list[Need]) -> str:
    lines = ['name = "My hall\'s voice"']
    for language in dict.fromkeys(n.language for n in needs):
        lines += ["", f"[{language}]"]
        lines += [f'"{n.unit}" = "{n.file_name}"' for n in needs if n.language == language]
    return "\n".join(lines) + "\n"
