"""The rules of the FX package, one exception class each (all ValueErrors).

Each docstring states the rule the class enforces; the message says what broke it.
Floats are refused with TypeError, as in `corridor.money`: a float is the wrong kind of
value, not a wrong value. `status_code` is the HTTP status the API edge answers with.
"""

from __future__ import annotations


class FxError(ValueError):
    """Base of every FX rule: rates come from a named source, quotes are exact and expire."""

    status_code = 422


class UnsupportedCurrencyError(FxError):
    """A reference rate exists only for currencies the ECB publishes (and EUR), plus CNH."""


class RateUnavailableError(FxError):
    """A rate comes from an ECB fixing on or at most `max_fallback` days before its date."""


class RateSourceError(FxError):
    """Rates are read offline from a local ECB history file, never downloaded."""

    status_code = 500


class RouteError(FxError):
    """A cross goes through EUR or USD, and the currency it goes through is neither side."""


class SameCurrencyError(FxError):
    """A rate or a quote is between two different currencies."""


class FxConfigError(FxError):
    """Spreads are 0 to 9,999 bps, validity is positive, bases are positive, roundings named."""

    status_code = 500


class UnknownInstitutionError(FxError):
    """A desk quotes only to institutions it has a spread schedule for (or a default one)."""

    status_code = 404


class NaiveDatetimeError(FxError):
    """Every instant is timezone-aware: a naive datetime could be any of 26 hours."""


class InvalidAmountError(FxError):
    """An amount to convert is positive and in whole minor units of its currency."""


class QuoteCurrencyError(FxError):
    """A quote converts only the currency it was quoted to sell."""


class QuoteAmountExceededError(FxError):
    """A quote converts at most the amount it was quoted for: its spread was priced for that."""


class QuoteNotYetValidError(FxError):
    """A quote converts nothing before the instant it was quoted at."""

    status_code = 409


class QuoteExpiredError(FxError):
    """A quote converts up to and including its expiry instant, never after it."""

    status_code = 409
