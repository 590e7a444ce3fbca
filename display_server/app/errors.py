"""Every refusal has the same shape: `{"error": {"code", "message"}}`."""

from starlette.responses import JSONResponse


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


# How the hall's rule codes map to HTTP statuses.
STATUS_BY_CODE = {
    "unknown_service": 404,
    "unknown_counter": 404,
    "ticket_not_found": 404,
    "bad_request": 400,
    "bad_json": 400,
    "unauthorized": 401,
    "rate_limited": 429,
}


def status_for(code: str) -> int:
    return STATUS_BY_CODE.get(code, 409)  # the rest are "the queue's state does not allow it"
