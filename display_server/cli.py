"""The `antrian` command."""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import sys
from pathlib import Path

import click

from antrian_voice.call import SpokenCall
from antrian_voice.cli import speaker, voice_pack_commands
from antrian_voice.needs import pack_warnings
from antrian_voice.settings import Voice
from counter_client.cli import call
from counter_client.cli import counter as counter_window

from .announce_cli import announce
from .config import (
    Config,
    ConfigError,
    demo_config_path,
    demo_config_text,
    load_config,
    uses_demo_tokens,
    weak_token_warnings,
)
from .config.folder import HallFile, load_config_folder
from .ops import backup, data_dir_option, database_option
from .report_cli import report
from .staff_cli import staff

log = logging.getLogger("antrian")

MAX_WEBSOCKET_FRAME = 64 * 1024  # hard cap; the config's max_message_bytes is checked per message


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="antrian")
def main() -> None:
    """Antrian: queue calling for public service halls, on the hall's own network."""


def load_or_exit(path: Path | None) -> Config:
    try:
        return load_config(path or demo_config_path())
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(2)


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: the bundled demo).",
)
@click.option(
    "--config-dir",
    "config_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="A folder of halls: each DIR/*.toml is one hall, served at /h/<file name>/.",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the whole LAN)."
)
@click.option("--port", default=8000, show_default=True, type=int)
@data_dir_option
@database_option
def serve(
    config_path: Path | None, config_dir: Path | None, host: str, port: int, data_dir: Path, database: str | None
) -> None:
    """Run the server: one hall (--config), or a folder of halls (--config-dir)."""
    import uvicorn

    from .app import access_log, create_app
    from .app.deployment import create_deployment_app, deployment_limits, hall_mount_path
    from .app.http_protocol import ConnectionLimits, guarded_protocol
    from .app.ws_protocol import FramingWebSocketProtocol

    if config_path is not None and config_dir is not None:
        click.echo("--config and --config-dir exclude each other: give one hall's file or a folder of halls", err=True)
        sys.exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    access_log.install()  # no tokens in the log (docs/protocol.md)
    # Owner-only for everything the server writes: the database holds every ticket's token.
    os.umask(0o077)
    if config_dir is not None:
        halls = load_folder_or_exit(config_dir)  # every hall valid, or none served
        configs = [hall.config for hall in halls]
        for hall in halls:
            _warn_about_tokens(hall.config, host, hall.path)
        app = create_deployment_app(halls, data_dir, database=database)
        limits = deployment_limits(configs)
        for hall in halls:
            _print_urls(hall.config, host, port, hall.path, hall_mount_path(hall.id))
    else:
        config = load_or_exit(config_path)
        configs = [config]
        _warn_about_tokens(config, host, None)
        app = create_app(config, data_dir, config_path=config_path, database=database)
        limits = ConnectionLimits.of(config.security)
        _print_urls(config, host, port, config_path)
    trusted_proxies = sorted({proxy for c in configs for proxy in c.security.trusted_proxies})

    gc.freeze()
    uvicorn.run(
        # websockets' sans-I/O core: a third less CPU per message than the legacy protocol,
        # which decides call -> screen latency at 1000 TVs (docs/performance.md); ours lets
        # the hub frame a call once and write it to every TV below ASGI (app/ws_protocol.py).
        app,
        host=host,
        port=port,
        ws=FramingWebSocketProtocol,
        http=guarded_protocol(limits),
        # X-Forwarded-For is believed only from the hall's own proxies (none by default):
        # anyone else could forge an address to dodge the rate limit or fake the logs.
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies,
        ws_max_size=MAX_WEBSOCKET_FRAME,
        log_level="info",
        timeout_keep_alive=5,
        # Browsers ask for permessage-deflate. On a LAN it saves nothing that matters (a call
        # is ~700 bytes) and costs a zlib context per TV and a compression per TV per call.
        ws_per_message_deflate=False,
    )


@main.command("demo-config")
def demo_config() -> None:
    """Print the bundled demo config (start yours with: antrian demo-config > antrian.toml)."""
    click.echo(demo_config_text(), nl=False)


@main.command("check-config")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def check_config(path: Path) -> None:
    """Validate a config file: exit 0 when valid, else exit 2 with one line per problem."""
    config = load_or_exit(path)
    click.echo(
        f"{path}: valid ({len(config.agencies)} agencies, {len(config.services)} services, "
        f"{len(config.counters)} counters, {len(config.screens)} screens)"
    )
    for warning in weak_token_warnings(config) + pack_warnings(config.voice, _one_call_per_desk(config)):
        click.echo(f"{path}: warning: {warning}", err=True)


def _one_call_per_desk(config: Config) -> list[SpokenCall]:
    """A call of each service at each counter serving it: every name the voice may say."""
    from .announce import upcoming_calls
    from .contract import format_number

    return list(upcoming_calls(config, {s.id: format_number(s.prefix, 123) for s in config.services}, 1))


def _hall_voice(path: Path | None) -> tuple[Voice, list[SpokenCall]]:
    config = load_or_exit(path)
    return config.voice, _one_call_per_desk(config)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_folder_or_exit(folder: Path) -> list[HallFile]:
    try:
        return load_config_folder(folder)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(2)


def _warn_about_tokens(config: Config, host: str, source: Path | None) -> None:
    """SOURCE: the hall's file, named when a deployment has many."""
    named = f"{source}: " if source is not None else ""
    for warning in weak_token_warnings(config):
        click.secho(f"WARNING: {named}{warning}", fg="yellow", err=True)
    if uses_demo_tokens(config) and not _is_loopback(host):
        click.secho(
            f"WARNING: {named}this config uses demo tokens (demo-…) and the server is reachable from the network.\n"
            "Anyone on the LAN can act as a counter or admin. Set your own tokens before going live.",
            fg="red",
            bold=True,
            err=True,
        )


def _print_urls(config: Config, host: str, port: int, config_path: Path | None, hall_base: str = "") -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}{hall_base}"
    click.echo(f"Antrian for {config.site.name} ({config_path or 'demo config'})")
    click.echo(f"  Kiosk:    {base}/kiosk")
    for screen in config.screens:
        click.echo(f"  Screen:   {base}/screen/{screen.id}  ({screen.layout}, {screen.zone})")
    for counter in config.counters:
        click.echo(f"  Counter:  {base}/counter/{counter.id}  ({counter.name})")
    click.echo(f"  Hall:     {base}/admin/hall")
    click.echo(f"  Status:   {base}/admin/screens")
    click.echo(f"  State:    {base}/api/state")


# Commands that live with their own package, registered by name: a broken import is an error
# at start-up, never a command that silently goes missing.
main.add_command(announce)
main.add_command(speaker)
main.add_command(voice_pack_commands(_hall_voice))
main.add_command(counter_window)
main.add_command(staff)
main.add_command(report)
main.add_command(call)
main.add_command(backup)
