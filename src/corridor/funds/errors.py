"""The errors of corridor.funds: each names what is wrong and where."""

from __future__ import annotations


class FundsError(ValueError):
    """Base of every fund rule a user's input can break."""


class FundTermsError(FundsError):
    """A fund or share class is registered once, on its terms (a valid ISIN, a known
    currency, a taxonomy-aligned share between 0 and 1); registered again with other terms
    it is refused and nothing changes."""


class UnknownShareClassError(FundsError):
    """A share class is named by its ISIN as registered."""


class NavError(FundsError):
    """A NAV per unit is positive, has at most the share class's NAV places, and is
    published once per dealing day (republished with another price it is refused)."""


class OrderError(FundsError):
    """An order has a positive amount or number of units at the share class's precision,
    an investor account in the class's currency, and its id names one order only."""


class InsufficientUnitsError(OrderError):
    """A redemption never takes more units than the investor holds, counting the
    redemptions already placed and not yet dealt."""
