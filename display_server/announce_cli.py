"""`antrian announce`: hear (or read) exactly what the hall will say for a call.

It reads the hall's config to find the counter and service names, so it lives with the server;
the voice (`antrian_voice`) only puts the call into words and sound.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from antrian_voice.call import SpokenCall
from antrian_voice.languages import parts
from antrian_voice.settings import Voice
from antrian_voice.text import sentence

from .announce import UnknownCall, spoken_call
from .config import ConfigError, demo_config_path, load_config

EXIT_USAGE = 2


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


def _synthesise(voice: Voice, call: SpokenCall, out: Path) -> bool:
    from antrian_voice import Announcer

    # The hall may have switched voices off; asking for a file means the user wants one.
    voice = voice.model_copy(update={"enabled": True})

    async def run() -> bool:
        with tempfile.TemporaryDirectory(prefix="antrian-announce-") as tmp:
            announcer = Announcer(voice, Path(tmp), nice=0)  # the user is waiting for this one
            await announcer.start()
            try:
                text = announcer.sentence(call)  # also the other languages of `voice.languages`
                announcer.announce(text)
                path = await announcer.wav(announcer.key(text), timeout=30.0)
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
        call = spoken_call(config, number, counter_id, recall=recall)
        spoken = sentence(call, config.voice)
    except UnknownCall as exc:
        ids = ", ".join(c.id for c in config.counters)
        _fail(f"{exc}" + (f" (counters: {ids})" if "counter" in str(exc) else ""))
    if text_only:  # every language said, one line each (the first is the screens' sentence)
        for part in parts(call, config.voice, spoken):
            click.echo(part.text)
        return
    target = out or Path(re.sub(r"[^\w.-]", "_", number.strip()) + ".wav")
    if not _synthesise(config.voice, call, target):
        click.echo("Error: speech synthesis failed (see the log above)", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"{target}: {spoken}")
