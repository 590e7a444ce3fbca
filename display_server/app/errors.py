"""Every refusal over HTTP has the same shape: `{"error": {"code", "message"}}` (see `contract`)."""

from starlette.responses import JSONResponse

from ..contract import error_body, http_status


def error_response(code: str, message: str, status: int | None = None) -> JSONResponse:
    """The refusal for CODE, with the HTTP status the contract gives it unless STATUS says otherwise."""
    return JSONResponse(error_body(code, message), status_code=status or http_status(code))
