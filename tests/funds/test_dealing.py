"""Funds dealing on both stores: subscriptions paid in through the payments engine and
dealt at NAV to the unit step, redemptions paid out, the rounding residue exact, orders
idempotent, bad input refused with nothing stored, and the register's invariants."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clocks import Clock
from corridor.demo import network
from corridor.funds import register
from corridor.funds.dealing import (
    FundDesk,
    payout_uetr,
    proceeds_for,
    publish_nav,
    register_fund,
    units_for,
    value_of,
)
from corridor.funds.demo import FUNDS
from corridor.funds.errors import (
    FundTermsError,
    InsufficientUnitsError,
    NavError,
    OrderError,
    UnknownShareClassError,
)
from corridor.funds.invariants import check_funds
from corridor.funds.model import OrderStatus
from corridor.funds.valuation import holdings
from corridor.green.corridor_view import corridor_view
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.accounts import client_account
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.payments.planning import plan_of

MORNING = datetime(2026, 10, 28, 9, 0, tzinfo=UTC)  # a business day in London and Luohu
DAY = MORNING.date()
VALUATION = MORNING + timedelta(hours=8)
"""When the test NAVs of DAY are published: after the day's orders (forward pricing)."""
GBP_CLASS = FUNDS[0][1][0]  # Albion Sustainable Infrastructure Fund, GBP, at Albion
CNY_CLASS = FUNDS[2][1][0]  # Luohu Clean Energy Fund, CNY, at Luohu Commercial
HARROW = network.CLIENTS[network.ALBION][0]  # banks at Albion, like the GBP class
FENCHURCH = network.CLIENTS[network.THREADNEEDLE][0]
UNIT = GBP_CLASS  # 3 unit places, 4 NAV places


@pytest.fixture
def desk(engine: Engine) -> Iterator[tuple[FundDesk, Ledger, Clock]]:
    """The demo network and funds on an empty store, opening balances booked."""
    ledger = Ledger(engine)
    ledger.create_accounts(network.ledger_accounts())
    ledger.create_transfers(network.opening_balances())
    clock = Clock(MORNING)
    corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
    payments = PaymentEngine(engine, ledger, corridor, clock=clock)
    for fund, classes in FUNDS:
        register_fund(engine, fund, classes)
    yield FundDesk(engine, payments), ledger, clock
    ledger.close()


def test_a_worked_subscription_rounds_units_down_and_keeps_the_residue() -> None:
    units, residue = units_for(Money.of("20000.00", "GBP"), Decimal("1.8734"), UNIT)
    # 20,000 / 1.8734 = 10,675.7766…: 10,675.776 units are worth 19,999.9987584
    assert (units, residue) == (10_675_776, Decimal("0.0012416"))
    proceeds, left = proceeds_for(10_000_000, Decimal("1.8747"), UNIT)
    assert (proceeds, left) == (Money.of("18747.00", "GBP"), Decimal(0))
    proceeds, left = proceeds_for(1_234, Decimal("1.8747"), UNIT)  # 1.234 units: 2.3133798
    assert (proceeds, left) == (Money.of("2.31", "GBP"), Decimal("0.0033798"))
    assert value_of(1_234, Decimal("1.8747"), UNIT) == Money.of("2.31", "GBP")
    assert value_of(1_235, Decimal("1.8747"), UNIT) == Money.of("2.32", "GBP")  # 2.3152545


@given(
    cash=st.integers(min_value=1, max_value=10**13),
    nav=st.integers(min_value=1, max_value=10**9),
    places=st.sampled_from([(3, 4), (2, 2), (0, 6), (6, 8)]),
    ccy=st.sampled_from(["GBP", "JPY", "KWD"]),
)
def test_cash_is_units_times_nav_plus_a_residue_below_one_step(
    cash: int, nav: int, places: tuple[int, int], ccy: str
) -> None:
    share_class = replace(UNIT, currency=ccy, unit_places=places[0], nav_places=places[1])
    price = Decimal(nav).scaleb(-places[1])
    money = Money.from_minor_units(cash, ccy)
    units, residue = units_for(money, price, share_class)
    step = Decimal(1).scaleb(-places[0])
    assert Decimal(units) * step * price + residue == money.amount
    assert 0 <= residue < step * price
    proceeds, left = proceeds_for(units, price, share_class)
    assert proceeds.amount + left == Decimal(units) * step * price
    assert 0 <= left < Decimal(1).scaleb(-money.currency.minor_unit)
    assert proceeds.amount <= money.amount  # redeemed at once, never more than was paid


def _balance(ledger: Ledger, account: int) -> int:
    found = ledger.lookup_accounts([account])[0]
    return found.credits_posted - found.debits_posted


def test_subscribe_deal_and_redeem_through_the_payments_engine(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    funds, ledger, clock = desk
    fund_account = client_account(network.ALBION, "GBP", GBP_CLASS.account)
    assert publish_nav(engine, GBP_CLASS.isin, DAY, "1.8734", at=VALUATION) is True
    order, record = funds.subscribe(
        "S-1", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("20000.00", "GBP"), DAY
    )
    # Within Albion, charge bearer DEBT: the fund is credited the whole subscription.
    assert record.status is PaymentStatus.SETTLED
    assert _balance(ledger, fund_account) == 2_000_000
    again, same = funds.subscribe(
        "S-1", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("20000.00", "GBP"), DAY
    )
    assert (again, same.payment.uetr) == (order, record.payment.uetr)
    assert _balance(ledger, fund_account) == 2_000_000  # one payment, not two
    result = funds.deal(DAY)
    [dealt] = result.dealt
    assert (dealt.units, dealt.residue, dealt.nav) == (
        10_675_776,
        Decimal("0.0012416"),
        Decimal("1.8734"),
    )
    with engine.connect() as connection:
        [held] = holdings(connection, DAY)
    assert (held.units, held.value) == (Decimal("10675.776"), Money.of("20000.00", "GBP"))

    with pytest.raises(InsufficientUnitsError, match=r"holds 10675\.776 free"):
        funds.redeem("R-1", GBP_CLASS.isin, HARROW.accounts["GBP"], "10675.777", DAY)
    assert (
        funds.redeem("R-1", GBP_CLASS.isin, HARROW.accounts["GBP"], "675.776", DAY).units == 675_776
    )
    # Placed and not yet dealt, its units are taken: a second redemption cannot have them.
    with pytest.raises(InsufficientUnitsError, match=r"holds 10000\.000 free"):
        funds.redeem("R-2", GBP_CLASS.isin, HARROW.accounts["GBP"], "10000.001", DAY)
    next_day = DAY + timedelta(days=1)
    publish_nav(engine, GBP_CLASS.isin, next_day, "1.8750", at=VALUATION + timedelta(days=1))
    before = _balance(ledger, fund_account)
    clock.now = MORNING + timedelta(days=1)
    result = funds.deal(next_day)
    [redeemed] = result.dealt
    # 675.776 × 1.8750 = 1,267.08 exactly: ROUND_DOWN leaves no residue here.
    assert (redeemed.amount_minor, redeemed.residue) == (126_708, Decimal(0))
    [payout] = result.payouts
    assert payout.status is PaymentStatus.SETTLED
    # SHAR: the fund's bank takes its fee from the fund, on top of the proceeds.
    paid = [leg.amount for leg in plan_of(payout).legs if leg.debit == fund_account]
    assert before - _balance(ledger, fund_account) == sum(paid) > 126_708
    assert 126_708 in paid
    assert funds.deal(next_day).payouts == []  # paid once
    with engine.connect() as connection:
        [held] = holdings(connection, next_day)
    assert held.units == Decimal("10000.000")
    assert all(r.holds for r in check_funds(engine)), check_funds(engine)


def test_cross_border_cash_is_dealt_once_it_settles(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    """GBP from London into the Luohu fund's CNY class, converted on the way: the payment
    waits for its value date, the order for the cash."""
    funds, ledger, clock = desk
    publish_nav(engine, CNY_CLASS.isin, DAY, "1.3562", at=VALUATION)
    _order, record = funds.subscribe(
        "S-CN", CNY_CLASS.isin, HARROW.accounts["GBP"], Money.of("150000.00", "GBP"), DAY
    )
    assert record.status is not PaymentStatus.SETTLED
    [(waiting, why)] = funds.deal(DAY).waiting
    assert waiting.order_id == "S-CN"
    assert "not settled" in why
    clock.now = MORNING + timedelta(days=1)
    funds.payments.settle_due()
    later = DAY + timedelta(days=1)
    [(_, why)] = funds.deal(later).waiting
    assert why == f"no NAV of {CNY_CLASS.isin} for {later}"
    publish_nav(engine, CNY_CLASS.isin, later, "1.3571", at=VALUATION + timedelta(days=1))
    [dealt] = funds.deal(later).dealt
    credited = _balance(ledger, client_account(network.LUOHU, "CNY", CNY_CLASS.account))
    assert dealt.amount_minor == credited > 0
    assert dealt.instructed == Money.of("150000.00", "GBP")
    assert (dealt.units, dealt.residue) == units_for(
        Money.from_minor_units(credited, "CNY"), Decimal("1.3571"), CNY_CLASS
    )
    assert all(r.holds for r in check_funds(engine)), check_funds(engine)


def test_a_subscription_whose_payment_is_cancelled_is_void(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    """More than the investor has: the payment queues for funds, the order waits; the
    payment cancelled, the order is void and no units are issued."""
    funds, _ledger, _clock = desk
    publish_nav(engine, GBP_CLASS.isin, DAY, "1.8734", at=VALUATION)
    _order, record = funds.subscribe(
        "S-BIG", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("99000000.00", "GBP"), DAY
    )
    assert record.status is PaymentStatus.QUEUED
    [(_, why)] = funds.deal(DAY).waiting
    assert why == "its cash has not settled yet (payment queued)"
    funds.payments.cancel(record.payment.uetr, reason="CUST")
    result = funds.deal(DAY)
    [void] = result.void
    assert (void.order_id, void.status, void.note) == (
        "S-BIG",
        OrderStatus.VOID,
        "payment cancelled (CUST)",
    )
    assert result.dealt == []
    with engine.connect() as connection:
        assert holdings(connection, DAY) == []
    assert all(r.holds for r in check_funds(engine))


def _stored(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: int(connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in ("funds", "fund_share_classes", "fund_navs", "fund_orders", "payments")
        }


def test_bad_input_is_refused_and_stores_nothing(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    funds, _ledger, _clock = desk
    publish_nav(engine, GBP_CLASS.isin, DAY, "1.8734", at=VALUATION)
    before = _stored(engine)
    fund, classes = FUNDS[0]
    bad_isin = replace(classes[0], isin="GB00BSIF0008")
    with pytest.raises(FundTermsError, match="'GB00BSIF0008' is not a valid ISIN"):
        register_fund(engine, replace(fund, fund_id="X"), [replace(bad_isin, fund_id="X")])
    with pytest.raises(FundTermsError, match=r"taxonomy_aligned: 1\.5 is not between 0 and 1"):
        register_fund(engine, replace(fund, taxonomy_aligned=Decimal("1.5")), classes)
    with pytest.raises(FundTermsError, match="registered with other terms"):
        register_fund(engine, replace(fund, name="Another name"), classes)
    with pytest.raises(NavError, match="more than 4 decimal places"):
        publish_nav(engine, GBP_CLASS.isin, DAY + timedelta(days=1), "1.87345")
    with pytest.raises(NavError, match=r"was published at 1\.8734, not 1\.9"):
        publish_nav(engine, GBP_CLASS.isin, DAY, "1.9", at=VALUATION)
    with pytest.raises(NavError, match="not a positive number"):
        publish_nav(engine, GBP_CLASS.isin, DAY + timedelta(days=1), "-1")
    with pytest.raises(UnknownShareClassError, match="no share class 'GB0000000000'"):
        publish_nav(engine, "GB0000000000", DAY, "1")
    gbp = HARROW.accounts["GBP"]
    with pytest.raises(OrderError, match="is not a positive amount in GBP"):
        funds.subscribe("S-2", GBP_CLASS.isin, gbp, Money.of("100", "USD"), DAY)
    with pytest.raises(OrderError, match="investor_account: no client holds"):
        funds.subscribe("S-3", GBP_CLASS.isin, "GB00NOPE", Money.of("100", "GBP"), DAY)
    with pytest.raises(OrderError, match="at most 3 decimal places"):
        funds.redeem("R-3", GBP_CLASS.isin, gbp, "1.0001", DAY)
    with pytest.raises(InsufficientUnitsError):
        funds.redeem("R-4", GBP_CLASS.isin, gbp, "1", DAY)
    assert _stored(engine) == before
    funds.subscribe("S-4", GBP_CLASS.isin, gbp, Money.of("100", "GBP"), DAY)
    with pytest.raises(OrderError, match="'S-4' names another order"):
        funds.subscribe("S-4", GBP_CLASS.isin, gbp, Money.of("200", "GBP"), DAY)


def test_fund_holdings_in_the_corridor_view(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    """By the investor's side, green for the fund's aligned share (0.62), to the minor unit."""
    funds, _ledger, _clock = desk
    publish_nav(engine, GBP_CLASS.isin, DAY, "1.8734", at=VALUATION)
    funds.subscribe("S-1", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("1000.00", "GBP"), DAY)
    funds.subscribe(
        "S-2", GBP_CLASS.isin, FENCHURCH.accounts["GBP"], Money.of("333.33", "GBP"), DAY
    )
    funds.deal(DAY)
    with engine.connect() as connection:
        values = sorted(
            h.value.to_minor_units() for h in holdings(connection, DAY) if h.value is not None
        )
    # 533.787 units → 999.99964… → 1,000.00; Fenchurch's 333.33 less its fees on the way
    assert len(values) == 2
    assert values[-1] == 100_000
    [row] = [r for r in corridor_view(engine).rows if r["business"] == "fund holdings"]
    total = sum(values)
    green = sum(int((Decimal(v) * Decimal("0.62")).quantize(1)) for v in values)
    assert row["side"] == "london"
    assert row["currency"] == "GBP"
    assert Decimal(str(row["total"])) == Decimal(total) / 100
    assert Decimal(str(row["green"])) == Decimal(green) / 100
    assert any("0.62 (EU Taxonomy" in n for n in corridor_view(engine).notes)


def test_an_order_placed_after_the_nav_is_dealt_at_the_next_one(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    """Forward pricing: no order is dealt at a price known when it was placed."""
    funds, _ledger, clock = desk
    publish_nav(engine, GBP_CLASS.isin, DAY, "1.8734", at=MORNING)
    clock.now = MORNING + timedelta(minutes=5)
    funds.subscribe("S-LATE", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("100", "GBP"), DAY)
    [(_, why)] = funds.deal(DAY).waiting
    assert why == f"placed after {GBP_CLASS.isin}'s NAV for {DAY} was published: the next NAV"
    later = DAY + timedelta(days=1)
    clock.now = MORNING + timedelta(days=1)
    publish_nav(engine, GBP_CLASS.isin, later, "1.8800", at=clock.now + timedelta(hours=8))
    [dealt] = funds.deal(later).dealt
    assert (dealt.nav, dealt.nav_date) == (Decimal("1.8800"), later)


def test_a_payout_a_crash_kept_back_goes_on_a_later_day(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The redemption is committed dealt, the process dies before its payout; days later
    the next dealing run sends it for that day (never for a day gone by), once."""
    funds, _ledger, clock = desk
    funds.subscribe("S-1", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("1000", "GBP"), DAY)
    publish_nav(engine, GBP_CLASS.isin, DAY, "2.0000", at=MORNING + timedelta(hours=1))
    funds.deal(DAY)
    clock.now = MORNING + timedelta(hours=2)
    funds.redeem("R-1", GBP_CLASS.isin, HARROW.accounts["GBP"], "100", DAY)
    next_day = DAY + timedelta(days=1)
    publish_nav(engine, GBP_CLASS.isin, next_day, "2.0000", at=MORNING + timedelta(days=1))

    def crash(_blocked: object) -> list[object]:
        raise SystemExit("killed")

    monkeypatch.setattr(funds, "_pay_out", crash)
    clock.now = MORNING + timedelta(days=1, hours=1)
    with pytest.raises(SystemExit):
        funds.deal(next_day)
    monkeypatch.undo()
    clock.now = MORNING + timedelta(days=5)  # Monday 2 November
    [payout] = funds.deal(DAY + timedelta(days=5)).payouts
    assert payout.status is PaymentStatus.SETTLED
    assert payout.payment.requested_execution_date == DAY + timedelta(days=5)
    assert payout.payment.uetr == payout_uetr("R-1")
    assert funds.deal(DAY + timedelta(days=5)).payouts == []
    assert all(r.holds for r in check_funds(engine)), check_funds(engine)


def test_a_racing_dealing_run_does_not_deal_an_order_twice(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    funds, _ledger, _clock = desk
    funds.subscribe("S-1", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("100", "GBP"), DAY)
    with engine.connect() as connection:
        [placed] = register.orders(connection)
    dealt = replace(placed, status=OrderStatus.DEALT, units=1)
    with engine.begin() as connection:
        assert register.update_order(connection, dealt, was=OrderStatus.PLACED) is True
        # The other run read it placed too; its update finds it dealt and changes nothing.
        assert (
            register.update_order(connection, replace(dealt, units=2), was=OrderStatus.PLACED)
            is False
        )
        assert register.stored_order(connection, "S-1").units == 1  # type: ignore[union-attr]


def test_an_order_id_another_payment_uses_is_refused(
    desk: tuple[FundDesk, Ledger, Clock], engine: Engine
) -> None:
    """Albion already sent a payment with end-to-end id 'CLASH': the order's cash cannot be
    told from it, so the order is void and the caller told to use another id."""
    funds, _ledger, _clock = desk
    other = Payment(
        uetr=new_uetr(),
        end_to_end_id="CLASH",
        instruction_id="I-1",
        debtor=Party(HARROW.name, HARROW.accounts["GBP"], "GB"),
        debtor_agent=network.ALBION,
        creditor_agent=network.THREADNEEDLE,
        creditor=Party(FENCHURCH.name, FENCHURCH.accounts["GBP"], "GB"),
        instructed_amount=Money.of("500", "GBP"),
        settlement_currency="GBP",
        charge_bearer=ChargeBearer.SHAR,
        requested_execution_date=DAY,
        purpose_code="GDDS",
    )
    first = funds.payments.submit(other).record
    assert first.status is PaymentStatus.SETTLED, first.lifecycle.events[-1]
    with pytest.raises(OrderError, match="is the end-to-end id of payment"):
        funds.subscribe("CLASH", GBP_CLASS.isin, HARROW.accounts["GBP"], Money.of("5", "GBP"), DAY)
    with engine.connect() as connection:
        assert register.stored_order(connection, "CLASH").status is OrderStatus.VOID  # type: ignore[union-attr]


def test_fund_terms_refused_for_their_form(engine: Engine) -> None:
    fund, classes = FUNDS[0]
    with pytest.raises(FundTermsError, match="is not an IBAN or account number written compact"):
        register_fund(engine, fund, [replace(classes[0], account="GB39 ALBN 4090 0100 0090 01")])
    with pytest.raises(FundTermsError, match="more than 6 decimals"):
        register_fund(engine, replace(fund, taxonomy_aligned=Decimal("0.3333333")), classes)
    with pytest.raises(FundTermsError, match=r"name: 'x{141}' is not 1 to 140"):
        register_fund(engine, replace(fund, name="x" * 141), classes)
    # An 8-character BIC is kept as BIC11: the depositary's tenant key.
    register_fund(engine, replace(fund, depositary_bic="ALBNGB2L", manager_bic="ALBNGB2L"), classes)
    with engine.connect() as connection:
        assert register.fund(connection, fund.fund_id).depositary_bic == "ALBNGB2LXXX"


@given(
    units=st.integers(min_value=0, max_value=10**20), nav=st.integers(min_value=1, max_value=10**12)
)
def test_large_holdings_are_valued_and_redeemed_exactly(units: int, nav: int) -> None:
    """However large, the value is units × NAV ROUND_HALF_EVEN and the proceeds ROUND_DOWN,
    exactly (checked at 100 digits of precision)."""
    price = Decimal(nav).scaleb(-4)
    with localcontext() as wide:
        wide.prec = 100
        worth = Decimal(units).scaleb(-3) * price
        half_even = worth.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        down = worth.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        assert value_of(units, price, UNIT).amount == half_even
        proceeds, left = proceeds_for(units, price, UNIT)
        assert proceeds.amount == down
        assert left == worth - down
