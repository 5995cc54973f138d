"""The operations console: server-rendered pages (Jinja2) over the API's service
functions, plain forms and links, made livelier by htmx where it is installed.

htmx (from npm at install time, `hatch_build.py`) only enhances: the payment search
updates its results as the user types, a tracker still in flight and the open review
queue refresh themselves, but every page works the same without it, as plain forms and
links. No inline script or style
is used, so the page's Content-Security-Policy allows only the console's own files.

Login checks the password (argon2id), is rate limited (`LoginThrottle`), and starts a
session whose random token is the cookie (`Secure`, `HttpOnly`, `SameSite=Strict`);
every form carries the session's CSRF token (the login form a token of its own, in a
cookie of its own) and a POST without the right one is refused. Nothing a user types
(passwords, names, amounts) goes to the logs.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from corridor.api.errors import error_code, status_of
from corridor.api.security import SESSION_COOKIE, csrf_matches, ops_of, session_of
from corridor.auth import audit
from corridor.auth.permissions import Action, Caller
from corridor.auth.sessions import LIFETIME, end_session, start_session
from corridor.auth.throttle import LoginThrottle
from corridor.auth.users import check_password

LOGIN_CSRF_COOKIE = "corridor_login_csrf"
_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(_HERE / "templates"))
HTMX = (_HERE / "static" / "vendor" / "htmx.min.js").is_file()
"""Whether the install put htmx in place (it needs npm); without it pages are plain."""


def _grouped(amount: object) -> str:
    """An exact decimal amount with thousands grouped ("410000000.00" → "410,000,000.00");
    anything else as it is."""
    try:
        return f"{Decimal(str(amount)):,}"
    except (ArithmeticError, ValueError):
        return str(amount)


templates.env.filters["grouped"] = _grouped
NAV = (
    ("/", "Dashboard", Action.READ),
    ("/payments", "Payments", Action.READ),
    ("/payments/new", "New payment", Action.PAY),
    ("/cases", "Review queue", Action.REVIEW),
    ("/iso/upload", "ISO 20022 upload", Action.VALIDATE),
    ("/statements", "Statements", Action.READ),
    ("/funds", "Funds", Action.READ),
    ("/approvals", "Approvals", Action.CHANGE_REFERENCE),
    ("/audit", "Audit log", Action.AUDIT),
)


class LoginRequiredError(Exception):
    """A console page is for a logged-in user: the browser is sent to the login page."""


class CsrfError(Exception):
    """Every form a console page sends back carries the session's CSRF token."""


def _cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def console_caller(request: Request) -> Caller:
    """The logged-in user of a console page, or LoginRequiredError."""
    session = session_of(request)
    if session is None:
        raise LoginRequiredError
    return Caller(session.user)


def check_csrf(request: Request, token: str | None) -> Caller:
    """The caller of a console form, whose CSRF token must be the session's."""
    caller = console_caller(request)
    session = session_of(request)
    assert session is not None
    if not csrf_matches(session, token):
        raise CsrfError
    return caller


def render(
    request: Request, template: str, caller: Caller | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page of the console, with the navigation the caller's role allows."""
    session = session_of(request) if caller is not None else None
    nav = [
        (href, label) for href, label, action in NAV if caller is not None and caller.may(action)
    ]
    return templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "nav": nav,
            "csrf_token": session.csrf_token if session is not None else "",
            "path": request.url.path,
            "htmx": HTMX,
            **context,
        },
        status_code=status_code,
    )


def install_console(app: FastAPI) -> None:
    """Mount the console's pages, static files and error pages on the app."""
    from corridor.web import pages  # noqa: PLC0415 - pages build on this module

    throttle = LoginThrottle()
    app.state.login_throttle = throttle
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    async def login_required(request: Request, _exc: Exception) -> Response:
        login = f"/login?next={request.url.path}"
        if request.headers.get("HX-Request"):
            # A refresh by htmx after the session ended: the whole page goes to the login,
            # not the login form into a part of the page.
            return Response(status_code=204, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)

    async def csrf_failed(request: Request, _exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            None,
            403,
            title="Refused",
            message="The form's security token is missing or out of date. Go back, reload"
            " the page and try again.",
        )

    app.add_exception_handler(LoginRequiredError, login_required)
    app.add_exception_handler(CsrfError, csrf_failed)

    @app.get("/login", include_in_schema=False, response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", None, login_csrf=token, next=_safe_next(next))
        _cookie(response, LOGIN_CSRF_COOKIE, token, 3600)
        return response

    @app.post("/login", include_in_schema=False, response_class=HTMLResponse)
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=256)] = "",
        csrf_token: Annotated[str, Form(max_length=128)] = "",
        next: Annotated[str, Form(max_length=200)] = "/",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not expected or not secrets.compare_digest(expected, csrf_token):
            raise CsrfError
        address = request.client.host if request.client else "unknown"
        wait = throttle.retry_after(username, address)
        token = secrets.token_urlsafe(32)

        def again(message: str, status: int) -> Response:
            response = render(
                request,
                "login.html",
                None,
                status,
                login_csrf=token,
                next=_safe_next(next),
                error=message,
                username=username,
            )
            _cookie(response, LOGIN_CSRF_COOKIE, token, 3600)
            if status == 429:
                response.headers["Retry-After"] = str(wait)
            return response

        if wait:
            return again(f"Too many failed logins: try again in {wait} seconds.", 429)
        ops = ops_of(request)
        user = check_password(ops.engine, username, password)
        if user is None:
            throttle.failed(username, address)
            return again("The user name or password is wrong.", 401)
        throttle.succeeded(username)
        session_token, _session = start_session(ops.engine, user)
        audit.record(
            ops.engine,
            institution=user.institution,
            actor=user.username,
            action="log in",
            target=f"user:{user.username}",
        )
        response = RedirectResponse(_safe_next(next), status_code=303)
        _cookie(response, SESSION_COOKIE, session_token, int(LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf_token: Annotated[str, Form(max_length=128)] = "") -> Response:
        check_csrf(request, csrf_token)
        end_session(ops_of(request).engine, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    app.include_router(pages.router)


def _safe_next(target: str) -> str:
    """Only a path on this site, never another site (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def problem_page(request: Request, caller: Caller, exc: Exception) -> HTMLResponse:
    """A domain error as a console page: its message, and its code for support."""
    return render(
        request,
        "error.html",
        caller,
        status_of(exc),
        title="Not done",
        message=str(exc),
        code=error_code(exc),
    )
