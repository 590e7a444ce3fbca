"""Request bodies, validated at the door with typed models.

body = await read_model(request, IssueRequest)
if isinstance(body, Response):
    return body            # 400 / 413 with the contract's error shape
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..contract import MAX_REQUEST_ID, Action
from .errors import error_response

MAX_BODY_BYTES = 4096

RequestId = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REQUEST_ID)]
Model = TypeVar("Model", bound=BaseModel)


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class IssueRequest(Body):
    """`POST /api/tickets` and `POST /api/kiosk/{id}/tickets`."""

    service: str = Field(min_length=1)
    priority: bool = False
    priority_label: str | None = None
    request_id: RequestId | None = None


Short = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class CounterCommand(Body):
    """A command on `/ws/counter`; `id` makes a retry act once."""

    type: Action = Field(strict=False)  # JSON gives the action's name; strict would want the enum itself
    id: RequestId
    service: Short | None = None
    number: Short | None = None
    officer: Short | None = None  # sign_in
    pin: Short | None = None  # sign_in
    reason: Short | None = None  # pause

    def args(self) -> dict[str, str]:
        named = ("service", "number", "officer", "pin", "reason")
        return {name: value for name in named if (value := getattr(self, name)) is not None}


AdminPage = Literal[
    "/admin/hall",
    "/admin/reports",
    "/admin/survey",
    "/admin/bookings",
    "/admin/screens",
    "/admin/printers",
    "/admin/staff",
]


class AdminLogin(Body):
    """`POST /admin/login`, a form: a roster id and password, or no id and the admin token."""

    user: str = Field(default="", max_length=40)
    token: str = Field(min_length=1, max_length=512)
    next: AdminPage = "/admin/hall"


class OwnPinChange(Body):
    """`POST /api/staff/pin`: a person changes their own PIN or password."""

    staff: Short
    old: Short
    new: Short


class PinReset(Body):
    """`POST /api/staff/{id}/pin` and the staff page: an admin (or the person's supervisor) sets it."""

    pin: Short


Score = Annotated[int, Field(ge=1, le=4)]


class SurveyRequest(Body):
    """`POST /api/survey`: a served visitor's SKM answers, from their phone (`ticket_token`) or
    from a counter's tablet (`counter` and `ticket_id`, with the counter's token as Bearer)."""

    ticket_token: Short | None = None
    counter: Short | None = None
    ticket_id: Short | None = None
    answers: list[Score] = Field(min_length=9, max_length=9)
    profile: dict[str, Short] = {}
    suggestion: Annotated[str, StringConstraints(max_length=1000, strip_whitespace=True)] | None = None


class CheckInRequest(Body):
    """`POST /api/kiosk/{id}/check-in`: a booking's code, typed or scanned."""

    code: Short


class BookingRequest(Body):
    """`POST /api/bookings`: a place in one session of one service. No NIK, no name."""

    service: Short
    date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    session: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 -]{8,20}$")] | None = None


class SessionCancel(Body):
    """The admin area's form: cancel a session's bookings (an outage at the agency)."""

    service: Short
    date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    session: Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class SuggestionPublish(Body):
    """The form on /admin/survey that shows a suggestion on /skm (1) or takes it down (0)."""

    published: Literal["0", "1"]
    back: str = Field(default="/admin/survey", max_length=300)


def first_problem(error: ValidationError) -> str:
    """One readable line for the first problem: `'priority': Input should be a valid boolean`."""
    problem = error.errors()[0]
    where = ".".join(str(p) for p in problem["loc"])
    return f"{where!r}: {problem['msg']}" if where else problem["msg"]


def validate(model: type[Model], data: dict) -> Model | str:
    """The model, or the first problem as text."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return first_problem(exc)


async def read_json(request: Request) -> dict | Response:
    """The request body as a JSON object, or the refusal to send."""
    raw = b""
    async for chunk in request.stream():  # streamed, so an oversized body is never buffered whole
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return error_response("message_too_large", f"the body is limited to {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser allows
        return error_response("bad_json", "the body is not valid JSON")
    if not isinstance(body, dict):
        return error_response("bad_request", "the body must be a JSON object")
    return body


async def read_model(request: Request, model: type[Model], **defaults: object) -> Model | Response:
    """The body as MODEL (DEFAULTS fill fields the body leaves out), or the refusal to send."""
    body = await read_json(request)
    if isinstance(body, Response):
        return body
    parsed = validate(model, {**{k: v for k, v in defaults.items() if v is not None}, **body})
    if isinstance(parsed, str):
        return error_response("bad_request", parsed)
    return parsed


async def read_form(request: Request, model: type[Model]) -> Model | Response:
    """A urlencoded form body as MODEL (the first value of each field), or the refusal to send."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return error_response("message_too_large", f"the body is limited to {MAX_BODY_BYTES} bytes")
    fields: dict[str, str] = {}
    for name, value in parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    parsed = validate(model, fields)
    if isinstance(parsed, str):
        return error_response("bad_request", parsed)
    return parsed
