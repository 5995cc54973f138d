"""Business days in GB, HK and CN: real 2026 holidays, mainland make-up days, and laws."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.calendar import (
    MAINLAND_YEARS,
    CalendarCoverageError,
    CalendarError,
    Country,
    UnknownCountryError,
    add_business_days,
    as_country,
    is_business_day,
    is_business_day_everywhere,
    next_business_day,
    next_business_day_everywhere,
)

D = dt.date
ONE_DAY = dt.timedelta(days=1)

# Spring Festival 2026 on the mainland, per the State Council schedule that chinese-calendar
# carries: off Sunday 15 to Monday 23 February (nine days), with Saturday 14 and Saturday
# 28 February worked in exchange.
SPRING_FESTIVAL_2026 = [D(2026, 2, day) for day in range(15, 24)]
MAKE_UP_WORKING_DAYS_2026 = [D(2026, 2, 14), D(2026, 2, 28)]


def test_the_spring_festival_dates_are_the_official_2026_schedule() -> None:
    """The test's own dates are checked against the data, not just against the code."""
    for day in SPRING_FESTIVAL_2026:
        assert chinese_calendar.get_holiday_detail(day) == (True, "Spring Festival")
    for day in MAKE_UP_WORKING_DAYS_2026:
        assert day.weekday() == 5  # a Saturday
        assert day in chinese_calendar.workdays


@pytest.mark.parametrize("day", SPRING_FESTIVAL_2026)
def test_the_mainland_is_closed_all_spring_festival_week(day: dt.date) -> None:
    assert not is_business_day(Country.CN, day)


@pytest.mark.parametrize("day", MAKE_UP_WORKING_DAYS_2026)
def test_a_make_up_saturday_is_a_mainland_business_day_but_not_in_london_or_hong_kong(
    day: dt.date,
) -> None:
    assert is_business_day("CN", day)
    assert not is_business_day("GB", day)
    assert not is_business_day("HK", day)
    assert is_business_day_everywhere(["CN"], day)
    assert not is_business_day_everywhere(["GB", "CN"], day)


def test_a_make_up_sunday_is_a_mainland_business_day() -> None:
    # 20 September 2026 is a Sunday worked for the National Day week.
    assert D(2026, 9, 20).weekday() == 6
    assert is_business_day("CN", D(2026, 9, 20))


def test_rolling_and_counting_through_spring_festival() -> None:
    friday = D(2026, 2, 13)
    assert add_business_days("CN", friday, 1) == D(2026, 2, 14)  # the make-up Saturday
    assert add_business_days("CN", friday, 2) == D(2026, 2, 24)
    assert next_business_day("CN", D(2026, 2, 15)) == D(2026, 2, 24)
    assert next_business_day("CN", D(2026, 2, 14)) == D(2026, 2, 14)
    assert add_business_days("CN", D(2026, 2, 24), -1) == D(2026, 2, 14)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 1, 1),  # New Year's Day
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # Easter Monday
        D(2026, 5, 4),  # Early May bank holiday
        D(2026, 5, 25),  # Spring bank holiday
        D(2026, 8, 31),  # Summer bank holiday
        D(2026, 12, 25),  # Christmas Day
        D(2026, 12, 28),  # Boxing Day falls on a Saturday: substitute Monday
    ],
)
def test_england_and_wales_bank_holidays_2026(day: dt.date) -> None:
    assert day.weekday() < 5
    assert not is_business_day("GB", day)


def test_scottish_bank_holidays_leave_london_open() -> None:
    # 2 January and St Andrew's Day (observed) are Scottish only.
    assert is_business_day("GB", D(2026, 1, 2))
    assert is_business_day("GB", D(2026, 11, 30))


def test_the_christmas_roll_in_london() -> None:
    christmas_eve = D(2026, 12, 24)
    assert is_business_day("GB", christmas_eve)
    assert add_business_days("GB", christmas_eve, 1) == D(2026, 12, 29)
    assert add_business_days("GB", D(2026, 12, 29), -1) == christmas_eve
    assert next_business_day("GB", D(2026, 12, 25)) == D(2026, 12, 29)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 2, 17),  # Lunar New Year
        D(2026, 2, 18),
        D(2026, 2, 19),
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # the day following Ching Ming (Sunday 5 April)
        D(2026, 4, 7),  # the day following Easter Monday
        D(2026, 5, 25),  # the day following the Buddha's Birthday (Sunday 24 May)
        D(2026, 7, 1),  # HKSAR Establishment Day
        D(2026, 10, 1),  # National Day
        D(2026, 10, 19),  # the day following Chung Yeung
        D(2026, 12, 25),
    ],
)
def test_hong_kong_general_holidays_2026(day: dt.date) -> None:
    assert day.weekday() < 5
    assert not is_business_day("HK", day)


def test_one_place_closed_while_the_others_settle() -> None:
    # 1 July: Hong Kong only.
    assert not is_business_day("HK", D(2026, 7, 1))
    assert is_business_day_everywhere(["GB", "CN"], D(2026, 7, 1))
    assert next_business_day_everywhere(["GB", "HK", "CN"], D(2026, 7, 1)) == D(2026, 7, 2)
    # Monday 16 February, Lunar New Year's Eve: Hong Kong and London open, the mainland shut.
    assert is_business_day_everywhere([Country.GB, Country.HK], D(2026, 2, 16))
    assert not is_business_day("CN", D(2026, 2, 16))
    # Saturdays are off in Hong Kong, even though some branches open.
    assert not is_business_day("HK", D(2026, 3, 7))


def test_the_three_calendars_together_over_lunar_new_year() -> None:
    assert next_business_day_everywhere(["HK", "CN"], D(2026, 2, 14)) == D(2026, 2, 24)
    assert next_business_day_everywhere(["GB", "HK"], D(2026, 2, 14)) == D(2026, 2, 16)


def test_the_mainland_years_include_2026() -> None:
    assert MAINLAND_YEARS.start <= 2004
    assert 2026 in MAINLAND_YEARS


@pytest.mark.parametrize("year", [MAINLAND_YEARS.start - 1, MAINLAND_YEARS.stop])
def test_a_mainland_day_beyond_the_data_is_refused_not_guessed(year: int) -> None:
    with pytest.raises(CalendarCoverageError, match=rf"no official mainland .* for {year}"):
        is_business_day("CN", D(year, 3, 2))
    with pytest.raises(CalendarCoverageError):
        next_business_day_everywhere(["GB", "CN"], D(year, 3, 2))


def test_london_and_hong_kong_are_known_beyond_the_mainland_data() -> None:
    year = MAINLAND_YEARS.stop
    assert not is_business_day("GB", D(year, 1, 1))
    assert not is_business_day("HK", D(year, 1, 1))


@pytest.mark.parametrize("code", ["UK", "gb", "US", "", "ENG"])
def test_unknown_countries_are_refused_by_name(code: str) -> None:
    with pytest.raises(UnknownCountryError, match=repr(code)):
        is_business_day(code, D(2026, 3, 2))


def test_calendar_errors_are_value_errors_with_a_422() -> None:
    with pytest.raises(ValueError, match="United Kingdom is GB"):
        as_country("UK")
    assert issubclass(CalendarCoverageError, CalendarError)
    assert CalendarError.status_code == 422


def test_a_datetime_is_not_taken_for_a_date() -> None:
    with pytest.raises(CalendarError, match="expected a date"):
        is_business_day("GB", dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC))


def test_a_string_is_not_a_list_of_countries() -> None:
    with pytest.raises(CalendarError, match="collection of country codes"):
        is_business_day_everywhere("GB", D(2026, 3, 2))
    with pytest.raises(CalendarError, match="at least one country"):
        next_business_day_everywhere([], D(2026, 3, 2))


def test_the_end_of_the_calendar_is_an_error_not_an_overflow() -> None:
    with pytest.raises(CalendarError, match="beyond"):
        add_business_days("GB", dt.date.max, 1)


# Properties. GB and HK come from rules, so any era will do; the mainland only from data.
places_and_days = st.one_of(
    st.tuples(
        st.sampled_from([Country.GB, Country.HK]),
        st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 1)),
    ),
    st.tuples(
        st.just(Country.CN),
        st.dates(
            # From March: twelve business days back stays inside the data.
            min_value=D(MAINLAND_YEARS.start, 3, 1),
            max_value=D(MAINLAND_YEARS.stop - 1, 12, 1),
        ),
    ),
)


@given(places_and_days)
def test_next_business_day_is_the_first_business_day_on_or_after(
    place_and_day: tuple[Country, dt.date],
) -> None:
    place, day = place_and_day
    rolled = next_business_day(place, day)
    assert rolled >= day
    assert is_business_day(place, rolled)
    assert next_business_day(place, rolled) == rolled  # idempotent
    skipped = (rolled - day).days
    assert not any(is_business_day(place, day + dt.timedelta(n)) for n in range(skipped))
    if is_business_day(place, day):
        assert rolled == day


@given(places_and_days, st.integers(min_value=-12, max_value=12))
def test_add_business_days_counts_exactly_that_many(
    place_and_day: tuple[Country, dt.date], days: int
) -> None:
    place, day = place_and_day
    moved = add_business_days(place, day, days)
    assert is_business_day(place, moved)
    if days == 0:
        assert moved == next_business_day(place, day)
        return
    # Forwards: exactly `days` business days in (day, moved]; backwards, in [moved, day).
    first, last = (day + ONE_DAY, moved) if days > 0 else (moved, day - ONE_DAY)
    span = [first + dt.timedelta(n) for n in range((last - first).days + 1)]
    assert sum(is_business_day(place, d) for d in span) == abs(days)
    if is_business_day(place, day):
        assert add_business_days(place, moved, -days) == day
