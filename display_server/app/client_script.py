"""`GET /contract.js`: the wire contract and the Indonesian names, for the pages.

Every page loads it before `/static/client.js`, so no page restates an error text, a close
code or the reconnect policy: they all come from `display_server.contract`.
"""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import contract, indonesian
from .templating import script_safe_json

# Within a minute of a server upgrade, a reloaded page has the new contract.
CACHE_CONTROL = "public, max-age=60"


def contract_for_pages() -> dict:
    return {**contract.for_pages(), **indonesian.for_pages()}


def script_assigning(name: str, value: object) -> str:
    """`window.NAME = <value as JSON>;`, safe to serve as a script or to inline in one."""
    return f"window.{name} = {script_safe_json(value)};\n"


@cache
def contract_script() -> str:
    return script_assigning("ANTRIAN_CONTRACT", contract_for_pages())


async def contract_js(request: Request) -> Response:
    return Response(
        contract_script(),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": CACHE_CONTROL},
    )


routes = [Route("/contract.js", contract_js)]
