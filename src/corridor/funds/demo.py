"""The demo's funds, across the corridor: a London UCITS green infrastructure fund (GBP and
USD classes, depositary Albion), a Hong Kong bond fund (HKD, Victoria Harbour) and a Luohu
clean-energy fund recognised in Hong Kong (CNY, Luohu Commercial). Each demo day their
investors on every side subscribe through cross-border payments (some converting on the
way), from the second day one investor redeems, then the day's NAVs are published and the
orders dealt. Order ids come from the day, so a repeated or interrupted run deals nothing
twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.funds import register
from corridor.funds.dealing import DealingResult, FundDesk, publish_nav, register_fund
from corridor.funds.model import Fund, Holding, ShareClass
from corridor.funds.valuation import holdings
from corridor.money import Money
from corridor.payments.engine import PaymentEngine

_ALBION_FUND = network.FUND_CLIENTS[network.ALBION][0].accounts
FUNDS: tuple[tuple[Fund, tuple[ShareClass, ...]], ...] = (
    (
        Fund(
            "ALBN-SIF",
            "Albion Sustainable Infrastructure Fund",
            "GB",
            "UK UCITS OEIC (FCA-authorised)",
            network.ALBION,
            network.ALBION,
            Decimal("0.62"),
            "EU Taxonomy (climate change mitigation): the fund's periodic report for 2025"
            " (fictional, for the demo)",
        ),
        (
            ShareClass("GB00BSIF0007", "ALBN-SIF", "GBP Accumulation", "GBP", _ALBION_FUND["GBP"]),
            ShareClass("GB00BSIF0114", "ALBN-SIF", "USD Accumulation", "USD", _ALBION_FUND["USD"]),
        ),
    ),
    (
        Fund(
            "VHRB-ABF",
            "Victoria Harbour Asia Bond Fund",
            "HK",
            "SFC-authorised unit trust",
            network.HARBOUR,
            network.HARBOUR,
            Decimal("0.08"),
            "EU Taxonomy (climate change mitigation): the share of its bonds' proceeds"
            " reported aligned, annual report 2025 (fictional, for the demo)",
        ),
        (
            ShareClass(
                "HK0000ABF006",
                "VHRB-ABF",
                "Class A (HKD)",
                "HKD",
                network.FUND_CLIENTS[network.HARBOUR][0].accounts["HKD"],
            ),
        ),
    ),
    (
        Fund(
            "LUOH-CEF",
            "Luohu Clean Energy Fund",
            "CN",
            "CSRC-registered public fund, recognised in Hong Kong (Mutual Recognition of Funds)",
            network.LUOHU,
            network.LUOHU,
            Decimal("0.85"),
            "EU-China Common Ground Taxonomy (2022-06): the fund's annual report for 2025"
            " (fictional, for the demo)",
            name_zh="罗湖清洁能源基金",
        ),
        (
            ShareClass(
                "CNE1000LCE06",
                "LUOH-CEF",
                "Class A (CNY)",
                "CNY",
                network.FUND_CLIENTS[network.LUOHU][0].accounts["CNY"],
            ),
        ),
    ),
)
BASE_NAV = {
    "GB00BSIF0007": Decimal("1.8734"),
    "GB00BSIF0114": Decimal("2.1050"),
    "HK0000ABF006": Decimal("10.4275"),
    "CNE1000LCE06": Decimal("1.3562"),
}
VALUATION_DELAY = timedelta(minutes=1)
"""The NAV is published this long after the day's last order (the demo clock stands still)."""
DAILY_DRIFT = Decimal("0.0007")
"""Each class's NAV grows by this share a demo day (a fictional, steady market)."""


def _client(bank: str, name: str) -> network.DemoClient:
    return next(c for c in network.CLIENTS[bank] if c.name == name)


# (bank, investor, account currency, class ISIN, amount in the account's currency)
SUBSCRIPTIONS = (
    (network.LUOHU, "Zhang Wei", "GBP", "GB00BSIF0007", "20000"),
    (network.ALBION, "Harrow Tea Importers Ltd", "GBP", "CNE1000LCE06", "150000"),
    (network.HARBOUR, "Chan Tai Man", "HKD", "CNE1000LCE06", "400000"),
    (network.HARBOUR, "Kowloon Textiles Co", "USD", "GB00BSIF0114", "250000"),
    (network.LUOHU, "Shenzhen Solar Components Co", "HKD", "HK0000ABF006", "800000"),
    (network.THREADNEEDLE, "Fenchurch Green Energy plc", "GBP", "GB00BSIF0007", "500000"),
    (network.THREADNEEDLE, "Oliver Grant", "HKD", "HK0000ABF006", "120000"),
)
REDEMPTION = (network.THREADNEEDLE, "Fenchurch Green Energy plc", "GBP", "GB00BSIF0007", "10000")
"""From the second day: an investor redeems units bought on an earlier day."""


def nav_on(isin: str, day: int) -> Decimal:
    """The demo's NAV per unit of a class on demo day `day` (ROUND_HALF_EVEN, 4 places)."""
    grown = BASE_NAV[isin] * (1 + DAILY_DRIFT * (day - 1))
    return grown.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


@dataclass
class FundsDemoResult:
    """What the funds did on the demo day, and the unit register afterwards."""

    dealing: DealingResult
    holdings: list[Holding] = field(default_factory=list)
    funds: dict[str, str] = field(default_factory=dict)
    """ISIN → fund name and class, for the summary."""


def run_funds_demo(engine: Engine, payments: PaymentEngine, day: int, on: date) -> FundsDemoResult:
    """Register the funds (first run), publish day `day`'s NAVs for `on`, place the day's
    orders and deal them."""
    for fund, classes in FUNDS:
        register_fund(engine, fund, classes)
    desk = FundDesk(engine, payments)
    for n, (bank, name, ccy, isin, amount) in enumerate(SUBSCRIPTIONS, start=1):
        client = _client(bank, name)
        desk.subscribe(
            f"D{day}-SUB-{n}",
            isin,
            client.accounts[ccy],
            Money.of(amount, ccy),
            on,
            individual=client.individual,
        )
    if day > 1:
        bank, name, ccy, isin, units = REDEMPTION
        desk.redeem(f"D{day}-RED-1", isin, _client(bank, name).accounts[ccy], units, on)
    # The valuation point comes after the day's orders (forward pricing).
    at = payments.clock() + VALUATION_DELAY
    for _fund, classes in FUNDS:
        for share_class in classes:
            publish_nav(engine, share_class.isin, on, nav_on(share_class.isin, day), at=at)
    dealing = desk.deal(on)
    with engine.connect() as connection:
        held = holdings(connection, on)
        names = {
            c.isin: f"{f.name}, {c.name}"
            for f in register.all_funds(connection)
            for c in register.all_classes(connection)
            if c.fund_id == f.fund_id
        }
    return FundsDemoResult(dealing, held, names)
