"""How a payment settles on the ledger: the legs of its linked chain, from a plan.

A plan says what moves: the debtor's account pays the principal (and, as the charge
bearer says, fees on top) into its bank; a cross-currency payment meets in the bank's FX
positions; the settlement currency then travels bank to bank along the route, each bank
taking its fee as a separate leg into its fee income; the creditor's bank credits the
creditor. All legs form one linked chain: reserved as pending transfers, then posted (or
voided), so the payment settles completely or not at all. Leg ids derive from the UETR,
so a retried step answers "exists" instead of booking twice.

A return is a new chain that carries what the creditor received back along the route
(the banks keep their fees) and, for a cross-currency payment, converts it back at the
rate the payment was dealt at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from corridor.ledger import Transfer, TransferFlags
from corridor.payments.accounts import AccountCode, TransferCode, bank_account, ledger_id


@dataclass(frozen=True, slots=True)
class Leg:
    """One movement of the chain, in minor units of `currency`."""

    debit: int
    credit: int
    amount: int
    currency: str
    code: TransferCode
    what: str
    """For the tracker: e.g. "principal", "fee of VHRBHKHH", "ALBNGB2L → VHRBHKHH"."""
    hop: int | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Every leg of a payment's settlement, in chain order."""

    legs: tuple[Leg, ...]
    fees: tuple[dict[str, object], ...] = field(default_factory=tuple)


# Reserving computes a leg's id and posting computes it again (to name the hold).
@lru_cache(maxsize=65_536)
def leg_id(uetr: str, step: str, index: int) -> int:
    """The ledger id of leg `index` of a payment's `step` (reserve, post, void, return)."""
    return ledger_id("payment", uetr, step, index)


_PENDING_LINKED = TransferFlags.PENDING | TransferFlags.LINKED
_POST_LINKED = TransferFlags.POST_PENDING_TRANSFER | TransferFlags.LINKED
_VOID_LINKED = TransferFlags.VOID_PENDING_TRANSFER | TransferFlags.LINKED


def reserve(uetr: str, plan: Plan, timeout: int = 0) -> list[Transfer]:
    """The plan as one linked chain of pending transfers."""
    last = len(plan.legs) - 1
    return [
        Transfer(
            leg_id(uetr, "reserve", i),
            leg.debit,
            leg.credit,
            leg.amount,
            leg.currency,
            int(leg.code),
            _PENDING_LINKED if i < last else TransferFlags.PENDING,
            timeout=timeout,
        )
        for i, leg in enumerate(plan.legs)
    ]


def finish(uetr: str, plan: Plan, *, post: bool) -> list[Transfer]:
    """Post (or void) every pending leg, as one linked chain."""
    step, linked, alone = (
        ("post", _POST_LINKED, TransferFlags.POST_PENDING_TRANSFER)
        if post
        else ("void", _VOID_LINKED, TransferFlags.VOID_PENDING_TRANSFER)
    )
    last = len(plan.legs) - 1
    return [
        Transfer(
            leg_id(uetr, step, i),
            flags=linked if i < last else alone,
            pending_id=leg_id(uetr, "reserve", i),
        )
        for i in range(len(plan.legs))
    ]


def posted_chain(uetr: str, step: str, legs: tuple[Leg, ...]) -> list[Transfer]:
    """Legs booked at once (a return), as one linked chain."""
    last = len(legs) - 1
    return [
        Transfer(
            leg_id(uetr, step, i),
            leg.debit,
            leg.credit,
            leg.amount,
            leg.currency,
            int(leg.code),
            TransferFlags.LINKED if i < last else TransferFlags.NONE,
        )
        for i, leg in enumerate(legs)
    ]


def settlement(bic: str, currency: str) -> int:
    """A bank's money in a currency (settlement account at home, nostro abroad)."""
    return bank_account(AccountCode.SETTLEMENT, bic, currency)


def fx_position(bic: str, currency: str) -> int:
    """A bank's FX position in a currency."""
    return bank_account(AccountCode.FX_POSITION, bic, currency)


def fee_income(bic: str, currency: str) -> int:
    """A bank's fee income in a currency."""
    return bank_account(AccountCode.FEE_INCOME, bic, currency)
