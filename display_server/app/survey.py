"""The public satisfaction survey (SKM): answering it, and its results.

- `POST /api/survey`: a served visitor answers, once per ticket, from their phone (the
  ticket's token) or on the tablet of the counter that served them (the counter's token).
- `/survey/{counter_id}` + `/ws/survey/{counter_id}`: that tablet; it offers the ticket the
  counter has just served.
- `/skm`: the published index of the last complete period (public, as the rule asks).
- `/admin/survey` and its files, `GET /api/reports/ikm`: the results (admins; supervisors
  for their agencies), with suggestions an admin may publish.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from ..command_error import CommandError
from ..contract import error_message
from ..reports import Period
from ..reports.sheets import text_of
from ..reports.survey import PROFILE_FIELDS, last_complete_period
from ..reports.survey_sheets import survey_sheets
from ..survey_answer import SurveyAnswer
from .api import client_address
from .auth import page_gate, principal
from .base import hall_path
from .connection import accept_from_allowed_origin, refuse, run_connection
from .context import context
from .errors import error_response
from .reports import asked_period_and_agencies, attachment, gated_period
from .requests import SuggestionPublish, SurveyRequest, read_form, read_model
from .security import bearer_token, origin_allowed, tokens_equal
from .templating import templates
from .ws_counter import authenticate_counter

SURVEY_FILES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


async def answer(request: Request) -> Response:
    ctx = context(request)
    if not ctx.survey_limiter.allow(client_address(request)):
        return error_response("rate_limited", "too many answers from this address; wait a minute")
    body = await read_model(request, SurveyRequest)
    if isinstance(body, Response):
        return body
    problem = _profile_problem(request, body.profile)
    if problem:
        return error_response("bad_request", problem)
    if body.ticket_token:
        ticket, channel = await ctx.reader.find_ticket(body.ticket_token), "phone"
        if ticket is None:
            return error_response("ticket_not_found", "no such ticket")
    else:
        counter = ctx.config.counter(body.counter or "")
        if counter is None or not tokens_equal(bearer_token(request), counter.token):
            return error_response("unauthorized", "a tablet sends its counter's token (Authorization: Bearer)")
        ticket, channel = ctx.hall.served_here(counter.id, body.ticket_id or ""), "tablet"
        if ticket is None:
            return error_response("not_served", "this counter has not served that ticket today")
    try:
        await ctx.hall.answer_survey(ticket, SurveyAnswer(tuple(body.answers), suggestion=body.suggestion or None,
                                                          **body.profile), channel=channel)  # fmt: skip
    except CommandError as exc:
        return error_response(exc.code, exc.message)
    return JSONResponse({"answered": True, "number": ticket.number}, status_code=201)


def _profile_problem(request: Request, given: dict[str, str]) -> str | None:
    """The profile's answers must be the hall's own choices (a free text would identify people)."""
    survey = context(request).config.survey
    choices = {"age_group": survey.age_groups, "sex": survey.sexes, "education": survey.education,
               "occupation": survey.occupations}  # fmt: skip
    for field, value in given.items():
        if field not in PROFILE_FIELDS:
            return f"'profile.{field}': not a profile question ({', '.join(PROFILE_FIELDS)})"
        if value not in choices[field]:
            return f"'profile.{field}': {value!r} is not one of {choices[field]}"
    return None


# --- the counter's tablet ------------------------------------------------------------------


async def tablet_page(request: Request) -> Response:
    ctx = context(request)
    counter = ctx.config.counter(request.path_params["counter_id"])
    page = {"site": ctx.config.site, "counter": counter, "counter_id": request.path_params["counter_id"],
            "form": ctx.reader.survey_form()}  # fmt: skip
    return templates.TemplateResponse(request, "survey_tablet.html", page, status_code=200 if counter else 404)


async def tablet_socket(websocket: WebSocket) -> None:
    ctx = context(websocket)
    security = ctx.config.security
    if not await accept_from_allowed_origin(websocket, security.allowed_origins):
        return
    counter = await authenticate_counter(websocket, ctx)
    if counter is None:
        return
    if counter.id != websocket.path_params["counter_id"]:
        await refuse(websocket, "unknown_counter", "the hello names another counter than the address")
        return
    subscriber = ctx.reader.follow_survey(counter)

    async def handle(message: dict) -> dict | None:
        if message["type"] == "ping":
            return {"type": "pong"}
        return error_message("forbidden", "answers go to POST /api/survey")

    await run_connection(websocket, subscriber, ctx.reader.unfollow, handle, security.max_message_bytes)


# --- results ---------------------------------------------------------------------------------


async def ikm_api(request: Request) -> Response:
    who = principal(request, cookie=True)
    if who is None:
        return error_response("unauthorized", "send the admin token, or sign in at /admin/survey")
    asked = asked_period_and_agencies(request, who)
    if isinstance(asked, Response):
        return asked
    results = await context(request).reader.survey_results(*asked)
    return JSONResponse(results, headers={"Cache-Control": "no-store"})


async def admin_survey(request: Request) -> Response:
    gated = gated_period(request, "/admin/survey")
    if isinstance(gated, Response):
        return gated
    gate, asked = gated
    ctx = context(request)
    period, agencies, only = asked
    results = await ctx.reader.survey_results(period, agencies, only)
    page = {"site": ctx.config.site, "who": gate, "period": period, "results": results, "query": request.url.query,
            "agencies": [a for a in ctx.config.agencies if gate.may_see(a.id)],
            "agency": request.query_params.get("agency", ""), "profile_names": PROFILE_FIELDS,
            "sheets": survey_sheets(results, ctx.config.site.name, period), "text_of": text_of}  # fmt: skip
    response = templates.TemplateResponse(request, "admin_survey.html", page)
    response.headers["Cache-Control"] = "no-store"
    return response


async def survey_file(request: Request) -> Response:
    gated = gated_period(request, "/admin/survey")
    if isinstance(gated, Response):
        return gated
    _, asked = gated
    kind = request.path_params["kind"]
    if kind not in SURVEY_FILES:
        return error_response("not_found", "files: /admin/survey/skm.xlsx, /admin/survey/skm.pdf")
    from ..reports.files import pdf, xlsx  # openpyxl and fpdf2: loaded when a file is asked for

    ctx = context(request)
    period, agencies, only = asked
    results = await ctx.reader.survey_results(period, agencies, only)
    sheets = survey_sheets(results, ctx.config.site.name, period)
    now = ctx.reader.now().strftime("%Y-%m-%d %H:%M UTC")
    body = xlsx(sheets) if kind == "xlsx" else pdf(sheets[0], ctx.config.site.name, period.label(), now)
    name = f"skm-{period.first.isoformat()}-{period.last.isoformat()}.{kind}"
    return attachment(body, name, SURVEY_FILES[kind])


async def publish_suggestion(request: Request) -> Response:
    """An admin shows a suggestion on /skm, or takes it down (a form on /admin/survey)."""
    gate = page_gate(request, "/admin/survey")
    if isinstance(gate, Response):
        return gate
    ctx = context(request)
    if not origin_allowed(request, ctx.config.security.allowed_origins):
        return error_response("forbidden", "use this server's own page")
    form = await read_form(request, SuggestionPublish)
    if isinstance(form, Response):
        return form
    try:
        response_id = int(request.path_params["response_id"])
    except ValueError:
        return error_response("not_found", "no such suggestion")
    if not await ctx.hall.publish_suggestion(response_id, form.published == "1"):
        return error_response("not_found", "no such suggestion")
    back = form.back if form.back.startswith("/admin/survey") else "/admin/survey"
    return RedirectResponse(hall_path(request, back), status_code=303)


async def public_results(request: Request) -> Response:
    """`/skm`: the hall's and each agency's index for the last complete period, and the
    suggestions an admin published. No login: the rule asks for publication."""
    ctx = context(request)
    period: Period = last_complete_period(ctx.reader.service_date, ctx.config.survey.period)
    results = await ctx.reader.survey_results(period, [a.id for a in ctx.config.agencies])
    published = [s for s in results.pop("suggestions") if s["published"]]
    page = {"site": ctx.config.site, "period": period, "results": results, "published": published, "text_of": text_of}
    return templates.TemplateResponse(request, "skm_public.html", page)


routes = [
    Route("/api/survey", answer, methods=["POST"]),
    Route("/survey/{counter_id}", tablet_page),
    WebSocketRoute("/ws/survey/{counter_id}", tablet_socket),
    Route("/api/reports/ikm", ikm_api),
    Route("/admin/survey", admin_survey),
    Route("/admin/survey/skm.{kind}", survey_file),
    Route("/admin/survey/suggestions/{response_id}", publish_suggestion, methods=["POST"]),
    Route("/skm", public_results),
]
