"""`antrian speaker`: play a zone's announcements on this PC's sound card (see audio/speaker.py).

The main CLI registers `speaker`; this module does not define the group itself. `antrian
announce` needs the hall's config (counter and service names), so it lives with the server
(display_server/announce_cli.py).
"""

from __future__ import annotations

import asyncio
import shutil
from typing import NoReturn

import click

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
