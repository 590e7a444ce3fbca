"""People on the roster: the admin's staff page, PIN resets, and changing one's own PIN.

- `/admin/staff` (admins: everyone; supervisors: the officers of their agencies) lists the
  roster with each PIN's state and sets, resets or unlocks it.
- `POST /api/staff/{id}/pin` and `/api/staff/{id}/unlock`: the same for scripts (admin token).
- `/staff/pin` (page) and `POST /api/staff/pin` (JSON): anyone changes their own PIN with the
  old one; a wrong old PIN counts toward the lock like any other.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..command_error import CommandError
from ..config.model import StaffMember
from ..contract import error_text
from .auth import page_gate, require_admin
from .base import hall_path
from .context import context
from .errors import error_response
from .requests import OwnPinChange, PinReset, read_form, read_model
from .security import origin_allowed
from .sessions import Principal
from .templating import templates


def may_manage(who: Principal, member: StaffMember) -> bool:
    """Admins manage everyone; a supervisor, the officers of their own agencies."""
    if who.is_admin:
        return True
    return member.role == "officer" and all(who.may_see(a) for a in member.agencies)


async def staff_page(request: Request, *, notice: str | None = None, problem: str | None = None) -> Response:
    gate = page_gate(request, "/admin/staff", supervisors=True)
    if isinstance(gate, Response):
        return gate
    ctx = context(request)
    rows = [r for r in await ctx.reader.staff_status() if may_manage(gate, ctx.config.by_id["staff"][r["id"]])]
    page = {"site": ctx.config.site, "who": gate, "rows": rows, "notice": notice, "problem": problem}
    status = 400 if problem else 200
    response = templates.TemplateResponse(request, "admin_staff.html", page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def staff_page_get(request: Request) -> Response:
    return await staff_page(request)


async def staff_page_act(request: Request) -> Response:
    """The staff page's forms: set a PIN, or unlock (same-origin, signed-in admin or supervisor)."""
    gate = page_gate(request, "/admin/staff", supervisors=True)
    if isinstance(gate, Response):
        return gate
    ctx = context(request)
    if not origin_allowed(request, ctx.config.security.allowed_origins):
        return error_response("forbidden", "use this server's own page")
    if request.path_params["act"] not in ("pin", "unlock"):
        return error_response("not_found", "no such action")
    member = ctx.config.staff_member(request.path_params["staff_id"])
    if member is None or not may_manage(gate, member):
        return await staff_page(request, problem=error_text("other_agency"))
    if request.path_params["act"] == "unlock":
        await ctx.hall.unlock_staff(member.id)
        return RedirectResponse(hall_path(request, "/admin/staff"), status_code=303)
    form = await read_form(request, PinReset)
    if isinstance(form, Response):
        return await staff_page(request, problem=error_text("weak_pin"))
    try:
        await ctx.hall.set_staff_secret(member.id, form.pin)
    except CommandError as exc:
        return await staff_page(request, problem=f"{member.name}: {error_text(exc.code)} ({exc.message})")
    ctx.page_sessions.close_all_of(member.id)
    return await staff_page(request, notice=f"PIN/kata sandi {member.name} sudah disimpan.")


async def reset_pin_api(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    body = await read_model(request, PinReset)
    if isinstance(body, Response):
        return body
    ctx = context(request)
    try:
        member = await ctx.hall.set_staff_secret(request.path_params["staff_id"], body.pin)
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    ctx.page_sessions.close_all_of(member.id)
    return JSONResponse({"staff": member.id, "pin_set": True})


async def unlock_api(request: Request) -> Response:
    if refusal := require_admin(request):
        return refusal
    if not await context(request).hall.unlock_staff(request.path_params["staff_id"]):
        return error_response("not_found", "nobody with a PIN by that id")
    return JSONResponse({"staff": request.path_params["staff_id"], "locked": False})


async def own_pin_api(request: Request) -> Response:
    body = await read_model(request, OwnPinChange)
    if isinstance(body, Response):
        return body
    try:
        member = await context(request).hall.change_own_secret(body.staff, body.old, body.new)
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    return JSONResponse({"staff": member.id, "pin_set": True})


async def own_pin_page(request: Request) -> Response:
    ctx = context(request)
    page: dict = {"site": ctx.config.site, "done": False, "problem": None}
    status = 200
    if request.method == "POST":
        if not origin_allowed(request, ctx.config.security.allowed_origins):
            return error_response("forbidden", "use this server's own page")
        form = await read_form(request, OwnPinChange)
        if isinstance(form, Response):
            page["problem"], status = error_text("bad_request"), 400
        else:
            try:
                await ctx.hall.change_own_secret(form.staff, form.old, form.new)
                page["done"] = True
            except CommandError as exc:
                page["problem"], status = error_text(exc.code), 400
    response = templates.TemplateResponse(request, "staff_pin.html", page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/admin/staff", staff_page_get),
    Route("/admin/staff/{staff_id}/{act:str}", staff_page_act, methods=["POST"]),
    Route("/api/staff/pin", own_pin_api, methods=["POST"]),
    Route("/api/staff/{staff_id}/pin", reset_pin_api, methods=["POST"]),
    Route("/api/staff/{staff_id}/unlock", unlock_api, methods=["POST"]),
    Route("/staff/pin", own_pin_page, methods=["GET", "POST"]),
]
