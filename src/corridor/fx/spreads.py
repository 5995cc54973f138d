"""Spread schedules: what an institution pays over the reference rate, in basis points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from corridor.fx._exact import exact_decimal
from corridor.fx.errors import FxConfigError
from corridor.money import UnknownCurrencyError, currency

#: Basis points in one: 1 bp is 0.01%.
BASIS_POINTS: Final = Decimal(10_000)


def _bps(value: Decimal | int | str, what: str) -> Decimal:
    bps = exact_decimal(value, what)
    if not 0 <= bps < BASIS_POINTS:
        raise FxConfigError(f"{what} is 0 to under 10,000 bps, not {bps}")
    return bps


def _pair(name: str) -> frozenset[str]:
    codes = name.split("/") if isinstance(name, str) else []
    if len(codes) != 2 or codes[0] == codes[1]:
        raise FxConfigError(f"a currency pair is written 'GBP/CNY', not {name!r}")
    for code in codes:
        try:
            currency(code)
        except UnknownCurrencyError as error:
            raise FxConfigError(f"in the pair {name!r}: {error}") from None
    return frozenset(codes)


class SpreadSchedule:
    """An institution's spreads in basis points: per currency pair, else `default_bps`.

    A pair is written 'GBP/CNY' and covers both directions (selling GBP for CNY and
    selling CNY for GBP): the spread is charged on whichever side the customer takes.
    Spreads are Decimals (12.5 bps is fine) from 0 to under 10,000; floats are refused.
    """

    __slots__ = ("_default", "_names", "_pairs")

    def __init__(
        self,
        default_bps: Decimal | int | str,
        pairs: Mapping[str, Decimal | int | str] | None = None,
    ) -> None:
        self._default = _bps(default_bps, "the default spread")
        by_pair: dict[frozenset[str], Decimal] = {}
        names: dict[str, Decimal] = {}
        for name, value in (pairs or {}).items():
            key = _pair(name)
            if key in by_pair:
                raise FxConfigError(f"the pair {name!r} is given twice (a pair covers both ways)")
            by_pair[key] = names[name] = _bps(value, f"the spread for {name}")
        self._pairs = by_pair
        self._names = MappingProxyType(names)

    @property
    def default_bps(self) -> Decimal:
        """The spread for a pair not listed."""
        return self._default

    @property
    def pairs(self) -> Mapping[str, Decimal]:
        """The listed pairs ('GBP/CNY') and their spreads, read-only."""
        return self._names

    def bps(self, sell: str, buy: str) -> Decimal:
        """The spread in basis points for selling `sell` to buy `buy`."""
        return self._pairs.get(frozenset((sell, buy)), self._default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpreadSchedule):
            return NotImplemented
        return self._default == other._default and self._pairs == other._pairs

    def __hash__(self) -> int:
        return hash((self._default, frozenset(self._pairs.items())))

    def __repr__(self) -> str:
        return f"SpreadSchedule({self._default!r}, {dict(self._names)!r})"
