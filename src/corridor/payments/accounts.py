"""The corridor's chart of accounts on the ledger, and the ids of its accounts.

Every institution holds, per currency it deals in: its money in that currency (its
settlement account at home, its nostro abroad: one account, "the bank's money in this
currency"), its FX position in that currency (where conversions meet), and its fee
income. Each client account is a ledger account too. Ids are derived from what the account
is (UUID version 5), so every part of Corridor names the same account the same way.
"""

from __future__ import annotations

import hashlib
import uuid
from enum import IntEnum
from functools import lru_cache

from corridor.ledger import Account, AccountFlags

_NAMESPACE = uuid.UUID("6f1d2c3e-8a4b-5c6d-9e0f-1a2b3c4d5e6f")
_NAMESPACE_BYTES = _NAMESPACE.bytes
# RFC 4122 version 5: the variant bits 10 and the version nibble 0101 set in the hash.
_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_SET = (0x8000 << 48) | (5 << 76)


class AccountCode(IntEnum):
    """The chart of accounts (the ledger's `code` of each account)."""

    SETTLEMENT = 100  # the institution's account in its home currency's settlement system
    NOSTRO = 110  # the institution's account in a foreign currency, held at a correspondent
    CLIENT = 200  # a client's deposit account
    FX_POSITION = 300  # the institution's position in a currency, where FX legs meet
    FEE_INCOME = 400  # fees the institution earns
    CREDIT_LINE = 500  # a facility the institution grants a correspondent (the line's source)
    RESERVE = 900  # the settlement system's own side of a currency (RTGS, CHATS, CNAPS)


class TransferCode(IntEnum):
    """What a transfer is for (the ledger's `code` of each transfer)."""

    FUNDING = 1  # reserves into settlement accounts, deposits into clients
    PAYMENT = 10  # a leg of a payment in one currency
    FX_PAYMENT = 20  # a leg of a cross-currency payment
    FEE = 30
    HOLD = 40  # a two-phase hold, e.g. pending a compliance decision
    RETURN = 50  # a leg of a returned payment


def ledger_id(*parts: object) -> int:
    """A deterministic 128-bit id for a ledger object, from what it is: the UUID version
    5 of its parts joined by colons (computed straight from the SHA-1, as `uuid.uuid5`
    does, without building the UUID object: every payment leg needs three)."""
    name = ":".join(str(p) for p in parts).encode()
    digest = hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()
    return (int.from_bytes(digest[:16], "big") & _CLEAR) | _SET


@lru_cache(maxsize=65_536)
def bank_account(role: AccountCode, bic: str, currency: str) -> int:
    """The id of an institution's settlement/nostro, FX position or fee-income account."""
    if role is AccountCode.NOSTRO:
        role = AccountCode.SETTLEMENT  # one account: the bank's money in that currency
    return ledger_id("bank", role.name, bic[:8], currency)


@lru_cache(maxsize=65_536)
def client_account(bic: str, currency: str, account: str) -> int:
    """The id of a client's account in one currency at its bank."""
    return ledger_id("client", bic[:8], currency, account)


def reserve_account(currency: str) -> int:
    """The id of a currency's settlement system (the source of all reserves)."""
    return ledger_id("reserve", currency)


def bank_accounts(bic: str, currencies: tuple[str, ...], number: int) -> list[Account]:
    """An institution's accounts in each currency; the first currency is its home one.

    Settlement accounts may not go overdrawn (a bank short of a currency waits for
    liquidity) and keep their balance history; `number` goes in user_data_32 for reports.
    """
    guarded = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    accounts = []
    for ccy in currencies:
        home = ccy == currencies[0]
        accounts += [
            Account(
                bank_account(AccountCode.SETTLEMENT, bic, ccy),
                ccy,
                AccountCode.SETTLEMENT if home else AccountCode.NOSTRO,
                flags=guarded | AccountFlags.HISTORY,
                user_data_32=number,
            ),
            Account(
                bank_account(AccountCode.FX_POSITION, bic, ccy),
                ccy,
                AccountCode.FX_POSITION,
                user_data_32=number,
            ),
            Account(
                bank_account(AccountCode.FEE_INCOME, bic, ccy),
                ccy,
                AccountCode.FEE_INCOME,
                user_data_32=number,
            ),
        ]
    return accounts
