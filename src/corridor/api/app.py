"""The operations centre's ASGI app: the JSON API under `/api`, the console at `/`,
OpenAPI at `/openapi.json`, docs at `/docs` (served from the installed package, no CDN).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
from corridor.runtime import settle_the_heap

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


class SecurityHeaders:
    """Adds the security headers to every response that does not set its own, and the
    console's content security policy outside the API docs. Plain ASGI, not
    `BaseHTTPMiddleware`: that one wraps each request in a task and a stream of its own,
    which cost the API about a tenth of its time per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; stamp the headers as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_policy = not scope["path"].startswith(("/docs", "/redoc", "/static-offline-docs"))

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if with_policy:
                    headers.setdefault("Content-Security-Policy", CONSOLE_POLICY)
            await send(message)

        await self.app(scope, receive, stamped)


def create_app(
    engine: Engine,
    *,
    ops: Operations | None = None,
    console: bool = True,
    settle_heap: bool = False,
) -> FastAPI:
    """The app over one store; `ops` started with the app and stopped with it. With
    `settle_heap` (a server process: `corridor serve`, the API bench), the process's heap,
    with what the started app has loaded, is frozen out of the cycle collector's reach
    (see `corridor.runtime.settle_the_heap`)."""
    service = ops or Operations(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start()
        if settle_heap:
            settle_the_heap()
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

    app.add_middleware(SecurityHeaders)

    if console:
        # The console builds on this module's app; imported here, not at the top.
        from corridor.web.console import install_console  # noqa: PLC0415

        install_console(app)
    return app
