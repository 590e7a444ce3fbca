"""`GET /counter/{counter_id}`: the web counter (the page authenticates over `/ws/counter`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..contract import ACTION_LABELS
from .context import context
from .templating import templates


async def counter_page(request: Request) -> Response:
    config = context(request).config
    counter_id = request.path_params["counter_id"]
    counter = config.counter(counter_id)
    page = {"counter": counter, "counter_id": counter_id, "site_name": config.site.name, "labels": ACTION_LABELS}
    return templates.TemplateResponse(request, "counter.html", page, status_code=200 if counter else 404)


routes = [Route("/counter/{counter_id}", counter_page)]
