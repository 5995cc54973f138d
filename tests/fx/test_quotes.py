"""Dealable quotes: spread against the customer both ways, expiry, exact conversion."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    Inexact,
    localcontext,
)
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.fx import (
    DEFAULT_VALIDITY,
    FxConfigError,
    FxDesk,
    InvalidAmountError,
    NaiveDatetimeError,
    Quote,
    QuoteAmountExceededError,
    QuoteCurrencyError,
    QuoteExpiredError,
    QuoteNotYetValidError,
    Route,
    SameCurrencyError,
    SpreadSchedule,
    UnknownInstitutionError,
    bundled_rates,
    reference_rate,
)
from corridor.money import Money

# 17:00 UTC on Friday 15 March 2024: that day's ECB fixing (16:00 Frankfurt) is out.
AT = datetime(2024, 3, 15, 17, 0, tzinfo=UTC)
FRIDAY = date(2024, 3, 15)
BANK = "HSBC-HK"
SPREADS = {BANK: SpreadSchedule(25, {"GBP/CNY": 40, "HKD/CNH": "12.5"})}
MICROSECOND = timedelta(microseconds=1)
ROUNDINGS = [
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    ROUND_05UP,
]


@pytest.fixture(scope="module")
def desk() -> FxDesk:
    bundled_rates()  # load once, outside any hypothesis deadline
    return FxDesk(SPREADS)


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def exactly(amount: Money, rate: Decimal) -> Decimal:
    """amount × rate as a Decimal, refusing to round."""
    with localcontext() as ctx:
        ctx.prec = 200
        ctx.traps[Inexact] = True
        return amount.amount * rate


# --- what a quote carries --------------------------------------------------------------


def test_a_quote_carries_its_reference_spread_rate_expiry_and_amount(desk: FxDesk) -> None:
    """GBP 1,000 → CNY at the ECB cross less 40 bps, valid for 30 seconds."""
    quote = desk.quote(BANK, gbp("1000.00"), "CNY", AT)
    assert quote.reference == reference_rate("GBP", "CNY", FRIDAY)
    assert quote.reference.rate == Decimal("9.1769113687")
    assert quote.spread_bps == Decimal(40)
    # 9.1769113687 × (1 − 0.004) = 9.14020372322…, rounded toward the desk.
    assert quote.customer_rate == Decimal("9.1402037232")
    assert quote.bought == Money.of("9140.20", "CNY")
    assert quote.residue == Money.of("0.0037232", "CNY")
    assert quote.institution == BANK
    assert quote.sell == gbp("1000.00")
    assert quote.buy_currency.code == "CNY"
    assert quote.quoted_at == AT
    assert quote.expires_at == AT + timedelta(seconds=30) == AT + DEFAULT_VALIDITY
    assert quote.rounding == ROUND_HALF_EVEN
    assert isinstance(quote.quote_id, uuid.UUID)
    assert quote.quote_id.version == 7


def test_a_currency_and_an_amount_work_as_well_as_money(desk: FxDesk) -> None:
    """sell='GBP', amount='1000.00' is the same quote as sell=Money."""
    by_code = desk.quote(BANK, "GBP", "CNY", AT, amount="1000.00")
    by_money = desk.quote(BANK, gbp("1000.00"), "CNY", AT)
    assert (by_code.sell, by_code.customer_rate, by_code.bought) == (
        by_money.sell,
        by_money.customer_rate,
        by_money.bought,
    )
    assert by_code.quote_id != by_money.quote_id


def test_quote_ids_are_time_ordered(desk: FxDesk) -> None:
    """UUIDv7: a later quote sorts after an earlier one (the ledger's B-trees like that)."""
    ids = [desk.quote(BANK, gbp("10"), "HKD", AT + timedelta(seconds=s)).quote_id for s in range(5)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5


def test_a_desk_takes_its_own_quote_ids() -> None:
    """A deterministic id maker (the demo's) can replace the default."""
    fixed = uuid.UUID(int=42)
    quote = FxDesk(SPREADS, new_quote_id=lambda at: fixed).quote(BANK, gbp("1"), "USD", AT)
    assert quote.quote_id == fixed


def test_a_quote_uses_the_fixing_published_by_its_time(desk: FxDesk) -> None:
    """At 11:00 in Frankfurt the day's fixing is not out: the quote uses the day before."""
    morning = datetime(2024, 3, 15, 11, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    quote = desk.quote(BANK, gbp("100"), "CNY", morning)
    assert quote.reference.rate_date == date(2024, 3, 14)
    assert quote.reference == reference_rate("GBP", "CNY", date(2024, 3, 14))


def test_a_weekend_quote_uses_friday_s_fixing_and_says_so(desk: FxDesk) -> None:
    """Sunday morning in Hong Kong (Saturday's date in Frankfurt): Friday's fixing, recorded."""
    sunday = datetime(2024, 3, 17, 10, 0, tzinfo=ZoneInfo("Asia/Hong_Kong"))
    quote = desk.quote(BANK, Money.of("5000", "HKD"), "GBP", sunday)
    assert quote.reference.on == date(2024, 3, 16)
    assert quote.reference.rate_date == FRIDAY
    assert quote.reference.fell_back


def test_a_quote_can_cross_through_usd(desk: FxDesk) -> None:
    """The route is the caller's to choose, and recorded."""
    quote = desk.quote(BANK, gbp("100"), "CNY", AT, via="USD")
    assert quote.reference.route is Route.VIA_USD


# --- spreads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sell", "buy"),
    [
        ("GBP", "CNY"),
        ("CNY", "GBP"),
        ("GBP", "HKD"),
        ("HKD", "GBP"),
        ("HKD", "CNH"),
        ("CNH", "HKD"),
    ],
)
def test_the_spread_is_against_the_customer_whichever_side_they_sell(
    desk: FxDesk, sell: str, buy: str
) -> None:
    """Buy per sell is smaller than the reference, so the customer always gets less."""
    quote = desk.quote(BANK, sell, buy, AT, amount="10000")
    assert quote.customer_rate < quote.reference.rate
    spread = Fraction(quote.spread_bps) / 10_000
    exact = Fraction(quote.reference.rate) * (1 - spread)
    assert (
        Fraction(quote.customer_rate) <= exact < Fraction(quote.customer_rate) + Fraction(1, 10**10)
    )
    at_reference = Fraction(quote.sell.amount) * Fraction(quote.reference.rate)
    assert Fraction(quote.bought.amount) < at_reference


def test_a_round_trip_loses_both_spreads(desk: FxDesk) -> None:
    """GBP → CNY → GBP at the desk comes back with less than it started."""
    there = desk.quote(BANK, gbp("10000.00"), "CNY", AT)
    back = desk.quote(BANK, there.bought, "GBP", AT)
    assert back.bought < gbp("10000.00")
    assert back.bought > gbp("9900.00")  # 2 × 40 bps ≈ 0.8%


def test_a_pair_spread_covers_both_directions_and_others_take_the_default(desk: FxDesk) -> None:
    """'GBP/CNY' is 40 bps both ways; 'HKD/CNH' 12.5; anything else 25."""
    assert desk.spread_bps(BANK, "GBP", "CNY") == Decimal(40)
    assert desk.spread_bps(BANK, "CNY", "GBP") == Decimal(40)
    assert desk.spread_bps(BANK, "CNH", "HKD") == Decimal("12.5")
    assert desk.spread_bps(BANK, "GBP", "HKD") == Decimal(25)
    assert desk.spread_bps(BANK, "GBP", "CNH") == Decimal(25)


def test_spreads_are_per_institution() -> None:
    """Two institutions, two prices; a default schedule serves the rest."""
    desk = FxDesk(
        {"BOC-SZ": SpreadSchedule(10), "BARC-LDN": SpreadSchedule(60)},
        default=SpreadSchedule(100),
    )
    cheap = desk.quote("BOC-SZ", gbp("100"), "CNY", AT)
    dear = desk.quote("BARC-LDN", gbp("100"), "CNY", AT)
    walk_in = desk.quote("ANYONE", gbp("100"), "CNY", AT)
    assert cheap.customer_rate > dear.customer_rate > walk_in.customer_rate
    assert walk_in.spread_bps == Decimal(100)


def test_an_institution_without_a_schedule_gets_no_quote(desk: FxDesk) -> None:
    """No default schedule: no price for a stranger."""
    with pytest.raises(UnknownInstitutionError, match="NOBODY"):
        desk.quote("NOBODY", gbp("100"), "CNY", AT)


def test_a_zero_spread_deals_at_the_reference() -> None:
    """0 bps: customer rate equals the reference."""
    quote = FxDesk({BANK: SpreadSchedule(0)}).quote(BANK, gbp("100"), "CNY", AT)
    assert quote.customer_rate == quote.reference.rate


@pytest.mark.parametrize(
    ("default", "pairs"),
    [
        (-1, None),
        (10_000, None),
        ("abc", None),
        (25, {"GBPCNY": 10}),
        (25, {"GBP/GBP": 10}),
        (25, {"GBP/XYZ": 10}),
        (25, {"GBP/CNY": 10, "CNY/GBP": 10}),
        (25, {"GBP/CNY": -5}),
    ],
)
def test_a_spread_schedule_is_checked_when_made(
    default: int | str, pairs: dict[str, int] | None
) -> None:
    """0 to under 10,000 bps, pairs written 'GBP/CNY', each pair once."""
    with pytest.raises(FxConfigError):
        SpreadSchedule(default, pairs)


# --- expiry ---------------------------------------------------------------------------------


def test_a_quote_converts_exactly_at_its_expiry(desk: FxDesk) -> None:
    """Valid up to and including expires_at: the full 30 seconds are the customer's."""
    quote = desk.quote(BANK, gbp("100.00"), "CNY", AT)
    conversion = quote.convert(gbp("100.00"), quote.expires_at)
    assert conversion.bought == quote.bought
    assert quote.is_open_at(quote.expires_at)


def test_a_quote_is_expired_one_microsecond_after_its_expiry(desk: FxDesk) -> None:
    """The smallest step past expires_at is too late."""
    quote = desk.quote(BANK, gbp("100.00"), "CNY", AT)
    with pytest.raises(QuoteExpiredError, match="ask for a new quote"):
        quote.convert(gbp("100.00"), quote.expires_at + MICROSECOND)
    assert not quote.is_open_at(quote.expires_at + MICROSECOND)


def test_expiry_compares_instants_not_wall_clocks(desk: FxDesk) -> None:
    """The same instant in Hong Kong time is as good as in UTC."""
    quote = desk.quote(BANK, gbp("100.00"), "CNY", AT)
    hong_kong = quote.expires_at.astimezone(timezone(timedelta(hours=8)))
    assert quote.convert(gbp("100.00"), hong_kong).at == quote.expires_at
    with pytest.raises(QuoteExpiredError):
        quote.convert(gbp("100.00"), hong_kong + MICROSECOND)


def test_a_quote_is_not_valid_before_it_was_made(desk: FxDesk) -> None:
    """From quoted_at on, not a microsecond before."""
    quote = desk.quote(BANK, gbp("100.00"), "CNY", AT)
    assert quote.convert(gbp("100.00"), AT).bought == quote.bought
    with pytest.raises(QuoteNotYetValidError):
        quote.convert(gbp("100.00"), AT - MICROSECOND)


def test_the_validity_is_configurable() -> None:
    """A desk can hold prices for longer (or shorter)."""
    desk = FxDesk(SPREADS, validity=timedelta(minutes=5))
    quote = desk.quote(BANK, gbp("1"), "CNY", AT)
    assert quote.expires_at == AT + timedelta(minutes=5)


@pytest.mark.parametrize("validity", [timedelta(0), timedelta(seconds=-1), 30])
def test_a_validity_is_a_positive_timedelta(validity: timedelta) -> None:
    """Zero, negative, or a bare number of seconds are refused."""
    with pytest.raises(FxConfigError):
        FxDesk(SPREADS, validity=validity)


def test_expiry_is_elapsed_time_across_a_clock_change() -> None:
    """Quoted 30 s before London's clocks go forward: it expires 30 real seconds later."""
    london = ZoneInfo("Europe/London")
    before = datetime(2024, 3, 31, 0, 59, 45, tzinfo=london)
    quote = FxDesk(SPREADS).quote(BANK, gbp("1"), "CNY", before)
    assert quote.expires_at - quote.quoted_at == timedelta(seconds=30)
    assert quote.expires_at.astimezone(london).hour == 2  # 00:59:45 GMT + 30 s = 02:00:15 BST


# --- conversion -----------------------------------------------------------------------------


def test_a_quote_refuses_the_wrong_currency(desk: FxDesk) -> None:
    """A GBP quote converts GBP only."""
    quote = desk.quote(BANK, gbp("100.00"), "CNY", AT)
    with pytest.raises(QuoteCurrencyError, match="sells GBP, not HKD"):
        quote.convert(Money.of("100.00", "HKD"), AT)


def test_a_quote_converts_up_to_its_amount(desk: FxDesk) -> None:
    """Part of the quoted amount is fine; more is refused (the spread was priced for it)."""
    quote = desk.quote(BANK, gbp("100.00"), "CNY", AT)
    part = quote.convert(gbp("40.00"), AT)
    assert part.bought.amount + part.residue.amount == exactly(gbp("40.00"), quote.customer_rate)
    with pytest.raises(QuoteAmountExceededError):
        quote.convert(gbp("100.01"), AT)


@pytest.mark.parametrize("amount", ["0", "-5.00", "1.005"])
def test_an_amount_is_positive_and_in_whole_minor_units(desk: FxDesk, amount: str) -> None:
    """Nothing, a negative, or a fraction of a penny is not converted."""
    with pytest.raises(InvalidAmountError):
        desk.quote(BANK, gbp(amount), "CNY", AT)
    quote = desk.quote(BANK, gbp("10"), "CNY", AT)
    with pytest.raises(InvalidAmountError):
        quote.convert(gbp(amount), AT)


def test_a_conversion_records_its_quote_and_time(desk: FxDesk) -> None:
    """The caller books it under the quote id, at the conversion's time (UTC)."""
    quote = desk.quote(BANK, gbp("250.00"), "HKD", AT)
    conversion = quote.convert(gbp("250.00"), AT + timedelta(seconds=3))
    assert conversion.quote_id == quote.quote_id
    assert conversion.sold == gbp("250.00")
    assert conversion.rate == quote.customer_rate
    assert conversion.at == AT + timedelta(seconds=3)
    assert conversion.at.tzinfo is UTC
    assert (conversion.bought, conversion.residue) == (quote.bought, quote.residue)


@settings(max_examples=300, deadline=None)
@given(
    units=st.integers(min_value=1, max_value=10**13),
    pair=st.permutations(["GBP", "HKD", "CNY", "USD", "CNH"]).map(lambda codes: codes[:2]),
    rounding=st.sampled_from(ROUNDINGS),
    seconds=st.integers(min_value=0, max_value=30),
)
def test_bought_plus_residue_is_exactly_amount_times_rate(
    units: int, pair: list[str], rounding: str, seconds: int
) -> None:
    """Never a lost fraction: bought (whole minor units) + residue == amount × rate."""
    bundled_rates()
    desk = FxDesk(SPREADS, rounding=rounding)
    sold = Money.from_minor_units(units, pair[0])
    quote = desk.quote(BANK, sold, pair[1], AT)
    conversion = quote.convert(sold, AT + timedelta(seconds=seconds))
    exact = exactly(sold, quote.customer_rate)
    assert conversion.bought.amount + conversion.residue.amount == exact
    assert conversion.bought.currency == conversion.residue.currency == quote.buy_currency
    assert Money.from_minor_units(conversion.bought.to_minor_units(), pair[1]) == conversion.bought
    one_unit = Decimal(1).scaleb(-quote.buy_currency.minor_unit)
    assert abs(conversion.residue.amount) < one_unit
    if rounding in (ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_HALF_DOWN):
        assert abs(conversion.residue.amount) <= one_unit / 2
    assert (conversion.bought, conversion.residue) == (quote.bought, quote.residue)


@pytest.mark.parametrize(("rounding", "sign"), [(ROUND_DOWN, 1), (ROUND_UP, -1)])
def test_the_rounding_mode_decides_the_residue_s_sign(rounding: str, sign: int) -> None:
    """Rounding down leaves a positive residue (kept by the desk); up, a negative one."""
    quote = FxDesk(SPREADS, rounding=rounding).quote(BANK, gbp("1000.00"), "CNY", AT)
    assert quote.residue.amount * sign > 0


def test_an_unknown_rounding_is_refused() -> None:
    """A rounding is one of decimal's named modes."""
    with pytest.raises(FxConfigError, match="unknown rounding"):
        FxDesk(SPREADS, rounding="nearest")


# --- no floats, no naive times, no nonsense --------------------------------------------


def test_a_float_amount_is_refused(desk: FxDesk) -> None:
    """0.1 has no exact binary form: floats never enter."""
    with pytest.raises(TypeError, match="never a float"):
        desk.quote(BANK, "GBP", "CNY", AT, amount=100.5)  # type: ignore[arg-type]
    quote = desk.quote(BANK, gbp("100"), "CNY", AT)
    with pytest.raises(TypeError):
        quote.convert(100.0, AT)  # type: ignore[arg-type]


@pytest.mark.parametrize("spread", [12.5, 0.0])
def test_a_float_spread_is_refused(spread: float) -> None:
    """Basis points are Decimals too."""
    with pytest.raises(TypeError, match="never a float"):
        SpreadSchedule(spread)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="never a float"):
        SpreadSchedule(25, {"GBP/CNY": spread})  # type: ignore[dict-item]


def test_a_float_basis_is_refused() -> None:
    """CNH per CNY is a Decimal."""
    with pytest.raises(TypeError, match="never a float"):
        FxDesk(SPREADS, cnh_basis=1.0015)  # type: ignore[arg-type]


def test_no_float_in_a_quote(desk: FxDesk) -> None:
    """Every number a quote holds is a Decimal (or Money of one)."""
    quote = desk.quote(BANK, "CNH", "GBP", AT, amount="88888.88")
    numbers = [quote.spread_bps, quote.customer_rate, quote.reference.rate]
    numbers += [quote.sell.amount, quote.bought.amount, quote.residue.amount]
    numbers += [leg.rate for leg in quote.reference.legs]
    numbers += [f.rate for f in quote.reference.fixings]
    assert quote.reference.cnh_basis is not None
    numbers.append(quote.reference.cnh_basis)
    assert all(type(n) is Decimal for n in numbers)


def test_a_naive_time_is_refused(desk: FxDesk) -> None:
    """A datetime without a zone could be any of 26 hours."""
    with pytest.raises(NaiveDatetimeError):
        desk.quote(BANK, gbp("100"), "CNY", datetime(2024, 3, 15, 17))
    quote = desk.quote(BANK, gbp("100"), "CNY", AT)
    with pytest.raises(NaiveDatetimeError):
        quote.convert(gbp("100"), datetime(2024, 3, 15, 17))
    with pytest.raises(TypeError):
        quote.convert(gbp("100"), FRIDAY)  # type: ignore[arg-type]


def test_a_quote_is_between_two_currencies(desk: FxDesk) -> None:
    """GBP for GBP is no trade."""
    with pytest.raises(SameCurrencyError):
        desk.quote(BANK, gbp("100"), "GBP", AT)


def test_money_and_an_amount_together_are_ambiguous(desk: FxDesk) -> None:
    """Either sell=Money or sell=currency with amount=..., and the amount is required."""
    with pytest.raises(TypeError, match="not both"):
        desk.quote(BANK, gbp("100"), "CNY", AT, amount="100")
    with pytest.raises(TypeError, match="how much"):
        desk.quote(BANK, "GBP", "CNY", AT)


def test_a_quote_is_immutable(desk: FxDesk) -> None:
    """A dealt price cannot be edited after the fact."""
    quote: Quote = desk.quote(BANK, gbp("100"), "CNY", AT)
    with pytest.raises(AttributeError):
        quote.customer_rate = Decimal(10)  # type: ignore[misc]
