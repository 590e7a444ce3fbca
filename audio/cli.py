"""`antrian announce`: hear (or read) exactly what the hall will say for a call.

`antrian speaker`: play a zone's announcements on this PC's sound card (see audio/speaker.py).

The main CLI registers `announce` and `speaker`; this module does not define the group itself.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from display_server.config import ConfigError, demo_config_path, load_config
from display_server.config.model import Config

from .text import AnnouncementError, sentence

EXIT_USAGE = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


def _synthesise(config: Config, text: str, out: Path) -> bool:
    from .announcer import Announcer

    # The hall may have switched voices off; asking for a file means the user wants one.
    config = config.model_copy(update={"voice": config.voice.model_copy(update={"enabled": True})})

    async def run() -> bool:
        with tempfile.TemporaryDirectory(prefix="antrian-announce-") as tmp:
            announcer = Announcer(config, Path(tmp), prewarm_on_start=False)
            await announcer.start()
            try:
                path = await announcer.wav(announcer.request(text), timeout=30.0)
                if path is None:
                    return False
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)
                return True
            finally:
                await announcer.stop()

    return asyncio.run(run())


@click.command("announce")
@click.argument("number")
@click.argument("counter_id")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Hall config file (default: the built-in demo config).",
)
@click.option("--recall", is_flag=True, help="Use the recall sentence (panggilan ulang).")
@click.option("--text", "text_only", is_flag=True, help="Print the exact sentence instead of writing a WAV.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="WAV file to write (default: NUMBER.wav).",
)
def announce(
    number: str, counter_id: str, config_path: Path | None, recall: bool, text_only: bool, out: Path | None
) -> None:
    """Say a call: write its WAV (chime and speech) or print its sentence.

    NUMBER is the ticket as printed (A-123, A123, PID-12); COUNTER_ID a counter id from the
    config (loket-3).
    """
    try:
        config = load_config(config_path or demo_config_path())
    except ConfigError as exc:
        _fail(str(exc))
    try:
        spoken = sentence(config, number, counter_id, recall=recall)
    except AnnouncementError as exc:
        ids = ", ".join(c.id for c in config.counters)
        _fail(f"{exc}" + (f" (counters: {ids})" if "counter" in str(exc) else ""))
    if text_only:
        click.echo(spoken)
        return
    target = out or Path(re.sub(r"[^\w.-]", "_", number.strip()) + ".wav")
    if not _synthesise(config, spoken, target):
        click.echo("Error: speech synthesis failed (see the log above)", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"{target}: {spoken}")


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
    "--max-age", type=float, default=60.0, show_default=True,
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
        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S",
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
