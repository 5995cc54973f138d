"""AML transaction-monitoring rules: velocity, structuring, high-risk jurisdictions.

Each rule is a function of (payment, history, config) that returns the alerts it raises
on this payment, with the payments that led to it, the parameters it used and a sentence
a compliance officer can read. `evaluate` runs every enabled rule. Windows end at the
payment and include both ends; later payments in the history are not in them. Alerts do
not depend on the history's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from types import MappingProxyType

from corridor.compliance.monitoring import (
    ClientWindow,
    PaymentFacts,
    PaymentFactsError,
    describe_duration,
    within,
)
from corridor.money import Money

_reference = attrgetter("reference")


class RuleCode(StrEnum):
    """The stable code of each alert."""

    VELOCITY_COUNT = "velocity_count"
    VELOCITY_AMOUNT = "velocity_amount"
    STRUCTURING = "structuring"
    HIGH_RISK_JURISDICTION = "high_risk_jurisdiction"
    MONITORED_JURISDICTION = "monitored_jurisdiction"


class Severity(StrEnum):
    """How urgently an alert needs a compliance officer."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule's finding on one payment, with everything needed to review it."""

    rule: RuleCode
    severity: Severity
    payment_reference: str
    client_id: str
    related_references: tuple[str, ...]
    """The other payments that led to the alert, in booking order."""
    parameters: Mapping[str, str] = field(hash=False)
    """The rule's parameters as used, in readable form (read-only)."""
    explanation: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))


def _positive_window(window: timedelta, rule: str) -> None:
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise PaymentFactsError(f"the {rule} window is a positive timedelta, not {window!r}")


def _plural(count: int) -> str:
    return "1 payment" if count == 1 else f"{count} payments"


# -- velocity -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VelocityConfig:
    """Many payments, or much money, from one client in a short sliding window.

    The amount test sums USD equivalents and is off by default: a sensible total depends
    on the client segment, so an institution sets its own.
    """

    enabled: bool = True
    window: timedelta = timedelta(minutes=15)
    min_count: int | None = 5
    min_total_usd: Money | None = None
    severity: Severity = Severity.MEDIUM

    def __post_init__(self) -> None:
        _positive_window(self.window, "velocity")
        if self.min_count is not None and (
            isinstance(self.min_count, bool)
            or not isinstance(self.min_count, int)
            or self.min_count < 1
        ):
            raise PaymentFactsError(f"velocity min_count is a positive int, not {self.min_count!r}")
        if self.min_total_usd is not None and (
            not isinstance(self.min_total_usd, Money)
            or self.min_total_usd.currency.code != "USD"
            or not self.min_total_usd.is_positive()
        ):
            raise PaymentFactsError(
                f"velocity min_total_usd is a positive USD amount, not {self.min_total_usd!r}"
            )


def check_velocity(
    payment: PaymentFacts, history: Iterable[PaymentFacts], config: VelocityConfig
) -> list[Alert]:
    """Alerts when the client's payments in the window ending at this one (this one
    included) reach `min_count` in number or `min_total_usd` in USD equivalent."""
    if not config.enabled:
        return []
    earlier = within(payment, history, config.window)
    count = len(earlier) + 1
    span = describe_duration(payment.instant - earlier[0].instant) if earlier else "0 s"
    related = tuple(map(_reference, earlier))
    rule_window = describe_duration(config.window)
    alerts = []
    if config.min_count is not None and count >= config.min_count:
        alerts.append(
            Alert(
                rule=RuleCode.VELOCITY_COUNT,
                severity=config.severity,
                payment_reference=payment.reference,
                client_id=payment.client_id,
                related_references=related,
                parameters={"window": rule_window, "min_count": str(config.min_count)},
                explanation=(
                    f"{_plural(count)} in {span} by client {payment.client_id}"
                    f" (rule: ≥ {config.min_count} within {rule_window})."
                ),
            )
        )
    if config.min_total_usd is not None:
        total = payment.amount_usd
        for other in earlier:
            total += other.amount_usd
        if total >= config.min_total_usd:
            alerts.append(
                Alert(
                    rule=RuleCode.VELOCITY_AMOUNT,
                    severity=config.severity,
                    payment_reference=payment.reference,
                    client_id=payment.client_id,
                    related_references=related,
                    parameters={"window": rule_window, "min_total_usd": str(config.min_total_usd)},
                    explanation=(
                        f"{_plural(count)} totalling {total} (USD equivalent) in {span} by"
                        f" client {payment.client_id}"
                        f" (rule: ≥ {config.min_total_usd} within {rule_window})."
                    ),
                )
            )
    return alerts


# -- structuring ----------------------------------------------------------------------

#: Amounts at or above which a payment draws reporting or due diligence, so that
#: splitting a sum into payments just under them is a classic structuring sign.
#: HKD 120,000: Hong Kong AMLO Schedule 2, customer due diligence on an occasional
#: transaction; USD 10,000: US Bank Secrecy Act currency transaction report; GBP 10,000:
#: the UK cash declaration level. An institution replaces this table with its own.
REPORTING_THRESHOLDS: tuple[Money, ...] = (
    Money.of(120_000, "HKD"),
    Money.of(10_000, "GBP"),
    Money.of(10_000, "USD"),
)


@dataclass(frozen=True, slots=True)
class StructuringConfig:
    """Several payments each just under a reporting threshold, together above it.

    "Just under" a threshold T is `T × (1 − margin) ≤ amount < T`, in the payment's own
    currency; a payment in a currency without a threshold is never structuring.
    """

    enabled: bool = True
    window: timedelta = timedelta(days=7)
    min_count: int = 3
    margin: Decimal = Decimal("0.10")
    thresholds: tuple[Money, ...] = REPORTING_THRESHOLDS
    severity: Severity = Severity.HIGH

    def __post_init__(self) -> None:
        _positive_window(self.window, "structuring")
        if (
            isinstance(self.min_count, bool)
            or not isinstance(self.min_count, int)
            or self.min_count < 1
        ):
            raise PaymentFactsError(
                f"structuring min_count is a positive int, not {self.min_count!r}"
            )
        if not isinstance(self.margin, Decimal) or not Decimal(0) < self.margin < Decimal(1):
            raise PaymentFactsError(
                f"structuring margin is a Decimal in (0, 1), not {self.margin!r}"
            )
        codes = [t.currency.code for t in self.thresholds]
        if len(set(codes)) != len(codes) or any(not t.is_positive() for t in self.thresholds):
            raise PaymentFactsError("structuring thresholds are positive, one per currency")

    def threshold(self, payment: PaymentFacts) -> Money | None:
        """The threshold for the payment's currency, if there is one."""
        for limit in self.thresholds:
            if limit.currency == payment.amount.currency:
                return limit
        return None


def check_structuring(
    payment: PaymentFacts, history: Iterable[PaymentFacts], config: StructuringConfig
) -> list[Alert]:
    """Alerts when this payment is just under its currency's threshold and, with the
    client's other such payments in the window ending at it, makes at least `min_count`
    payments whose sum exceeds the threshold."""
    if not config.enabled:
        return []
    threshold = config.threshold(payment)
    if threshold is None:
        return []
    floor = threshold * (Decimal(1) - config.margin)

    def just_under(p: PaymentFacts) -> bool:
        return p.amount.currency == threshold.currency and floor <= p.amount < threshold

    if not just_under(payment):
        return []
    if isinstance(history, ClientWindow):
        history = history.banded(floor, threshold)  # only the just-under ones, kept apart
    earlier = [p for p in within(payment, history, config.window) if just_under(p)]
    count = len(earlier) + 1
    total = payment.amount
    for other in earlier:
        total += other.amount
    if count < config.min_count or total <= threshold:
        return []
    span = describe_duration(payment.instant - earlier[0].instant) if earlier else "0 s"
    rule_window = describe_duration(config.window)
    return [
        Alert(
            rule=RuleCode.STRUCTURING,
            severity=config.severity,
            payment_reference=payment.reference,
            client_id=payment.client_id,
            related_references=tuple(p.reference for p in earlier),
            parameters={
                "window": rule_window,
                "min_count": str(config.min_count),
                "threshold": str(threshold),
                "margin": str(config.margin),
            },
            explanation=(
                f"{_plural(count)} just under {threshold} in {span} by client"
                f" {payment.client_id}, together {total} (rule: ≥ {config.min_count} within"
                f" {rule_window}, each from {floor} up to but not including {threshold},"
                f" sum above {threshold})."
            ),
        )
    ]


# -- high-risk jurisdictions ----------------------------------------------------------

#: FATF "High-Risk Jurisdictions subject to a Call for Action" (the black list): DPRK,
#: Iran, Myanmar. Source: FATF public statements of 24 October 2025 and 13 February 2026
#: (fatf-gafi.org, "High-risk and other monitored jurisdictions"), left unchanged by the
#: June 2026 plenary; Myanmar has been on it since October 2022.
FATF_CALL_FOR_ACTION = frozenset({"KP", "IR", "MM"})

#: FATF "Jurisdictions under Increased Monitoring" (the grey list) after the June 2026
#: plenary: the 13 February 2026 list (fatf-gafi.org, which added Kuwait and Papua New
#: Guinea) with Bosnia and Herzegovina and Iraq added and Algeria and Namibia removed in
#: June 2026 (as published by Labuan FSA, "FATF Publication on Global ML/TF/PF Risk -
#: June 2026"). FATF revises it after each plenary (February, June, October): review then.
FATF_INCREASED_MONITORING = frozenset(
    {
        "AO",  # Angola
        "BA",  # Bosnia and Herzegovina
        "BG",  # Bulgaria
        "BO",  # Bolivia
        "CD",  # Democratic Republic of the Congo
        "CI",  # Côte d'Ivoire
        "CM",  # Cameroon
        "HT",  # Haiti
        "IQ",  # Iraq
        "KE",  # Kenya
        "KW",  # Kuwait
        "LA",  # Lao PDR
        "LB",  # Lebanon
        "MC",  # Monaco
        "NP",  # Nepal
        "PG",  # Papua New Guinea
        "SS",  # South Sudan
        "SY",  # Syria
        "VE",  # Venezuela
        "VG",  # Virgin Islands (UK)
        "VN",  # Vietnam
        "YE",  # Yemen
    }
)


@dataclass(frozen=True, slots=True)
class JurisdictionConfig:
    """Parties or agents in listed countries: a high-risk list and a lower-severity
    monitored list. A country sits on at most one of them."""

    enabled: bool = True
    high_risk: frozenset[str] = FATF_CALL_FOR_ACTION
    high_risk_list: str = "FATF call for action, June 2026"
    monitored: frozenset[str] = FATF_INCREASED_MONITORING
    monitored_list: str = "FATF increased monitoring, June 2026"

    def __post_init__(self) -> None:
        for country in self.high_risk | self.monitored:
            if not isinstance(country, str) or len(country) != 2 or not country.isupper():
                raise PaymentFactsError(f"a listed country is an ISO alpha-2 code, not {country!r}")
        both = self.high_risk & self.monitored
        if both:
            raise PaymentFactsError(f"a country is on one list only: {', '.join(sorted(both))}")


def _roles(payment: PaymentFacts) -> list[tuple[str, str]]:
    roles = [
        ("client residence", payment.client_residence),
        ("debtor country", payment.debtor_country),
        ("creditor country", payment.creditor_country),
    ]
    roles.extend(("agent country", country) for country in payment.agent_countries)
    return roles


def check_jurisdictions(payment: PaymentFacts, config: JurisdictionConfig) -> list[Alert]:
    """An alert for each list a party's or agent's country is on: HIGH for the
    high-risk list, MEDIUM for the monitored list."""
    if not config.enabled:
        return []
    alerts = []
    tiers = (
        (RuleCode.HIGH_RISK_JURISDICTION, Severity.HIGH, config.high_risk, config.high_risk_list),
        (RuleCode.MONITORED_JURISDICTION, Severity.MEDIUM, config.monitored, config.monitored_list),
    )
    for code, severity, countries, list_name in tiers:
        found = [f"{role} {country}" for role, country in _roles(payment) if country in countries]
        if not found:
            continue
        alerts.append(
            Alert(
                rule=code,
                severity=severity,
                payment_reference=payment.reference,
                client_id=payment.client_id,
                related_references=(),
                parameters={"list": list_name, "countries": ", ".join(sorted(countries))},
                explanation=(
                    f"Payment {payment.reference} by client {payment.client_id} touches a"
                    f" listed jurisdiction: {', '.join(dict.fromkeys(found))}"
                    f" (list: {list_name})."
                ),
            )
        )
    return alerts


# -- all rules ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonitoringConfig:
    """The configuration of every rule; set a rule's `enabled` to False to switch it off."""

    velocity: VelocityConfig = VelocityConfig()
    structuring: StructuringConfig = StructuringConfig()
    jurisdictions: JurisdictionConfig = JurisdictionConfig()


def evaluate(
    payment: PaymentFacts,
    history: Iterable[PaymentFacts],
    config: MonitoringConfig | None = None,
) -> list[Alert]:
    """Every alert the enabled rules raise on this payment: velocity, structuring, then
    jurisdictions. `history` holds the payments that count, of any client; only the
    payment's client's, booked in a window ending at the payment, are considered."""
    if config is None:
        config = MonitoringConfig()
    # One client's window is kept as it is (its bisection is what makes it cheap).
    past = history if isinstance(history, ClientWindow) else list(history)
    return [
        *check_velocity(payment, past, config.velocity),
        *check_structuring(payment, past, config.structuring),
        *check_jurisdictions(payment, config.jurisdictions),
    ]


@dataclass(frozen=True, slots=True)
class Lookback:
    """Which of a client's earlier payments the enabled rules can take into account:
    every one booked within `recent` before the payment (velocity), and those booked
    within `banded` whose amount lies in one of `bands` (structuring: from the floor up
    to but not including the threshold, in the band's currency). A caller may hand the
    rules only these and get the same alerts as from the whole history."""

    recent: timedelta
    banded: timedelta
    bands: tuple[tuple[Money, Money], ...]


def lookback(config: MonitoringConfig) -> Lookback:
    """What history `evaluate` needs under `config`."""
    velocity, structuring = config.velocity, config.structuring
    bands: tuple[tuple[Money, Money], ...] = ()
    if structuring.enabled:
        bands = tuple(
            (threshold * (Decimal(1) - structuring.margin), threshold)
            for threshold in structuring.thresholds
        )
    return Lookback(
        recent=velocity.window if velocity.enabled else timedelta(0),
        banded=structuring.window if structuring.enabled else timedelta(0),
        bands=bands,
    )
