"""Worked examples with known end balances, as a bank's book-keeper would check them."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.engine import Engine

from corridor.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags
from corridor.money import Money

GUARDED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
OK = ["ok"]


def gbp(value: str) -> int:
    """Pounds to pence, exactly."""
    return Money.of(value, "GBP").to_minor_units()


def net(ledger: Ledger, account_id: int) -> int:
    """Credits less debits, posted."""
    (account,) = ledger.lookup_accounts([account_id])
    return account.credits_posted - account.debits_posted


def test_a_london_banks_day_in_sterling(ledger: Ledger) -> None:
    """Deposit, payment between clients, a fee, a payment out: every balance known."""
    reserve, alice, bob, fees = 1, 2, 3, 4
    ledger.create_accounts(
        [
            Account(reserve, "GBP", 900),
            Account(alice, "GBP", 200, flags=GUARDED),
            Account(bob, "GBP", 200, flags=GUARDED),
            Account(fees, "GBP", 400),
        ]
    )
    assert ledger.create_transfers(
        [
            Transfer(10, reserve, alice, gbp("1000.00"), "GBP", 1),  # Alice's deposit arrives
            Transfer(11, alice, bob, gbp("250.00"), "GBP", 2),  # Alice pays Bob
            Transfer(12, alice, fees, gbp("2.50"), "GBP", 3),  # the bank's fee
            Transfer(13, bob, reserve, gbp("100.00"), "GBP", 2),  # Bob pays out of the bank
            Transfer(14, bob, reserve, gbp("150.01"), "GBP", 2),  # a penny more than he has
        ]
    ) == ["ok"] * 4 + ["exceeds_credits"]
    assert net(ledger, alice) == gbp("747.50")
    assert net(ledger, bob) == gbp("150.00")
    assert net(ledger, fees) == gbp("2.50")
    assert net(ledger, reserve) == -gbp("900.00")
    accounts = ledger.lookup_accounts([reserve, alice, bob, fees])
    assert sum(a.debits_posted for a in accounts) == sum(a.credits_posted for a in accounts)


def test_a_sterling_payment_to_shenzhen_in_renminbi(ledger: Ledger) -> None:
    """GBP 1,000 from London arrives as CNY 9,122.14: one linked chain through FX positions."""
    payer, fx_gbp, fees = 1, 2, 3
    fx_cny, cny_nostro, payee = 11, 12, 13
    ledger.create_accounts(
        [
            Account(payer, "GBP", 200, flags=GUARDED),
            Account(fx_gbp, "GBP", 300),
            Account(fees, "GBP", 400),
            Account(99, "GBP", 900),
            Account(fx_cny, "CNY", 300),
            Account(cny_nostro, "CNY", 110, flags=GUARDED),
            Account(payee, "CNY", 200),
            Account(98, "CNY", 900),
        ]
    )
    assert ledger.create_transfers([Transfer(1, 99, payer, gbp("10000"), "GBP", 1)]) == OK
    # Mid rate 9.1450 less a 0.25% spread, rounded half-even to the fen.
    received = Money.of(Decimal("1000") * Decimal("9.1450") * Decimal("0.9975"), "CNY")
    cny = received.to_minor_units(rounding=ROUND_HALF_EVEN)
    assert cny == 912_214

    def payment(first_id: int) -> list[Transfer]:
        linked = TransferFlags.LINKED
        return [
            Transfer(first_id, payer, fx_gbp, gbp("1000"), "GBP", 20, flags=linked),
            Transfer(first_id + 1, fx_cny, cny_nostro, cny, "CNY", 20, flags=linked),
            Transfer(first_id + 2, cny_nostro, payee, cny, "CNY", 20, flags=linked),
            Transfer(first_id + 3, payer, fees, gbp("5"), "GBP", 30),
        ]

    # The CNY nostro is guarded: the leg out of it runs only because the leg in comes first.
    assert ledger.create_transfers(payment(100)) == ["ok"] * 4
    assert net(ledger, payer) == gbp("8995.00")
    assert net(ledger, fx_gbp) == gbp("1000.00")
    assert net(ledger, fees) == gbp("5.00")
    assert net(ledger, fx_cny) == -912_214  # the bank is short CNY 9,122.14
    assert net(ledger, cny_nostro) == 0
    assert net(ledger, payee) == 912_214

    # The same payment with the legs out of order: the nostro would go negative, so the
    # whole chain fails and nothing moves in either currency.
    before = {i: net(ledger, i) for i in (payer, fx_gbp, fees, fx_cny, cny_nostro, payee)}
    reordered = payment(200)
    reordered[1], reordered[2] = reordered[2], reordered[1]
    assert ledger.create_transfers(reordered) == [
        "linked_event_failed",
        "exceeds_credits",
        "linked_event_failed",
        "linked_event_failed",
    ]
    assert {i: net(ledger, i) for i in before} == before


def test_a_hold_for_100_posted_for_80_releases_20(ledger: Ledger) -> None:
    """A card-style hold: 100.00 reserved, 80.00 taken, 20.00 free again."""
    ledger.create_accounts(
        [Account(1, "HKD", 200, flags=GUARDED), Account(2, "HKD", 100), Account(3, "HKD", 900)]
    )
    ledger.create_transfers([Transfer(1, 3, 1, 150_00, "HKD", 1)])
    assert (
        ledger.create_transfers(
            [Transfer(10, 1, 2, 100_00, "HKD", 40, flags=TransferFlags.PENDING)]
        )
        == OK
    )
    (client,) = ledger.lookup_accounts([1])
    assert (client.debits_pending, client.credits_posted - client.debits_posted) == (100_00, 150_00)
    # With 100.00 held, only 50.00 can still be spent.
    assert ledger.create_transfers([Transfer(11, 1, 2, 50_01, "HKD", 1)]) == ["exceeds_credits"]
    assert (
        ledger.create_transfers(
            [Transfer(12, pending_id=10, amount=80_00, flags=TransferFlags.POST_PENDING_TRANSFER)]
        )
        == OK
    )
    client, merchant = ledger.lookup_accounts([1, 2])
    assert (client.debits_pending, client.debits_posted) == (0, 80_00)
    assert (merchant.credits_pending, merchant.credits_posted) == (0, 80_00)
    assert ledger.create_transfers([Transfer(13, 1, 2, 70_00, "HKD", 1)]) == OK


def test_a_hold_that_times_out_is_swept(engine: Engine) -> None:
    """A hold of 60 seconds, unanswered, is released by the sweep and cannot be posted."""
    now = [1_900_000_000 * 10**9]
    ledger = Ledger(engine, clock=lambda: now[0])
    ledger.create_accounts([Account(1, "CNH", 200), Account(2, "CNH", 100)])
    assert (
        ledger.create_transfers(
            [Transfer(10, 1, 2, 500_00, "CNH", 40, flags=TransferFlags.PENDING, timeout=60)]
        )
        == OK
    )
    now[0] += 59 * 10**9
    assert ledger.expire_pending_transfers() == 0
    now[0] += 2 * 10**9
    assert ledger.expire_pending_transfers() == 1
    client, bank = ledger.lookup_accounts([1, 2])
    assert (client.debits_pending, bank.credits_pending) == (0, 0)
    assert ledger.create_transfers(
        [Transfer(11, pending_id=10, flags=TransferFlags.POST_PENDING_TRANSFER)]
    ) == ["pending_transfer_expired"]
    ledger.close()
