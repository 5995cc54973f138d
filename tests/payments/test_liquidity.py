"""The liquidity reckoning: as the ledger reckons a guarded account, leg by leg and
payment by payment, first in first out per account; credit lines as room on the owner's
account."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.ledger import Ledger
from corridor.payments.accounts import TransferCode
from corridor.payments.liquidity import Liquidity
from corridor.payments.reference import LimitKind
from corridor.payments.settlement import Leg, Plan, settlement

A, B, C = 1, 2, 3  # bank accounts reckoned; 9 is a client's, not reckoned


def _plan(*legs: tuple[int, int, int]) -> Plan:
    return Plan(tuple(Leg(d, c, n, "GBP", TransferCode.PAYMENT, "leg") for d, c, n in legs))


def test_a_payment_fits_while_the_account_holds_enough_and_pending_credits_do_not_count() -> None:
    """A bank passing money on needs its own: what reaches it on hold is not yet its to
    pay out (TigerBeetle's debits_must_not_exceed_credits counts posted credits only)."""
    room = Liquidity({A: 100, B: 0}, {})
    through = _plan((9, A, 50), (A, B, 50), (B, 9, 50))  # B passes on what reaches it
    assert room.take(through, priority=0, posted=False, waiting=False) == B
    room = Liquidity({A: 100, B: 60}, {})
    assert room.take(through, priority=0, posted=False, waiting=False) is None
    assert room.take(through, priority=0, posted=False, waiting=False) == B  # 10 left


def test_a_posted_payment_leaves_its_credits_for_the_next() -> None:
    """Posted in the same batch, a payment's credits to a bank count for the ones after it."""
    room = Liquidity({A: 0, B: 50}, {})
    first = _plan((B, A, 50))
    then = _plan((A, 9, 40))
    assert room.take(first, priority=0, posted=True, waiting=False) is None
    assert room.take(then, priority=0, posted=True, waiting=False) is None


def test_after_one_must_wait_no_later_one_of_its_priority_passes_on_that_account() -> None:
    """First in, first out per account: a smaller payment behind one that waits waits too;
    a payment over another account goes; a higher priority may pass."""
    room = Liquidity({A: 100, C: 100}, {})
    assert room.take(_plan((A, 9, 150)), priority=0, posted=False, waiting=False) == A
    assert room.take(_plan((A, 9, 10)), priority=0, posted=False, waiting=False) == A
    assert room.take(_plan((C, 9, 10)), priority=0, posted=False, waiting=False) is None
    assert room.take(_plan((A, 9, 10)), priority=1, posted=False, waiting=False) is None


def test_payments_already_waiting_are_held_back_only_by_those_ahead_of_them() -> None:
    """An account with payments queued in the store lets no new payment of the same or a
    lower priority by, but the queue itself, tried again in order, is not blocked by it."""
    room = Liquidity({A: 100}, {A: 0})
    assert room.take(_plan((A, 9, 10)), priority=0, posted=False, waiting=False) == A
    assert room.take(_plan((A, 9, 10)), priority=0, posted=False, waiting=True) is None


def test_a_credit_line_is_room_on_the_owners_account(engine: Engine) -> None:
    """Luohu grants Victoria Harbour a CNY line: Harbour's CNY money is its own opening
    plus the line, to the ledger and to the reckoning alike."""
    (line,) = [
        a for a in network.directory().correspondents if a.limit_kind is LimitKind.CREDIT_LINE
    ]
    assert (line.servicer_bic, line.owner_bic, line.currency.code) == (
        network.LUOHU,
        network.HARBOUR,
        "CNY",
    )
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
        (harbour,) = ledger.lookup_accounts([settlement(network.HARBOUR, "CNY")])
    own = network.OPENING["CNY"] * 100
    assert harbour.credits_posted - harbour.debits_posted == own + line.limit.to_minor_units()
