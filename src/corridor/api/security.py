"""Who is calling: an API key (`Authorization: Bearer cor_…` or `X-API-Key`), or the
console's session cookie. A request through the cookie that changes anything carries
the session's CSRF token (a form field, or the `X-CSRF-Token` header)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from corridor.api.errors import ApiError
from corridor.api.services import Operations
from corridor.auth.keys import authenticate_key
from corridor.auth.permissions import Caller
from corridor.auth.sessions import Session, find_session

SESSION_COOKIE = "corridor_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer cor_…`")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key")


def ops_of(request: Request) -> Operations:
    """The service layer the app runs on."""
    ops: Operations = request.app.state.ops
    return ops


def session_of(request: Request) -> Session | None:
    """The live session the request's cookie names, if any (looked up once a request)."""
    if "corridor_session" not in request.scope.setdefault("state", {}):
        found = find_session(ops_of(request).engine, request.cookies.get(SESSION_COOKIE))
        request.scope["state"]["corridor_session"] = found
    found_session: Session | None = request.scope["state"]["corridor_session"]
    return found_session


def csrf_matches(session: Session, presented: str | None) -> bool:
    """Whether a presented CSRF token is the session's (compared in constant time)."""
    return presented is not None and hmac.compare_digest(presented, session.csrf_token)


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    header_key: Annotated[str | None, Depends(api_key_header)],
) -> Caller:
    """The authenticated caller, or 401."""
    secret = credentials.credentials if credentials is not None else header_key
    ops = ops_of(request)
    if secret is not None:
        found = authenticate_key(ops.engine, secret)
        if found is None:
            raise ApiError(401, "invalid_api_key", "the API key is unknown or revoked")
        user, key = found
        return Caller(user, key.scopes, key.key_id)
    session = session_of(request)
    if session is None:
        raise ApiError(401, "unauthenticated", "log in or present an API key")
    if request.method not in SAFE_METHODS and not csrf_matches(
        session, request.headers.get("x-csrf-token")
    ):
        raise ApiError(403, "csrf_failed", "the request's CSRF token is missing or wrong")
    return Caller(session.user)


CallerDep = Annotated[Caller, Depends(caller)]
OpsDep = Annotated[Operations, Depends(ops_of)]
