"""The demo corridor: its institutions, their accounts, and the day's reference rates.

Everything here is fixed, so every run of the demo books the same business day. The
banks are fictional; the rates are illustrative mid-market figures, not quotes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from corridor.ledger import Account, AccountFlags
from corridor.payments.accounts import AccountCode

_NAMESPACE = uuid.UUID("6f1d2c3e-8a4b-5c6d-9e0f-1a2b3c4d5e6f")


def demo_id(*parts: object) -> int:
    """A deterministic 128-bit id for a demo object, from its name."""
    return uuid.uuid5(_NAMESPACE, ":".join(str(p) for p in parts)).int


@dataclass(frozen=True, slots=True)
class Institution:
    """A bank in the corridor and the currencies it settles (its home currency first)."""

    number: int
    code: str
    name: str
    city: str
    currencies: tuple[str, ...]
    clients: tuple[str, ...]


INSTITUTIONS: tuple[Institution, ...] = (
    Institution(
        1,
        "ALBNGB2L",
        "Albion Corridor Bank plc",
        "London",
        ("GBP", "USD", "CNH", "HKD"),
        ("Harrow Tea Importers Ltd", "Wen Li"),
    ),
    Institution(
        2,
        "THRDGB2L",
        "Threadneedle Trust Bank",
        "London",
        ("GBP", "USD"),
        ("Fenchurch Green Energy plc", "Oliver Grant"),
    ),
    Institution(
        3,
        "VHRBHKHH",
        "Victoria Harbour Bank",
        "Hong Kong",
        ("HKD", "USD", "CNH", "GBP"),
        ("Kowloon Textiles Co", "Chan Tai Man"),
    ),
    Institution(
        4,
        "LUOHCNBS",
        "Luohu Commercial Bank",
        "Luohu, Shenzhen",
        ("CNY", "CNH", "HKD", "USD"),
        ("Shenzhen Solar Components Co", "Zhang Wei"),
    ),
)

RESERVE_SYSTEMS = {
    "GBP": "Bank of England RTGS",
    "HKD": "HKMA CHATS",
    "CNY": "PBoC CNAPS",
    "CNH": "CNH clearing (Hong Kong)",
    "USD": "USD correspondent (CHIPS)",
}

# Where a bank holds a foreign currency: its nostro with this correspondent.
CORRESPONDENTS = {
    "GBP": "Albion Corridor Bank plc",
    "HKD": "Victoria Harbour Bank",
    "CNH": "Victoria Harbour Bank (CNH clearing)",
    "CNY": "Luohu Commercial Bank",
    "USD": "a New York correspondent",
}

# Mid rates for the demo day: units of the second currency per one of the first.
RATES: dict[tuple[str, str], Decimal] = {
    ("GBP", "CNY"): Decimal("9.1450"),
    ("GBP", "CNH"): Decimal("9.1520"),
    ("GBP", "HKD"): Decimal("9.8730"),
    ("GBP", "USD"): Decimal("1.2640"),
    ("USD", "CNH"): Decimal("7.2410"),
    ("HKD", "CNY"): Decimal("0.9262"),
}
SPREAD = Decimal("0.0025")  # the converting bank's margin on the mid rate


def account_id(role: AccountCode, currency: str, institution: int = 0, client: int = 0) -> int:
    """The id of a demo account."""
    return demo_id("account", role.name, currency, institution, client)


def chart() -> list[Account]:
    """Every account of the demo corridor, in a fixed order."""
    guarded = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    accounts = [
        Account(account_id(AccountCode.RESERVE, ccy), ccy, AccountCode.RESERVE)
        for ccy in RESERVE_SYSTEMS
    ]
    for bank in INSTITUTIONS:
        for ccy in bank.currencies:
            home = ccy == bank.currencies[0]
            accounts += [
                # The same id serves both: "the bank's money in this currency".
                Account(
                    account_id(AccountCode.SETTLEMENT, ccy, bank.number),
                    ccy,
                    AccountCode.SETTLEMENT if home else AccountCode.NOSTRO,
                    flags=guarded | AccountFlags.HISTORY,
                    user_data_32=bank.number,
                ),
                Account(
                    account_id(AccountCode.FX_POSITION, ccy, bank.number),
                    ccy,
                    AccountCode.FX_POSITION,
                    user_data_32=bank.number,
                ),
                Account(
                    account_id(AccountCode.FEE_INCOME, ccy, bank.number),
                    ccy,
                    AccountCode.FEE_INCOME,
                    user_data_32=bank.number,
                ),
            ]
            accounts += [
                Account(
                    account_id(AccountCode.CLIENT, ccy, bank.number, n),
                    ccy,
                    AccountCode.CLIENT,
                    flags=guarded,
                    user_data_32=bank.number,
                    user_data_64=n,
                )
                for n in range(1, len(bank.clients) + 1)
            ]
    return accounts


def describe(account: Account) -> tuple[str, str]:
    """(institution, what the account is) for a demo account, for reports."""
    if account.code == AccountCode.RESERVE:
        return RESERVE_SYSTEMS[account.ledger], "reserve"
    bank = INSTITUTIONS[account.user_data_32 - 1]
    label = f"{bank.name} ({bank.city})"
    if account.code == AccountCode.CLIENT:
        return label, bank.clients[account.user_data_64 - 1]
    if account.code == AccountCode.NOSTRO:
        return label, f"nostro at {CORRESPONDENTS[account.ledger]}"
    return label, AccountCode(account.code).name.lower().replace("_", " ")
