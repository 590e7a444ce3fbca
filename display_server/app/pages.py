"""HTML pages: the TV screens, their media and logos, and the admin's screen status page.

Screens are public read-only URLs. The page is rendered with the screen's snapshot
embedded, so the first paint needs no round trip; the WebSocket then keeps it live.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..config import Config, Screen
from .api import admin_status
from .auth import admin_page_gate, end_session, is_admin
from .base import hall_path
from .context import context
from .errors import error_response
from .headers import page_headers
from .templating import templates

VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg", ".m4v": "video/mp4"}
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
LOGO_TYPES = {**IMAGE_TYPES, ".svg": "image/svg+xml"}
MEDIA_LIMIT = 200
AUDIO_LABELS = {"ok": "Suara aktif", "blocked": "Suara diblokir", "off": "Suara mati", "unknown": "Belum diketahui"}


# --- the screen page -------------------------------------------------------------------


async def screen_page(request: Request) -> Response:
    ctx = context(request)
    config = ctx.config
    screen = config.screen(request.path_params["screen_id"])
    if screen is None:
        return unknown_screen(request, config)
    page = {
        "screen": screen,
        "site": config.site,
        "snapshot": ctx.reader.screen_snapshot(screen),
        "boot": _boot(request, config, screen),
        "theme": screen.theme,
        "logo_url": logo_url(request, config, screen),
    }
    # A hall's signage player may show the screen inside its own page: screens may be framed.
    headers = {**page_headers(request.headers.get("host"), frame_ancestors=None), "Cache-Control": "no-store"}
    response = templates.TemplateResponse(request, "screen.html", page, headers=headers)
    return response


def _boot(request: Request, config: Config, screen: Screen) -> dict:
    """Facts the page needs beside the snapshot: its media, and a time-zone fallback."""
    offset = context(request).reader.now().astimezone(config.site.zone_info).utcoffset()
    return {
        "screen_id": screen.id,
        "layout": screen.layout,
        "media": media_playlist(request, screen) if screen.layout == "media" else [],
        "media_folder": screen.media_folder,
        "tz_offset_minutes": int(offset.total_seconds() // 60) if offset else 0,
        "logo_url": logo_url(request, config, screen),
    }


def unknown_screen(request: Request, config: Config) -> Response:
    page = {"screen_id": request.path_params["screen_id"], "screens": config.screens, "site": config.site}
    return templates.TemplateResponse(request, "screen_404.html", page, status_code=404)


# --- media and logos -------------------------------------------------------------------


def media_dir(request: Request, screen: Screen) -> Path | None:
    if not screen.media_folder:
        return None
    folder = Path(screen.media_folder).expanduser()
    if not folder.is_absolute():
        folder = context(request).config_dir / folder
    return folder.resolve() if folder.is_dir() else None


def media_playlist(request: Request, screen: Screen) -> list[dict]:
    folder = media_dir(request, screen)
    if folder is None:
        return []
    items = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        suffix = path.suffix.lower()
        if not path.is_file() or path.name.startswith("."):
            continue
        kind = "video" if suffix in VIDEO_TYPES else "image" if suffix in IMAGE_TYPES else None
        if kind:
            items.append({"kind": kind, "url": hall_path(request, f"/media/{screen.id}/{quote(path.name)}")})
    return items[:MEDIA_LIMIT]


def safe_child(folder: Path, name: str) -> Path | None:
    """`folder/name` when it is a plain, visible file directly inside `folder`; None for any escape or dotfile."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        return None
    candidate = (folder / name).resolve()
    if candidate.parent != folder or not candidate.is_file():
        return None
    return candidate


async def media_file(request: Request) -> Response:
    screen = context(request).config.screen(request.path_params["screen_id"])
    folder = media_dir(request, screen) if screen else None
    path = safe_child(folder, request.path_params["name"]) if folder else None
    media_type = (VIDEO_TYPES | IMAGE_TYPES).get(path.suffix.lower()) if path else None
    if path is None or media_type is None:
        return Response("Berkas tidak ditemukan", status_code=404, media_type="text/plain; charset=utf-8")
    # FileResponse answers Range requests (206), which smart-TV video players need.
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})


def _logo_setting(config: Config, screen: Screen) -> str | None:
    return screen.logo or config.site.logo


def logo_url(request: Request, config: Config, screen: Screen) -> str | None:
    """A logo under /static/ is linked as is; any other value is a file next to the config."""
    value = _logo_setting(config, screen)
    if not value:
        return None
    if value.startswith("/static/"):
        return value
    return hall_path(request, f"/logo/{screen.id}")


async def logo_file(request: Request) -> Response:
    config = context(request).config
    screen = config.screen(request.path_params["screen_id"])
    value = _logo_setting(config, screen) if screen else None
    path = None
    if value and not value.startswith("/static/"):
        candidate = Path(value).expanduser()
        if not candidate.is_absolute():
            candidate = context(request).config_dir / candidate
        if candidate.is_file() and candidate.suffix.lower() in LOGO_TYPES:
            path = candidate
    if path is None:
        return Response("Logo tidak ditemukan", status_code=404, media_type="text/plain; charset=utf-8")
    return FileResponse(
        path, media_type=LOGO_TYPES[path.suffix.lower()], headers={"Cache-Control": "public, max-age=300"}
    )


# --- admin status ----------------------------------------------------------------------


async def admin_screens(request: Request) -> Response:
    config = context(request).config
    if refusal := admin_page_gate(request, "/admin/screens"):
        return refusal
    status = admin_status(request)
    page = {"site": config.site, "rows": _status_rows(config, status["screens"]), "config": status["config"]}
    response = templates.TemplateResponse(request, "admin_screens.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _status_rows(config: Config, reports: list[dict]) -> list[dict]:
    zone = config.site.zone_info
    rows = []
    for screen, report in zip(config.screens, reports):
        seen = report["last_seen"]
        rows.append(
            {
                "screen": screen,
                "online": report["online"],
                "connections": report["connections"],
                "audio": report["audio"],
                "audio_label": AUDIO_LABELS.get(report["audio"], report["audio"]),
                "last_seen": datetime.fromtimestamp(seen, zone).strftime("%d-%m-%Y %H:%M:%S")
                if seen
                else "belum pernah",
                "user_agent": report["user_agent"],
            }
        )
    return rows


async def admin_screens_live(request: Request) -> Response:
    """The status page's rows as JSON for its own script (static/admin.js): the page updates in place."""
    if not is_admin(request, cookie=True):
        return error_response("unauthorized", "sign in at /admin/screens")
    config = context(request).config
    status = admin_status(request)
    rows = [
        {
            "id": row["screen"].id,
            "wants_audio": row["screen"].audio,
            **{key: row[key] for key in ("online", "connections", "audio", "audio_label", "last_seen", "user_agent")},
        }
        for row in _status_rows(config, status["screens"])
    ]
    return JSONResponse({"screens": rows, "config": status["config"]}, headers={"Cache-Control": "no-store"})


async def admin_logout(request: Request) -> Response:
    return end_session(request, RedirectResponse(hall_path(request, "/admin/hall"), status_code=303))


routes = [
    Route("/screen/{screen_id}", screen_page),
    Route("/media/{screen_id}/{name}", media_file),
    Route("/logo/{screen_id}", logo_file),
    Route("/admin/screens", admin_screens),
    Route("/admin/screens.json", admin_screens_live),
    Route("/admin/logout", admin_logout),
]
