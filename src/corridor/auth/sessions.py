"""Web console sessions: a random token in a cookie, its SHA-256 in the store, a CSRF
token per session, an absolute lifetime, and an end on logout.

A cookie whose token is not a live session's (made up, tampered with, expired or logged
out) is no session at all: the console sends its bearer to the login page.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.auth.users import User, get_user_by_id

LIFETIME = timedelta(hours=8)
"""A working day: a session ends this long after login, whatever happens."""
_metadata = sa.MetaData()
sessions_table = sa.Table(
    "web_sessions",
    _metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32)),
    sa.Column("csrf_token", sa.String(64)),
    sa.Column("created_at", sa.String(32)),
    sa.Column("expires_at", sa.String(32)),
    sa.Column("ended_at", sa.String(32)),
)


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in user and the CSRF token their forms carry."""

    user: User
    csrf_token: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, user: User) -> tuple[str, Session]:
    """A new session for `user`: (the cookie's token, the session)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session = Session(user, secrets.token_urlsafe(32), now + LIFETIME)
    with engine.begin() as connection:
        connection.execute(
            sessions_table.insert(),
            [
                {
                    "token_sha256": _digest(token),
                    "user_id": user.user_id,
                    "csrf_token": session.csrf_token,
                    "created_at": now.isoformat(timespec="seconds"),
                    "expires_at": session.expires_at.isoformat(timespec="seconds"),
                }
            ],
        )
    return token, session


def find_session(engine: Engine, token: str | None) -> Session | None:
    """The live session a cookie's token names, else None."""
    if not token or len(token) > 128:
        return None
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(sessions_table).where(sessions_table.c.token_sha256 == _digest(token))
        ).first()
    if row is None or row.ended_at is not None:
        return None
    expires = datetime.fromisoformat(row.expires_at)
    if expires <= datetime.now(UTC):
        return None
    user = get_user_by_id(engine, row.user_id)
    if not user.active:
        return None
    return Session(user, row.csrf_token, expires)


def end_session(engine: Engine, token: str | None) -> None:
    """Log out: the token names no session from now on."""
    if not token:
        return
    with engine.begin() as connection:
        connection.execute(
            sessions_table.update()
            .where(sessions_table.c.token_sha256 == _digest(token))
            .values(ended_at=datetime.now(UTC).isoformat(timespec="seconds"))
        )
