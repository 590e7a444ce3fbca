"""Reports: `/admin/reports` (page with charts), its files, and `GET /api/reports/{name}`.

Admins see every agency; a supervisor, their own (`?agency=` another one is `other_agency`).
The page, the files and the API all render one `reports.Book`, so their numbers agree.
"""

from __future__ import annotations

import datetime as dt
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..reports import Book, Period
from ..reports.charts import bar_chart
from ..reports.sheets import Sheet, sheets, text_of
from .auth import page_gate, principal
from .context import context
from .errors import error_response
from .requests import first_problem
from .sessions import Principal
from .templating import templates

API_REPORTS = ("all", "recap", "services", "counters", "hours", "channels")
FILE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


class ReportQuery(BaseModel):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD&agency=ID`: the period (default: this month so far)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    first: date | None = Field(default=None, alias="from")
    last: date | None = Field(default=None, alias="to")
    agency: str | None = None
    service: str | None = None


Asked = tuple[Period, list[str], list[str] | None]  # the period, the agencies, the one service asked for


def asked_period_and_agencies(request: Request, who: Principal) -> Asked | Response:
    """The period, agencies and service a request asks for (`?from=&to=&agency=&service=`), or
    the refusal to send: another agency's, or a service of another agency, is `other_agency`."""
    ctx = context(request)
    try:
        query = ReportQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        return error_response("bad_request", first_problem(exc))
    today = ctx.reader.service_date
    try:
        period = Period(query.first or today.replace(day=1), query.last or today)
    except ValueError as exc:
        return error_response("bad_request", str(exc))
    only = None
    if query.service is not None:
        service = ctx.config.service(query.service)
        if service is None:
            return error_response("not_found", f"no service {query.service!r}")
        if query.agency not in (None, service.agency):
            return error_response("bad_request", f"service {service.id!r} is not of agency {query.agency!r}")
        query.agency, only = service.agency, [service.id]
    if query.agency is None:
        return period, who.visible_agencies(ctx.config), None
    if ctx.config.agency(query.agency) is None:
        return error_response("not_found", f"no agency {query.agency!r}")
    if not who.may_see(query.agency):
        return error_response("other_agency", f"{who.name} may not see agency {query.agency!r}")
    return period, [query.agency], only


def gated_period(request: Request, page: str) -> tuple[Principal, Asked] | Response:
    """Who may see the admin PAGE (supervisors too) and the period and agencies they ask for;
    or the sign-in page or refusal to send."""
    gate = page_gate(request, page, supervisors=True)
    if isinstance(gate, Response):
        return gate
    asked = asked_period_and_agencies(request, gate)
    return asked if isinstance(asked, Response) else (gate, asked)


def attachment(body: bytes, name: str, media_type: str) -> Response:
    """A report file to download, never cached."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type=media_type, headers=headers)


async def report_api(request: Request) -> Response:
    who = principal(request, cookie=True)
    if who is None:
        return error_response("unauthorized", "send the admin token, or sign in at /admin/reports")
    name = request.path_params["name"]
    if name not in API_REPORTS:
        return error_response("not_found", f"reports: {', '.join(API_REPORTS)}")
    asked = asked_period_and_agencies(request, who)
    if isinstance(asked, Response):
        return asked
    book = await context(request).reader.report_book(*asked)
    whole = book.as_json()
    body = {
        "all": whole,
        "recap": whole["recap"],
        "services": book.services,
        "counters": {**book.period.as_json(), "counters": whole["counters"], "officers": whole["officers"]},
        "hours": {**book.period.as_json(), **book.hours},
        "channels": {**book.period.as_json(), "channels": book.channels},
    }[name]
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def report_page(request: Request) -> Response:
    gated = gated_period(request, "/admin/reports")
    if isinstance(gated, Response):
        return gated
    gate, asked = gated
    ctx = context(request)
    book = await ctx.reader.report_book(*asked)
    page = {
        "site": ctx.config.site,
        "who": gate,
        "book": book,
        "sheets": sheets(book),
        "text_of": text_of,
        "charts": _charts(book),
        "query": request.url.query,
        "agencies": [a for a in ctx.config.agencies if gate.may_see(a.id)],
        "agency": request.query_params.get("agency", ""),
        "services": [s for s in ctx.config.services if gate.may_see(s.agency)],
        "service": request.query_params.get("service", ""),
    }
    response = templates.TemplateResponse(request, "admin_reports.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _charts(book: Book) -> list[str]:
    recap = book.recap
    hours = book.hours
    by_hour = [sum(day[i] for day in hours["arrivals"]) for i in range(len(hours["hours"]))]
    services = book.services["services"]
    return [
        bar_chart("Pemohon per hari" if len(recap.columns) <= 31 else "Pemohon per bulan",
                  [c.label for c in recap.columns], recap.counts),
        bar_chart("Kedatangan per jam", [f"{h:02d}" for h in hours["hours"]], by_hour),
        bar_chart("Tingkat layanan (%)", [s["name"][:12] for s in services],
                  [None if s["service_level"] is None else round(s["service_level"] * 100, 1) for s in services],
                  unit="%"),
    ]  # fmt: skip


async def report_file(request: Request) -> Response:
    gated = gated_period(request, "/admin/reports")
    if isinstance(gated, Response):
        return gated
    _, asked = gated
    key, kind = request.path_params["key"], request.path_params["kind"]
    ctx = context(request)
    book = await ctx.reader.report_book(*asked)
    chosen = [s for s in sheets(book) if key in ("all", s.key)]
    if kind not in FILE_TYPES or not chosen or (len(chosen) > 1 and kind != "xlsx"):
        return error_response(
            "not_found", "files: {recap,services,counters,officers,hours,channels}.{xlsx,csv,pdf}, all.xlsx"
        )
    name = f"antrian-{key}-{book.period.first.isoformat()}-{book.period.last.isoformat()}.{kind}"
    return attachment(render(chosen, kind, book, ctx.reader.now()), name, FILE_TYPES[kind])


def render(chosen: list[Sheet], kind: str, book: Book, now: dt.datetime) -> bytes:
    """The same sheets as an XLSX, a CSV or a PDF file."""
    from ..reports.files import csv_text, pdf, xlsx  # openpyxl and fpdf2: loaded when a file is asked for

    if kind == "xlsx":
        return xlsx(chosen)
    if kind == "csv":
        return csv_text(chosen[0]).encode("utf-8-sig")  # the BOM: Excel opens it as UTF-8
    return pdf(chosen[0], book.site, book.period.label(), now.strftime("%Y-%m-%d %H:%M UTC"))


routes = [
    Route("/api/reports/{name}", report_api),
    Route("/admin/reports", report_page),
    Route("/admin/reports/{key}.{kind}", report_file),
]
