"""Every error in one shape: `{"error": "..."}`, plus `missing` (the mart a read needs) or
`detail` (the field at fault, for 422). No answer names a path on the server: the warehouse and
the landing zone are named by their file and folder names only."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from benchdb.server.jsonsafe import SafeJSONResponse


class ApiError(Exception):
    """An answer other than 2xx, with its status and message."""

    def __init__(
        self,
        status: int,
        message: str,
        missing: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.missing = missing
        self.field = field
        self.headers = headers


def without_server_paths(request: Request, message: str) -> str:
    """`message` with the warehouse's and the data folder's paths cut to their names."""
    settings = getattr(request.app.state, "settings", None)
    if settings is None:
        return message
    for path in sorted((settings.db_path, settings.data_dir), key=lambda p: -len(str(p))):
        for form in {str(path), str(path.resolve())}:
            message = message.replace(form, path.name)
    return message


def field_of(message: str) -> str | None:
    """The field a validation message names ("field 'batch_size' must be ...")."""
    found = re.search(r"field '([^']+)'", message)
    return found.group(1) if found else None


async def _api_error(request: Request, exc: ApiError) -> SafeJSONResponse:
    message = without_server_paths(request, exc.message)
    body: dict = {"error": message}
    if exc.missing:
        body["missing"] = exc.missing
    if exc.status == 422 and exc.field:
        body["detail"] = [{"loc": ["body", exc.field], "msg": message, "type": "value_error"}]
    return SafeJSONResponse(body, status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> SafeJSONResponse:
    # routing errors (unknown path, wrong method) in the same shape as every other error
    return SafeJSONResponse(
        {"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> SafeJSONResponse:
    details = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            position = (error.get("loc") or ("body", "?"))[-1]
            message = (error.get("ctx") or {}).get("error", "JSON decode error")
            return SafeJSONResponse(
                {
                    "error": f"malformed JSON body at character {position}: {message}",
                    "detail": [{"loc": ["body"], "msg": message, "type": "json_invalid"}],
                },
                status_code=422,
            )
        loc = [str(x) for x in error.get("loc", ())]
        details.append({"loc": loc, "msg": error.get("msg"), "type": error.get("type")})
    fields = ", ".join(".".join(d["loc"][1:] or d["loc"]) for d in details)
    return SafeJSONResponse(
        {"error": f"invalid request: {fields}", "detail": details}, status_code=422
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
