"""The demo corridor's payment network: banks, correspondent accounts, clients, fees and
FX spreads, and the ledger accounts and opening balances behind them.

A London bank (Albion), a second London bank (Threadneedle), a Hong Kong bank (Victoria
Harbour) and a Luohu bank (Luohu Commercial). Victoria Harbour is the corridor's hub: it
holds the others' HKD, CNH and USD, and its own CNY at Luohu, so a London payment in CNY
goes London → Hong Kong → Luohu. The banks are fictional; their BICs, IBANs and account
numbers are well-formed.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from schwifty import IBAN
from sqlalchemy.engine import Engine

from corridor.compliance.limits import ClientLimits
from corridor.compliance.screening import load_index
from corridor.fx import EcbRates, FxDesk, SpreadSchedule
from corridor.ledger import Account, AccountFlags, Transfer
from corridor.money import Money, currency
from corridor.payments.accounts import (
    AccountCode,
    TransferCode,
    bank_account,
    bank_accounts,
    client_account,
    ledger_id,
    reserve_account,
)
from corridor.payments.engine import Corridor
from corridor.payments.fees import FeeSchedule, FeeTable
from corridor.payments.liquidity import credit_line, credit_line_account
from corridor.payments.reference import (
    Client,
    ClientAccount,
    CnAccount,
    Correspondent,
    Directory,
    GbAccount,
    HkAccount,
    Institution,
    LimitKind,
)

ALBION, THREADNEEDLE, HARBOUR, LUOHU = "ALBNGB2LXXX", "THRDGB2LXXX", "VHRBHKHHXXX", "LUOHCNBSXXX"
BANKS = {
    ALBION: ("Albion Corridor Bank plc", ("GBP", "USD", "HKD", "CNH", "CNY")),
    THREADNEEDLE: ("Threadneedle Trust Bank", ("GBP", "USD", "HKD")),
    HARBOUR: ("Victoria Harbour Bank", ("HKD", "USD", "CNH", "GBP", "CNY")),
    LUOHU: ("Luohu Commercial Bank", ("CNY", "CNH", "HKD", "USD", "GBP")),
}
# (servicer, owner, currency): the owner's account with the servicer.
ACCOUNTS = (
    (ALBION, THREADNEEDLE, "GBP"),
    (ALBION, HARBOUR, "GBP"),
    (HARBOUR, ALBION, "HKD"),
    (HARBOUR, THREADNEEDLE, "HKD"),
    (HARBOUR, LUOHU, "HKD"),
    (HARBOUR, ALBION, "CNH"),
    (HARBOUR, LUOHU, "CNH"),
    (HARBOUR, ALBION, "CNY"),
    (LUOHU, HARBOUR, "CNY"),
    (HARBOUR, ALBION, "USD"),
    (HARBOUR, THREADNEEDLE, "USD"),
    (HARBOUR, LUOHU, "USD"),
    (HARBOUR, LUOHU, "GBP"),
)
CREDIT_LINES = {(LUOHU, HARBOUR, "CNY"): 200_000_000}
"""Correspondent accounts on a credit line (major units): Luohu lets Victoria Harbour
draw CNY beyond its own money, up to the line."""
# A bank's fee on a payment it handles, per currency: fixed, basis points, minimum, maximum.
FEES = {
    "GBP": ("10", "5", "10", "60"),
    "USD": ("12", "5", "12", "75"),
    "HKD": ("100", "5", "100", "600"),
    "CNY": ("80", "5", "80", "500"),
    "CNH": ("80", "5", "80", "500"),
}
OPENING = {
    "GBP": 50_000_000,
    "USD": 50_000_000,
    "HKD": 500_000_000,
    "CNY": 400_000_000,
    "CNH": 400_000_000,
}
"""Each bank's opening money in each currency it holds (major units)."""
SHORT = {(ALBION, "CNY"): 2_000_000}
"""Albion opens short of CNY: its CNY payments queue until liquidity arrives."""
DEPOSIT = {
    "GBP": 10_000_000,
    "USD": 10_000_000,
    "HKD": 100_000_000,
    "CNY": 80_000_000,
    "CNH": 80_000_000,
}
"""Each client account's opening deposit (major units)."""


@dataclass(frozen=True, slots=True)
class DemoClient:
    """A client of a demo bank, with one account per currency it banks in."""

    client_id: str
    name: str
    individual: bool
    accounts: dict[str, str]
    """Currency → account identifier (IBAN or account number)."""


def _gb_iban(bank: str, n: int) -> str:
    return str(IBAN.generate("GB", bank_code=f"{bank[:4]}40{n:04d}", account_code=f"{n:08d}"))


FIXED_CLIENTS = {
    ALBION: [("Harrow Tea Importers Ltd", False), ("Wen Li", True)],
    THREADNEEDLE: [("Fenchurch Green Energy plc", False), ("Oliver Grant", True)],
    HARBOUR: [("Kowloon Textiles Co", False), ("Chan Tai Man", True)],
    LUOHU: [("Shenzhen Solar Components Co", False), ("Zhang Wei", True)],
}
"""The first two clients of each bank: the worked examples and tests name them."""
CLIENTS_PER_BANK = 50
# Fictional names, written as each side of the corridor writes them: English in London,
# Cantonese romanisation in Hong Kong, pinyin and characters in Luohu. None is on the
# demo watch list (its party is written Leung / Liang / 梁, which none of these uses).
_PEOPLE = {
    "GB": (
        ("Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Priya", "Arjun", "Chloe"),
        ("Hughes", "Patel", "Walker", "Clarke", "Bennett", "Turner", "Shaw", "Khan", "Morgan"),
    ),
    "HK": (
        ("Ka Ming", "Siu Wai", "Wing Sze", "Chi Keung", "Mei Ling", "Kin Fung", "Hoi Yan"),
        ("Chan", "Wong", "Cheung", "Lau", "Ng", "Ho", "Tsang", "Yip", "Lam", "Kwok"),
    ),
    "CN": (
        ("Jianguo", "Xiaoyan", "Fang", "Lei", "Jing", "Hao", "Min", "Yuting", "Zhiqiang"),
        ("Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun"),
    ),
}
_COMPANIES = {
    "GB": (
        ("Thames", "Cheapside", "Ludgate", "Aldgate", "Holborn", "Moorgate", "Cornhill"),
        ("Tea Traders", "Precision Engineering", "Wind Components", "Fine Textiles", "Marine"),
        ("Ltd", "plc", "LLP"),
    ),
    "HK": (
        ("Harbourfront", "Kowloon Bay", "Wan Chai", "Sha Tin", "Lantau", "Aberdeen"),
        ("Trading", "Logistics", "Garments", "Electronics", "Shipping"),
        ("Co Ltd", "Limited"),
    ),
    "CN": (
        ("Shenzhen", "Luohu", "Futian", "Nanshan", "Pengcheng", "Shekou"),
        ("Photovoltaic", "Electronics", "Battery", "Precision Machinery", "Textile"),
        ("Co., Ltd.", "Technology Co., Ltd."),
    ),
}
_HAN_NAMES = ("王建国", "李晓燕", "刘芳", "陈磊", "杨静", "黄浩", "赵敏", "吴雨婷")
"""Some Luohu clients are kept under their names in characters."""


def _generated(bank: str, rng: random.Random, count: int) -> list[tuple[str, bool]]:
    """`count` more clients of `bank`, half people and half companies, no name twice."""
    country = bank[4:6]
    if country not in _PEOPLE:
        country = "CN"
    taken = {name for name, _ in FIXED_CLIENTS[bank]}
    found: list[tuple[str, bool]] = []
    while len(found) < count:
        individual = len(found) % 2 == 1
        if individual:
            given, family = _PEOPLE[country]
            if country == "CN" and rng.random() < 0.25:
                name = rng.choice(_HAN_NAMES)
            elif country == "GB":
                name = f"{rng.choice(given)} {rng.choice(family)}"
            else:
                name = f"{rng.choice(family)} {rng.choice(given)}"
        else:
            place, trade, form = _COMPANIES[country]
            name = f"{rng.choice(place)} {rng.choice(trade)} {rng.choice(form)}"
        if name not in taken:
            taken.add(name)
            found.append((name, individual))
    return found


def _clients() -> dict[str, list[DemoClient]]:
    """CLIENTS_PER_BANK clients per bank, people and companies, an account per currency:
    the two FIXED_CLIENTS first (their accounts numbered first, so they never change),
    then the rest drawn from fixed name lists."""
    rng = random.Random("corridor-demo-clients")  # noqa: S311 - fictional names, not secrets
    everyone = {bank: list(parties) for bank, parties in FIXED_CLIENTS.items()}
    for bank in everyone:
        everyone[bank] += _generated(bank, rng, CLIENTS_PER_BANK - len(FIXED_CLIENTS[bank]))
    clients: dict[str, list[DemoClient]] = {bank: [] for bank in everyone}
    serial = itertools.count(1)
    fixed = len(next(iter(FIXED_CLIENTS.values())))
    for batch in (slice(0, fixed), slice(fixed, None)):
        for bank, parties in everyone.items():
            for offset, (name, individual) in enumerate(parties[batch]):
                index = (batch.start or 0) + offset + 1
                accounts = {}
                for ccy in BANKS[bank][1]:
                    if bank == LUOHU and ccy == "CNH":
                        continue  # a mainland account holds CNY; CNH is offshore
                    n = next(serial)
                    if bank.endswith("GB2LXXX"):
                        accounts[ccy] = _gb_iban(bank, n)
                    elif bank == HARBOUR:
                        accounts[ccy] = f"004123{n:09d}"
                    else:
                        accounts[ccy] = f"6222{n:014d}"
                clients[bank].append(DemoClient(f"{bank[:4]}-{index}", name, individual, accounts))
    return clients


CLIENTS = _clients()
FUND_CLIENTS = {
    ALBION: [
        DemoClient(
            "ALBN-FUND-SIF",
            "Albion Sustainable Infrastructure Fund",
            False,
            {"GBP": _gb_iban(ALBION, 9001), "USD": _gb_iban(ALBION, 9002)},
        )
    ],
    HARBOUR: [
        DemoClient(
            "VHRB-FUND-ABF", "Victoria Harbour Asia Bond Fund", False, {"HKD": "004123900000001"}
        )
    ],
    LUOHU: [
        DemoClient("LUOH-FUND-CEF", "Luohu Clean Energy Fund", False, {"CNY": "622200000000009001"})
    ],
}
"""The demo funds' share-class accounts at their depositaries (corridor.funds.demo): the
banks' clients too, but the day's traffic neither pays them nor pays from them."""


def _clients_of(bank: str) -> list[DemoClient]:
    """A bank's clients that hold accounts with it: the traffic's, then the funds'."""
    return CLIENTS[bank] + FUND_CLIENTS.get(bank, [])


DAILY_LIMIT = Money.of(100_000, "USD")
"""The daily limit Albion and Threadneedle set their private clients (every payment
counted by its USD equivalent, whatever its currency)."""


def limits_of(client: DemoClient, bank: str) -> ClientLimits | None:
    """A London bank's individuals have a daily limit; other clients none."""
    if client.individual and bank in (ALBION, THREADNEEDLE):
        return ClientLimits(daily=DAILY_LIMIT, zone=ZoneInfo("Europe/London"))
    return None


def directory() -> Directory:
    """The network's banks, correspondent accounts and clients."""
    found = Directory()
    for bic, (name, currencies) in BANKS.items():
        found.add_institution(
            Institution.of(
                bic,
                name,
                currencies,
                ("originating", "intermediary", "beneficiary", "correspondent"),
            )
        )
    for servicer, owner, ccy in ACCOUNTS:
        line = CREDIT_LINES.get((servicer, owner, ccy))
        if line is not None:
            limit, kind = Money.of(line, ccy), LimitKind.CREDIT_LINE
        else:
            limit, kind = Money.of(OPENING[ccy], ccy), LimitKind.LIQUIDITY
        found.add_correspondent(Correspondent(servicer, owner, limit, kind))
    for bank in CLIENTS:
        for client in _clients_of(bank):
            accounts: list[ClientAccount] = []
            for code, identifier in client.accounts.items():
                held = currency(code)
                if bank.endswith("GB2LXXX"):
                    accounts.append(GbAccount(identifier, bank, held))
                elif bank == HARBOUR:
                    accounts.append(HkAccount(identifier, bank, held))
                else:
                    accounts.append(CnAccount(identifier, "313584000016", bank, held))
            found.add_client(
                Client(client.client_id, client.name, tuple(accounts), limits_of(client, bank))
            )
    return found


def fee_table() -> FeeTable:
    """Every bank's fee for every corridor and currency it handles."""
    countries = ("GB", "HK", "CN")
    table = FeeTable()
    for bic, (_name, currencies) in BANKS.items():
        for origin, destination in itertools.product(countries, countries):
            for ccy in currencies:
                fixed, bps, minimum, maximum = FEES[ccy]
                table.add(
                    FeeSchedule.of(
                        bic,
                        origin,
                        destination,
                        ccy,
                        fixed=fixed,
                        basis_points=bps,
                        minimum=minimum,
                        maximum=maximum,
                    )
                )
    return table


STALE_RATES = timedelta(days=90)
"""How old a reference rate the demo deals on: the ECB history shipped offline ends on
the day the package was built, and every quote records the date of the fixing it used."""


def fx_desk() -> FxDesk:
    """Each bank deals at 25 basis points over the ECB reference (40 on CNY and CNH)."""
    spreads = {bic: SpreadSchedule(25, {"GBP/CNY": 40, "GBP/CNH": 40}) for bic in BANKS}
    rates = EcbRates(max_fallback=STALE_RATES)
    return FxDesk(spreads, default=SpreadSchedule(Decimal(30)), rates=rates)


def ledger_accounts() -> list[Account]:
    """Every ledger account of the network: reserves, banks' accounts, clients'."""
    accounts = [Account(reserve_account(ccy), ccy, AccountCode.RESERVE) for ccy in sorted(OPENING)]
    for number, (bic, (_name, currencies)) in enumerate(BANKS.items(), start=1):
        accounts += bank_accounts(bic, currencies, number)
        accounts += [
            replace(credit_line_account(bic, ccy), user_data_32=number)
            for servicer, _owner, ccy in CREDIT_LINES
            if servicer == bic
        ]
        for client in _clients_of(bic):
            accounts += [
                Account(
                    client_account(bic, ccy, identifier),
                    ccy,
                    AccountCode.CLIENT,
                    flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                    user_data_32=number,
                )
                for ccy, identifier in client.accounts.items()
            ]
    return accounts


def opening_balances(day: int = 0) -> list[Transfer]:
    """Reserves into every bank's money and every client's account, and the credit lines
    granted."""
    minor = {"GBP": 100, "USD": 100, "HKD": 100, "CNY": 100, "CNH": 100}
    transfers = []
    for bic, (_name, currencies) in BANKS.items():
        for ccy in currencies:
            transfers.append(
                Transfer(
                    ledger_id("opening", day, bic, ccy),
                    reserve_account(ccy),
                    bank_account(AccountCode.SETTLEMENT, bic, ccy),
                    SHORT.get((bic, ccy), OPENING[ccy]) * minor[ccy],
                    ccy,
                    int(TransferCode.FUNDING),
                )
            )
        for client in CLIENTS[bic]:
            for ccy, identifier in client.accounts.items():
                transfers.append(
                    Transfer(
                        ledger_id("deposit", day, bic, ccy, identifier),
                        reserve_account(ccy),
                        client_account(bic, ccy, identifier),
                        DEPOSIT[ccy] * minor[ccy],
                        ccy,
                        int(TransferCode.FUNDING),
                    )
                )
    # The credit lines granted: the owner can pay out its own money and the line.
    transfers += [
        credit_line(account)
        for account in directory().correspondents
        if account.limit_kind is LimitKind.CREDIT_LINE
    ]
    return transfers


LATE_CNY = 400_000_000
"""The CNY Albion buys late in each demo day (major units), which releases its queue."""


def late_liquidity(day: int) -> Transfer:
    """Albion's late-day purchase of CNY on demo day `day` (booked once the day is done)."""
    return liquidity(day, ALBION, "CNY", LATE_CNY)


def liquidity(day: int, bic: str, currency: str, amount: int) -> Transfer:
    """A bank buying `amount` (major units) of a currency into its account, on `day`."""
    return Transfer(
        ledger_id("liquidity", day, bic, currency),
        reserve_account(currency),
        bank_account(AccountCode.SETTLEMENT, bic, currency),
        amount * 100,
        currency,
        int(TransferCode.FUNDING),
    )


CITIES = {ALBION: "London", THREADNEEDLE: "London", HARBOUR: "Hong Kong", LUOHU: "Luohu, Shenzhen"}
RESERVE_SYSTEMS = {
    "GBP": "Bank of England RTGS",
    "HKD": "HKMA CHATS",
    "CNY": "PBoC CNAPS",
    "CNH": "CNH clearing (Hong Kong)",
    "USD": "USD correspondent (CHIPS)",
}
"""Where each currency's reserves come from: the settlement system's own side."""


def describe(account: Account) -> tuple[str, str]:
    """(institution, kind of account) of a network account, for reports: kind is
    settlement, nostro, client, fx_position, fee_income or reserve."""
    kind = AccountCode(account.code).name.lower()
    if account.code == AccountCode.RESERVE:
        return RESERVE_SYSTEMS[account.ledger], kind
    bic = list(BANKS)[account.user_data_32 - 1]
    return f"{BANKS[bic][0]} ({CITIES[bic]})", kind


def demo_corridor(engine: Engine | None = None) -> Corridor:
    """What the payments engine runs on in the demo: this network, its fees and FX desk,
    and (given the store) the sanctions lists in force."""
    screening = load_index(engine) if engine is not None else None
    return Corridor(directory(), fee_table(), fx_desk(), screening=screening)
