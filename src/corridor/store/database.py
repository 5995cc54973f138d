"""Engine factory and migrations for the configured database."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url

DEFAULT_URL = "sqlite:///corridor.db"
_MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """The database named by the configuration cannot be used (bad URL, unreachable server)."""


class Backend(StrEnum):
    """The two stores Corridor runs on."""

    SQLITE = "sqlite"
    POSTGRES = "postgres"


def database_url() -> str:
    """The configured database URL: `CORRIDOR_DATABASE_URL`, else a SQLite file here."""
    return os.environ.get("CORRIDOR_DATABASE_URL") or DEFAULT_URL


def display_url(url: str | None = None) -> str:
    """The database URL as it may be shown to a person: never with its password."""
    url = url or database_url()
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a database URL)"


def backend_of(url: str) -> Backend:
    """Which store a URL names; anything but SQLite or PostgreSQL is refused."""
    try:
        name = make_url(url).get_backend_name()
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"CORRIDOR_DATABASE_URL {url!r} is not a database URL") from exc
    if name == "sqlite":
        return Backend.SQLITE
    if name in ("postgresql", "postgres"):
        return Backend.POSTGRES
    raise StoreError(
        f"unsupported database {name!r} in {display_url(url)}: use sqlite:/// or postgresql://"
    )


# Connections kept open for reuse: as many as the API's worker threads (AnyIO's default
# limit is 40), so a busy server does not open, set up and close one per request (which
# cost a third of its time when only SQLAlchemy's default five were kept).
POOL_SIZE = 40
POOL_OVERFLOW = 10


def make_engine(url: str | None = None) -> Engine:
    """An SQLAlchemy engine for `url` (default: the configured one), with the driver we use.

    PostgreSQL goes through psycopg 3; SQLite runs in WAL mode with full fsync, so that
    a committed batch survives a crash of the process or the machine.
    """
    url = url or database_url()
    backend = backend_of(url)
    parsed = make_url(url)
    if backend is Backend.POSTGRES:
        parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(
            parsed, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of page cache keeps account pages resident between batches.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the database's schema up to the newest migration (a no-op when it is)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except sa.exc.OperationalError as exc:
        raise StoreError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
