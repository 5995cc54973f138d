"""A server process freezes its heap once its app has started (`settle_the_heap`), so
what the start loaded (the payment desk's engine, reference data) is out of the cycle
collector's reach; an app made for a test, which comes and goes, leaves the heap alone."""

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


def _collected(engine: Engine, *, settle_heap: bool) -> bool:
    """Whether the desk's payments engine, made by the app's start, is still among the
    objects the cycle collector walks (frozen ones are not)."""
    seed_demo_reference_data(engine)
    ops = Operations(engine)
    app = create_app(engine, ops=ops, console=False, settle_heap=settle_heap)
    with TestClient(app):
        made_at_start = ops.desk._engine
        assert made_at_start is not None
        return any(o is made_at_start for o in gc.get_objects())


@pytest.mark.usefixtures("unfrozen")
def test_a_server_freezes_what_its_start_loaded(engine: Engine) -> None:
    assert not _collected(engine, settle_heap=True)
    assert gc.get_freeze_count() > 50_000


@pytest.mark.usefixtures("unfrozen")
def test_an_app_made_for_a_test_leaves_the_heap_alone(engine: Engine) -> None:
    assert _collected(engine, settle_heap=False)
    assert gc.get_freeze_count() == 0
