"""Business days and cut-offs for the Luohu (Shenzhen) – Hong Kong – London corridor.

Business days for GB (England & Wales), HK and CN (mainland, with its make-up working
days), cut-off times per currency in the settlement system's own time zone, and the value
date of an instruction received at an instant. Pure code: no database, no clock.
"""

from corridor.calendar.business_days import (
    MAINLAND_YEARS,
    Country,
    add_business_days,
    as_country,
    is_business_day,
    is_business_day_everywhere,
    next_business_day,
    next_business_day_everywhere,
)
from corridor.calendar.cutoffs import (
    DEFAULT_CUT_OFFS,
    CutOff,
    cut_off_for,
    cut_off_table,
    local_instant,
)
from corridor.calendar.errors import (
    CalendarCoverageError,
    CalendarError,
    NaiveDateTimeError,
    UnknownCountryError,
    UnsupportedCurrencyError,
)
from corridor.calendar.value_dates import value_date

__all__ = [
    "DEFAULT_CUT_OFFS",
    "MAINLAND_YEARS",
    "CalendarCoverageError",
    "CalendarError",
    "Country",
    "CutOff",
    "NaiveDateTimeError",
    "UnknownCountryError",
    "UnsupportedCurrencyError",
    "add_business_days",
    "as_country",
    "cut_off_for",
    "cut_off_table",
    "is_business_day",
    "is_business_day_everywhere",
    "local_instant",
    "next_business_day",
    "next_business_day_everywhere",
    "value_date",
]
