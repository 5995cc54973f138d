"""What a crash between the store and the ledger leaves, carried on without booking twice
or losing money: the ledger has the last word on what it holds.

Each test lets a payment's chain reach the ledger and then fails the store write that
should follow (as a crash would), then recovers, cancels or settles and checks the
payment and the books agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from clocks import Clock
from corridor.demo import network
from corridor.ledger import Ledger
from corridor.ledger.invariants import check_ledger
from corridor.money import Money
from corridor.payments.accounts import client_account
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.invariants import check_payments
from corridor.payments.lifecycle import LifecycleError, PaymentStatus
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.payments.settlement import settlement

S = PaymentStatus
MORNING = datetime(2026, 10, 27, 2, 0, tzinfo=UTC)
ALBION_CLIENT = network.CLIENTS[network.ALBION][0]
LUOHU_CLIENT = network.CLIENTS[network.LUOHU][0]
CREDITOR = client_account(network.LUOHU, "CNY", LUOHU_CLIENT.accounts["CNY"])
ALBION_CNY = settlement(network.ALBION, "CNY")


class Crash(RuntimeError):
    """What the injected failure raises."""


@pytest.fixture
def books(engine: Engine) -> Iterator[tuple[PaymentEngine, Ledger, Clock]]:
    """The demo network on an empty store; Albion holds CNY 2,000,000."""
    ledger = Ledger(engine)
    ledger.create_accounts(network.ledger_accounts())
    ledger.create_transfers(network.opening_balances())
    clock = Clock(MORNING)
    corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
    yield PaymentEngine(engine, ledger, corridor, clock=clock), ledger, clock
    ledger.close()


def _to_luohu(gbp: str, *, tomorrow: bool = False) -> Payment:
    day = MORNING.date() + timedelta(days=1 if tomorrow else 0)
    return Payment(
        uetr=new_uetr(),
        end_to_end_id=f"CR-{new_uetr()[:12]}",
        instruction_id="CR",
        debtor=Party(ALBION_CLIENT.name, ALBION_CLIENT.accounts["GBP"], "GB"),
        debtor_agent=network.ALBION,
        creditor_agent=network.LUOHU,
        creditor=Party(LUOHU_CLIENT.name, LUOHU_CLIENT.accounts["CNY"], "CN"),
        instructed_amount=Money.of(gbp, "GBP"),
        settlement_currency="CNY",
        charge_bearer=ChargeBearer.SHAR,
        requested_execution_date=day,
        purpose_code="GDDS",
    )


def _crash_on(payments: PaymentEngine, call: int) -> Callable[[], None]:
    """Make the `call`-th store write fail; returns what undoes it."""
    real = payments._record
    calls = {"n": 0}

    def record(work: list[object]) -> None:
        calls["n"] += 1
        if calls["n"] == call:
            raise Crash
        real(work)  # type: ignore[arg-type]

    payments._record = record  # type: ignore[method-assign,assignment]

    def undo() -> None:
        payments._record = real  # type: ignore[method-assign]

    return undo


def _posted(ledger: Ledger, account: int) -> int:
    (found,) = ledger.lookup_accounts([account])
    return found.credits_posted - found.debits_posted


def _held(ledger: Ledger, account: int) -> int:
    (found,) = ledger.lookup_accounts([account])
    return found.debits_pending


def _consistent(engine: Engine) -> None:
    assert all(r.holds for r in check_ledger(engine))
    assert all(r.holds for r in check_payments(engine))


def test_recover_does_not_count_a_chain_on_the_ledger_twice(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """A payment of about CNY 1.33m when Albion holds CNY 2m, the crash after the ledger
    posted it: reckoning Albion's room again with the payment's own debit in it would
    queue a payment the ledger has settled. Recovery settles it, the money moved once."""
    payments, ledger, _clock = books
    before = _posted(ledger, CREDITOR)
    undo = _crash_on(payments, 2)
    with pytest.raises(Crash):
        payments.submit(payment := _to_luohu("150000.00"))
    undo()
    credited = _posted(ledger, CREDITOR) - before
    assert credited > 0
    (recovered,) = payments.recover()
    assert recovered.status is S.SETTLED
    assert _posted(ledger, CREDITOR) - before == credited
    with pytest.raises(LifecycleError, match="cannot be cancelled"):
        payments.cancel(payment.uetr)
    _consistent(engine)


def test_cancelling_a_payment_a_crash_left_priced_voids_its_hold(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """Reserved for tomorrow, the crash before the store was told: the store says priced,
    the ledger holds the chain. Cancelling voids the hold; nothing stays on hold."""
    payments, ledger, _clock = books
    undo = _crash_on(payments, 2)
    with pytest.raises(Crash):
        payments.submit(payment := _to_luohu("100.00", tomorrow=True))
    undo()
    assert payments.get(payment.uetr).status is S.PRICED
    assert _held(ledger, ALBION_CNY) > 0
    assert payments.cancel(payment.uetr).status is S.CANCELLED
    assert _held(ledger, ALBION_CNY) == 0
    _consistent(engine)


def test_a_payment_the_ledger_posted_is_not_cancelled(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """settle_due posted it and crashed before the store was told: cancelling finds it
    settled on the ledger, records it settled and refuses (return it instead)."""
    payments, ledger, clock = books
    payment = _to_luohu("100.00", tomorrow=True)
    assert payments.submit(payment).record.status is S.RESERVED
    clock.now = MORNING + timedelta(days=1)
    before = _posted(ledger, CREDITOR)
    undo = _crash_on(payments, 2)  # the write after the post
    with pytest.raises(Crash):
        payments.settle_due()
    undo()
    assert payments.get(payment.uetr).status is S.RESERVED
    assert _posted(ledger, CREDITOR) > before  # the creditor was paid
    with pytest.raises(LifecycleError, match="settled on the ledger already"):
        payments.cancel(payment.uetr)
    assert payments.get(payment.uetr).status is S.SETTLED
    _consistent(engine)


def test_a_crash_while_releasing_the_queue_is_recovered(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """Queued payments whose chains reached the ledger before the crash are carried on by
    recovery, not left queued blocking the ones behind them."""
    payments, ledger, _clock = books
    answers = payments.submit_batch([_to_luohu("50000.00") for _ in range(5)])
    waiting = [a.record for a in answers if a.record.status is S.QUEUED]
    assert waiting
    ledger.create_transfers([network.liquidity(7, network.ALBION, "CNY", 450_000)])
    undo = _crash_on(payments, 2)
    with pytest.raises(Crash):
        payments.release_queue()
    undo()
    assert payments.get(waiting[0].payment.uetr).status is S.QUEUED
    payments.recover()
    assert payments.get(waiting[0].payment.uetr).status is S.SETTLED
    _consistent(engine)


def test_a_cancellation_voided_but_not_recorded_is_finished_by_settling(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """The void reached the ledger, the crash came before the store was told: when its
    value date comes, the payment is found voided and recorded cancelled (its limits
    given back), and the other payments of the day settle."""
    payments, ledger, clock = books
    cancelled, other = _to_luohu("100.00", tomorrow=True), _to_luohu("100.00", tomorrow=True)
    payments.submit_batch([cancelled, other])
    undo = _crash_on(payments, 1)
    with pytest.raises(Crash):
        payments.cancel(cancelled.uetr)
    undo()
    clock.now = MORNING + timedelta(days=1)
    payments.recover()
    assert payments.get(other.uetr).status is S.SETTLED
    assert payments.get(cancelled.uetr).status is S.CANCELLED
    assert _held(ledger, ALBION_CNY) == 0
    _consistent(engine)
