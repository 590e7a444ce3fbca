"""Thin HTTP and WebSocket adapters over the hall.

    app = create_app(config, data_dir=Path("data"), config_path=Path("antrian.toml"))

Each door lives in its own module with its own `routes` list, and reaches the hall only
through `context(request)`: its commands (`hall`) and its read side (`reader`).

A deployment of many halls (`app/deployment.py`) mounts one such app per hall at
`/h/{hall}`; every address a door writes is relative to that base (`app/base.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..announce import Announcer, TextAnnouncer
from ..config import Config
from ..hall import Clock, Hall, utc_now
from ..hub import Hub
from ..print_desk import PrintDesk
from ..reader import Reader
from ..store import hall_store
from . import (
    api,
    auth,
    booking,
    client_script,
    counter_page,
    hall_view,
    kiosk,
    pages,
    printers,
    reports,
    staff_pages,
    survey,
    visitor,
    ws_counter,
    ws_screen,
)
from .config_watch import ConfigWatcher
from .context import Context
from .errors import error_response
from .headers import SecurityHeaders
from .security import RateLimiter
from .templating import STATIC_DIR

log = logging.getLogger(__name__)

AnnouncerFactory = Callable[[Config, Path], Announcer]


def default_announcer(config: Config, data_dir: Path) -> Announcer:
    try:
        from antrian_voice import Announcer as SpeechAnnouncer
    except ImportError as exc:  # speech is optional at runtime: calls still show as text
        log.warning("speech unavailable (%s): calls are shown without audio", exc)
        return TextAnnouncer(config.voice)
    return SpeechAnnouncer(config.voice, data_dir)


def create_app(
    config: Config,
    data_dir: Path,
    *,
    config_path: Path | None = None,
    clock: Clock = utc_now,
    announcer_factory: AnnouncerFactory = default_announcer,
    database: str | None = None,
    hall_id: str | None = None,
) -> Starlette:
    """The hall's app. DATABASE: a postgresql:// URL, or None for SQLite in DATA_DIR.

    HALL_ID: this hall's id in a deployment of many (`app/deployment.py` mounts the app at
    `/h/{hall_id}`): its SQLite file and voice cache live in DATA_DIR/HALL_ID, its PostgreSQL
    tables in the schema `hall_{hall_id}`. None: the one hall of the deployment, as always.
    """
    hall_dir = data_dir if hall_id is None else data_dir / hall_id

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = hall_store(database, data_dir, hall_id)
        await store.open()
        announcer = announcer_factory(config, hall_dir)
        hub = Hub()
        hall = Hall(config, store, hub, announcer, clock)
        await hall.start()
        await announcer.start()
        reader = Reader(hall, store, hub, announcer)
        ctx = Context(
            hall=hall,
            reader=reader,
            print_desk=PrintDesk(hall, reader),
            issue_limiter=RateLimiter(config.security.issue_rate_per_minute),
            booking_limiter=RateLimiter(config.security.bookings_per_minute),
            config_path=config_path,
        )
        await ctx.print_desk.start()
        app.state.context = ctx
        tasks = [asyncio.create_task(_expire_bookings(hall))]
        if store.shared:  # other nodes serve this hall too: their events reach our screens
            tasks.append(asyncio.create_task(hall.follow_other_nodes()))
        if config_path is not None:
            watcher = ConfigWatcher(config_path, hall, reader, ctx.config_problems, ctx.print_desk.start)
            tasks.append(asyncio.create_task(watcher.run()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await announcer.stop()
            await store.close()

    routes = [
        *api.routes,
        *client_script.routes,
        *ws_counter.routes,
        *ws_screen.routes,
        *pages.routes,
        *kiosk.routes,
        *visitor.routes,
        *printers.routes,
        *auth.routes,
        *counter_page.routes,
        *hall_view.routes,
        *staff_pages.routes,
        *survey.routes,  # before reports: /api/reports/ikm is the survey's
        *booking.routes,
        *reports.routes,
    ]
    if hall_id is None:  # a deployment of many halls serves /static once, for all
        routes.append(Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"))
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={Exception: _internal_error},
    )


BOOKING_EXPIRY_SECONDS = 60


async def _expire_bookings(hall: Hall) -> None:
    """Once a minute, bookings past their check-in window expire (a booking no-show)."""
    while True:
        await asyncio.sleep(BOOKING_EXPIRY_SECONDS)
        try:
            await hall.expire_bookings()
        except Exception:  # a full disk, say: try again next minute; the server keeps serving
            log.exception("expiring bookings failed")


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response("internal_error", "the server could not do this; try again")
