"""`antrian call ACTION`: one command, its reply as JSON, then exit."""

from __future__ import annotations

import asyncio

from .session import Backoff, CounterSession, SessionFailed

ACTION_TYPES = {
    "next": "call_next",
    "recall": "recall",
    "skip": "skip",
    "finish": "finish",
    "transfer": "transfer",
    "call": "call",
}


def error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


async def call_once(server: str, counter: str, token: str, kind: str, fields: dict, timeout: float) -> dict:
    """The ack message, or `{"error": {...}}`. A lost ack is retried with the same id until `timeout`."""
    session = CounterSession(server, counter, token, backoff=Backoff(base=0.1, cap=1.0), open_timeout=min(timeout, 5))
    runner = asyncio.create_task(session.run())
    try:
        reply = await asyncio.wait_for(session.command(kind, **fields), timeout)
    except SessionFailed as exc:
        return error(exc.code, exc.message or f"the server refused counter {counter!r}")
    except asyncio.TimeoutError:
        if session.view.connected_once:
            return error("timeout", f"no reply within {timeout:g} s")
        return error("unreachable", f"cannot reach {session.url}")
    finally:
        session.stop()
        await asyncio.wait_for(runner, 5)
    if reply.ok:
        return reply.message
    return error(str(reply.message.get("code")), str(reply.message.get("message", "")))
