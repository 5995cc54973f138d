"""The people who operate Corridor: a user name, the institution they work for, one role.

Kept minimal on purpose: passwords, API keys and sessions come later, on top of this
table. What is here is what four-eyes review needs: who a user is, and what they may do.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_metadata = sa.MetaData()
users_table = sa.Table(
    "users",
    _metadata,
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64)),
    sa.Column("institution", sa.String(11)),
    sa.Column("role", sa.String(16)),
    sa.Column("created_at", sa.String(32)),
)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
"""A business identifier code (ISO 9362): bank, country, location, optional branch."""


class Role(StrEnum):
    """What a user may do. Only `compliance` users decide screening cases."""

    ADMIN = "admin"
    OPERATOR = "operator"
    COMPLIANCE = "compliance"
    AUDITOR = "auditor"
    READ_ONLY = "read-only"


class UserError(ValueError):
    """A rule about users was broken; the message says which."""

    status_code = 422


class UserInputError(UserError):
    """A user name is 1–64 lower-case letters, digits and `._@-`, starting with a letter
    or digit; an institution is a BIC (8 or 11 characters)."""


class UnknownUserError(UserError):
    """A user must exist before acting."""

    status_code = 404


class DuplicateUserError(UserError):
    """A user name belongs to one user only."""

    status_code = 409


@dataclass(frozen=True, slots=True)
class User:
    """A person who operates Corridor for one institution, in one role."""

    user_id: str
    username: str
    institution: str
    role: Role
    created_at: str


def _user(row: sa.Row[Any]) -> User:
    return User(
        str(row.user_id),
        str(row.username),
        str(row.institution),
        Role(row.role),
        str(row.created_at),
    )


def add_user(engine: Engine, username: str, *, role: Role | str, institution: str) -> User:
    """Record a new user. Raises UserInputError for a malformed name, role or BIC, and
    DuplicateUserError when the name is taken (nothing is written then)."""
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise UserInputError(
            f"user name {username!r}: use 1-64 letters, digits and . _ @ -,"
            " starting with a letter or digit"
        )
    try:
        role = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise UserInputError(f"role {role!r} is not one of: {roles}") from None
    bic = institution.strip().upper()
    if not BIC.fullmatch(bic):
        raise UserInputError(f"institution {institution!r} is not a BIC (8 or 11 characters)")
    user = User(uuid.uuid4().hex, name, bic, role, datetime.now(UTC).isoformat(timespec="seconds"))
    try:
        with engine.begin() as connection:
            connection.execute(
                users_table.insert(),
                [
                    {
                        "user_id": user.user_id,
                        "username": user.username,
                        "institution": user.institution,
                        "role": user.role.value,
                        "created_at": user.created_at,
                    }
                ],
            )
    except sa.exc.IntegrityError:
        raise DuplicateUserError(f"user {name!r} already exists") from None
    return user


def get_user(engine: Engine, username: str) -> User:
    """The user with this name. Raises UnknownUserError when there is none."""
    name = username.strip().lower()
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(users_table).where(users_table.c.username == name)
        ).first()
    if row is None:
        raise UnknownUserError(f"no user {username!r}: add one with `corridor users add`")
    return _user(row)


__all__ = [
    "BIC",
    "DuplicateUserError",
    "Role",
    "UnknownUserError",
    "User",
    "UserError",
    "UserInputError",
    "add_user",
    "get_user",
    "users_table",
]
