"""API keys: shown once, stored as a SHA-256 hash, scoped, revocable, with last-use time.

A key is `cor_` and 43 URL-safe characters of randomness (256 bits). Its SHA-256 is
stored, never the key: a key of that strength cannot be guessed back from its hash, so
the slow password hash is not needed and the per-request look-up stays cheap. A key acts
as the user it was made for, within the scopes it was given; the user's role still
decides what the user may do. The last-use time is written at most once a minute per
key, so a busy client does not turn every read into a write.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.auth.users import User, UserError, user_of, users_table

PREFIX = "cor_"
LAST_USE_RESOLUTION = timedelta(minutes=1)
_metadata = sa.MetaData()
keys_table = sa.Table(
    "api_keys",
    _metadata,
    sa.Column("key_id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(32)),
    sa.Column("name", sa.String(64)),
    sa.Column("secret_sha256", sa.String(64)),
    sa.Column("scopes", sa.Text),
    sa.Column("created_at", sa.String(32)),
    sa.Column("last_used_at", sa.String(32)),
    sa.Column("revoked_at", sa.String(32)),
)


class Scope(StrEnum):
    """What a key may be used for (within what its user's role allows)."""

    READ = "read"
    PAYMENTS = "payments"
    FX = "fx"
    ISO = "iso"
    CASES = "cases"
    ADMIN = "admin"


class ApiKeyError(UserError):
    """An API key is made with a name of 1 to 64 characters and known scopes, and is
    revoked by its own user or an admin of the same institution."""


class UnknownApiKeyError(ApiKeyError):
    """A key is revoked by the id it was shown with."""

    status_code = 404


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as listed: never its secret."""

    key_id: str
    user_id: str
    name: str
    scopes: frozenset[Scope]
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, without the secret (which is shown only when made)."""
        return {
            "key_id": self.key_id,
            "user_id": self.user_id,
            "name": self.name,
            "scopes": sorted(s.value for s in self.scopes),
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _key(row: Any) -> ApiKey:
    """The key in a result row's mapping, its values keyed by `keys_table`'s columns."""
    c = keys_table.c
    return ApiKey(
        row[c.key_id],
        row[c.user_id],
        row[c.name],
        frozenset(Scope(s) for s in json.loads(row[c.scopes])),
        row[c.created_at],
        row[c.last_used_at],
        row[c.revoked_at],
    )


def parse_scopes(values: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """Scopes from their names; ApiKeyError naming one that is not a scope."""
    scopes = set()
    for value in values:
        try:
            scopes.add(Scope(value))
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ApiKeyError(f"scope {value!r} is not one of: {known}") from None
    if not scopes:
        raise ApiKeyError("a key has at least one scope")
    return frozenset(scopes)


def create_key(
    engine: Engine, user: User, name: str, scopes: frozenset[Scope]
) -> tuple[ApiKey, str]:
    """A new key for `user`: (the key as listed, the secret, shown this once only)."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 64:
        raise ApiKeyError("a key's name is 1 to 64 characters")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        uuid.uuid4().hex,
        user.user_id,
        name,
        scopes,
        _now().isoformat(timespec="seconds"),
        None,
        None,
    )
    with engine.begin() as connection:
        connection.execute(
            keys_table.insert(),
            [
                {
                    "key_id": key.key_id,
                    "user_id": key.user_id,
                    "name": key.name,
                    "secret_sha256": _digest(secret),
                    "scopes": json.dumps(sorted(s.value for s in scopes)),
                    "created_at": key.created_at,
                }
            ],
        )
    return key, secret


def keys_of(engine: Engine, institution: str) -> list[ApiKey]:
    """Every key of an institution's users, newest first."""
    query = (
        sa.select(keys_table)
        .select_from(keys_table.join(users_table, keys_table.c.user_id == users_table.c.user_id))
        .where(users_table.c.institution.in_(sorted({institution, institution[:8]})))
        .order_by(keys_table.c.created_at.desc(), keys_table.c.key_id)
    )
    with engine.connect() as connection:
        return [_key(r._mapping) for r in connection.execute(query)]


def get_key(engine: Engine, key_id: str) -> ApiKey:
    """The key with this id; UnknownApiKeyError when there is none."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(keys_table).where(keys_table.c.key_id == key_id)).first()
    if row is None:
        raise UnknownApiKeyError(f"no API key {key_id!r}")
    return _key(row._mapping)


def revoke_key(engine: Engine, key_id: str) -> ApiKey:
    """Revoke a key at once (revoking a revoked key changes nothing)."""
    key = get_key(engine, key_id)
    if key.revoked_at is None:
        with engine.begin() as connection:
            connection.execute(
                keys_table.update()
                .where(keys_table.c.key_id == key_id, keys_table.c.revoked_at.is_(None))
                .values(revoked_at=_now().isoformat(timespec="seconds"))
            )
    return get_key(engine, key_id)


def authenticate_key(engine: Engine, secret: str) -> tuple[User, ApiKey] | None:
    """The active user and unrevoked key a presented secret belongs to, else None; notes
    the key's last use (to the minute)."""
    if not secret.startswith(PREFIX) or len(secret) > 128:
        return None
    # One read, key and user together: this runs on every request a key makes.
    query = (
        sa.select(keys_table, users_table)
        .join_from(keys_table, users_table, keys_table.c.user_id == users_table.c.user_id)
        .where(keys_table.c.secret_sha256 == _digest(secret))
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    key, user = _key(row._mapping), user_of(row._mapping)
    if key.revoked_at is not None or not user.active:
        return None
    now = _now()
    last = datetime.fromisoformat(key.last_used_at) if key.last_used_at else None
    if last is None or now - last >= LAST_USE_RESOLUTION:
        with engine.begin() as connection:
            connection.execute(
                keys_table.update()
                .where(keys_table.c.key_id == key.key_id)
                .values(last_used_at=now.isoformat(timespec="seconds"))
            )
    return user, key
