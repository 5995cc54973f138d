"""Schemathesis against the OpenAPI document, on a real uvicorn server: no answer is a
5xx, and every answer matches its schema. A few examples per operation keep the suite
fast; the tenancy and payments tests cover the paths that matter one by one."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clocks import Clock
from corridor.api.app import create_app
from corridor.api.services import Operations
from corridor.store import make_engine, upgrade
from ops_world import BUSINESS_DAY, SECOND, seed

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
"""No 5xx; every answer's status, media type and body as the document says. (A request
the schema allows may still break a business rule, e.g. an unknown currency: that is a
documented 422, not a failure.)"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on SQLite, served by uvicorn on a free local port."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/ops.db")
    upgrade(engine)
    keys = seed(engine)
    app = create_app(engine, ops=Operations(engine, clock=Clock(BUSINESS_DAY, tick=SECOND)))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield {"base_url": f"http://127.0.0.1:{port}", "app": app, "key": keys["operator@albion"]}
    server.should_exit = True
    thread.join(10)
    engine.dispose()


def test_no_server_error_and_answers_match_the_schema(served: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{served['base_url']}/openapi.json")
    headers = {"Authorization": f"Bearer {served['key']}"}
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(base_url=served["base_url"], headers=headers, checks=CHECKS)

        check()
        checked += 1
    assert checked >= 25  # every operation of the API was fuzzed
