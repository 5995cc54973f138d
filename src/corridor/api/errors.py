"""Errors as the API answers them: JSON with a stable `code` and a `message`.

The domain raises its own errors, each carrying its HTTP status on the class
(`status_code`) where it has one; the code is the class's name in snake case without
"Error" (`FourEyesError` → `four_eyes`), so it stays stable as long as the rule does.
Expected conflicts are 404/409/422; a 500 means a defect of ours and says only that.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.auth.approvals import ApprovalError
from corridor.auth.keys import ApiKeyError
from corridor.auth.passwords import PasswordPolicyError
from corridor.auth.permissions import ForbiddenError
from corridor.auth.users import UserError
from corridor.compliance.cases import CaseError
from corridor.fx import FxError
from corridor.iso20022 import IsoError
from corridor.money import MoneyError
from corridor.payments.engine import PaymentNotFoundError
from corridor.payments.fees import FeeError
from corridor.payments.lifecycle import LifecycleError
from corridor.payments.reference import ReferenceDataError
from corridor.payments.repository import StalePaymentError

log = logging.getLogger("corridor.api")

DEFAULT_STATUS: dict[type[Exception], int] = {
    PaymentNotFoundError: 404,
    LifecycleError: 409,
    StalePaymentError: 409,
    ForbiddenError: 403,
}
DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    UserError,
    ApprovalError,
    ApiKeyError,
    PasswordPolicyError,
    ForbiddenError,
    CaseError,
    FxError,
    IsoError,
    MoneyError,
    FeeError,
    ReferenceDataError,
    PaymentNotFoundError,
    LifecycleError,
    StalePaymentError,
)


class ApiError(Exception):
    """An error the HTTP edge raises itself (authentication, uploads, bad parameters)."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code


def error_code(exc: Exception) -> str:
    """The stable code of a domain error: its class name in snake case."""
    name = type(exc).__name__.removesuffix("Error") or "error"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def status_of(exc: Exception) -> int:
    """The HTTP status a domain error answers with (422 unless it says otherwise)."""
    for cls, status in DEFAULT_STATUS.items():
        if isinstance(exc, cls):
            return status
    return int(getattr(exc, "status_code", 422))


def error_body(
    code: str, message: str, errors: list[dict[str, object]] | None = None
) -> dict[str, object]:
    """The JSON every error answers with."""
    body: dict[str, object] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return body


def install(app: FastAPI, *, domain: tuple[type[Exception], ...] = ()) -> None:
    """Answer every error as JSON with a code; `domain` adds more classes to map."""

    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(error_body(exc.code, str(exc)), exc.status_code, headers=headers)

    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body(error_code(exc), str(exc)), status_of(exc))

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors: list[dict[str, object]] = [
            {
                "where": ".".join(str(p) for p in e.get("loc", ())),
                "message": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"where": "", "message": "invalid request"}
        message = (
            f"{first['where']}: {first['message']}" if first["where"] else str(first["message"])
        )
        return JSONResponse(error_body("invalid_request", message, errors), 422)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    async def defect(request: Request, exc: Exception) -> JSONResponse:
        # The path and the error's type only: no body, header or value, which may carry
        # a secret or personal data.
        log.error(
            "internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return JSONResponse(error_body("internal_error", "internal error"), 500)

    app.add_exception_handler(ApiError, api_error)
    for cls in (*DOMAIN_ERRORS, *domain):
        app.add_exception_handler(cls, domain_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, defect)
