"""Fees: each bank's schedule per corridor, and who bears them (ISO 20022 ChargeBearer).

A `FeeSchedule` is what one bank charges on payments of one corridor (from country, to
country) in one currency: a fixed amount plus a rate in basis points, kept between a
minimum and a maximum, rounded to the currency's minor units by a named rounding mode
(ROUND_HALF_UP, the commercial default, unless the schedule names another).

`apply_charges` takes the instructed amount, the charge bearer and each bank's fee along
the chain (the debtor's bank first) and says what the debtor is debited, what the creditor
receives and every fee on the way. All of it is exact Money: debited - credited is the sum
of the fees, to the minor unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
)
from enum import StrEnum

from corridor.money import Currency, CurrencyMismatchError, Money, MoneyError, currency
from corridor.payments.reference import ReferenceDataError, bic11, parse_bic

DEFAULT_FEE_ROUNDING = ROUND_HALF_UP
"""Commercial rounding: half a minor unit or more rounds away from zero (0.025 -> 0.03)."""

ROUNDING_MODES = frozenset(
    {
        ROUND_05UP,
        ROUND_CEILING,
        ROUND_DOWN,
        ROUND_FLOOR,
        ROUND_HALF_DOWN,
        ROUND_HALF_EVEN,
        ROUND_HALF_UP,
        ROUND_UP,
    }
)
"""The decimal module's rounding modes, by name; a schedule names one of them."""

MAX_BASIS_POINTS = Decimal(10_000)  # 100 %
_BASIS_POINT = Decimal("0.0001")
_COUNTRY = re.compile(r"[A-Z]{2}")


class FeeError(ValueError):
    """Base of every fee rule: fees are exact Money, never negative, in the payment's currency."""


class InvalidFeeScheduleError(FeeError):
    """A schedule is for a valid BIC and two ISO 3166 alpha-2 countries; its fixed fee,
    minimum and maximum are whole minor units of its currency, not negative, with the
    minimum no more than the maximum; its rate is 0 to 10,000 basis points; it names one of
    the decimal module's rounding modes; and a table holds one schedule per bank, corridor
    and currency."""


class FeeCurrencyError(FeeError, CurrencyMismatchError):
    """A fee is charged in the currency of the amount it is charged on."""


class FeeAmountError(FeeError):
    """Fees are charged on a positive amount in whole minor units of its currency."""


class FeeExceedsAmountError(FeeError):
    """A fee deducted on the way is less than the amount reaching that bank: the creditor
    always receives something, so a payment that fees would eat whole is refused."""


class NoFeeScheduleError(FeeError):
    """A bank charges by its schedule for the payment's corridor and currency (a branch
    without one, by its head office's); there is no silent zero fee."""


class ChargeBreakdownError(FeeError):
    """A breakdown balances: debited - credited is exactly the sum of its charges, and
    every amount is in the instructed currency."""


def _rounding(mode: str) -> str:
    if mode not in ROUNDING_MODES:
        known = ", ".join(sorted(ROUNDING_MODES))
        raise InvalidFeeScheduleError(f"rounding: {mode!r} is not a rounding mode ({known})")
    return mode


def _fee_money(value: Money, field: str, ccy: Currency) -> Money:
    if not isinstance(value, Money):
        raise InvalidFeeScheduleError(f"{field}: {value!r} is not Money")
    if value.currency != ccy:
        raise InvalidFeeScheduleError(f"{field}: {value} is not in {ccy.code}")
    if value.is_negative():
        raise InvalidFeeScheduleError(f"{field}: {value} is negative")
    try:
        value.to_minor_units()
    except MoneyError:
        raise InvalidFeeScheduleError(f"{field}: {value} is finer than minor units") from None
    return value


def _money(value: Decimal | int | str, field: str, ccy: Currency) -> Money:
    try:
        return Money.of(value, ccy)
    except (MoneyError, TypeError) as exc:
        raise InvalidFeeScheduleError(f"{field}: {exc}") from None


def _bic(value: str, field: str) -> str:
    try:
        return parse_bic(value, field=field)
    except ReferenceDataError as exc:
        raise InvalidFeeScheduleError(str(exc)) from None


def _check_amount(amount: Money) -> None:
    if not isinstance(amount, Money):
        raise FeeAmountError(f"amount: {amount!r} is not Money")
    if not amount.is_positive():
        raise FeeAmountError(f"amount: {amount} is not positive")
    try:
        amount.to_minor_units()
    except MoneyError:
        raise FeeAmountError(f"amount: {amount} is finer than minor units") from None


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """What one bank charges on one corridor in one currency (its `fixed` fee's).

    fee = fixed + amount x basis_points / 10,000, kept within [minimum, maximum] (no
    maximum: no cap), then rounded to minor units by `rounding`.
    """

    institution_bic: str
    from_country: str
    to_country: str
    fixed: Money
    basis_points: Decimal
    minimum: Money
    maximum: Money | None = None
    rounding: str = DEFAULT_FEE_ROUNDING

    def __post_init__(self) -> None:
        object.__setattr__(self, "institution_bic", _bic(self.institution_bic, "institution_bic"))
        for field in ("from_country", "to_country"):
            value = getattr(self, field)
            if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
                raise InvalidFeeScheduleError(f"{field}: {value!r} is not an ISO 3166 code")
        if not isinstance(self.fixed, Money):
            raise InvalidFeeScheduleError(f"fixed: {self.fixed!r} is not Money")
        ccy = self.fixed.currency
        _fee_money(self.fixed, "fixed", ccy)
        _fee_money(self.minimum, "minimum", ccy)
        if self.maximum is not None:
            _fee_money(self.maximum, "maximum", ccy)
            if self.maximum < self.minimum:
                raise InvalidFeeScheduleError(
                    f"maximum: {self.maximum} is less than the minimum {self.minimum}"
                )
        bps = self.basis_points
        if isinstance(bps, bool) or not isinstance(bps, Decimal | int):
            raise InvalidFeeScheduleError(
                f"basis_points: {bps!r} is not a Decimal or an int (never a float)"
            )
        bps = Decimal(bps)
        if not bps.is_finite() or not 0 <= bps <= MAX_BASIS_POINTS:
            raise InvalidFeeScheduleError(f"basis_points: {bps} is not 0 to {MAX_BASIS_POINTS}")
        object.__setattr__(self, "basis_points", bps)
        object.__setattr__(self, "rounding", _rounding(self.rounding))

    @classmethod
    def of(
        cls,
        institution_bic: str,
        from_country: str,
        to_country: str,
        currency_code: str | Currency,
        *,
        fixed: Decimal | int | str = 0,
        basis_points: Decimal | int | str = 0,
        minimum: Decimal | int | str = 0,
        maximum: Decimal | int | str | None = None,
        rounding: str = DEFAULT_FEE_ROUNDING,
    ) -> FeeSchedule:
        """A schedule from plain values: amounts and basis points as decimal strings or ints."""
        try:
            ccy = currency_code if isinstance(currency_code, Currency) else currency(currency_code)
        except MoneyError as exc:
            raise InvalidFeeScheduleError(f"currency: {exc}") from None
        if isinstance(basis_points, float | bool):
            raise InvalidFeeScheduleError(f"basis_points: {basis_points!r} is not exact")
        try:
            bps = Decimal(basis_points)
        except (ArithmeticError, TypeError, ValueError):
            raise InvalidFeeScheduleError(
                f"basis_points: {basis_points!r} is not a number"
            ) from None
        return cls(
            institution_bic,
            from_country,
            to_country,
            fixed=_money(fixed, "fixed", ccy),
            basis_points=bps,
            minimum=_money(minimum, "minimum", ccy),
            maximum=None if maximum is None else _money(maximum, "maximum", ccy),
            rounding=rounding,
        )

    @property
    def currency(self) -> Currency:
        """The currency the schedule charges in (and applies to)."""
        return self.fixed.currency

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(BIC11, from country, to country, currency): one schedule per key in a table."""
        return bic11(self.institution_bic), self.from_country, self.to_country, self.currency.code

    def fee_for(self, amount: Money) -> Money:
        """The fee on `amount` (positive, whole minor units, the schedule's currency).

        Fixed plus rate, kept within [minimum, maximum], rounded to minor units by the
        schedule's named rounding mode. Minimum and maximum are whole minor units, so
        clamping before or after rounding gives the same fee.
        """
        _check_amount(amount)
        if amount.currency != self.currency:
            raise FeeCurrencyError(
                f"amount: {amount} is not in {self.currency.code}, the currency of"
                f" {self.institution_bic}'s schedule"
            )
        fee = self.fixed + amount * self.basis_points * _BASIS_POINT
        fee = max(fee, self.minimum)
        if self.maximum is not None:
            fee = min(fee, self.maximum)
        rounded, _residue = fee.round(self.rounding)
        return rounded


class FeeTable:
    """Every bank's schedules, one per (bank, from country, to country, currency)."""

    def __init__(self, schedules: Iterable[FeeSchedule] = ()) -> None:
        self._schedules: dict[tuple[str, str, str, str], FeeSchedule] = {}
        for schedule in schedules:
            self.add(schedule)

    def add(self, schedule: FeeSchedule) -> None:
        """Register a schedule; its bank, corridor and currency must not have one yet."""
        if schedule.key in self._schedules:
            bank, origin, destination, code = schedule.key
            raise InvalidFeeScheduleError(
                f"institution_bic: {bank} already has a {origin}->{destination} {code} schedule"
            )
        self._schedules[schedule.key] = schedule

    def schedules(self) -> tuple[FeeSchedule, ...]:
        """Every schedule in the table, by (bank, from country, to country, currency)."""
        return tuple(self._schedules[k] for k in sorted(self._schedules))

    def schedule(
        self, institution_bic: str, from_country: str, to_country: str, currency_code: str
    ) -> FeeSchedule:
        """The bank's schedule for the corridor and currency (a branch without its own:
        its head office's); NoFeeScheduleError when there is none."""
        bic = bic11(_bic(institution_bic, "institution_bic"))
        for office in (bic, bic[:8] + "XXX"):
            found = self._schedules.get((office, from_country, to_country, currency_code))
            if found is not None:
                return found
        raise NoFeeScheduleError(
            f"institution_bic: {institution_bic} has no {from_country}->{to_country}"
            f" {currency_code} fee schedule"
        )

    def for_chain(
        self, bics: Iterable[str], from_country: str, to_country: str, currency_code: str
    ) -> list[FeeSchedule]:
        """The schedule of each bank along a chain (e.g. `route_agents(route)`), in order."""
        return [self.schedule(bic, from_country, to_country, currency_code) for bic in bics]


class ChargeBearer(StrEnum):
    """Who bears the banks' charges: ISO 20022 ChargeBearerType1Code, pacs.008 ChrgBr.

    SLEV (charges follow a service level's rules, as in SEPA) is not offered here.
    """

    DEBT = "DEBT"
    """The debtor pays every bank's fee on top; the creditor receives the full amount (MT OUR)."""
    CRED = "CRED"
    """Every bank deducts its fee from the amount on the way (MT BEN)."""
    SHAR = "SHAR"
    """The debtor pays its own bank's fee on top; later banks deduct theirs (MT SHA)."""


@dataclass(frozen=True, slots=True)
class AgentFee:
    """One bank's charge on a payment: a fixed Money, or its schedule applied to the amount
    that passes through the bank."""

    institution_bic: str
    charge: Money | FeeSchedule

    def __post_init__(self) -> None:
        bic = _bic(self.institution_bic, "institution_bic")
        object.__setattr__(self, "institution_bic", bic)
        if isinstance(self.charge, FeeSchedule):
            if self.charge.key[0] != bic11(bic):
                raise InvalidFeeScheduleError(
                    f"charge: the schedule is {self.charge.institution_bic}'s, not {bic}'s"
                )
        elif isinstance(self.charge, Money):
            _fee_money(self.charge, "charge", self.charge.currency)
        else:
            raise InvalidFeeScheduleError(
                f"charge: {self.charge!r} is neither Money nor a FeeSchedule"
            )

    def fee_on(self, amount: Money) -> Money:
        """The fee this bank takes on `amount` passing through it."""
        if isinstance(self.charge, FeeSchedule):
            return self.charge.fee_for(amount)
        if self.charge.currency != amount.currency:
            raise FeeCurrencyError(
                f"charge: {self.institution_bic}'s fee {self.charge} is not in"
                f" {amount.currency.code}, the payment's currency"
            )
        return self.charge


@dataclass(frozen=True, slots=True)
class Charge:
    """One fee: which bank, where in the chain (hop 0 is the debtor's bank), how much, and
    whether it came out of the amount on the way or was billed to the debtor on top."""

    hop: int
    institution_bic: str
    amount: Money
    deducted: bool

    @property
    def currency(self) -> Currency:
        """The fee's currency (always the payment's)."""
        return self.amount.currency


@dataclass(frozen=True, slots=True)
class ChargeBreakdown:
    """Where the money goes: the debtor's debit, the creditor's credit and every fee."""

    instructed: Money
    bearer: ChargeBearer
    debited: Money
    """What the debtor's account is debited: the instructed amount and any fee on top."""
    credited: Money
    """What the creditor's account is credited: the instructed amount less deducted fees."""
    charges: tuple[Charge, ...]
    passed_on: tuple[Money, ...]
    """What each bank passes on after its own deduction: to the next bank (that hop's
    interbank settlement amount) and, from the last, to the creditor."""

    def __post_init__(self) -> None:
        zero = Money.of(0, self.instructed.currency)
        amounts = [self.debited, self.credited, *(c.amount for c in self.charges)]
        if any(a.currency != zero.currency for a in [*amounts, *self.passed_on]):
            raise ChargeBreakdownError(f"every amount is in {zero.currency.code}")
        total = sum((c.amount for c in self.charges), zero)
        if self.debited - self.credited != total:
            raise ChargeBreakdownError(
                f"debited {self.debited} less credited {self.credited} is not the charges {total}"
            )

    @property
    def total_charges(self) -> Money:
        """Every fee, summed: exactly debited - credited."""
        return sum((c.amount for c in self.charges), Money.of(0, self.instructed.currency))

    @property
    def charged_on_top(self) -> Money:
        """The fees billed to the debtor on top of the instructed amount."""
        zero = Money.of(0, self.instructed.currency)
        return sum((c.amount for c in self.charges if not c.deducted), zero)

    @property
    def deducted(self) -> Money:
        """The fees taken out of the amount on the way."""
        zero = Money.of(0, self.instructed.currency)
        return sum((c.amount for c in self.charges if c.deducted), zero)


def apply_charges(
    amount: Money,
    bearer: ChargeBearer | str,
    hops_fees: Sequence[AgentFee | FeeSchedule],
) -> ChargeBreakdown:
    """Apply each bank's fee along the chain (debtor's bank first) as `bearer` says.

    DEBT: every fee is billed to the debtor on top; the creditor receives `amount`.
    SHAR: the debtor's bank's fee is billed on top; each later bank deducts its own.
    CRED: every bank, the debtor's included, deducts its own on the way.
    A schedule charges on the amount passing through its bank: under DEBT that is always
    `amount`; a deducting bank charges on what reaches it. A deducted fee must leave a
    positive amount, else FeeExceedsAmountError names the bank. debited - credited is the
    sum of the fees, exactly.
    """
    _check_amount(amount)
    try:
        bearer = ChargeBearer(bearer)
    except ValueError:
        known = ", ".join(b.value for b in ChargeBearer)
        raise FeeError(f"bearer: {bearer!r} is not a charge bearer ({known})") from None
    agents = [
        AgentFee(fee.institution_bic, fee) if isinstance(fee, FeeSchedule) else fee
        for fee in hops_fees
    ]
    remaining = amount
    on_top = Money.of(0, amount.currency)
    charges: list[Charge] = []
    passed_on: list[Money] = []
    for hop, agent in enumerate(agents):
        fee = agent.fee_on(remaining)
        billed = bearer is ChargeBearer.DEBT or (bearer is ChargeBearer.SHAR and hop == 0)
        if billed:
            on_top += fee
        elif fee >= remaining:
            raise FeeExceedsAmountError(
                f"hops_fees[{hop}]: {agent.institution_bic}'s fee {fee} would leave nothing"
                f" of the {remaining} reaching it"
            )
        else:
            remaining -= fee
        charges.append(Charge(hop, agent.institution_bic, fee, deducted=not billed))
        passed_on.append(remaining)
    return ChargeBreakdown(
        instructed=amount,
        bearer=bearer,
        debited=amount + on_top,
        credited=remaining,
        charges=tuple(charges),
        passed_on=tuple(passed_on),
    )
