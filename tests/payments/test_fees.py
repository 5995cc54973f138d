"""Fee schedules, their rounding, and who bears the charges (DEBT, SHAR, CRED)."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from corridor.money import CurrencyMismatchError, Money
from corridor.payments.fees import (
    DEFAULT_FEE_ROUNDING,
    ROUNDING_MODES,
    AgentFee,
    Charge,
    ChargeBearer,
    ChargeBreakdown,
    ChargeBreakdownError,
    FeeAmountError,
    FeeCurrencyError,
    FeeError,
    FeeExceedsAmountError,
    FeeSchedule,
    FeeTable,
    InvalidFeeScheduleError,
    NoFeeScheduleError,
    apply_charges,
)
from corridor.payments.reference import Correspondent, Directory, Institution, route_agents


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


# The worked example: GBP 10,000.00 from London through Hong Kong to Luohu.
LONDON = FeeSchedule.of(
    "BARCGB22", "GB", "CN", "GBP", fixed="15", basis_points=10, minimum="20", maximum="100"
)
HONG_KONG = FeeSchedule.of(
    "HSBCHKHHHKH", "GB", "CN", "GBP", fixed="10", basis_points=5, minimum="12", maximum="50"
)
LUOHU = FeeSchedule.of("ICBKCNBJSZN", "GB", "CN", "GBP", basis_points=20, maximum="15")
CHAIN = [LONDON, HONG_KONG, LUOHU]
TEN_THOUSAND = gbp("10000.00")


# --- FeeSchedule.fee_for ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("10000.00", "25.00"),  # 15 + 0.1 % of 10,000 = 25, within [20, 100]
        ("5000.00", "20.00"),  # 15 + 5 = 20: exactly the minimum
        ("4999.99", "20.00"),  # 19.99999 is below the minimum
        ("1.00", "20.00"),
        ("85000.00", "100.00"),  # 15 + 85 = 100: exactly the maximum
        ("85000.01", "100.00"),  # 100.00001 is capped
        ("1000000.00", "100.00"),
        ("12345.67", "27.35"),  # 15 + 12.34567 = 27.34567 -> 27.35
    ],
)
def test_fixed_plus_percentage_within_minimum_and_maximum(amount: str, fee: str) -> None:
    assert LONDON.fee_for(gbp(amount)) == gbp(fee)


def test_no_maximum_means_no_cap() -> None:
    uncapped = FeeSchedule.of("BARCGB22", "GB", "HK", "GBP", fixed="15", basis_points=10)
    assert uncapped.fee_for(gbp("1000000.00")) == gbp("1015.00")
    assert uncapped.minimum == gbp("0")
    assert uncapped.maximum is None


def test_fractional_basis_points_are_exact() -> None:
    schedule = FeeSchedule.of("BARCGB22", "GB", "HK", "GBP", basis_points="2.5")
    assert schedule.basis_points == Decimal("2.5")
    assert schedule.fee_for(gbp("10000.00")) == gbp("2.50")


def test_the_rounding_mode_is_named_and_half_up_by_default() -> None:
    assert DEFAULT_FEE_ROUNDING == ROUND_HALF_UP == "ROUND_HALF_UP"
    assert LONDON.rounding == "ROUND_HALF_UP"
    assert ROUND_HALF_EVEN in ROUNDING_MODES


@pytest.mark.parametrize(
    ("rounding", "fee"),
    [(ROUND_HALF_UP, "1.03"), (ROUND_HALF_EVEN, "1.02"), (ROUND_DOWN, "1.02"), (ROUND_UP, "1.03")],
)
def test_the_named_rounding_mode_decides_a_half_penny(rounding: str, fee: str) -> None:
    schedule = FeeSchedule.of("BARCGB22", "GB", "HK", "GBP", basis_points=10, rounding=rounding)
    assert schedule.fee_for(gbp("1025.00")) == gbp(fee)  # exactly 1.025


def test_fees_round_to_the_currencys_minor_unit() -> None:
    yen = FeeSchedule.of("MHCBJPJT", "JP", "HK", "JPY", basis_points=15)
    assert yen.fee_for(Money.of(12_345, "JPY")) == Money.of(19, "JPY")  # 18.5175 -> 19
    hkd = FeeSchedule.of("HSBCHKHH", "HK", "CN", "HKD", fixed="50", basis_points=3)
    assert hkd.fee_for(Money.of("100000.00", "HKD")) == Money.of("80.00", "HKD")


def test_a_fee_is_charged_on_a_positive_amount_in_the_schedules_currency() -> None:
    with pytest.raises(FeeCurrencyError, match="not in GBP") as caught:
        LONDON.fee_for(Money.of("100", "HKD"))
    assert isinstance(caught.value, CurrencyMismatchError)
    for bad in ("0", "-1.00", "1.001"):
        with pytest.raises(FeeAmountError, match="amount"):
            LONDON.fee_for(gbp(bad))


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"minimum": "20", "maximum": "10"}, "less than the minimum"),
        ({"fixed": "-1"}, r"fixed: .* is negative"),
        ({"minimum": "0.001"}, "finer than minor units"),
        ({"basis_points": 10_001}, "not 0 to 10000"),
        ({"basis_points": -1}, "not 0 to 10000"),
        ({"basis_points": 0.1}, "not exact"),
        ({"basis_points": "ten"}, "basis_points: 'ten' is not a number"),
        ({"basis_points": "NaN"}, "basis_points: NaN"),
        ({"fixed": "abc"}, "fixed: not an amount"),
        ({"maximum": 1.5}, "maximum: money is never a float"),
        ({"rounding": "HALF_UP"}, "not a rounding mode"),
    ],
)
def test_a_schedule_rejects_each_bad_field(kwargs: dict[str, object], why: str) -> None:
    with pytest.raises(InvalidFeeScheduleError, match=why):
        FeeSchedule.of("BARCGB22", "GB", "CN", "GBP", **kwargs)  # type: ignore[arg-type]


def test_a_schedule_needs_a_bic_countries_and_one_currency() -> None:
    with pytest.raises(InvalidFeeScheduleError, match="institution_bic"):
        FeeSchedule.of("BARC", "GB", "CN", "GBP")
    with pytest.raises(InvalidFeeScheduleError, match="to_country"):
        FeeSchedule.of("BARCGB22", "GB", "China", "GBP")
    with pytest.raises(InvalidFeeScheduleError, match="unknown currency"):
        FeeSchedule.of("BARCGB22", "GB", "CN", "GBX")
    with pytest.raises(InvalidFeeScheduleError, match=r"minimum: .* is not in GBP"):
        FeeSchedule("BARCGB22", "GB", "CN", gbp("1"), Decimal(0), Money.of(1, "HKD"))
    with pytest.raises(InvalidFeeScheduleError, match="never a float"):
        FeeSchedule("BARCGB22", "GB", "CN", gbp("1"), 0.5, gbp("0"))  # type: ignore[arg-type]


# --- FeeTable ---------------------------------------------------------------------------


def test_the_table_finds_each_banks_schedule_for_the_corridor() -> None:
    table = FeeTable(CHAIN)
    assert table.schedule("BARCGB22XXX", "GB", "CN", "GBP") is LONDON
    assert table.schedule("HSBCHKHHHKH", "GB", "CN", "GBP") is HONG_KONG
    assert table.schedule("BARCGB22LDN", "GB", "CN", "GBP") is LONDON  # branch: head office's
    with pytest.raises(NoFeeScheduleError, match="no GB->HK GBP fee schedule"):
        table.schedule("BARCGB22", "GB", "HK", "GBP")
    with pytest.raises(NoFeeScheduleError):
        table.schedule("HSBCHKHH", "GB", "CN", "GBP")  # HKH is a branch; no head office one
    with pytest.raises(InvalidFeeScheduleError, match="already has"):
        table.add(FeeSchedule.of("BARCGB22XXX", "GB", "CN", "GBP", fixed="1"))


def test_fees_along_a_route_from_the_directory() -> None:
    roles = ["correspondent", "intermediary"]
    directory = Directory(
        [
            Institution.of("BARCGB22", "Barclays", ["GBP"], ["originating"]),
            Institution.of("HSBCHKHHHKH", "HSBC Hong Kong", ["GBP", "CNY"], roles),
            Institution.of("ICBKCNBJSZN", "ICBC Shenzhen", ["GBP", "CNY"], ["beneficiary"]),
        ],
        [
            Correspondent("HSBCHKHHHKH", "BARCGB22", gbp("1000000")),
            Correspondent("HSBCHKHHHKH", "ICBKCNBJSZN", gbp("1000000")),
        ],
    )
    route = directory.route("BARCGB22", "ICBKCNBJSZN", "GBP", amount=TEN_THOUSAND)
    bics = [bank.bic for bank in route_agents(route)]
    schedules = FeeTable(CHAIN).for_chain(bics, "GB", "CN", "GBP")
    assert schedules == CHAIN
    assert apply_charges(TEN_THOUSAND, "SHAR", schedules).credited == gbp("9970.00")


# --- Charge bearers: the worked example -------------------------------------------------


def test_debt_the_payer_pays_every_fee_on_top() -> None:
    breakdown = apply_charges(TEN_THOUSAND, ChargeBearer.DEBT, CHAIN)
    assert breakdown.debited == gbp("10055.00")
    assert breakdown.credited == TEN_THOUSAND
    assert breakdown.charges == (
        Charge(0, "BARCGB22", gbp("25.00"), deducted=False),
        Charge(1, "HSBCHKHHHKH", gbp("15.00"), deducted=False),
        Charge(2, "ICBKCNBJSZN", gbp("15.00"), deducted=False),  # 20.00 capped at 15
    )
    assert breakdown.passed_on == (TEN_THOUSAND,) * 3
    assert breakdown.total_charges == breakdown.charged_on_top == gbp("55.00")
    assert breakdown.deducted == gbp("0")


def test_shar_the_payer_pays_its_own_banks_fee_and_the_rest_are_deducted() -> None:
    breakdown = apply_charges(TEN_THOUSAND, ChargeBearer.SHAR, CHAIN)
    assert breakdown.debited == gbp("10025.00")
    assert breakdown.credited == gbp("9970.00")
    assert [(c.hop, c.institution_bic, c.amount, c.deducted) for c in breakdown.charges] == [
        (0, "BARCGB22", gbp("25.00"), False),
        (1, "HSBCHKHHHKH", gbp("15.00"), True),  # 10 + 5 on 10,000.00
        (2, "ICBKCNBJSZN", gbp("15.00"), True),  # 19.97 on 9,985.00, capped
    ]
    assert breakdown.passed_on == (gbp("10000.00"), gbp("9985.00"), gbp("9970.00"))
    assert breakdown.charged_on_top == gbp("25.00")
    assert breakdown.deducted == gbp("30.00")


def test_cred_every_fee_is_deducted_on_the_way() -> None:
    breakdown = apply_charges(TEN_THOUSAND, ChargeBearer.CRED, CHAIN)
    assert breakdown.debited == TEN_THOUSAND
    assert breakdown.credited == gbp("9945.01")
    assert [c.amount for c in breakdown.charges] == [
        gbp("25.00"),
        gbp("14.99"),  # 10 + 0.05 % of 9,975.00 = 14.9875, half up
        gbp("15.00"),  # 0.2 % of 9,960.01 = 19.92002, capped
    ]
    assert all(c.deducted and c.currency.code == "GBP" for c in breakdown.charges)
    assert breakdown.passed_on == (gbp("9975.00"), gbp("9960.01"), gbp("9945.01"))
    assert breakdown.total_charges == gbp("54.99")


def test_fixed_fees_and_bearer_codes() -> None:
    fees = [AgentFee("BARCGB22", gbp("10")), AgentFee("HSBCHKHH", gbp("0"))]
    breakdown = apply_charges(gbp("100.00"), "SHAR", fees)
    assert (breakdown.debited, breakdown.credited) == (gbp("110.00"), gbp("100.00"))
    assert breakdown.bearer is ChargeBearer.SHAR
    assert [b.value for b in ChargeBearer] == ["DEBT", "CRED", "SHAR"]
    with pytest.raises(FeeError, match="'OUR' is not a charge bearer"):
        apply_charges(gbp("100.00"), "OUR", fees)


def test_no_fees_no_difference() -> None:
    for bearer in ChargeBearer:
        breakdown = apply_charges(TEN_THOUSAND, bearer, [])
        assert breakdown.debited == breakdown.credited == TEN_THOUSAND
        assert breakdown.charges == ()
        assert breakdown.passed_on == ()


def test_a_deducted_fee_must_leave_the_creditor_something() -> None:
    fees = [AgentFee("BARCGB22", gbp("5")), AgentFee("HSBCHKHH", gbp("20"))]
    with pytest.raises(FeeExceedsAmountError, match=r"hops_fees\[1\]: HSBCHKHH's fee 20.00"):
        apply_charges(gbp("25.00"), ChargeBearer.CRED, fees)  # 20 of the 20 left
    with pytest.raises(FeeExceedsAmountError, match="hops_fees"):
        apply_charges(gbp("19.99"), ChargeBearer.SHAR, fees)
    assert apply_charges(gbp("25.01"), ChargeBearer.CRED, fees).credited == gbp("0.01")
    assert apply_charges(gbp("1.00"), ChargeBearer.DEBT, fees).debited == gbp("26.00")


def test_agent_fees_are_checked() -> None:
    with pytest.raises(FeeCurrencyError, match="not in GBP"):
        apply_charges(TEN_THOUSAND, "DEBT", [AgentFee("BARCGB22", Money.of(1, "HKD"))])
    with pytest.raises(InvalidFeeScheduleError, match="negative"):
        AgentFee("BARCGB22", gbp("-1"))
    with pytest.raises(InvalidFeeScheduleError, match="HSBCHKHHHKH's, not BARCGB22's"):
        AgentFee("BARCGB22", HONG_KONG)
    with pytest.raises(InvalidFeeScheduleError, match="neither"):
        AgentFee("BARCGB22", "15.00")  # type: ignore[arg-type]
    with pytest.raises(FeeAmountError):
        apply_charges(gbp("0"), "DEBT", CHAIN)


def test_a_breakdown_that_does_not_balance_is_refused() -> None:
    with pytest.raises(ChargeBreakdownError, match="is not the charges"):
        ChargeBreakdown(
            instructed=TEN_THOUSAND,
            bearer=ChargeBearer.DEBT,
            debited=gbp("10001.00"),
            credited=TEN_THOUSAND,
            charges=(Charge(0, "BARCGB22", gbp("2.00"), deducted=False),),
            passed_on=(TEN_THOUSAND,),
        )


# --- Properties -------------------------------------------------------------------------

BICS = ["BARCGB22", "HSBCHKHHHKH", "BKCHHKHH", "ICBKCNBJSZN"]


@st.composite
def schedules(draw: st.DrawFn, bic: str) -> FeeSchedule:
    minimum = draw(st.integers(0, 5_000))
    maximum = draw(st.none() | st.integers(minimum, 50_000))
    return FeeSchedule(
        bic,
        "GB",
        "CN",
        fixed=Money.from_minor_units(draw(st.integers(0, 5_000)), "GBP"),
        basis_points=Decimal(draw(st.integers(0, 2_000))) / 4,
        minimum=Money.from_minor_units(minimum, "GBP"),
        maximum=None if maximum is None else Money.from_minor_units(maximum, "GBP"),
        rounding=draw(st.sampled_from(sorted(ROUNDING_MODES))),
    )


chains = st.integers(0, len(BICS)).flatmap(
    lambda n: st.tuples(*(schedules(bic) for bic in BICS[:n])).map(list)
)
amounts = st.integers(1, 10**12).map(lambda units: Money.from_minor_units(units, "GBP"))


def breakdown_or_reject(
    amount: Money, bearer: ChargeBearer, chain: list[FeeSchedule]
) -> ChargeBreakdown:
    try:
        return apply_charges(amount, bearer, chain)
    except FeeExceedsAmountError:
        assert bearer is not ChargeBearer.DEBT  # DEBT never deducts
        assume(False)
        raise


@given(amounts, st.sampled_from(ChargeBearer), chains)
def test_debited_less_credited_is_exactly_the_fees(
    amount: Money, bearer: ChargeBearer, chain: list[FeeSchedule]
) -> None:
    breakdown = breakdown_or_reject(amount, bearer, chain)
    assert breakdown.debited - breakdown.credited == breakdown.total_charges
    assert breakdown.total_charges == breakdown.charged_on_top + breakdown.deducted
    assert all(not c.amount.is_negative() for c in breakdown.charges)
    assert [c.hop for c in breakdown.charges] == list(range(len(chain)))
    assert breakdown.credited.is_positive()
    assert breakdown.credited <= amount <= breakdown.debited
    for units in (breakdown.debited, breakdown.credited, *breakdown.passed_on):
        assert Money.from_minor_units(units.to_minor_units(), "GBP") == units
    if chain:
        assert breakdown.passed_on[-1] == breakdown.credited


@given(amounts, chains)
def test_each_bearer_by_its_rule(amount: Money, chain: list[FeeSchedule]) -> None:
    debt = apply_charges(amount, ChargeBearer.DEBT, chain)
    assert debt.credited == amount
    assert debt.debited == amount + debt.total_charges
    cred = breakdown_or_reject(amount, ChargeBearer.CRED, chain)
    assert cred.debited == amount
    assert cred.credited == amount - cred.total_charges
    shar = breakdown_or_reject(amount, ChargeBearer.SHAR, chain)
    if chain:
        assert shar.debited == amount + shar.charges[0].amount
        assert shar.charges[0] == debt.charges[0]  # both charge on the instructed amount


@given(schedules("BARCGB22"), amounts, amounts)
def test_a_fee_stays_within_its_bounds_and_grows_with_the_amount(
    schedule: FeeSchedule, a: Money, b: Money
) -> None:
    low, high = sorted([a, b])
    fee_low, fee_high = schedule.fee_for(low), schedule.fee_for(high)
    assert schedule.minimum <= fee_low <= fee_high
    if schedule.maximum is not None:
        assert fee_high <= schedule.maximum
    exact = schedule.fixed + low * schedule.basis_points * Decimal("0.0001")
    exact = max(exact, schedule.minimum)
    if schedule.maximum is not None:
        exact = min(exact, schedule.maximum)
    assert abs((fee_low - exact).amount) < Decimal("0.01")
