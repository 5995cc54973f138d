"""A closed Ledger gives its connection back to the store's pool as it was lent: a unit
of work that draws the same connection next still commits whole or not at all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.ledger import Ledger


class _Refused(Exception):
    pass


def _move_the_clock_and_fail(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE ledger_clock SET last_timestamp = last_timestamp + 7"))
        raise _Refused


def _clock(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT last_timestamp FROM ledger_clock")).scalar())


def test_a_unit_of_work_after_a_closed_ledger_rolls_back_whole(engine: Engine) -> None:
    engine.dispose()  # one connection from here on: the ledger's, then the unit of work's
    with Ledger(engine) as ledger:
        assert ledger.lookup_accounts([1]) == []
    before = _clock(engine)
    with pytest.raises(_Refused):
        _move_the_clock_and_fail(engine)
    assert _clock(engine) == before
