"""A corridor for the operations centre's tests: the demo network's reference data in
the store, its ledger accounts and opening balances, the demo watch list, and users of
two banks (Albion in London, Luohu Commercial in Shenzhen) in every role, each with an
API key of every scope their role can use."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import as_file, files

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from clocks import Clock
from corridor.api.app import create_app
from corridor.api.services import Operations
from corridor.auth.keys import Scope, create_key
from corridor.auth.permissions import ROLE_ACTIONS, SCOPE_OF
from corridor.auth.users import Role, add_user
from corridor.compliance.lists import ListFormat, load_list
from corridor.demo import network
from corridor.ledger import Ledger
from corridor.reference_data.store import save_corridor
from corridor.store import make_engine, upgrade

BUSINESS_DAY = datetime(2026, 10, 27, 2, 0, tzinfo=UTC)
"""A Tuesday morning before every cut-off of the corridor: payments settle the same day."""
BANKS = {"albion": network.ALBION, "luohu": network.LUOHU}
ROLES = {
    "admin": Role.ADMIN,
    "admin2": Role.ADMIN,
    "operator": Role.OPERATOR,
    "compliance": Role.COMPLIANCE,
    "compliance2": Role.COMPLIANCE,
    "auditor": Role.AUDITOR,
    "readonly": Role.READ_ONLY,
}
PASSWORD = "correct horse battery"
SECOND = timedelta(seconds=1)
"""The payments' time moves on a second at each look, as a busy day would."""


@dataclass
class World:
    """The store, the app's test client, and every test user's API key by name."""

    engine: Engine
    client: TestClient
    keys: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        """The header that authenticates as `user` (e.g. 'operator@albion')."""
        return {"Authorization": f"Bearer {self.keys[user]}"}


def seed(engine: Engine) -> dict[str, str]:
    """Reference data, ledger, watch list and users; the users' API keys by name."""
    directory = network.directory()
    clients = [directory.client(c.client_id) for cs in network.CLIENTS.values() for c in cs]
    save_corridor(
        engine,
        directory,
        network.fee_table(),
        network.fx_desk(),
        cities=network.CITIES,
        individuals=[c.client_id for cs in network.CLIENTS.values() for c in cs if c.individual],
        clients=clients,
    )
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
        ledger.create_transfers(
            [
                network.liquidity(0, bic, ccy, 10_000_000)
                for bic, (_name, currencies) in network.BANKS.items()
                for ccy in currencies
            ]
        )
    with as_file(files("corridor.demo").joinpath("watchlist.csv")) as watchlist:
        load_list(engine, ListFormat.INTERNAL_CSV, watchlist)
    keys = {}
    for short, bic in BANKS.items():
        for name, role in ROLES.items():
            user = add_user(
                engine, f"{name}@{short}", role=role, institution=bic, password=PASSWORD
            )
            scopes = frozenset({SCOPE_OF[a] for a in ROLE_ACTIONS[role]})
            keys[user.username] = create_key(engine, user, "tests", scopes)[1]
        client_id = network.CLIENTS[bic][0].client_id
        bound = add_user(
            engine,
            f"client@{short}",
            role=Role.READ_ONLY,
            institution=bic,
            password=PASSWORD,
            client_id=client_id,
        )
        keys[bound.username] = create_key(engine, bound, "tests", frozenset({Scope.READ}))[1]
    return keys


@contextmanager
def database(backend: str, name: str, tmp: str) -> Iterator[str]:
    """A fresh, migrated database of the store `backend`, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp}/ops.db"
        return
    admin = os.environ.get(
        "CORRIDOR_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ).replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and did not answer: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def world(backend: str, name: str, tmp: str) -> Iterator[World]:
    """A seeded store and a client of the app on it (started, stopped afterwards)."""
    with database(backend, f"{name}_{os.getpid()}", tmp) as url:
        engine = make_engine(url)
        upgrade(engine)
        keys = seed(engine)
        app = create_app(engine, ops=Operations(engine, clock=Clock(BUSINESS_DAY, tick=SECOND)))
        with TestClient(app, base_url="https://testserver") as client:
            yield World(engine, client, keys)
        engine.dispose()


@contextmanager
def served(engine: Engine) -> Iterator[str]:
    """The app on `engine` served by uvicorn on a free local port; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(engine, ops=Operations(engine, clock=Clock(BUSINESS_DAY, tick=SECOND)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
