"""The operations centre's ASGI app: the JSON API under `/api`, the console at `/`,
OpenAPI at `/openapi.json`, docs at `/docs` (served from the installed package, no CDN).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy.engine import Engine

from corridor.api import errors
from corridor.api.routers import (
    admin,
    audit,
    cases,
    directory,
    funds,
    fx,
    iso,
    payments,
    reports,
)
from corridor.api.schemas import ErrorOut
from corridor.api.services import (
    IdempotencyConflictError,
    NotFoundError,
    Operations,
    UploadTooLargeError,
)

ERRORS = {
    401: {"model": ErrorOut, "description": "No valid API key or session"},
    403: {"model": ErrorOut, "description": "The role or key may not do this"},
    404: {"model": ErrorOut, "description": "Not found (or not the caller's institution's)"},
    409: {"model": ErrorOut, "description": "A conflict with what the store holds"},
    422: {"model": ErrorOut, "description": "The request breaks a rule"},
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CONSOLE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create_app(engine: Engine, *, ops: Operations | None = None, console: bool = True) -> FastAPI:
    """The app over one store; `ops` started with the app and stopped with it."""
    service = ops or Operations(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPIOffline(
        title="Corridor operations centre",
        version="1.0",
        description=(
            "Payments, clients, accounts, FX quotes, ISO 20022, screening cases, the audit"
            " log and reports of one institution of the Luohu–Hong Kong–London corridor."
            " Authenticate with an API key (`Authorization: Bearer cor_…` or `X-API-Key`)."
            " Every answer is scoped to the key's institution. Amounts are decimal strings."
        ),
        lifespan=lifespan,
        favicon_url="/static/favicon.svg",
    )
    app.state.ops = service
    errors.install(app, domain=(NotFoundError, IdempotencyConflictError, UploadTooLargeError))
    for router in (
        directory.router,
        payments.router,
        fx.router,
        iso.router,
        cases.router,
        audit.router,
        reports.router,
        funds.router,
        admin.router,
    ):
        app.include_router(router, prefix="/api", responses=ERRORS)  # type: ignore[arg-type]

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        path = request.url.path
        if not path.startswith(("/docs", "/redoc", "/static-offline-docs")):
            response.headers.setdefault("Content-Security-Policy", CONSOLE_POLICY)
        return response

    if console:
        # The console builds on this module's app; imported here, not at the top.
        from corridor.web.console import install_console  # noqa: PLC0415

        install_console(app)
    return app
