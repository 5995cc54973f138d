"""Client limits and the mainland individual FX quota: worked examples and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.compliance import (
    MAINLAND_INDIVIDUAL_FX_QUOTA,
    ClientKind,
    ClientLimits,
    FxQuota,
    LimitCode,
    LimitCurrencyError,
    PaymentFacts,
    PaymentFactsError,
    check_limits,
)
from corridor.money import CurrencyMismatchError, Money

LONDON = ZoneInfo("Europe/London")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def pay(
    reference: str,
    amount: str,
    currency: str = "GBP",
    *,
    at: datetime = NOON,
    usd: str | None = None,
    client: str = "C-1",
    kind: ClientKind = ClientKind.INDIVIDUAL,
    fx: bool = False,
) -> PaymentFacts:
    """A payment from GB to HK; its USD equivalent defaults to its amount (or 1:1)."""
    return PaymentFacts(
        reference=reference,
        client_id=client,
        client_kind=kind,
        client_residence="CN" if fx else "GB",
        booked_at=at,
        amount=Money.of(amount, currency),
        amount_usd=Money.of(amount if currency == "USD" or usd is None else usd, "USD"),
        debtor_country="GB",
        creditor_country="HK",
        mainland_individual_fx_purchase=fx,
    )


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


DAILY_10K = ClientLimits(daily=gbp("10000"), zone=LONDON)

# -- daily limit ---------------------------------------------------------------------


def test_exactly_at_the_daily_limit_is_allowed() -> None:
    history = [pay("P-1", "6000"), pay("P-2", "3000")]
    assert check_limits(pay("P-3", "1000"), history, DAILY_10K) == []


def test_one_penny_over_the_daily_limit_is_a_breach_with_every_figure() -> None:
    history = [pay("P-2", "3000", at=NOON + timedelta(hours=1)), pay("P-1", "6000")]
    [breach] = check_limits(pay("P-3", "1000.01"), history, DAILY_10K)
    assert breach.code is LimitCode.DAILY
    assert LimitCode.DAILY.value == "daily_limit_exceeded"
    assert (breach.payment_reference, breach.client_id, breach.period) == (
        "P-3",
        "C-1",
        "2026-03-02",
    )
    assert breach.limit == gbp("10000")
    assert breach.used == gbp("9000")
    assert breach.payment == gbp("1000.01")
    assert breach.remaining == gbp("1000")
    assert breach.excess == gbp("0.01")
    assert breach.counted_references == ("P-1", "P-2")
    assert breach.explanation == (
        "Payment P-3 of 1,000.01 GBP would take client C-1 to 10,000.01 GBP on 2026-03-02"
        " (Europe/London), over the daily limit of 10,000.00 GBP by 0.01 GBP"
        " (9,000.00 GBP already used, 1,000.00 GBP left)."
    )


def test_days_are_calendar_days_in_the_limits_zone() -> None:
    # 1 July 2026 starts at 23:00 UTC on 30 June in London (BST, UTC+1).
    before = pay("P-1", "9000", at=datetime(2026, 6, 30, 22, 59, 59, tzinfo=UTC))
    after = pay("P-2", "9000", at=datetime(2026, 6, 30, 23, 0, tzinfo=UTC))
    payment = pay("P-3", "1000.01", at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    [breach] = check_limits(payment, [before, after], DAILY_10K)
    assert breach.period == "2026-07-01"
    assert breach.counted_references == ("P-2",)
    # Counted in UTC days instead, both earlier payments fall on 30 June.
    utc_limits = ClientLimits(daily=gbp("10000"))
    assert check_limits(payment, [before, after], utc_limits) == []


def test_later_payments_on_the_same_day_count_too() -> None:
    later = pay("P-2", "9500", at=NOON + timedelta(hours=5))
    [breach] = check_limits(pay("P-1", "600"), [later], DAILY_10K)
    assert breach.used == gbp("9500")


def test_other_clients_are_not_mixed_in() -> None:
    history = [pay("P-1", "9999", client="C-2"), pay("P-2", "9999", client="C-3")]
    assert check_limits(pay("P-3", "10000"), history, DAILY_10K) == []


def test_the_payment_itself_in_the_history_is_not_counted_twice() -> None:
    payment = pay("P-1", "6000")
    assert check_limits(payment, [payment, pay("P-2", "4000")], DAILY_10K) == []


def test_a_history_that_names_a_payment_twice_is_refused() -> None:
    with pytest.raises(PaymentFactsError, match="P-1"):
        check_limits(pay("P-2", "1"), [pay("P-1", "1"), pay("P-1", "1")], DAILY_10K)


def test_a_zero_limit_refuses_everything() -> None:
    [breach] = check_limits(pay("P-1", "0.01"), [], ClientLimits(daily=gbp("0")))
    assert (breach.remaining, breach.excess) == (gbp("0"), gbp("0.01"))


def test_already_over_a_lowered_limit_leaves_no_headroom() -> None:
    [breach] = check_limits(pay("P-2", "100"), [pay("P-1", "12000")], DAILY_10K)
    assert breach.used == gbp("12000")
    assert breach.remaining == gbp("0")
    assert breach.excess == gbp("2100")


def test_no_limits_no_breaches() -> None:
    assert check_limits(pay("P-1", "1000000"), [], None) == []
    assert check_limits(pay("P-1", "1000000"), [], ClientLimits()) == []


# -- annual limit --------------------------------------------------------------------


def test_annual_limit_counts_the_calendar_year_in_the_zone() -> None:
    limits = ClientLimits(annual=gbp("50000"), zone=LONDON)
    last_year = pay("P-1", "40000", at=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
    this_year = pay("P-2", "40000", at=datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
    payment = pay("P-3", "10000", at=datetime(2026, 6, 1, tzinfo=UTC))
    assert check_limits(payment, [last_year, this_year], limits) == []
    [breach] = check_limits(
        pay("P-4", "10000.01", at=payment.booked_at), [last_year, this_year], limits
    )
    assert breach.code == "annual_limit_exceeded"
    assert breach.period == "2026"
    assert breach.counted_references == ("P-2",)
    assert "in 2026 (Europe/London calendar year), over the annual limit" in breach.explanation


def test_daily_and_annual_and_quota_breaches_come_in_that_order() -> None:
    limits = ClientLimits(daily=usd("1000"), annual=usd("40000"), zone=SHANGHAI)
    history = [pay("P-1", "39999", "USD", at=NOON - timedelta(days=30), fx=True)]
    payment = pay("P-2", "90000", "CNY", usd="12500", fx=True)
    breaches = check_limits(payment, history, limits)
    assert [b.code for b in breaches] == [LimitCode.DAILY, LimitCode.ANNUAL, LimitCode.FX_QUOTA]


# -- currencies ----------------------------------------------------------------------


def test_a_usd_limit_counts_other_currencies_by_their_usd_equivalent() -> None:
    limits = ClientLimits(daily=usd("10000"))
    history = [pay("P-1", "39000", "HKD", usd="5000"), pay("P-2", "3000", "USD")]
    assert check_limits(pay("P-3", "1600", "GBP", usd="2000"), history, limits) == []
    [breach] = check_limits(pay("P-4", "1600", "GBP", usd="2000.01"), history, limits)
    assert breach.used == usd("8000")
    assert breach.payment == usd("2000.01")
    assert "Payment P-4 of 1,600.00 GBP (2,000.01 USD) would take" in breach.explanation


def test_a_foreign_currency_against_a_non_usd_limit_is_an_error_not_a_skip() -> None:
    history = [pay("P-1", "50000", "HKD", usd="6400")]
    with pytest.raises(LimitCurrencyError, match="P-1 is in HKD, but client C-1's daily limit"):
        check_limits(pay("P-2", "1"), history, DAILY_10K)
    with pytest.raises(CurrencyMismatchError):
        check_limits(pay("P-3", "1", "HKD", usd="0.13"), [], DAILY_10K)


def test_a_foreign_currency_outside_the_period_is_no_error() -> None:
    old = pay("P-1", "50000", "HKD", usd="6400", at=NOON - timedelta(days=2))
    assert check_limits(pay("P-2", "1"), [old], DAILY_10K) == []


# -- mainland individual FX quota ----------------------------------------------------


def test_the_quota_is_usd_50000_a_year_in_beijing_time() -> None:
    assert MAINLAND_INDIVIDUAL_FX_QUOTA.amount == usd("50000")
    assert MAINLAND_INDIVIDUAL_FX_QUOTA.zone == SHANGHAI


def test_buying_up_to_exactly_the_quota_is_allowed_and_one_cent_more_is_not() -> None:
    history = [pay("P-1", "200000", "CNY", usd="27777.78", fx=True)]
    assert check_limits(pay("P-2", "160000", "CNY", usd="22222.22", fx=True), history, None) == []
    [breach] = check_limits(pay("P-3", "160000", "CNY", usd="22222.23", fx=True), history, None)
    assert breach.code == "fx_quota_exceeded"
    assert breach.limit == usd("50000")
    assert breach.used == usd("27777.78")
    assert breach.remaining == usd("22222.22")
    assert breach.excess == usd("0.01")
    assert breach.explanation == (
        "Payment P-3 of 160,000.00 CNY (22,222.23 USD) would take client C-1 to 50,000.01 USD"
        " of FX purchases in 2026 (Asia/Shanghai calendar year), over the mainland individual"
        " annual FX quota of 50,000.00 USD by 0.01 USD (27,777.78 USD already used,"
        " 22,222.22 USD left)."
    )


def test_the_quota_year_turns_at_midnight_in_shanghai_not_in_utc() -> None:
    # 2027 begins in Shanghai at 16:00 UTC on 31 December 2026.
    late_2026 = pay(
        "P-1",
        "300000",
        "CNY",
        usd="45000",
        fx=True,
        at=datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC),
    )
    early_2027 = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert (
        check_limits(
            pay("P-2", "70000", "CNY", usd="10000", fx=True, at=early_2027), [late_2026], None
        )
        == []
    )
    # Same UTC year, and also the same Shanghai year one second earlier: a breach.
    [breach] = check_limits(
        pay("P-3", "70000", "CNY", usd="10000", fx=True, at=early_2027 - timedelta(seconds=1)),
        [late_2026],
        None,
    )
    assert breach.period == "2026"


def test_a_purchase_in_utc_2025_counts_in_shanghai_2026() -> None:
    # 00:30 on 1 January 2026 in Shanghai is still 2025 in UTC.
    new_year = pay(
        "P-1", "300000", "CNY", usd="45000", fx=True, at=datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    )
    [breach] = check_limits(pay("P-2", "70000", "CNY", usd="10000", fx=True), [new_year], None)
    assert breach.counted_references == ("P-1",)


def test_only_flagged_purchases_count_against_the_quota() -> None:
    history = [
        pay("P-1", "49000", "USD", fx=True),
        pay("P-2", "49000", "USD"),  # not an FX purchase (e.g. paid from an FX account)
        pay("P-3", "49000", "USD", fx=True, client="C-2"),
    ]
    [breach] = check_limits(pay("P-4", "1000.01", "USD", fx=True), history, None)
    assert breach.counted_references == ("P-1",)
    assert check_limits(pay("P-5", "1000000", "USD"), history, None) == []


def test_a_custom_quota() -> None:
    quota = FxQuota(usd("100"), UTC)
    [breach] = check_limits(pay("P-1", "100.01", "USD", fx=True), [], None, fx_quota=quota)
    assert breach.excess == usd("0.01")
    assert "(UTC calendar year)" in breach.explanation
    with pytest.raises(PaymentFactsError):
        FxQuota(gbp("100"), UTC)


# -- the facts themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"booked_at": datetime(2026, 3, 2, 12, 0)}, "timezone-aware"),
        ({"client_residence": "gb"}, "alpha-2"),
        ({"agent_countries": ("HK", "GBR")}, "alpha-2"),
        ({"amount": Money.of("0", "GBP")}, "positive"),
        ({"amount_usd": Money.of("1", "GBP")}, "USD amount"),
        ({"amount": Money.of("5", "USD"), "amount_usd": Money.of("5.01", "USD")}, "USD equivalent"),
        (
            {"client_kind": ClientKind.CORPORATE, "mainland_individual_fx_purchase": True},
            "individual",
        ),
        ({"purpose": "salary"}, "purpose"),
        ({"reference": " "}, "reference"),
        ({"client_kind": "individual"}, "ClientKind"),
    ],
)
def test_facts_are_checked(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "reference": "P-1",
        "client_id": "C-1",
        "client_kind": ClientKind.INDIVIDUAL,
        "client_residence": "GB",
        "booked_at": NOON,
        "amount": Money.of("5", "GBP"),
        "amount_usd": Money.of("6.30", "USD"),
        "debtor_country": "GB",
        "creditor_country": "HK",
        "agent_countries": ("HK",),
        "purpose": "SALA",
    }
    PaymentFacts(**fields)  # type: ignore[arg-type]
    with pytest.raises(PaymentFactsError, match=message):
        PaymentFacts(**(fields | change))  # type: ignore[arg-type]


def test_limits_are_checked() -> None:
    with pytest.raises(PaymentFactsError, match="daily"):
        ClientLimits(daily=gbp("-1"))


# -- properties ----------------------------------------------------------------------

pennies = st.integers(min_value=1, max_value=2_000_000)


@settings(max_examples=200)
@given(
    history=st.lists(st.tuples(pennies, st.integers(0, 86_399)), max_size=12),
    this=pennies,
    limit=st.integers(min_value=0, max_value=8_000_000),
)
def test_breach_figures_add_up_exactly(
    history: list[tuple[int, int]], this: int, limit: int
) -> None:
    day_start = datetime(2026, 3, 2, tzinfo=UTC)
    past = [
        pay(
            f"P-{i}",
            str(Money.from_minor_units(units, "GBP").amount),
            at=day_start + timedelta(seconds=s),
        )
        for i, (units, s) in enumerate(history)
    ]
    payment = pay("P-X", str(Money.from_minor_units(this, "GBP").amount))
    limits = ClientLimits(daily=Money.from_minor_units(limit, "GBP"))
    breaches = check_limits(payment, past, limits)
    used = sum((units for units, _ in history), 0)
    assert bool(breaches) == (used + this > limit)
    for breach in breaches:
        assert breach.used == Money.from_minor_units(used, "GBP")
        assert breach.used + breach.payment == breach.limit + breach.excess
        assert breach.excess.is_positive()
        assert breach.remaining == Money.from_minor_units(max(limit - used, 0), "GBP")
        if used <= limit:
            assert breach.remaining + breach.excess == breach.payment
        assert len(breach.counted_references) == len(history)


@settings(max_examples=100)
@given(
    amounts=st.lists(st.integers(1, 3_000_000), min_size=1, max_size=10),
    offsets=st.lists(st.integers(-400 * 86_400, 400 * 86_400), min_size=10, max_size=10),
    clients=st.lists(st.sampled_from(["C-1", "C-2"]), min_size=10, max_size=10),
    seed=st.integers(0, 2**32),
)
def test_shuffled_history_gives_the_same_breaches(
    amounts: list[int], offsets: list[int], clients: list[str], seed: int
) -> None:
    base = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    history = [
        pay(
            f"P-{i}",
            str(Decimal(units).scaleb(-2)),
            "USD",
            at=base + timedelta(seconds=offsets[i]),
            client=clients[i],
            fx=True,
        )
        for i, units in enumerate(amounts)
    ]
    payment = pay("P-X", "20000", "USD", at=base, fx=True)
    limits = ClientLimits(daily=usd("5000"), annual=usd("30000"), zone=SHANGHAI)
    expected = check_limits(payment, history, limits)
    shuffled = list(history)
    random.Random(seed).shuffle(shuffled)
    assert check_limits(payment, shuffled, limits) == expected
