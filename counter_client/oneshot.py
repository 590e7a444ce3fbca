"""`antrian call VERB`: one command (after signing the officer in, when asked), its reply as JSON, then exit."""

from __future__ import annotations

import asyncio

from display_server.contract import Action, Backoff, error_body

from .protocol import Reply
from .session import CounterSession, SessionFailed

# The CLI's vocabulary: every action by its own name, but `next` for "call the next ticket".
VERBS: dict[str, Action] = {"next": Action.CALL_NEXT} | {a.value: a for a in Action if a is not Action.CALL_NEXT}
ONESHOT_BACKOFF = Backoff(base=0.1, cap=1.0)  # a script waits seconds, not a hall's restart
ALREADY_SIGNED_IN = "already_so"  # the PIN was right and the officer is here already: go on


async def call_once(
    server: str,
    counter: str,
    token: str,
    action: Action,
    fields: dict,
    timeout: float,
    *,
    sign_in: dict | None = None,
) -> dict:
    """The ack message, or `{"error": {...}}`. A lost ack is retried with the same id until `timeout`.

    SIGN_IN (`officer`, `pin`) signs the officer in first, in the same connection; a refused
    sign-in is the answer, and the action is not sent."""
    session = CounterSession(server, counter, token, backoff=ONESHOT_BACKOFF, open_timeout=min(timeout, 5))
    runner = asyncio.create_task(session.run())
    try:
        reply = await asyncio.wait_for(_sign_in_then_act(session, action, fields, sign_in), timeout)
    except SessionFailed as exc:
        return error_body(exc.code, exc.message or f"the server refused counter {counter!r}")
    except TimeoutError:
        if session.view.connected_once:
            return error_body("timeout", f"no reply within {timeout:g} s")
        return error_body("unreachable", f"cannot reach {session.url}")
    finally:
        session.stop()
        await asyncio.wait_for(runner, 5)
    if reply.ok:
        return reply.message
    return error_body(str(reply.code), str(reply.message.get("message", "")))


async def _sign_in_then_act(session: CounterSession, action: Action, fields: dict, sign_in: dict | None) -> Reply:
    if action is Action.SIGN_IN:
        return await session.command(action, **(sign_in or {}))
    if sign_in is not None:
        signed_in = await session.command(Action.SIGN_IN, **sign_in)
        if not signed_in.ok and signed_in.code != ALREADY_SIGNED_IN:
            return signed_in
    return await session.command(action, **fields)
