"""A demo day interrupted by a crash is booked again: nothing twice, nothing lost."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from corridor.checks import check_books
from corridor.demo.clock import DemoClock
from corridor.demo.traffic import run_traffic
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine


class Crash(RuntimeError):
    """What the injected failure raises."""


def test_an_interrupted_day_is_booked_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The third batch's write after the ledger fails; booking the day again carries on
    what the crash left (priced payments whose chains are on the ledger, priced at hours
    later than the day's first), and the books hold."""
    day = date(2026, 10, 27)
    real = PaymentEngine._record
    calls = {"n": 0}

    def record(self: PaymentEngine, work: list[object]) -> None:
        calls["n"] += 1
        if calls["n"] == 6:
            raise Crash
        real(self, work)  # type: ignore[arg-type]

    monkeypatch.setattr(PaymentEngine, "_record", record)
    with Ledger(engine) as ledger, pytest.raises(Crash):
        run_traffic(engine, ledger, 1, 400, clock=DemoClock(day))
    monkeypatch.setattr(PaymentEngine, "_record", real)
    with Ledger(engine) as ledger:
        result = run_traffic(engine, ledger, 1, 400, clock=DemoClock(day))
    assert result.submitted == 400
    assert all(r.holds for r in check_books(engine))
