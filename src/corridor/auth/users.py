"""The people who operate Corridor: a user name, the institution they work for, one role.

A user may have a password (argon2id, for the web console) and API keys
(`corridor.auth.keys`); a read-only user may be bound to one client of the institution
and then sees that client's business only. Changing a user's role is a four-eyes change
(`corridor.auth.approvals`); adding a user or setting a password is not.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.auth.passwords import hash_password, verify_password

_metadata = sa.MetaData()
users_table = sa.Table(
    "users",
    _metadata,
    sa.Column("user_id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64)),
    sa.Column("institution", sa.String(11)),
    sa.Column("role", sa.String(16)),
    sa.Column("created_at", sa.String(32)),
    sa.Column("password_hash", sa.Text),
    sa.Column("client_id", sa.String(35)),
    sa.Column("active", sa.Boolean),
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


_DUMMY_HASH = hash_password("corridor: no such user")


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
    client_id: str | None = None
    """For a read-only user of a client: the only client whose business they see."""
    active: bool = True


def _user(row: sa.Row[Any]) -> User:
    return user_of(row._mapping)


def user_of(row: Any) -> User:
    """The user in a result row's mapping, its values keyed by `users_table`'s columns
    (so a row joined with another table's same-named columns reads the right ones)."""
    c = users_table.c
    active = row[c.active]
    return User(
        str(row[c.user_id]),
        str(row[c.username]),
        str(row[c.institution]),
        Role(row[c.role]),
        str(row[c.created_at]),
        row[c.client_id],
        bool(active) if active is not None else True,
    )


def add_user(
    engine: Engine,
    username: str,
    *,
    role: Role | str,
    institution: str,
    password: str | None = None,
    client_id: str | None = None,
) -> User:
    """Record a new user (with a password for the console, if given; bound to one client,
    if given, which only a read-only user may be). Raises UserInputError for a malformed
    name, role, BIC or password, and DuplicateUserError when the name is taken (nothing
    is written then)."""
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
    if client_id is not None and role is not Role.READ_ONLY:
        raise UserInputError("only a read-only user is bound to a client")
    hashed = hash_password(password) if password is not None else None
    user = User(
        uuid.uuid4().hex,
        name,
        bic,
        role,
        datetime.now(UTC).isoformat(timespec="seconds"),
        client_id,
    )
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
                        "password_hash": hashed,
                        "client_id": client_id,
                        "active": True,
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


def tenant_of(user: User) -> str:
    """The BIC11 of the user's institution (a BIC8 names its head office, branch XXX)."""
    return user.institution if len(user.institution) == 11 else user.institution + "XXX"


def get_user_by_id(engine: Engine, user_id: str) -> User:
    """The user with this id. Raises UnknownUserError when there is none."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(users_table).where(users_table.c.user_id == user_id)
        ).first()
    if row is None:
        raise UnknownUserError(f"no user with id {user_id!r}")
    return _user(row)


def list_users(engine: Engine, institution: str) -> list[User]:
    """The users of one institution, by name."""
    # A BIC8 names the head office: users recorded with either spelling are its users.
    spellings = {institution, institution[:8]} if institution.endswith("XXX") else {institution}
    query = (
        sa.select(users_table)
        .where(users_table.c.institution.in_(sorted(spellings)))
        .order_by(users_table.c.username)
    )
    with engine.connect() as connection:
        return [_user(row) for row in connection.execute(query)]


def set_password(engine: Engine, username: str, password: str) -> User:
    """Give a user a new password (argon2id hash stored, never the password)."""
    user = get_user(engine, username)
    with engine.begin() as connection:
        connection.execute(
            users_table.update()
            .where(users_table.c.user_id == user.user_id)
            .values(password_hash=hash_password(password))
        )
    return user


def check_password(engine: Engine, username: str, password: str) -> User | None:
    """The active user whose name and password these are, else None (an unknown name
    costs a hash as well, so timing does not tell names apart)."""
    name = username.strip().lower()
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(users_table).where(users_table.c.username == name)
        ).first()
    if row is None or not row.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(row.password_hash, password):
        return None
    user = _user(row)
    return user if user.active else None


def change_role(connection: Connection, user_id: str, role: Role) -> None:
    """Set a user's role, inside the caller's unit of work (the four-eyes approval that
    decided it; see `corridor.auth.approvals`)."""
    connection.execute(
        users_table.update().where(users_table.c.user_id == user_id).values(role=role.value)
    )


__all__ = [
    "BIC",
    "DuplicateUserError",
    "Role",
    "UnknownUserError",
    "User",
    "UserError",
    "UserInputError",
    "add_user",
    "change_role",
    "check_password",
    "get_user",
    "get_user_by_id",
    "list_users",
    "set_password",
    "tenant_of",
    "users_table",
]
