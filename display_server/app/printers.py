"""Printer health for the admin: `GET /api/admin/printers` (JSON) and `/admin/printers` (page)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..printing import check_printer, describe
from .auth import admin_page_gate, require_admin
from .context import context
from .templating import templates


async def printers_status(request: Request) -> dict:
    ctx = context(request)
    kiosks = ctx.config.kiosks
    checks = iter(await asyncio.gather(*(check_printer(k.printer) for k in kiosks if k.printer)))
    rows = []
    for kiosk in kiosks:
        health = next(checks).as_json() if kiosk.printer else {"ok": True, "message": "Cetak lewat browser"}
        rows.append(
            {
                "kiosk": kiosk.id,
                "name": kiosk.name,
                "kind": kiosk.printer.kind if kiosk.printer else "browser",
                "printer": describe(kiosk.printer) if kiosk.printer else None,
                **health,
                "last_print": ctx.print_desk.last_prints.get(kiosk.id),
            }
        )
    return {"printers": rows, "checked_at": ctx.reader.now().isoformat()}


async def printers_api(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    return JSONResponse(await printers_status(request), headers={"Cache-Control": "no-store"})


async def printers_page(request: Request) -> Response:
    config = context(request).config
    if refusal := admin_page_gate(request, "/admin/printers"):
        return refusal
    status = await printers_status(request)
    for row in status["printers"]:
        if row["last_print"]:
            at = datetime.fromisoformat(row["last_print"]["at"]).astimezone(config.site.zone_info)
            row["last_print"]["local"] = at.strftime("%d-%m-%Y %H:%M:%S")
    response = templates.TemplateResponse(
        request, "kiosk_printers.html", {"site": config.site, "rows": status["printers"]}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/api/admin/printers", printers_api),
    Route("/admin/printers", printers_page),
]
