"""Two engines on PostgreSQL take the limits of the same two clients in opposite orders at
the same moment: the usage rows are locked in key order, so neither deadlocks."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments import usage
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.store import make_engine

NOW = datetime(2026, 10, 27, 2, 0, tzinfo=UTC)
PEOPLE = [c for c in network.CLIENTS[network.LUOHU] if c.individual and " " in c.name][:2]
HARBOUR_CLIENT = network.CLIENTS[network.HARBOUR][0]


def _purchase(person: network.DemoClient) -> Payment:
    return Payment(
        uetr=new_uetr(),
        end_to_end_id=f"LO-{new_uetr()[:12]}",
        instruction_id="LO",
        debtor=Party(person.name, person.accounts["CNY"], "CN", individual=True),
        debtor_agent=network.LUOHU,
        creditor_agent=network.HARBOUR,
        creditor=Party(HARBOUR_CLIENT.name, HARBOUR_CLIENT.accounts["HKD"], "HK"),
        instructed_amount=Money.of("1000.00", "CNY"),
        settlement_currency="HKD",
        charge_bearer=ChargeBearer.SHAR,
        requested_execution_date=NOW.date(),
        purpose_code="GDDS",
    )


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_engines_taking_limits_in_opposite_orders_do_not_deadlock(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each engine, having taken its first limit, waits for the other to have taken its
    own first: without an order of locks, that is a deadlock PostgreSQL breaks by
    failing one batch."""
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
    barrier = threading.Barrier(2, timeout=5)
    local = threading.local()
    real = usage.take_limit

    def take(*args: Any, **kwargs: Any) -> int | None:
        out = real(*args, **kwargs)
        local.n = getattr(local, "n", 0) + 1
        if local.n == 1:
            # The other may be waiting on a lock this one holds: as it should be.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return out

    monkeypatch.setattr(usage, "take_limit", take)
    errors: list[str] = []

    def run(order: list[network.DemoClient]) -> None:
        own = make_engine(database_url)
        corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
        with Ledger(own) as ledger:
            payments = PaymentEngine(own, ledger, corridor, clock=lambda: NOW)
            try:
                payments.submit_batch([_purchase(p) for p in order])
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        own.dispose()

    threads = [threading.Thread(target=run, args=(o,)) for o in (PEOPLE, PEOPLE[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
