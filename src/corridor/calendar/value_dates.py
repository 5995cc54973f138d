"""Value dates: the day a payment instruction, received at an instant, settles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from corridor.calendar.business_days import (
    Country,
    _countries,
    is_business_day_everywhere,
    next_business_day_everywhere,
)
from corridor.calendar.cutoffs import CutOff, cut_off_for, local_instant


def value_date(
    instant: dt.datetime,
    currency: str,
    countries: Iterable[Country | str],
    *,
    cut_offs: Mapping[str, CutOff] | None = None,
) -> dt.date:
    """The value date of an instruction in `currency` received at the aware `instant`.

    Read in the currency's zone, the instruction's local date counts if it comes before
    that day's cut-off and the day is a business day where the currency settles; otherwise
    the next day does. That date then rolls forward to the first day that is a business
    day in every one of `countries` (both ends of the payment) and in the currency's
    settlement countries, which are always involved. Never earlier than the local date.

    Raises NaiveDateTimeError for a naive `instant`, UnsupportedCurrencyError for a
    currency without a cut-off, UnknownCountryError for an unknown country and
    CalendarCoverageError beyond the years the mainland data covers: all CalendarErrors.
    """
    cut_off = cut_off_for(currency, cut_offs)
    involved = (*cut_off.settlement_countries, *_countries(countries))
    local_day = local_instant(instant, cut_off.zone).date()
    on_time = cut_off.is_before(instant) and is_business_day_everywhere(
        cut_off.settlement_countries, local_day
    )
    first = local_day if on_time else local_day + dt.timedelta(days=1)
    return next_business_day_everywhere(involved, first)
