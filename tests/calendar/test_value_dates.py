"""Cut-offs and value dates: boundaries in the local zone, clock changes, one-ended holidays."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.calendar import (
    DEFAULT_CUT_OFFS,
    MAINLAND_YEARS,
    CalendarCoverageError,
    CalendarError,
    Country,
    CutOff,
    NaiveDateTimeError,
    UnknownCountryError,
    UnsupportedCurrencyError,
    cut_off_for,
    cut_off_table,
    is_business_day,
    is_business_day_everywhere,
    local_instant,
    value_date,
)

D = dt.date
LONDON = ZoneInfo("Europe/London")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")
BEIJING = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(zone: dt.tzinfo, year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def test_the_default_table() -> None:
    expected = {
        "GBP": ("Europe/London", dt.time(17, 40), (Country.GB,)),
        "HKD": ("Asia/Hong_Kong", dt.time(17, 30), (Country.HK,)),
        "USD": ("Asia/Hong_Kong", dt.time(17, 30), (Country.HK,)),
        "CNY": ("Asia/Shanghai", dt.time(17, 0), (Country.CN,)),
        "CNH": ("Asia/Hong_Kong", dt.time(17, 0), (Country.HK,)),
    }
    assert set(DEFAULT_CUT_OFFS) == set(expected)
    for code, (zone, time, places) in expected.items():
        cut_off = cut_off_for(code)
        assert (cut_off.zone.key, cut_off.time, cut_off.settlement_countries) == (
            zone,
            time,
            places,
        )
        assert cut_off.source, f"{code}: every default names its source or assumption"


# GBP, London, 17:40. Clocks go forward on Sunday 29 March 2026 and back on Sunday 25 October.
@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Friday 27 March, GMT: London time is UTC.
        (at(UTC, 2026, 3, 27, 17, 39), D(2026, 3, 27)),
        (at(UTC, 2026, 3, 27, 17, 40), D(2026, 3, 30)),  # at the cut-off is too late
        (at(UTC, 2026, 3, 27, 17, 41), D(2026, 3, 30)),
        # Monday 30 March, BST: the same cut-off is an hour earlier in UTC.
        (at(UTC, 2026, 3, 30, 16, 39), D(2026, 3, 30)),
        (at(UTC, 2026, 3, 30, 16, 41), D(2026, 3, 31)),
        (at(UTC, 2026, 3, 30, 17, 39), D(2026, 3, 31)),  # before 17:40 UTC, after 17:40 BST
        (at(LONDON, 2026, 3, 30, 17, 39), D(2026, 3, 30)),
        (at(LONDON, 2026, 3, 30, 17, 41), D(2026, 3, 31)),
        # Friday 23 October, BST, and Monday 26 October, GMT again.
        (at(UTC, 2026, 10, 23, 16, 39), D(2026, 10, 23)),
        (at(UTC, 2026, 10, 23, 17, 39), D(2026, 10, 26)),
        (at(UTC, 2026, 10, 26, 17, 39), D(2026, 10, 26)),
        (at(UTC, 2026, 10, 26, 17, 41), D(2026, 10, 27)),
        # Received in Shenzhen: 00:39 Beijing on Tuesday 31 March is 17:39 BST on Monday.
        (at(BEIJING, 2026, 3, 31, 0, 39), D(2026, 3, 30)),
        (at(BEIJING, 2026, 3, 31, 0, 41), D(2026, 3, 31)),
    ],
)
def test_the_sterling_cut_off_in_london_time_across_clock_changes(
    instant: dt.datetime, expected: dt.date
) -> None:
    assert value_date(instant, "GBP", ["GB"]) == expected


@pytest.mark.parametrize(
    ("currency", "zone", "cut_off", "countries"),
    [
        ("HKD", HONG_KONG, (17, 30), ["HK"]),
        ("USD", HONG_KONG, (17, 30), ["HK"]),
        ("CNY", BEIJING, (17, 0), ["CN"]),
        ("CNH", HONG_KONG, (17, 0), ["HK"]),
    ],
)
def test_one_minute_either_side_of_each_cut_off(
    currency: str, zone: ZoneInfo, cut_off: tuple[int, int], countries: list[str]
) -> None:
    # Tuesday 3 March 2026: a business day in all three places.
    boundary = at(zone, 2026, 3, 3, *cut_off)
    minute = dt.timedelta(minutes=1)
    assert value_date(boundary - minute, currency, countries) == D(2026, 3, 3)
    assert value_date(boundary, currency, countries) == D(2026, 3, 4)
    assert value_date(boundary + minute, currency, countries) == D(2026, 3, 4)
    assert value_date((boundary - minute).astimezone(LONDON), currency, countries) == D(2026, 3, 3)


def test_a_holiday_and_a_weekend_at_the_london_end_only() -> None:
    # Christmas Eve, after the CHAPS cut-off, sterling to Shenzhen: London is shut on
    # Friday 25 December, the weekend and Monday 28 (Boxing Day's substitute); the
    # mainland is open on the Monday, but the payment needs both ends.
    late = at(LONDON, 2026, 12, 24, 17, 45)
    assert is_business_day("CN", D(2026, 12, 28))
    assert value_date(late, "GBP", ["GB", "CN"]) == D(2026, 12, 29)
    assert value_date(late - dt.timedelta(minutes=10), "GBP", ["GB", "CN"]) == D(2026, 12, 24)


def test_spring_festival_at_the_shenzhen_end_only() -> None:
    # Friday 13 February, after the London cut-off: London reopens on Monday 16, but the
    # mainland is shut from Sunday 15 to Monday 23. Its make-up Saturday 14 does not help:
    # London is shut that day.
    late = at(LONDON, 2026, 2, 13, 17, 45)
    assert value_date(late, "GBP", ["GB"]) == D(2026, 2, 16)
    assert value_date(late, "GBP", ["GB", "CN"]) == D(2026, 2, 24)


def test_a_make_up_saturday_is_a_value_date_on_the_mainland_only() -> None:
    saturday_morning = at(BEIJING, 2026, 2, 14, 10, 0)
    assert value_date(saturday_morning, "CNY", ["CN"]) == D(2026, 2, 14)
    assert value_date(saturday_morning, "CNY", ["CN", "GB"]) == D(2026, 2, 24)
    assert value_date(saturday_morning, "CNY", ["CN", "HK"]) == D(2026, 2, 24)


def test_a_hong_kong_holiday_at_one_end() -> None:
    # 30 June after the HKD cut-off; 1 July is a Hong Kong holiday, London is open.
    late = at(HONG_KONG, 2026, 6, 30, 17, 31)
    assert is_business_day("GB", D(2026, 7, 1))
    assert value_date(late, "HKD", ["HK", "GB"]) == D(2026, 7, 2)
    # Sterling paid out of Hong Kong: London could settle on 1 July, Hong Kong cannot.
    assert value_date(at(LONDON, 2026, 7, 1, 9, 0), "GBP", ["GB"]) == D(2026, 7, 1)
    assert value_date(at(LONDON, 2026, 7, 1, 9, 0), "GBP", ["HK", "GB"]) == D(2026, 7, 2)


def test_the_settlement_country_is_always_involved() -> None:
    # Offshore renminbi settles in Hong Kong: a Hong Kong holiday stops it even between
    # London and the mainland.
    morning = at(HONG_KONG, 2026, 7, 1, 9, 0)
    assert value_date(morning, "CNH", ["GB", "CN"]) == D(2026, 7, 2)
    # And the mainland's make-up Saturday is no Hong Kong business day.
    assert value_date(at(HONG_KONG, 2026, 2, 14, 9, 0), "CNH", ["HK"]) == D(2026, 2, 16)


def test_received_on_a_non_business_day_before_the_cut_off_rolls_forward() -> None:
    assert value_date(at(LONDON, 2026, 5, 4, 9, 0), "GBP", ["GB"]) == D(2026, 5, 5)
    assert value_date(at(LONDON, 2026, 3, 7, 9, 0), "GBP", ["GB"]) == D(2026, 3, 9)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(NaiveDateTimeError, match="naive datetime 2026-03-03T10:00:00"):
        value_date(dt.datetime(2026, 3, 3, 10, 0), "GBP", ["GB"])
    assert issubclass(NaiveDateTimeError, CalendarError)
    assert issubclass(NaiveDateTimeError, ValueError)
    with pytest.raises(NaiveDateTimeError):
        cut_off_for("GBP").is_before(dt.datetime(2026, 3, 3, 10, 0))
    with pytest.raises(CalendarError, match="aware datetime"):
        local_instant(D(2026, 3, 3), LONDON)


@pytest.mark.parametrize("currency", ["EUR", "gbp", "", "RMB"])
def test_a_currency_without_a_cut_off_is_refused(currency: str) -> None:
    with pytest.raises(UnsupportedCurrencyError, match="no cut-off for currency"):
        value_date(at(LONDON, 2026, 3, 3, 10, 0), currency, ["GB"])


def test_unknown_countries_are_refused() -> None:
    with pytest.raises(UnknownCountryError, match="'UK'"):
        value_date(at(LONDON, 2026, 3, 3, 10, 0), "GBP", ["UK", "CN"])
    with pytest.raises(CalendarError, match="collection of country codes"):
        value_date(at(LONDON, 2026, 3, 3, 10, 0), "GBP", "GB")


def test_beyond_the_mainland_data_the_value_date_is_refused() -> None:
    year = MAINLAND_YEARS.stop - 1
    new_years_eve_late = at(BEIJING, year, 12, 31, 17, 30)
    with pytest.raises(CalendarCoverageError, match=str(year + 1)):
        value_date(new_years_eve_late, "CNY", ["CN"])
    # London to Hong Kong never asks the mainland.
    assert value_date(at(LONDON, year, 12, 31, 17, 45), "GBP", ["GB", "HK"]).year == year + 1


def test_a_bank_sets_its_own_cut_offs() -> None:
    earlier = dataclasses.replace(cut_off_for("GBP"), time=dt.time(16, 0))
    table = cut_off_table([earlier, cut_off_for("CNY")])
    instant = at(LONDON, 2026, 3, 3, 16, 30)
    assert value_date(instant, "GBP", ["GB"]) == D(2026, 3, 3)
    assert value_date(instant, "GBP", ["GB"], cut_offs=table) == D(2026, 3, 4)
    with pytest.raises(UnsupportedCurrencyError, match="knows CNY, GBP"):
        value_date(instant, "HKD", ["HK"], cut_offs=table)


def test_a_cut_off_is_checked_when_made() -> None:
    gbp = cut_off_for("GBP")
    normalised = dataclasses.replace(gbp, settlement_countries=("GB",))
    assert normalised.settlement_countries == (Country.GB,)
    with pytest.raises(CalendarError, match=r"naive datetime\.time"):
        dataclasses.replace(gbp, time=dt.time(17, 40, tzinfo=UTC))
    with pytest.raises(CalendarError, match="settlement countries"):
        dataclasses.replace(gbp, settlement_countries=())
    with pytest.raises(UnknownCountryError):
        dataclasses.replace(gbp, settlement_countries=("XX",))
    with pytest.raises(CalendarError, match="ZoneInfo"):
        dataclasses.replace(gbp, zone="Europe/London")
    with pytest.raises(CalendarError, match="three upper-case letters"):
        dataclasses.replace(gbp, currency="Sterling")
    with pytest.raises(CalendarError, match="two cut-offs for GBP"):
        cut_off_table([gbp, gbp])
    with pytest.raises(CalendarError, match="files GBP's cut-off under HKD"):
        cut_off_for("HKD", {"HKD": gbp})


def test_a_cut_off_in_the_repeated_hour_is_its_first_occurrence() -> None:
    # 01:30 London happens twice on 25 October 2026: at 00:30 and at 01:30 UTC.
    night = CutOff("GBP", LONDON, dt.time(1, 30), (Country.GB,))
    assert night.on(D(2026, 10, 25)).astimezone(UTC) == at(UTC, 2026, 10, 25, 0, 30)
    second_01_20 = at(UTC, 2026, 10, 25, 1, 20)  # 01:20 GMT, after the first 01:30
    assert not night.is_before(second_01_20)
    assert night.is_before(at(UTC, 2026, 10, 25, 0, 20))


# Properties over the years all three calendars know.
ZONES = [LONDON, HONG_KONG, BEIJING, UTC, ZoneInfo("America/New_York")]
instants = st.datetimes(
    min_value=dt.datetime(MAINLAND_YEARS.start, 1, 2),
    max_value=dt.datetime(MAINLAND_YEARS.stop - 1, 12, 1),
    timezones=st.sampled_from(ZONES),
)
currencies = st.sampled_from(sorted(DEFAULT_CUT_OFFS))
country_sets = st.lists(st.sampled_from(list(Country)), min_size=1, max_size=3, unique=True)


@given(instants, currencies, country_sets)
def test_a_value_date_is_never_early_and_always_a_business_day_everywhere(
    instant: dt.datetime, currency: str, countries: list[Country]
) -> None:
    cut_off = cut_off_for(currency)
    local_day = instant.astimezone(cut_off.zone).date()
    settled = value_date(instant, currency, countries)
    assert settled >= local_day
    for place in (*countries, *cut_off.settlement_countries):
        assert is_business_day(place, settled)
    same_day = cut_off.is_before(instant) and is_business_day_everywhere(
        (*countries, *cut_off.settlement_countries), local_day
    )
    assert (settled == local_day) == same_day


@given(instants, st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=5)))
def test_a_later_instruction_never_gets_an_earlier_value_date(
    instant: dt.datetime, later_by: dt.timedelta
) -> None:
    for currency in DEFAULT_CUT_OFFS:
        countries = ["GB", "HK", "CN"]
        # Added in UTC: wall-clock arithmetic in a zone can step back across a clock change.
        later = instant.astimezone(UTC) + later_by
        assert value_date(instant, currency, countries) <= value_date(later, currency, countries)
