"""The facts about a payment that limits and AML monitoring rules read.

Pure domain code: no database, no clock, no FX. The payments engine builds one
`PaymentFacts` for the payment at hand and one for each of the client's recent payments
(its history), converts to a USD equivalent with its own rates, and calls
`corridor.compliance.limits.check_limits` and `corridor.compliance.aml_rules.evaluate`.

History holds only payments that count: accepted, in progress or settled. The caller
leaves out rejected, cancelled and returned payments (compliance knows nothing of the
payment lifecycle; the engine does). A history entry with the payment's own reference is
ignored, so re-checking a held payment never counts it twice.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from corridor.money import Money

_COUNTRY = re.compile(r"[A-Z]{2}")
# ISO 20022 ExternalPurpose1Code: 1 to 4 characters; the published codes are upper case.
_PURPOSE = re.compile(r"[A-Z0-9]{1,4}")


class PaymentFactsError(ValueError):
    """Facts about a payment are complete and consistent: an aware time, a positive
    amount with its USD equivalent in USD, ISO 3166 alpha-2 countries, and a history that
    names each payment once."""


class ClientKind(StrEnum):
    """Who the client is in law."""

    INDIVIDUAL = "individual"
    CORPORATE = "corporate"


_COUNTRIES_SEEN: set[str] = set()
"""Codes already found well formed (at most 26² of them): a client's history is made of
many facts with the same few countries, and the pattern is read once per code, not per
fact."""


def _country(value: object, where: str, field: str) -> None:
    if isinstance(value, str) and value in _COUNTRIES_SEEN:
        return
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise PaymentFactsError(
            f"{where}: {field} is an ISO 3166 alpha-2 code such as GB, not {value!r}"
        )
    _COUNTRIES_SEEN.add(value)


@dataclass(frozen=True, slots=True)
class PaymentFacts:
    """One payment as the rules see it; the caller computes every field."""

    reference: str
    client_id: str
    client_kind: ClientKind
    client_residence: str
    """ISO 3166 alpha-2 country where the client resides."""
    booked_at: datetime
    """When the payment was booked; timezone-aware."""
    amount: Money
    amount_usd: Money
    """The amount's USD equivalent at the caller's rate; the rules never convert."""
    debtor_country: str
    creditor_country: str
    agent_countries: tuple[str, ...] = ()
    """Countries of the agents on the route (intermediaries, correspondents)."""
    purpose: str | None = None
    """ISO 20022 external purpose code (e.g. SALA, GDDS), when the payment carries one."""
    mainland_individual_fx_purchase: bool = False
    """Whether this is a purchase of foreign currency by a mainland-China individual,
    which counts against the SAFE annual quota."""

    def __post_init__(self) -> None:
        where = f"payment {self.reference!r}"
        if not isinstance(self.reference, str) or not self.reference.strip():
            raise PaymentFactsError(f"a payment reference is a non-empty string: {where}")
        if not isinstance(self.client_id, str) or not self.client_id.strip():
            raise PaymentFactsError(f"{where}: the client id is a non-empty string")
        if not isinstance(self.client_kind, ClientKind):
            raise PaymentFactsError(
                f"{where}: client_kind is a ClientKind, not {self.client_kind!r}"
            )
        _country(self.client_residence, where, "client_residence")
        _country(self.debtor_country, where, "debtor_country")
        _country(self.creditor_country, where, "creditor_country")
        if not isinstance(self.agent_countries, tuple):
            raise PaymentFactsError(f"{where}: agent_countries is a tuple")
        for country in self.agent_countries:
            _country(country, where, "agent country")
        if not isinstance(self.booked_at, datetime) or self.booked_at.utcoffset() is None:
            raise PaymentFactsError(f"{where}: booked_at is a timezone-aware datetime")
        if not isinstance(self.amount, Money) or not self.amount.is_positive():
            raise PaymentFactsError(f"{where}: the amount is positive Money, not {self.amount!r}")
        if (
            not isinstance(self.amount_usd, Money)
            or self.amount_usd.currency.code != "USD"
            or self.amount_usd.is_negative()
        ):
            raise PaymentFactsError(
                f"{where}: amount_usd is a non-negative USD amount, not {self.amount_usd!r}"
            )
        if self.amount.currency.code == "USD" and self.amount_usd != self.amount:
            raise PaymentFactsError(
                f"{where}: a USD payment's USD equivalent is its amount"
                f" ({self.amount}), not {self.amount_usd}"
            )
        if self.purpose is not None and (
            not isinstance(self.purpose, str) or not _PURPOSE.fullmatch(self.purpose)
        ):
            raise PaymentFactsError(
                f"{where}: purpose is an ISO 20022 external purpose code such as SALA,"
                f" not {self.purpose!r}"
            )
        if self.mainland_individual_fx_purchase and self.client_kind is not ClientKind.INDIVIDUAL:
            raise PaymentFactsError(
                f"{where}: only an individual makes a mainland individual FX purchase"
            )

    @property
    def instant(self) -> datetime:
        """`booked_at` in UTC, for ordering and windows.

        Python compares and subtracts two datetimes that share a tzinfo by wall clock,
        which is an hour out across a DST change; UTC instants never are.
        """
        return self.booked_at.astimezone(UTC)


def client_history(payment: PaymentFacts, history: Iterable[PaymentFacts]) -> list[PaymentFacts]:
    """The payments in `history` by the payment's client, without the payment itself.

    Raises PaymentFactsError if `history` names a payment twice: counting it twice would
    overstate the client's totals.
    """
    seen: set[str] = set()
    mine: list[PaymentFacts] = []
    for other in history:
        if other.reference in seen:
            raise PaymentFactsError(f"history names payment {other.reference!r} twice")
        seen.add(other.reference)
        if other.reference != payment.reference and other.client_id == payment.client_id:
            mine.append(other)
    return mine


def in_window(
    payment: PaymentFacts, others: Iterable[PaymentFacts], window: timedelta
) -> list[PaymentFacts]:
    """The payments booked within `window` before `payment`, both ends included, sorted.

    A window ends at the payment: a payment booked later is not in it. The result is in
    booking order (ties by reference), so it does not depend on the history's order.
    """
    end = payment.instant
    start = end - window
    chosen = [p for p in others if start <= p.instant <= end]
    return sorted(chosen, key=lambda p: (p.instant, p.reference))


def within(
    payment: PaymentFacts, history: Iterable[PaymentFacts], window: timedelta
) -> list[PaymentFacts]:
    """The client's payments in `history` booked within `window` before `payment` (both
    ends included, itself left out), in booking order: `in_window` of `client_history`,
    answered by bisection when `history` is a `ClientWindow`."""
    if isinstance(history, ClientWindow):
        return history.window(payment, window)
    return in_window(payment, client_history(payment, history), window)


class ClientWindow:
    """One client's counting payments kept in booking order (ties by reference), so that
    which of them lie in a window ending at a payment is found by bisection.

    A rule that scans a plain history costs each payment the client's whole history; a
    client sending a bulk file of many thousand payments made that cost grow with the
    square of the file. Here a payment costs the logarithm of the history and the size of
    its window. It names each payment once and only the one client's (PaymentFactsError
    otherwise), which is what `client_history` would have kept of it.
    """

    def __init__(self, client_id: str, payments: Iterable[PaymentFacts] = ()) -> None:
        self.client_id = client_id
        self._keys: list[tuple[datetime, str]] = []
        self._facts: list[PaymentFacts] = []
        self._booked: dict[str, tuple[datetime, str]] = {}  # each reference's key
        self._bands: dict[tuple[Money, Money], ClientWindow] = {}
        for payment in sorted(payments, key=_booking_key):
            self._admit(payment)
            self._keys.append(_booking_key(payment))
            self._facts.append(payment)

    def add(self, payment: PaymentFacts) -> None:
        """Keep one more of the client's payments, in its place."""
        self._admit(payment)
        key = _booking_key(payment)
        at = bisect_right(self._keys, key)
        self._keys.insert(at, key)
        self._facts.insert(at, payment)
        for (floor, ceiling), band in self._bands.items():
            if _in_band(payment, floor, ceiling):
                band.add(payment)

    def remove(self, reference: str) -> None:
        """Forget one of the client's payments (it no longer counts, or was only
        provisional); PaymentFactsError if the window does not hold it."""
        key = self._booked.pop(reference, None)
        if key is None:
            raise PaymentFactsError(f"the history holds no payment {reference!r}")
        at = bisect_left(self._keys, key)
        del self._keys[at]
        del self._facts[at]
        for band in self._bands.values():
            if reference in band._booked:
                band.remove(reference)

    def banded(self, floor: Money, ceiling: Money) -> ClientWindow:
        """The payments whose amount lies from `floor` up to but not including `ceiling`,
        in that currency, as a window of their own (kept as payments are added): a rule
        about amounts just under a threshold reads only those."""
        band = self._bands.get((floor, ceiling))
        if band is None:
            band = ClientWindow(
                self.client_id, (p for p in self._facts if _in_band(p, floor, ceiling))
            )
            self._bands[(floor, ceiling)] = band
        return band

    def window(self, payment: PaymentFacts, window: timedelta) -> list[PaymentFacts]:
        """The payments booked within `window` before `payment`, both ends included,
        itself left out, in booking order."""
        end = payment.instant
        lo = bisect_left(self._keys, end - window, key=_instant)
        hi = bisect_right(self._keys, end, key=_instant)
        chosen = self._facts[lo:hi]
        own = self._booked.get(payment.reference)
        if own is not None:  # the payment's own entry, wherever it was booked
            at = bisect_left(self._keys, own, lo, hi)
            if at < hi and self._keys[at] == own:
                del chosen[at - lo]
        return chosen

    def _admit(self, payment: PaymentFacts) -> None:
        if payment.client_id != self.client_id:
            raise PaymentFactsError(
                f"payment {payment.reference!r} is client {payment.client_id!r}'s, not"
                f" {self.client_id!r}'s"
            )
        if payment.reference in self._booked:
            raise PaymentFactsError(f"history names payment {payment.reference!r} twice")
        self._booked[payment.reference] = _booking_key(payment)

    def __iter__(self) -> Iterator[PaymentFacts]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


def _in_band(payment: PaymentFacts, floor: Money, ceiling: Money) -> bool:
    return payment.amount.currency == floor.currency and floor <= payment.amount < ceiling


def _booking_key(payment: PaymentFacts) -> tuple[datetime, str]:
    return (payment.instant, payment.reference)


def _instant(key: tuple[datetime, str]) -> datetime:
    return key[0]


def describe_duration(span: timedelta) -> str:
    """A short human form of a duration: '15 min', '1 h 30 min', '7 days', '0 s'."""
    seconds = span // timedelta(seconds=1)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day" if days == 1 else f"{days} days")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs:
        parts.append(f"{secs} s")
    return " ".join(parts) or "0 s"
