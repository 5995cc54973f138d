"""Stores for the tests: a SQLite file per test, and a real PostgreSQL database.

PostgreSQL is found at CORRIDOR_TEST_POSTGRES_URL (default: the local server, user
postgres). Each test session (and each xdist worker) gets its own database, created
afresh. Where no server answers, PostgreSQL tests are skipped on a developer's machine
and fail in CI (CI=true): a store the suite promises to test is never silently dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.ledger import Ledger
from corridor.store import make_engine, upgrade

ADMIN_URL = os.environ.get(
    "CORRIDOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
# Every table, children first: emptied between tests that share a PostgreSQL database.
TABLES = (
    "fund_orders",
    "fund_navs",
    "fund_share_classes",
    "funds",
    "fx_quotes",
    "client_limit_usage",
    "green_impacts",
    "green_classifications",
    "green_allocations",
    "green_bond_projects",
    "green_bonds",
    "green_projects",
    "payment_events",
    "payments",
    "cleared_candidates",
    "frozen_parties",
    "case_events",
    "screening_cases",
    "approvals",
    "web_sessions",
    "api_keys",
    "users",
    "sanctions_entries",
    "sanctions_list_versions",
    "account_balances",
    "pending_transfers",
    "transfers",
    "accounts",
    "iso_transactions",
    "iso_messages",
    "audit_log",
    "fx_spreads",
    "fee_schedules",
    "client_accounts",
    "clients",
    "correspondent_accounts",
    "institutions",
)


def _admin_conninfo() -> str:
    return ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session (per xdist worker)."""
    # The process id keeps two test runs on one server (or their xdist workers) apart.
    name = f"corridor_test_{worker_id}_{os.getpid()}"
    try:
        with psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and did not answer: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    base = _admin_conninfo().rsplit("/", 1)[0]
    url = f"{base}/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """The xdist worker's name, or 'main' without xdist."""
    config = request.config
    return getattr(config, "workerinput", {}).get("workerid", "main")


def reset_ledger(engine: Engine) -> None:
    """Empty every table and reset the ledger's clock (cheaper than a new database)."""
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(sa.text(f"DELETE FROM {table}"))
        connection.execute(sa.text("UPDATE ledger_clock SET last_timestamp = 0"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Each store test runs on both stores."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: object) -> str:
    """A migrated, empty database of the test's store."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/corridor.db"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    url = str(request.getfixturevalue("postgres_url"))
    engine = make_engine(url)
    reset_ledger(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's empty database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def ledger(engine: Engine) -> Iterator[Ledger]:
    """A ledger on the test's empty database."""
    with Ledger(engine) as ledger:
        yield ledger


@pytest.fixture
def reset() -> Callable[[Engine], None]:
    """A function that empties the ledger's tables, for tests that need many fresh starts."""
    return reset_ledger
