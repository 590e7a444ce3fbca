"""A deployment of many halls in one process: `antrian serve --config-dir DIR`.

    app = create_deployment_app(load_config_folder(Path("halls")), data_dir=Path("data"))

Each hall is the same app a single hall runs (`create_app`), mounted at `/h/{hall}`: its own
config (reloaded live from its own file), hall, hub, store, voice and sessions. Every address
of a hall is relative to that base (app/base.py), so the hall's doors and pages do not know
they are mounted. The deployment itself serves only `/` (the halls and their pages),
`/healthz` (every hall up) and `/static` (once, for all).
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..config import Config
from ..config.folder import HallFile
from ..hall import Clock, utc_now
from . import AnnouncerFactory, _internal_error, create_app, default_announcer
from .headers import SecurityHeaders
from .http_protocol import ConnectionLimits
from .templating import STATIC_DIR, templates

HALLS_PREFIX = "/h"


def hall_mount_path(hall_id: str) -> str:
    return f"{HALLS_PREFIX}/{hall_id}"


class MountedHall:
    """One hall of the deployment: its id, its app, and the config it started with."""

    def __init__(self, hall: HallFile, app: Starlette):
        self.id = hall.id
        self.path = hall.path
        self.app = app
        self._started_with = hall.config

    @property
    def base(self) -> str:
        return hall_mount_path(self.id)

    @property
    def up(self) -> bool:
        return hasattr(self.app.state, "context")  # set by the hall's lifespan once it serves

    @property
    def config(self) -> Config:
        """The config in force (a live edit of the hall's file included)."""
        return self.app.state.context.config if self.up else self._started_with


def create_deployment_app(
    halls: Sequence[HallFile],
    data_dir: Path,
    *,
    database: str | None = None,
    clock: Clock = utc_now,
    announcer_factory: AnnouncerFactory | None = None,
) -> Starlette:
    """Every hall of HALLS at `/h/{id}`; DATA_DIR/{id} holds each hall's SQLite file, or DATABASE
    (postgresql://) one schema per hall. The halls share one speech worker and its cache in
    DATA_DIR/audio (default ANNOUNCER_FACTORY): one process at a low priority whatever their
    number, instead of one each (docs/audio.md, "Many halls in one process")."""
    speech, shared_factory = _shared_speech(data_dir, len(halls))
    announcer_factory = announcer_factory or shared_factory
    mounted = [
        MountedHall(
            hall,
            create_app(
                hall.config,
                data_dir,
                config_path=hall.path,
                clock=clock,
                announcer_factory=announcer_factory,
                database=database,
                hall_id=hall.id,
            ),
        )
        for hall in halls
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Starlette runs no lifespan of a mounted app: each hall's is entered here, and left
        # in reverse order on shutdown.
        async with contextlib.AsyncExitStack() as stack:
            if speech is not None and announcer_factory is shared_factory:
                await speech.start()
                stack.push_async_callback(speech.stop)  # after every hall has left
            for hall in mounted:
                await stack.enter_async_context(hall.app.router.lifespan_context(hall.app))
            yield

    async def index(request: Request) -> Response:
        page = {"halls": [_hall_links(hall) for hall in mounted]}
        response = templates.TemplateResponse(request, "halls.html", page)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def healthz(request: Request) -> Response:
        down = [hall.id for hall in mounted if not hall.up]
        if down:
            return JSONResponse({"status": "starting", "down": down}, status_code=503)
        return JSONResponse({"status": "ok", "halls": len(mounted)})

    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/healthz", healthz),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
        *(Mount(hall.base, app=hall.app) for hall in mounted),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={Exception: _internal_error},
    )


def _shared_speech(data_dir: Path, halls: int) -> tuple[Any, AnnouncerFactory]:
    """One speech engine for every hall, and the factory of each hall's announcer on it."""
    try:
        from antrian_voice import Announcer, Speech
        from antrian_voice.speech import CACHE_BYTES_PER_HALL
    except ImportError:  # speech is optional at runtime: each hall falls back to text alone
        return None, default_announcer
    speech = Speech(data_dir, cache_max_bytes=halls * CACHE_BYTES_PER_HALL)

    def announcer(config: Config, hall_dir: Path) -> Announcer:
        return Announcer(config.voice, hall_dir, speech=speech)

    return speech, announcer


def _hall_links(hall: MountedHall) -> dict:
    config = hall.config
    return {
        "id": hall.id,
        "base": hall.base,
        "name": config.site.name,
        "up": hall.up,
        "screens": config.screens,
        "kiosks": config.kiosks,
        "counters": config.counters,
    }


def deployment_limits(configs: Sequence[Config]) -> ConnectionLimits:
    """The process's connection caps for all its halls: their connections add up; the
    per-address cap is the most generous hall's; any hall's proxy is trusted."""
    proxies = {network for c in configs for network in c.security.trusted_proxies}
    return ConnectionLimits(
        max_connections=sum(c.security.max_connections for c in configs),
        websockets_per_address=max(c.security.max_websockets_per_address for c in configs),
        trusted_proxies=tuple(ipaddress.ip_network(p, strict=False) for p in sorted(proxies)),
    )
