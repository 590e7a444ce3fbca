"""`antrian counter` (the desktop window) and `antrian call` (one command from a script)."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import click

from display_server.contract import Action, error_body, error_text

from .oneshot import VERBS, call_once
from .rules import typed_number
from .tokens import stored_token

SERVER = click.option("--server", required=True, help="Server address, e.g. http://192.168.1.10:8000")
COUNTER = click.option("--counter", "counter_id", required=True, help="Counter id from the hall config, e.g. loket-1")
TOKEN = click.option("--token", envvar="ANTRIAN_COUNTER_TOKEN", help="Counter token (else the saved one, else asked).")
PIN_VARIABLE = "ANTRIAN_PIN"  # a PIN is never a command-line argument: others could read it in `ps`


def resolve_token(server: str, counter_id: str, token: str | None) -> str | None:
    return token or stored_token(server, counter_id)


@click.command()
@SERVER
@COUNTER
@TOKEN
@click.option("--on-top", is_flag=True, help="Keep the window above the others.")
@click.option("--save-token", is_flag=True, help="Remember the token in the user's config file.")
def counter(server: str, counter_id: str, token: str | None, on_top: bool, save_token: bool) -> None:
    """Open the counter window (big buttons, keyboard and keypad shortcuts)."""
    from .desktop import run_window

    token = resolve_token(server, counter_id, token)
    run_window(server, counter_id, token, on_top=on_top, save_token=save_token)


@click.command()
@click.argument("action", type=click.Choice(sorted(VERBS)))
@SERVER
@COUNTER
@TOKEN
@click.option("--service", help="Target service for transfer.")
@click.option("--number", help="Ticket number for call, e.g. A-012.")
@click.option("--reason", help="Pause reason, one of the hall's list (e.g. Istirahat).")
@click.option("--officer", help=f"Sign this officer in first; the PIN from ${PIN_VARIABLE}, else asked.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for the reply.")
def call(
    action: str,
    server: str,
    counter_id: str,
    token: str | None,
    service: str | None,
    number: str | None,
    reason: str | None,
    officer: str | None,
    timeout: float,
) -> None:
    """Send one command, print the reply as JSON, exit 1 with the error code on failure.

    The error's Indonesian text goes to stderr, for the person at the counter."""
    result = _run_call(action, server, counter_id, token, service, number, reason, officer, timeout)
    click.echo(json.dumps(result, ensure_ascii=False))
    if "error" in result:
        click.echo(error_text(result["error"]["code"], result["error"]["message"]), err=True)
        sys.exit(1)


def _run_call(
    action: str,
    server: str,
    counter_id: str,
    token: str | None,
    service: str | None,
    number: str | None,
    reason: str | None,
    officer: str | None,
    timeout: float,
) -> dict:
    kind = VERBS[action]
    if kind is Action.TRANSFER and not service:
        return error_body("bad_request", "transfer needs --service")
    if kind is Action.PAUSE and not reason:
        return error_body("bad_request", "pause needs --reason, one of the hall's pause reasons")
    if kind is Action.SIGN_IN and not officer:
        return error_body("bad_request", "sign_in needs --officer")
    if kind is Action.CALL:
        number = typed_number(number)
        if number is None:
            return error_body("bad_request", "call needs --number, a ticket number such as A-012")
    fields = {k: v for k, v in (("service", service), ("number", number), ("reason", reason)) if v}
    token = resolve_token(server, counter_id, token)
    if token is None:
        if not sys.stdin.isatty():
            return error_body("unauthorized", "no token: pass --token or set ANTRIAN_COUNTER_TOKEN")
        token = click.prompt(f"Token {counter_id}", hide_input=True, err=True)
    sign_in = None
    if officer:
        pin = os.environ.get(PIN_VARIABLE) or _ask_pin(officer)
        if not pin:
            return error_body("bad_request", f"no PIN: set {PIN_VARIABLE} or run on a terminal to be asked")
        sign_in = {"officer": officer, "pin": pin}
    return asyncio.run(call_once(server, counter_id, token, kind, fields, timeout, sign_in=sign_in))


def _ask_pin(officer: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    return click.prompt(f"PIN {officer}", hide_input=True, err=True)
