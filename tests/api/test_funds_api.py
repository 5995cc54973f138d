"""`/api/funds`: every member sees the corridor's funds and NAVs; of the unit register, an
institution sees its own clients' holdings and orders and the whole register of the funds
it keeps — never another bank's investors in a fund it does not keep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from clocks import Clock
from corridor.demo import network
from corridor.funds.dealing import FundDesk, publish_nav, register_fund
from corridor.funds.demo import FUNDS
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import Corridor, PaymentEngine
from ops_world import BUSINESS_DAY, World

DAY = BUSINESS_DAY.date()
ALBION_FUND = FUNDS[0][1][0].isin  # kept by Albion, GBP
LUOHU_FUND = FUNDS[2][1][0].isin  # kept by Luohu Commercial, CNY
HARROW = network.CLIENTS[network.ALBION][0]  # client@albion is bound to it
WEN_LI = network.CLIENTS[network.ALBION][1]
FENCHURCH = network.CLIENTS[network.THREADNEEDLE][0]
SHENZHEN_SOLAR = network.CLIENTS[network.LUOHU][0]


@pytest.fixture(scope="module")
def dealt(ops: World) -> None:
    """Four subscriptions dealt: three into Albion's fund (two Albion clients and one of
    Threadneedle), one of a Luohu client into the Luohu fund."""
    with Ledger(ops.engine) as ledger:
        corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
        desk = FundDesk(
            ops.engine, PaymentEngine(ops.engine, ledger, corridor, clock=Clock(BUSINESS_DAY))
        )
        for fund, classes in FUNDS:
            register_fund(ops.engine, fund, classes)
        publish_nav(ops.engine, ALBION_FUND, DAY, "1.8734", at=BUSINESS_DAY + timedelta(hours=8))
        publish_nav(ops.engine, LUOHU_FUND, DAY, "1.3562", at=BUSINESS_DAY + timedelta(hours=8))
        for n, (client, ccy, isin, amount) in enumerate(
            [
                (HARROW, "GBP", ALBION_FUND, "1000.00"),
                (WEN_LI, "GBP", ALBION_FUND, "500.00"),
                (FENCHURCH, "GBP", ALBION_FUND, "2000.00"),
                (SHENZHEN_SOLAR, "CNY", LUOHU_FUND, "80000.00"),
            ]
        ):
            desk.subscribe(f"API-S{n}", isin, client.accounts[ccy], Money.of(amount, ccy), DAY)
        assert len(desk.deal(DAY).dealt) == 4


def _get(ops: World, path: str, user: str) -> Any:
    response = ops.client.get(path, headers=ops.auth(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_every_member_sees_the_funds_and_their_navs(ops: World, dealt: None) -> None:
    funds = _get(ops, "/api/funds", "readonly@luohu")
    assert [f["fund_id"] for f in funds] == ["ALBN-SIF", "LUOH-CEF", "VHRB-ABF"]
    gbp = funds[0]["share_classes"][0]
    assert (gbp["isin"], gbp["nav"], gbp["nav_date"]) == (ALBION_FUND, "1.8734", DAY.isoformat())
    assert funds[0]["taxonomy_aligned"] == "0.62"


@pytest.mark.parametrize(
    ("user", "investors"),
    [
        # Albion keeps ALBN-SIF: its whole register, Threadneedle's investor too.
        ("operator@albion", {HARROW.name, WEN_LI.name, FENCHURCH.name}),
        ("auditor@albion", {HARROW.name, WEN_LI.name, FENCHURCH.name}),
        ("client@albion", {HARROW.name}),
        # Luohu keeps LUOH-CEF; none of its clients is in Albion's fund.
        ("operator@luohu", {SHENZHEN_SOLAR.name}),
        ("readonly@luohu", {SHENZHEN_SOLAR.name}),
    ],
)
def test_each_institution_sees_its_part_of_the_register(
    ops: World, dealt: None, user: str, investors: set[str]
) -> None:
    held = _get(ops, "/api/funds/holdings", user)
    assert {h["investor"] for h in held} == investors
    orders = _get(ops, "/api/funds/orders?status=dealt", user)
    assert {o["investor"] for o in orders} == investors
    # Filtering by another bank's fund reaches nothing more.
    other = LUOHU_FUND if user.endswith("@albion") else ALBION_FUND
    assert {
        h["investor"] for h in _get(ops, f"/api/funds/holdings?isin={other}", user)
    } <= investors


def test_a_holding_is_valued_at_nav_to_the_minor_unit(ops: World, dealt: None) -> None:
    [harrow] = _get(ops, "/api/funds/holdings", "client@albion")
    # 1,000.00 / 1.8734 = 533.7888…: 533.788 units, worth 999.99843… → 1,000.00 half-even
    assert (harrow["units"], harrow["value"], harrow["currency"]) == ("533.788", "1000.00", "GBP")
    [order] = _get(ops, "/api/funds/orders", "client@albion")
    assert (order["amount"], order["residue"], order["nav"]) == ("1000.00", "0.0015608", "1.8734")


@pytest.mark.parametrize(
    "query",
    ["/api/funds/holdings?isin=GB00", "/api/funds/orders?status=bogus", "/api/funds?as_of=x"],
)
def test_bad_queries_are_refused_with_a_code(ops: World, dealt: None, query: str) -> None:
    response = ops.client.get(query, headers=ops.auth("operator@albion"))
    assert response.status_code == 422
    assert response.json()["code"]
