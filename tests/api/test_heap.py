"""A server process freezes what its started app holds out of the cycle collector's reach
(`settle_the_heap`); an app made for a test, which comes and goes, leaves the heap alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from corridor.api.app import create_app
from corridor.api.services import Operations
from corridor.reference_data.demo import seed_demo_reference_data


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process goes on: give its objects back to the collector


def _started(engine: Engine, *, settle_heap: bool) -> int:
    seed_demo_reference_data(engine)
    app = create_app(engine, ops=Operations(engine), console=False, settle_heap=settle_heap)
    with TestClient(app):
        return gc.get_freeze_count()


@pytest.mark.usefixtures("unfrozen")
def test_a_server_freezes_what_its_started_app_holds(engine: Engine) -> None:
    frozen = _started(engine, settle_heap=True)
    # The app's modules, reference data and tables: far more than a handful of objects.
    assert frozen > 50_000


@pytest.mark.usefixtures("unfrozen")
def test_an_app_made_for_a_test_leaves_the_heap_alone(engine: Engine) -> None:
    assert _started(engine, settle_heap=False) == 0
