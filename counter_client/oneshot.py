"""`antrian call VERB`: one command, its reply as JSON, then exit."""

from __future__ import annotations

import asyncio

from display_server.contract import Action, Backoff, error_body

from .session import CounterSession, SessionFailed

# The CLI's vocabulary: every action by its own name, but `next` for "call the next ticket".
VERBS: dict[str, Action] = {"next": Action.CALL_NEXT} | {a.value: a for a in Action if a is not Action.CALL_NEXT}
ONESHOT_BACKOFF = Backoff(base=0.1, cap=1.0)  # a script waits seconds, not a hall's restart


async def call_once(server: str, counter: str, token: str, action: Action, fields: dict, timeout: float) -> dict:
    """The ack message, or `{"error": {...}}`. A lost ack is retried with the same id until `timeout`."""
    session = CounterSession(server, counter, token, backoff=ONESHOT_BACKOFF, open_timeout=min(timeout, 5))
    runner = asyncio.create_task(session.run())
    try:
        reply = await asyncio.wait_for(session.command(action, **fields), timeout)
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
    return error_body(str(reply.message.get("code")), str(reply.message.get("message", "")))
