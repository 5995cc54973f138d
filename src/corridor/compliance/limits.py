"""Client limits and the mainland individual FX quota: would this payment go over?

`check_limits` answers with every breach at once (daily, annual, FX quota), each with
the limit, what is used, this payment, the headroom left and a sentence to read. It
never converts: a payment counts in the limit's currency, or through the USD equivalent
the caller computed when the limit is in USD; any other mix is an error, never a skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from corridor.compliance.monitoring import PaymentFacts, PaymentFactsError, client_history
from corridor.money import CurrencyMismatchError, Money


class LimitCurrencyError(CurrencyMismatchError):
    """A payment counts against a limit in the limit's currency, or through its USD
    equivalent when the limit is in USD; any other currency cannot be counted unconverted."""


class LimitCode(StrEnum):
    """The stable code of each kind of breach."""

    DAILY = "daily_limit_exceeded"
    ANNUAL = "annual_limit_exceeded"
    FX_QUOTA = "fx_quota_exceeded"


@dataclass(frozen=True, slots=True)
class ClientLimits:
    """A client's own limits, each optional, counted in calendar days and years of `zone`."""

    daily: Money | None = None
    annual: Money | None = None
    zone: tzinfo = UTC
    """The calendar the days and years are counted in (e.g. ZoneInfo('Europe/London'))."""

    def __post_init__(self) -> None:
        for name, limit in (("daily", self.daily), ("annual", self.annual)):
            if limit is not None and (not isinstance(limit, Money) or limit.is_negative()):
                raise PaymentFactsError(f"the {name} limit is non-negative Money, not {limit!r}")
        if not isinstance(self.zone, tzinfo):
            raise PaymentFactsError(f"a limit's zone is a tzinfo, not {self.zone!r}")


@dataclass(frozen=True, slots=True)
class FxQuota:
    """An annual quota on FX purchases, counted in USD equivalent per calendar year of `zone`."""

    amount: Money
    zone: tzinfo

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Money) or self.amount.currency.code != "USD":
            raise PaymentFactsError(f"an FX quota is in USD, not {self.amount!r}")
        if self.amount.is_negative():
            raise PaymentFactsError(f"an FX quota is not negative: {self.amount}")


#: SAFE's annual facilitation quota: a mainland resident individual may buy up to the
#: equivalent of USD 50,000 of foreign currency per calendar year (Detailed Rules for the
#: Implementation of the Administrative Measures for Individual Foreign Exchange, 2007).
#: The year is the calendar year in Beijing time.
MAINLAND_INDIVIDUAL_FX_QUOTA = FxQuota(Money.of(50_000, "USD"), ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True, slots=True)
class LimitBreach:
    """A limit this payment would go over, and by how much.

    `used + payment == limit + excess` exactly; `remaining` is the headroom before this
    payment (never below zero), so `remaining + excess == payment` whenever
    `used <= limit`.
    """

    code: LimitCode
    payment_reference: str
    client_id: str
    period: str
    """The day ('2026-03-01') or year ('2026') the limit is counted over."""
    limit: Money
    used: Money
    """What the counted history already used in the period, before this payment."""
    payment: Money
    """This payment as counted against the limit."""
    remaining: Money
    excess: Money
    counted_references: tuple[str, ...]
    """The history payments summed into `used`, in booking order."""
    explanation: str


def _counter(limit: Money, what: str) -> Callable[[PaymentFacts], Money]:
    def counted(payment: PaymentFacts) -> Money:
        if payment.amount.currency == limit.currency:
            return payment.amount
        if limit.currency.code == "USD":
            return payment.amount_usd
        raise LimitCurrencyError(
            f"payment {payment.reference} is in {payment.amount.currency.code}, but client"
            f" {payment.client_id}'s {what} is in {limit.currency.code}: set the limit in USD"
            " to count payments in several currencies by their USD equivalent"
        )

    return counted


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def _year(payment: PaymentFacts, zone: tzinfo) -> int:
    return payment.booked_at.astimezone(zone).year


@dataclass(frozen=True, slots=True)
class LimitUse:
    """What a payment takes of one limit in one period: `amount`, counted in the limit's
    currency. A payments engine records it atomically with the payment (so two writers
    never both spend the last of a limit) and gives it back if the payment stops counting."""

    code: LimitCode
    period: str
    """The day ('2026-03-01') or year ('2026') the limit is counted over."""
    limit: Money
    amount: Money
    where: str
    """The period in words, for explanations: 'in 2026 (Asia/Shanghai calendar year)'."""
    label: str
    """The limit in words: 'daily limit', 'mainland individual annual FX quota'."""
    counted: Callable[[PaymentFacts], Money] = field(repr=False, compare=False)
    """How a payment counts against this limit (its own currency, or USD equivalent)."""
    applies: Callable[[PaymentFacts], bool] = field(repr=False, compare=False)
    """Whether an earlier payment of the client counts in this limit's period."""


def limit_uses(
    payment: PaymentFacts,
    limits: ClientLimits | None,
    *,
    fx_quota: FxQuota = MAINLAND_INDIVIDUAL_FX_QUOTA,
) -> list[LimitUse]:
    """Every limit `payment` counts against, in the order daily, annual, FX quota, with
    what it takes of each. Raises LimitCurrencyError as `check_limits` does."""
    uses: list[LimitUse] = []
    if limits is not None:
        zone = limits.zone
        zone_name = _zone_name(zone)
        day = payment.booked_at.astimezone(zone).date()
        if limits.daily is not None:
            counted = _counter(limits.daily, "daily limit")
            uses.append(
                LimitUse(
                    LimitCode.DAILY,
                    day.isoformat(),
                    limits.daily,
                    counted(payment),
                    f"on {day.isoformat()} ({zone_name})",
                    "daily limit",
                    counted,
                    lambda p: p.booked_at.astimezone(zone).date() == day,
                )
            )
        if limits.annual is not None:
            counted = _counter(limits.annual, "annual limit")
            uses.append(
                LimitUse(
                    LimitCode.ANNUAL,
                    str(day.year),
                    limits.annual,
                    counted(payment),
                    f"in {day.year} ({zone_name} calendar year)",
                    "annual limit",
                    counted,
                    lambda p: p.booked_at.astimezone(zone).year == day.year,
                )
            )
    if payment.mainland_individual_fx_purchase:
        year = _year(payment, fx_quota.zone)
        uses.append(
            LimitUse(
                LimitCode.FX_QUOTA,
                str(year),
                fx_quota.amount,
                payment.amount_usd,
                f"of FX purchases in {year} ({_zone_name(fx_quota.zone)} calendar year)",
                "mainland individual annual FX quota",
                lambda p: p.amount_usd,
                lambda p: p.mainland_individual_fx_purchase and _year(p, fx_quota.zone) == year,
            )
        )
    return uses


def breach_of(
    use: LimitUse,
    payment: PaymentFacts,
    used: Money,
    counted_references: tuple[str, ...] = (),
) -> LimitBreach | None:
    """The breach, if `payment` taking `use.amount` on top of `used` goes over the limit.

    Exactly at the limit is allowed; one minor unit over is a breach. `counted_references`
    names the earlier payments summed into `used`, when the caller knows them.
    """
    total = used + use.amount
    if total <= use.limit:
        return None
    zero = Money.of(0, use.limit.currency)
    remaining = max(use.limit - used, zero)
    excess = total - use.limit
    this = use.amount
    shown = str(this) if this.currency == payment.amount.currency else f"{payment.amount} ({this})"
    explanation = (
        f"Payment {payment.reference} of {shown} would take client {payment.client_id} to"
        f" {total} {use.where}, over the {use.label} of {use.limit} by {excess}"
        f" ({used} already used, {remaining} left)."
    )
    return LimitBreach(
        code=use.code,
        payment_reference=payment.reference,
        client_id=payment.client_id,
        period=use.period,
        limit=use.limit,
        used=used,
        payment=this,
        remaining=remaining,
        excess=excess,
        counted_references=counted_references,
        explanation=explanation,
    )


def check_limits(
    payment: PaymentFacts,
    history: Iterable[PaymentFacts],
    limits: ClientLimits | None,
    *,
    fx_quota: FxQuota = MAINLAND_INDIVIDUAL_FX_QUOTA,
) -> list[LimitBreach]:
    """Every limit this payment would go over, in the order daily, annual, FX quota.

    `history` holds payments that count (accepted, in progress, settled), of any
    client: only the payment's client's are summed, over the calendar day or year
    (in the limits' zone) in which this payment is booked, whatever their order. Being
    exactly at a limit is allowed; one minor unit over is a breach.

    The FX quota applies to a payment flagged `mainland_individual_fx_purchase`, summing
    the USD equivalents of the client's flagged purchases in the same calendar year of
    the quota's zone (Asia/Shanghai by default).

    Raises LimitCurrencyError when a payment in the period is in neither the limit's
    currency nor counted by USD equivalent (limit in USD).
    """
    mine = client_history(payment, history)
    breaches: list[LimitBreach] = []
    for use in limit_uses(payment, limits, fx_quota=fx_quota):
        in_period = sorted(
            (p for p in mine if use.applies(p)), key=lambda p: (p.instant, p.reference)
        )
        used = Money.of(0, use.limit.currency)
        for other in in_period:
            used += use.counted(other)
        found = breach_of(use, payment, used, tuple(p.reference for p in in_period))
        if found is not None:
            breaches.append(found)
    return breaches
