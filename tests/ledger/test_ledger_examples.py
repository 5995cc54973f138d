"""Worked examples with known end balances, as a bank's book-keeper would check them.

Each example sets out a small chart of accounts, books a day's events on the ledger and
checks every end balance, worked out by hand beforehand, and that each currency's books
balance: total debits equal total credits. Every example runs on SQLite and PostgreSQL.

Liabilities (client deposits) and income are credit-normal: their balance is credits less
debits. Assets (nostros) are debit-normal: their balance is debits less credits.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from sqlalchemy.engine import Engine

from clocks import LedgerClock
from corridor.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)

OK = CreateTransferResult.OK
NO_OVERDRAFT = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
NS = 1_000_000_000
DAY = 24 * 3600

# The bank's chart of accounts (account codes).
NOSTRO, FX_POSITION, CLIENT_DEPOSIT, CARD_SCHEME, FEE_INCOME = 110, 300, 200, 250, 400
# Why money moved (transfer codes).
DEPOSIT, PAYMENT_IN, PAYMENT_OUT, ON_US, FEE, FX_LEG, CARD, LIQUIDITY = 1, 2, 3, 4, 5, 6, 7, 8


def minor(amount: str) -> int:
    """An amount written as on a statement ('1,146.50') in minor units, exactly."""
    value = Decimal(amount.replace(",", "")) * 100
    assert value == value.to_integral_value(), f"{amount} is not a whole number of pence/fen"
    return int(value)


def liability(ledger: Ledger, account_id: int) -> int:
    """What the bank owes on a credit-normal account: posted credits less posted debits."""
    (a,) = ledger.lookup_accounts([account_id])
    return a.credits_posted - a.debits_posted


def asset(ledger: Ledger, account_id: int) -> int:
    """What the bank holds on a debit-normal account: posted debits less posted credits."""
    (a,) = ledger.lookup_accounts([account_id])
    return a.debits_posted - a.credits_posted


def held(ledger: Ledger, account_id: int) -> int:
    """Money on hold against an account (its pending debits)."""
    (a,) = ledger.lookup_accounts([account_id])
    return a.debits_pending


def books_by_currency(ledger: Ledger, ids: list[int]) -> dict[str, tuple[int, int, int, int]]:
    """Per currency: total debits pending, debits posted, credits pending, credits posted."""
    totals: dict[str, tuple[int, int, int, int]] = {}
    for a in ledger.lookup_accounts(ids):
        dp, dpo, cp, cpo = totals.get(a.ledger, (0, 0, 0, 0))
        totals[a.ledger] = (
            dp + a.debits_pending,
            dpo + a.debits_posted,
            cp + a.credits_pending,
            cpo + a.credits_posted,
        )
    return totals


def assert_books_balance(ledger: Ledger, ids: list[int]) -> None:
    """In every currency, debits equal credits, posted and pending alike."""
    for currency, (dp, dpo, cp, cpo) in books_by_currency(ledger, ids).items():
        assert dpo == cpo, f"{currency}: posted debits {dpo} != posted credits {cpo}"
        assert dp == cp, f"{currency}: pending debits {dp} != pending credits {cp}"


@pytest.fixture
def clock() -> LedgerClock:
    """A clock the example moves by hand."""
    return LedgerClock()


@pytest.fixture
def bank(engine: Engine, clock: LedgerClock) -> Iterator[Ledger]:
    """The bank's ledger, on an empty database of the test's store, on the fake clock."""
    with Ledger(engine, clock=clock) as ledger:
        yield ledger


# -- (a) a London bank's day in sterling ----------------------------------------------------

GBP_NOSTRO, ALICE, BOB, GBP_FEES = 1, 2, 3, 4
LONDON_CHART = [
    Account(GBP_NOSTRO, "GBP", NOSTRO),  # the bank's sterling at its clearing bank
    Account(ALICE, "GBP", CLIENT_DEPOSIT, flags=NO_OVERDRAFT),
    Account(BOB, "GBP", CLIENT_DEPOSIT, flags=NO_OVERDRAFT),
    Account(GBP_FEES, "GBP", FEE_INCOME),
]


def test_a_london_banks_day_in_sterling(bank: Ledger) -> None:
    """Salary in, a deposit, an on-us payment, a payment out, fees: every balance known."""
    assert bank.create_accounts(LONDON_CHART) == ["ok"] * 4
    day = [
        # Alice's salary arrives by Faster Payments into the bank's nostro
        Transfer(10, GBP_NOSTRO, ALICE, minor("2,500.00"), "GBP", PAYMENT_IN),
        # Bob pays in £600.00
        Transfer(11, GBP_NOSTRO, BOB, minor("600.00"), "GBP", DEPOSIT),
        # Alice pays Bob £150.00, both clients of the bank: no money leaves the bank
        Transfer(12, ALICE, BOB, minor("150.00"), "GBP", ON_US),
        # Alice pays her landlord £1,200.00 at another bank, out through the nostro
        Transfer(13, ALICE, GBP_NOSTRO, minor("1,200.00"), "GBP", PAYMENT_OUT),
        # and is charged £3.50 for it
        Transfer(14, ALICE, GBP_FEES, minor("3.50"), "GBP", FEE),
        # Bob's monthly account fee
        Transfer(15, BOB, GBP_FEES, minor("5.00"), "GBP", FEE),
        # Bob tries to send £800.00 with £745.00 in his account: refused
        Transfer(16, BOB, GBP_NOSTRO, minor("800.00"), "GBP", PAYMENT_OUT),
    ]
    assert bank.create_transfers(day) == [OK] * 6 + ["exceeds_credits"]

    # Alice: 2,500.00 - 150.00 - 1,200.00 - 3.50
    assert liability(bank, ALICE) == minor("1,146.50")
    # Bob: 600.00 + 150.00 - 5.00 (the refused 800.00 moved nothing)
    assert liability(bank, BOB) == minor("745.00")
    assert liability(bank, GBP_FEES) == minor("8.50")
    # the nostro: 2,500.00 + 600.00 in, 1,200.00 out
    assert asset(bank, GBP_NOSTRO) == minor("1,900.00")
    # the balance sheet: what the bank holds = what it owes its clients + what it earned
    assert asset(bank, GBP_NOSTRO) == (
        liability(bank, ALICE) + liability(bank, BOB) + liability(bank, GBP_FEES)
    )
    ids = [a.id for a in LONDON_CHART]
    assert books_by_currency(bank, ids) == {"GBP": (0, minor("4,458.50"), 0, minor("4,458.50"))}
    assert_books_balance(bank, ids)
    assert bank.lookup_transfers([16]) == []


# -- (b) a sterling payment to Shenzhen, paid out in renminbi --------------------------------

PAYER, FX_GBP, FEES_GBP, FUNDER = 21, 22, 23, 24
CNY_NOSTRO, FX_CNY, PAYEE = 31, 32, 33
CROSS_BORDER_CHART = [
    Account(PAYER, "GBP", CLIENT_DEPOSIT, flags=NO_OVERDRAFT),  # a London client
    Account(FX_GBP, "GBP", FX_POSITION),  # the bank's sterling FX position
    Account(FEES_GBP, "GBP", FEE_INCOME),
    Account(FUNDER, "GBP", NOSTRO),  # where the payer's money came from
    Account(CNY_NOSTRO, "CNY", NOSTRO),  # the bank's renminbi at its Shenzhen correspondent
    # the bank's renminbi FX position: it cannot sell renminbi it has not bought
    Account(FX_CNY, "CNY", FX_POSITION, flags=NO_OVERDRAFT),
    Account(PAYEE, "CNY", CLIENT_DEPOSIT),  # a client in Luohu, paid in CNY
]
CROSS_BORDER_IDS = [a.id for a in CROSS_BORDER_CHART]
RATE = Decimal("9.1221")  # CNY per GBP, the rate the dealer quoted


def renminbi_for(pounds: str) -> int:
    """The renminbi bought with `pounds` at RATE, to the fen, half to even."""
    cny = (Decimal(pounds.replace(",", "")) * RATE).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return minor(str(cny))


def payment_to_shenzhen() -> list[Transfer]:
    """£1,000.00 from the payer arrives as CNY 9,122.10; the £15.00 fee is its own leg."""
    linked = TransferFlags.LINKED
    return [
        # the payer's sterling goes into the bank's sterling FX position
        Transfer(40, PAYER, FX_GBP, minor("1,000.00"), "GBP", FX_LEG, flags=linked),
        # the bank's renminbi FX position pays the payee
        Transfer(41, FX_CNY, PAYEE, renminbi_for("1,000.00"), "CNY", FX_LEG, flags=linked),
        # the fee, which closes the chain
        Transfer(42, PAYER, FEES_GBP, minor("15.00"), "GBP", FEE),
    ]


def open_cross_border_books(bank: Ledger, renminbi_bought: str) -> None:
    """The payer holds £2,000.00; the bank has bought `renminbi_bought` for its CNY position."""
    assert bank.create_accounts(CROSS_BORDER_CHART) == ["ok"] * len(CROSS_BORDER_CHART)
    assert bank.create_transfers(
        [
            Transfer(1, FUNDER, PAYER, minor("2,000.00"), "GBP", DEPOSIT),
            Transfer(2, CNY_NOSTRO, FX_CNY, minor(renminbi_bought), "CNY", LIQUIDITY),
        ]
    ) == [OK, OK]


def test_a_sterling_payment_paid_out_in_renminbi(bank: Ledger) -> None:
    """GBP 1,000.00 becomes CNY 9,122.10 through the FX positions, in one linked chain."""
    open_cross_border_books(bank, renminbi_bought="50,000.00")
    assert renminbi_for("1,000.00") == minor("9,122.10")  # 1,000.00 x 9.1221

    assert bank.create_transfers(payment_to_shenzhen()) == [OK, OK, OK]

    # sterling: the payer paid 1,000.00 and a 15.00 fee
    assert liability(bank, PAYER) == minor("985.00")
    assert liability(bank, FX_GBP) == minor("1,000.00")
    assert liability(bank, FEES_GBP) == minor("15.00")
    # renminbi: the position sold 9,122.10 of the 50,000.00 bought; the payee has it
    assert liability(bank, FX_CNY) == minor("40,877.90")
    assert liability(bank, PAYEE) == minor("9,122.10")
    assert asset(bank, CNY_NOSTRO) == minor("50,000.00")
    assert books_by_currency(bank, CROSS_BORDER_IDS) == {
        "GBP": (0, minor("3,015.00"), 0, minor("3,015.00")),
        "CNY": (0, minor("59,122.10"), 0, minor("59,122.10")),
    }
    assert_books_balance(bank, CROSS_BORDER_IDS)


def test_a_renminbi_leg_that_fails_moves_nothing_in_either_currency(bank: Ledger) -> None:
    """With only CNY 5,000.00 in the position the CNY leg fails, and so does the sterling."""
    open_cross_border_books(bank, renminbi_bought="5,000.00")
    before = bank.lookup_accounts(CROSS_BORDER_IDS)

    assert bank.create_transfers(payment_to_shenzhen()) == [
        "linked_event_failed",
        "exceeds_credits",  # the CNY position cannot sell 9,122.10 it does not have
        "linked_event_failed",
    ]

    assert bank.lookup_accounts(CROSS_BORDER_IDS) == before
    assert liability(bank, PAYER) == minor("2,000.00")  # not a penny taken, not even the fee
    assert liability(bank, FX_CNY) == minor("5,000.00")
    assert liability(bank, PAYEE) == 0
    assert bank.lookup_transfers([40, 41, 42]) == []
    assert_books_balance(bank, CROSS_BORDER_IDS)

    # the dealer buys more renminbi; the very same payment (same ids) now goes through
    assert bank.create_transfers(
        [Transfer(3, CNY_NOSTRO, FX_CNY, minor("45,000.00"), "CNY", LIQUIDITY)]
    ) == [OK]
    assert bank.create_transfers(payment_to_shenzhen()) == [OK, OK, OK]
    assert liability(bank, PAYER) == minor("985.00")
    assert liability(bank, PAYEE) == minor("9,122.10")
    assert liability(bank, FX_CNY) == minor("40,877.90")
    assert_books_balance(bank, CROSS_BORDER_IDS)


def test_a_sterling_leg_that_fails_pays_nobody_in_renminbi(bank: Ledger) -> None:
    """A payer without £1,015.00 gets no renminbi paid out in Shenzhen either."""
    open_cross_border_books(bank, renminbi_bought="50,000.00")
    assert bank.create_transfers(
        [Transfer(5, PAYER, FX_GBP, minor("1,500.00"), "GBP", PAYMENT_OUT)]
    ) == [OK]  # the payer has £500.00 left
    before = bank.lookup_accounts(CROSS_BORDER_IDS)

    assert bank.create_transfers(payment_to_shenzhen()) == [
        "exceeds_credits",
        "linked_event_failed",
        "linked_event_failed",
    ]
    assert bank.lookup_accounts(CROSS_BORDER_IDS) == before
    assert liability(bank, PAYEE) == 0


# -- (c) a card payment: authorised, then captured for less -----------------------------------

CARDHOLDER, SCHEME = 51, 52


def open_card_books(bank: Ledger, balance: str) -> None:
    """A cardholder with `balance` in a no-overdraft account, and the card scheme's account."""
    assert (
        bank.create_accounts(
            [
                Account(CARDHOLDER, "GBP", CLIENT_DEPOSIT, flags=NO_OVERDRAFT),
                Account(SCHEME, "GBP", CARD_SCHEME),  # what the bank owes the card scheme
                Account(GBP_NOSTRO, "GBP", NOSTRO),
            ]
        )
        == ["ok"] * 3
    )
    assert bank.create_transfers(
        [Transfer(1, GBP_NOSTRO, CARDHOLDER, minor(balance), "GBP", DEPOSIT)]
    ) == [OK]


def test_a_card_hold_captured_for_less_releases_the_rest(bank: Ledger) -> None:
    """Hold £100.00 at the petrol pump, capture £80.00: the other £20.00 is free again."""
    open_card_books(bank, balance="150.00")

    # the pump authorises £100.00: a hold, not yet a payment
    authorisation = Transfer(
        60, CARDHOLDER, SCHEME, minor("100.00"), "GBP", CARD, flags=TransferFlags.PENDING
    )
    assert bank.create_transfers([authorisation]) == [OK]
    assert held(bank, CARDHOLDER) == minor("100.00")
    assert liability(bank, CARDHOLDER) == minor("150.00")  # nothing posted yet
    # while held, only £50.00 is available: a £60.00 direct debit is refused
    direct_debit = Transfer(61, CARDHOLDER, GBP_NOSTRO, minor("60.00"), "GBP", PAYMENT_OUT)
    assert bank.create_transfers([direct_debit]) == ["exceeds_credits"]

    # the fuel came to £80.00: the scheme captures that much of the hold
    capture = Transfer(
        62, pending_id=60, amount=minor("80.00"), flags=TransferFlags.POST_PENDING_TRANSFER
    )
    assert bank.create_transfers([capture]) == [OK]
    assert held(bank, CARDHOLDER) == 0  # the £20.00 not captured is released
    assert liability(bank, CARDHOLDER) == minor("70.00")  # 150.00 - 80.00
    assert liability(bank, SCHEME) == minor("80.00")
    (captured,) = bank.lookup_transfers([62])
    assert (captured.debit_account_id, captured.credit_account_id) == (CARDHOLDER, SCHEME)
    assert captured.amount == minor("80.00")

    # the released £20.00 is spendable: the £60.00 direct debit now goes through
    assert bank.create_transfers([direct_debit]) == [OK]
    assert liability(bank, CARDHOLDER) == minor("10.00")
    # and the hold cannot be captured a second time
    again = Transfer(63, pending_id=60, flags=TransferFlags.POST_PENDING_TRANSFER)
    assert bank.create_transfers([again]) == ["pending_transfer_already_posted"]
    assert liability(bank, SCHEME) == minor("80.00")
    assert_books_balance(bank, [CARDHOLDER, SCHEME, GBP_NOSTRO])


# -- (d) a hotel's pre-authorisation that is never captured -----------------------------------


def test_a_hold_that_times_out_is_swept_and_cannot_be_captured(
    bank: Ledger, clock: LedgerClock
) -> None:
    """A 7-day £200.00 hotel hold lapses, the sweep gives the money back, capture is refused."""
    open_card_books(bank, balance="500.00")
    pre_authorisation = Transfer(
        70,
        CARDHOLDER,
        SCHEME,
        minor("200.00"),
        "GBP",
        CARD,
        flags=TransferFlags.PENDING,
        timeout=7 * DAY,
    )
    assert bank.create_transfers([pre_authorisation]) == [OK]
    assert held(bank, CARDHOLDER) == minor("200.00")

    # six days on, the sweep finds nothing to release
    clock.advance(6 * DAY)
    assert bank.expire_pending_transfers() == 0
    assert held(bank, CARDHOLDER) == minor("200.00")

    # a day and a second later the hold has lapsed: a capture is refused even before the sweep
    clock.advance(DAY + 1)
    capture = Transfer(71, pending_id=70, flags=TransferFlags.POST_PENDING_TRANSFER)
    assert bank.create_transfers([capture]) == ["pending_transfer_expired"]
    assert held(bank, CARDHOLDER) == minor("200.00")  # until swept, the hold still shows

    # the overnight sweep releases it
    assert bank.expire_pending_transfers() == 1
    assert held(bank, CARDHOLDER) == 0
    assert liability(bank, CARDHOLDER) == minor("500.00")  # never paid
    assert liability(bank, SCHEME) == 0
    (scheme,) = bank.lookup_accounts([SCHEME])
    assert scheme.credits_pending == 0

    # the hotel tries to capture after the sweep: still refused, and nothing moves
    assert bank.create_transfers([capture]) == ["pending_transfer_expired"]
    assert bank.lookup_transfers([71]) == []
    assert bank.expire_pending_transfers() == 0  # swept once only
    assert liability(bank, CARDHOLDER) == minor("500.00")
    assert_books_balance(bank, [CARDHOLDER, SCHEME, GBP_NOSTRO])
