"""AML monitoring rules: velocity, structuring, jurisdictions; examples and properties."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.compliance import (
    FATF_CALL_FOR_ACTION,
    FATF_INCREASED_MONITORING,
    REPORTING_THRESHOLDS,
    Alert,
    ClientKind,
    ClientWindow,
    JurisdictionConfig,
    MonitoringConfig,
    PaymentFacts,
    PaymentFactsError,
    RuleCode,
    Severity,
    StructuringConfig,
    VelocityConfig,
    check_jurisdictions,
    check_structuring,
    check_velocity,
    evaluate,
)
from corridor.money import Money

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
USD_RATE = {
    "GBP": Decimal("1.25"),
    "HKD": Decimal("0.128"),
    "USD": Decimal(1),
    "CNY": Decimal("0.14"),
}


def pay(
    reference: str,
    amount: str = "100",
    currency: str = "GBP",
    *,
    at: datetime = NOON,
    client: str = "C-1",
    creditor: str = "HK",
    agents: tuple[str, ...] = (),
    residence: str = "GB",
) -> PaymentFacts:
    """A payment from GB; its USD equivalent at a fixed test rate, to the cent."""
    money = Money.of(amount, currency)
    equivalent, _ = Money.of(money.amount * USD_RATE[currency], "USD").round()
    return PaymentFacts(
        reference=reference,
        client_id=client,
        client_kind=ClientKind.CORPORATE,
        client_residence=residence,
        booked_at=at,
        amount=money,
        amount_usd=money if currency == "USD" else equivalent,
        debtor_country="GB",
        creditor_country=creditor,
        agent_countries=agents,
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def codes(alerts: list[Alert]) -> list[str]:
    return [a.rule for a in alerts]


VELOCITY = VelocityConfig()
STRUCTURING = StructuringConfig()
JURISDICTIONS = JurisdictionConfig()
QUIET = MonitoringConfig(
    velocity=VelocityConfig(enabled=False),
    structuring=StructuringConfig(enabled=False),
    jurisdictions=JurisdictionConfig(enabled=False),
)

# -- velocity ------------------------------------------------------------------------


def test_five_payments_in_ten_minutes_raise_a_velocity_alert() -> None:
    history = [pay(f"P-{i}", at=NOON - minutes(10 - 2.5 * i)) for i in range(4)]
    [alert] = check_velocity(pay("P-4"), history, VELOCITY)
    assert alert.rule is RuleCode.VELOCITY_COUNT
    assert alert.severity is Severity.MEDIUM
    assert alert.payment_reference == "P-4"
    assert alert.client_id == "C-1"
    assert alert.related_references == ("P-0", "P-1", "P-2", "P-3")
    assert dict(alert.parameters) == {"window": "15 min", "min_count": "5"}
    assert alert.explanation == "5 payments in 10 min by client C-1 (rule: ≥ 5 within 15 min)."


def test_four_payments_are_not_enough() -> None:
    history = [pay(f"P-{i}", at=NOON - minutes(i + 1)) for i in range(3)]
    assert check_velocity(pay("P-9"), history, VELOCITY) == []


def test_the_window_includes_its_start_and_nothing_before() -> None:
    recent = [pay(f"P-{i}", at=NOON - minutes(i + 1)) for i in range(3)]
    at_edge = pay("P-edge", at=NOON - minutes(15))
    just_out = pay("P-out", at=NOON - minutes(15) - timedelta(microseconds=1))
    [alert] = check_velocity(pay("P-9"), [*recent, at_edge], VELOCITY)
    assert "P-edge" in alert.related_references
    assert check_velocity(pay("P-9"), [*recent, just_out], VELOCITY) == []


def test_payments_booked_later_are_not_in_the_window() -> None:
    later = [pay(f"P-{i}", at=NOON + minutes(i + 1)) for i in range(10)]
    assert check_velocity(pay("P-X"), later, VELOCITY) == []


def test_other_clients_are_not_mixed_in() -> None:
    others = [pay(f"P-{i}", client=f"C-{i + 2}", at=NOON - minutes(1)) for i in range(10)]
    assert check_velocity(pay("P-X"), others, VELOCITY) == []


def test_the_window_is_measured_in_real_time_across_a_clock_change() -> None:
    london = ZoneInfo("Europe/London")
    # 25 Oct 2026: 01:50 BST (00:50 UTC), then the clocks go back; 01:05 GMT is 01:05 UTC,
    # 15 minutes later in real time but 45 minutes earlier on the wall clock.
    first = pay("P-1", at=datetime(2026, 10, 25, 1, 50, tzinfo=london))
    second = datetime(2026, 10, 25, 1, 5, fold=1, tzinfo=london)
    config = VelocityConfig(min_count=2)
    [alert] = check_velocity(pay("P-2", at=second), [first], config)
    assert alert.explanation == "2 payments in 15 min by client C-1 (rule: ≥ 2 within 15 min)."


def test_velocity_by_total_amount_in_usd_equivalent() -> None:
    config = VelocityConfig(
        window=timedelta(hours=1), min_count=None, min_total_usd=Money.of(10_000, "USD")
    )
    history = [
        pay("P-1", "4000", "USD", at=NOON - minutes(30)),
        pay("P-2", "2000", at=NOON - minutes(20)),
    ]
    # 4,000 + 2,500 (GBP 2,000) + 3,500 = 10,000 USD: at the threshold, an alert.
    [alert] = check_velocity(pay("P-3", "3500", "USD"), history, config)
    assert alert.rule == "velocity_amount"
    assert alert.explanation == (
        "3 payments totalling 10,000.00 USD (USD equivalent) in 30 min by client C-1"
        " (rule: ≥ 10,000.00 USD within 1 h)."
    )
    assert check_velocity(pay("P-4", "3499.99", "USD"), history, config) == []


def test_velocity_checks_its_config() -> None:
    with pytest.raises(PaymentFactsError):
        VelocityConfig(window=timedelta(0))
    with pytest.raises(PaymentFactsError):
        VelocityConfig(min_count=0)
    with pytest.raises(PaymentFactsError):
        VelocityConfig(min_total_usd=Money.of(1, "GBP"))


# -- structuring ---------------------------------------------------------------------


def test_three_payments_just_under_hkd_120000_are_structuring() -> None:
    history = [
        pay("P-1", "115000", "HKD", at=NOON - timedelta(days=2)),
        pay("P-2", "118500", "HKD", at=NOON - timedelta(days=1, hours=3)),
    ]
    [alert] = check_structuring(pay("P-3", "119999.99", "HKD"), history, STRUCTURING)
    assert alert.rule == "structuring"
    assert alert.severity is Severity.HIGH
    assert alert.related_references == ("P-1", "P-2")
    assert dict(alert.parameters) == {
        "window": "7 days",
        "min_count": "3",
        "threshold": "120,000.00 HKD",
        "margin": "0.10",
    }
    assert alert.explanation == (
        "3 payments just under 120,000.00 HKD in 2 days by client C-1, together"
        " 353,499.99 HKD (rule: ≥ 3 within 7 days, each from 108,000.00 HKD up to but not"
        " including 120,000.00 HKD, sum above 120,000.00 HKD)."
    )


def test_just_under_means_from_the_floor_up_to_the_threshold_excluded() -> None:
    history = [
        pay("P-1", "108000", "HKD", at=NOON - minutes(60)),
        pay("P-2", "110000", "HKD", at=NOON - minutes(30)),
    ]
    assert codes(check_structuring(pay("P-3", "108000.00", "HKD"), history, STRUCTURING)) == [
        "structuring"
    ]
    # At the threshold a payment is reported anyway; below the floor it is not "just under".
    assert check_structuring(pay("P-4", "120000", "HKD"), history, STRUCTURING) == []
    assert check_structuring(pay("P-5", "107999.99", "HKD"), history, STRUCTURING) == []
    below_floor = [pay("P-1", "107999.99", "HKD", at=NOON - minutes(60)), history[1]]
    assert check_structuring(pay("P-6", "110000", "HKD"), below_floor, STRUCTURING) == []


@pytest.mark.parametrize(("currency", "amount"), [("GBP", "9500"), ("USD", "9999.99")])
def test_gbp_and_usd_thresholds(currency: str, amount: str) -> None:
    history = [pay(f"P-{i}", amount, currency, at=NOON - timedelta(days=i + 1)) for i in range(2)]
    assert codes(check_structuring(pay("P-X", amount, currency), history, STRUCTURING)) == [
        "structuring"
    ]


def test_currencies_are_not_mixed() -> None:
    history = [
        pay("P-1", "9500", "GBP", at=NOON - minutes(5)),
        pay("P-2", "9500", "USD", at=NOON - minutes(4)),
    ]
    assert check_structuring(pay("P-3", "9500", "GBP"), history, STRUCTURING) == []


def test_a_currency_without_a_threshold_is_never_structuring() -> None:
    history = [pay(f"P-{i}", "49000", "CNY", at=NOON - minutes(i + 1)) for i in range(5)]
    assert check_structuring(pay("P-X", "49000", "CNY"), history, STRUCTURING) == []


def test_the_structuring_window_edges() -> None:
    edge = pay("P-1", "9500", at=NOON - timedelta(days=7))
    out = pay("P-0", "9500", at=NOON - timedelta(days=7, microseconds=1))
    recent = pay("P-2", "9500", at=NOON - timedelta(days=1))
    assert codes(check_structuring(pay("P-3", "9500"), [edge, recent], STRUCTURING)) == [
        "structuring"
    ]
    assert check_structuring(pay("P-3", "9500"), [out, recent], STRUCTURING) == []


def test_the_payment_itself_must_be_just_under() -> None:
    history = [pay(f"P-{i}", "9500", at=NOON - minutes(i + 1)) for i in range(5)]
    assert check_structuring(pay("P-X", "500"), history, STRUCTURING) == []


def test_other_clients_are_not_mixed_into_structuring() -> None:
    history = [
        pay(f"P-{i}", "9500", client=f"C-{i + 2}", at=NOON - minutes(i + 1)) for i in range(5)
    ]
    assert check_structuring(pay("P-X", "9500"), history, STRUCTURING) == []


def test_the_sum_must_exceed_the_threshold() -> None:
    # A wide margin makes HKD 50,000 "just under" 120,000: two such payments sum to
    # 100,000 (not above the threshold), three to 150,000.
    config = StructuringConfig(min_count=2, margin=Decimal("0.6"))
    one = [pay("P-1", "50000", "HKD", at=NOON - minutes(10))]
    two = [*one, pay("P-2", "50000", "HKD", at=NOON - minutes(5))]
    assert check_structuring(pay("P-3", "50000", "HKD"), one, config) == []
    assert codes(check_structuring(pay("P-3", "50000", "HKD"), two, config)) == ["structuring"]


def test_structuring_checks_its_config() -> None:
    assert [t.currency.code for t in REPORTING_THRESHOLDS] == ["HKD", "GBP", "USD"]
    with pytest.raises(PaymentFactsError):
        StructuringConfig(margin=Decimal(1))
    with pytest.raises(PaymentFactsError):
        StructuringConfig(thresholds=(Money.of(1, "GBP"), Money.of(2, "GBP")))
    with pytest.raises(PaymentFactsError):
        StructuringConfig(min_count=0)


# -- jurisdictions -------------------------------------------------------------------


def test_the_default_lists() -> None:
    assert frozenset({"KP", "IR", "MM"}) == FATF_CALL_FOR_ACTION
    assert {"VG", "KW", "PG", "IQ", "BA"} <= FATF_INCREASED_MONITORING
    assert not {"DZ", "NA", "ZA", "NG"} & FATF_INCREASED_MONITORING  # removed in 2025-26
    assert not FATF_CALL_FOR_ACTION & FATF_INCREASED_MONITORING


def test_a_call_for_action_country_anywhere_on_the_route_is_high_severity() -> None:
    [alert] = check_jurisdictions(
        pay("P-1", creditor="IR", agents=("AE", "MM", "MM")), JURISDICTIONS
    )
    assert alert.rule == "high_risk_jurisdiction"
    assert alert.severity is Severity.HIGH
    assert alert.related_references == ()
    assert alert.parameters["countries"] == "IR, KP, MM"
    assert alert.explanation == (
        "Payment P-1 by client C-1 touches a listed jurisdiction: creditor country IR,"
        " agent country MM (list: FATF call for action, June 2026)."
    )


def test_the_client_residence_counts() -> None:
    [alert] = check_jurisdictions(pay("P-1", residence="KP"), JURISDICTIONS)
    assert "client residence KP" in alert.explanation


def test_an_increased_monitoring_country_is_a_lower_severity() -> None:
    [alert] = check_jurisdictions(pay("P-1", agents=("VG",)), JURISDICTIONS)
    assert alert.rule == "monitored_jurisdiction"
    assert alert.severity is Severity.MEDIUM


def test_both_lists_give_two_alerts_and_the_corridor_none() -> None:
    alerts = check_jurisdictions(pay("P-1", creditor="SY", agents=("KP",)), JURISDICTIONS)
    assert codes(alerts) == ["high_risk_jurisdiction", "monitored_jurisdiction"]
    assert check_jurisdictions(pay("P-2", creditor="CN", agents=("HK",)), JURISDICTIONS) == []


def test_custom_lists() -> None:
    config = JurisdictionConfig(
        high_risk=frozenset({"RU"}), high_risk_list="internal", monitored=frozenset()
    )
    assert codes(check_jurisdictions(pay("P-1", agents=("RU",)), config)) == [
        "high_risk_jurisdiction"
    ]
    assert check_jurisdictions(pay("P-2", creditor="IR"), config) == []
    with pytest.raises(PaymentFactsError, match="one list only"):
        JurisdictionConfig(high_risk=frozenset({"IR"}), monitored=frozenset({"IR"}))
    with pytest.raises(PaymentFactsError):
        JurisdictionConfig(high_risk=frozenset({"iran"}))


# -- evaluate ------------------------------------------------------------------------


def test_evaluate_runs_every_enabled_rule_in_order() -> None:
    history = [pay(f"P-{i}", "9500", at=NOON - minutes(i + 1)) for i in range(4)]
    payment = pay("P-X", "9500", creditor="IR")
    assert codes(evaluate(payment, history)) == [
        "velocity_count",
        "structuring",
        "high_risk_jurisdiction",
    ]
    assert evaluate(payment, history, QUIET) == []
    only_structuring = dataclasses.replace(QUIET, structuring=StructuringConfig())
    assert codes(evaluate(payment, history, only_structuring)) == ["structuring"]


def test_evaluate_accepts_any_iterable_once() -> None:
    history = [pay(f"P-{i}", "9500", at=NOON - minutes(i + 1)) for i in range(4)]
    payment = pay("P-X", "9500")
    assert evaluate(payment, iter(history)) == evaluate(payment, history)


def test_alerts_are_immutable() -> None:
    [alert] = check_jurisdictions(pay("P-1", creditor="IR"), JURISDICTIONS)
    with pytest.raises(TypeError):
        alert.parameters["list"] = "other"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        alert.severity = Severity.LOW  # type: ignore[misc]
    assert hash(alert) == hash(dataclasses.replace(alert))


# -- properties ----------------------------------------------------------------------

AMOUNTS = ["100", "9000", "9500", "9999.99", "10000", "109000", "119999.99", "120000", "250"]


@st.composite
def histories(draw: st.DrawFn, prefix: str = "P") -> list[PaymentFacts]:
    size = draw(st.integers(0, 14))
    return [
        pay(
            f"{prefix}-{i}",
            draw(st.sampled_from(AMOUNTS)),
            draw(st.sampled_from(["GBP", "HKD", "USD"])),
            at=NOON - timedelta(seconds=draw(st.integers(-600, 8 * 86_400))),
            client=draw(st.sampled_from(["C-1", "C-1", "C-2"])),
            creditor=draw(st.sampled_from(["HK", "CN", "VG"])),
        )
        for i in range(size)
    ]


SENSITIVE = MonitoringConfig(
    velocity=VelocityConfig(
        window=timedelta(hours=1), min_count=3, min_total_usd=Money.of(20_000, "USD")
    ),
    structuring=StructuringConfig(min_count=2),
)
payments = st.builds(
    pay,
    st.just("P-X"),
    st.sampled_from(AMOUNTS),
    st.sampled_from(["GBP", "HKD", "USD"]),
    creditor=st.sampled_from(["HK", "IR", "BA"]),
)


@settings(max_examples=150)
@given(payment=payments, history=histories(), seed=st.integers(0, 2**32))
def test_a_shuffled_history_gives_the_same_alerts(
    payment: PaymentFacts, history: list[PaymentFacts], seed: int
) -> None:
    expected = evaluate(payment, history, SENSITIVE)
    shuffled = list(history)
    random.Random(seed).shuffle(shuffled)
    assert evaluate(payment, shuffled, SENSITIVE) == expected


@settings(max_examples=150)
@given(payment=payments, history=histories(), more=histories(prefix="Q"))
def test_velocity_and_structuring_alerts_are_monotone_in_history(
    payment: PaymentFacts, history: list[PaymentFacts], more: list[PaymentFacts]
) -> None:
    before = set(codes(evaluate(payment, history, SENSITIVE)))
    after = set(codes(evaluate(payment, history + more, SENSITIVE)))
    assert before <= after
    for alert in evaluate(payment, history, SENSITIVE):
        if alert.rule in {RuleCode.VELOCITY_COUNT, RuleCode.VELOCITY_AMOUNT}:
            [grown] = [
                a for a in evaluate(payment, history + more, SENSITIVE) if a.rule == alert.rule
            ]
            assert set(alert.related_references) <= set(grown.related_references)


@settings(max_examples=100)
@given(payment=payments, history=histories(), others=histories(prefix="Q"))
def test_other_clients_never_change_the_alerts(
    payment: PaymentFacts, history: list[PaymentFacts], others: list[PaymentFacts]
) -> None:
    strangers = [dataclasses.replace(p, client_id="C-9") for p in others]
    assert evaluate(payment, history + strangers, SENSITIVE) == evaluate(
        payment, history, SENSITIVE
    )


@settings(max_examples=100)
@given(payment=payments, history=histories())
def test_every_related_payment_is_the_clients_and_within_the_window(
    payment: PaymentFacts, history: list[PaymentFacts]
) -> None:
    by_reference = {p.reference: p for p in history}
    windows = {
        RuleCode.VELOCITY_COUNT: SENSITIVE.velocity.window,
        RuleCode.VELOCITY_AMOUNT: SENSITIVE.velocity.window,
        RuleCode.STRUCTURING: SENSITIVE.structuring.window,
    }
    for alert in evaluate(payment, history, SENSITIVE):
        for reference in alert.related_references:
            related = by_reference[reference]
            assert related.client_id == payment.client_id
            assert timedelta(0) <= payment.instant - related.instant <= windows[alert.rule]


# -- one client's window, kept in booking order ---------------------------------------

# Few distinct times, so that payments booked at the same instant (a file's payments
# priced together) and at a window's very edges come up often.
EDGES = [0, 1, 600, 3_599, 3_600, 3_601, 86_400, 7 * 86_400, 7 * 86_400 + 1, -60]


@st.composite
def one_client(draw: st.DrawFn) -> list[PaymentFacts]:
    size = draw(st.integers(0, 20))
    return [
        pay(
            draw(st.sampled_from([f"P-{i}", "P-X"])) if i == 0 else f"P-{i}",
            draw(st.sampled_from(AMOUNTS)),
            draw(st.sampled_from(["GBP", "HKD", "USD"])),
            at=NOON - timedelta(seconds=draw(st.sampled_from(EDGES))),
        )
        for i in range(size)
    ]


@settings(max_examples=300)
@given(payment=payments, history=one_client(), split=st.integers(0, 20))
def test_a_client_window_gives_the_alerts_a_plain_history_gives(
    payment: PaymentFacts, history: list[PaymentFacts], split: int
) -> None:
    """Same alerts, related payments in the same order, whether the history is a list or
    a `ClientWindow` built at once or grown payment by payment (asked before and after it
    grew); the payment's own entry (P-X, when drawn) is left out by both."""
    expected = evaluate(payment, history, SENSITIVE)
    assert evaluate(payment, ClientWindow("C-1", history), SENSITIVE) == expected
    grown = ClientWindow("C-1", history[:split])
    # Asked once before it grows: the bands it keeps apart must grow with it.
    assert evaluate(payment, grown, SENSITIVE) == evaluate(payment, history[:split], SENSITIVE)
    for facts in reversed(history[split:]):
        grown.add(facts)
    assert evaluate(payment, grown, SENSITIVE) == expected
    assert len(grown) == len(history)
    assert [p.reference for p in grown] == [
        p.reference for p in sorted(history, key=lambda p: (p.instant, p.reference))
    ]


def test_a_client_window_names_each_payment_once_and_one_client_only() -> None:
    window = ClientWindow("C-1", [pay("P-1")])
    with pytest.raises(PaymentFactsError, match="twice"):
        window.add(pay("P-1", at=NOON - minutes(5)))
    with pytest.raises(PaymentFactsError, match="twice"):
        ClientWindow("C-1", [pay("P-2"), pay("P-2")])
    with pytest.raises(PaymentFactsError, match="C-2"):
        window.add(pay("P-3", client="C-2"))
    assert len(window) == 1  # a refused payment is not kept


def test_a_window_over_a_bulk_file_holds_all_of_it_and_a_week_later_none() -> None:
    """5,000 payments of one client at one instant, then one more: velocity names all of
    them, in booking order; a payment a week later has none in its window."""
    window = ClientWindow("C-1", [pay(f"P-{i}") for i in range(5_000)])
    [alert] = check_velocity(pay("P-X"), window, VELOCITY)
    assert len(alert.related_references) == 5_000
    assert alert.related_references[:2] == ("P-0", "P-1")
    assert check_velocity(pay("P-Y", at=NOON + timedelta(days=7)), window, VELOCITY) == []
