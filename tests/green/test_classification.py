"""Classification by rule and by analyst, with taxonomy and version on every tag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from corridor.green.classification import (
    Sector,
    TagStatus,
    analyst_tag,
    check_subject,
    classify,
    divergence,
)
from corridor.green.errors import ClassificationError, UnknownTaxonomyError
from corridor.green.impact import pro_rata, renewable_impact
from corridor.green.taxonomy import TaxonomyId, china_catalogue_for, taxonomy


def test_the_china_catalogue_follows_the_approval_date() -> None:
    assert china_catalogue_for(date(2025, 9, 30)) is TaxonomyId.CN_2021
    assert china_catalogue_for(date(2025, 10, 1)) is TaxonomyId.CN_2025
    solar = Sector("D35.11", "4416", "solar_pv")
    assert classify(solar, date(2025, 9, 30))[0].version == "2021"
    assert classify(solar, date(2026, 1, 5))[0].taxonomy is TaxonomyId.CN_2025


def test_green_under_china_but_not_cgt_is_shown() -> None:
    tags = classify(Sector("D35.11", "4414", "nuclear"), date(2025, 6, 1))
    assert {t.taxonomy: t.green for t in tags}[TaxonomyId.CN_2021] is True
    assert {t.taxonomy: t.green for t in tags}[TaxonomyId.CGT] is False
    assert divergence(tags).startswith("green under cn-gbepc")


def test_no_rule_is_not_green_anywhere_and_says_why() -> None:
    tags = classify(Sector("C10.11", "", "meat"), date(2025, 6, 1))
    assert not any(t.green for t in tags)
    assert all("no rule" in t.reason for t in tags)


def test_an_analyst_records_a_reason_and_a_known_activity() -> None:
    tag = analyst_tag("cgt", "4.1", "aligned", "criteria met", "ana")
    assert (tag.status, tag.method, tag.version) == (TagStatus.ALIGNED, "analyst", "2022-06")
    with pytest.raises(ClassificationError, match="reason"):
        analyst_tag("cgt", "4.1", "aligned", " ", "ana")
    with pytest.raises(UnknownTaxonomyError):
        analyst_tag("cgt", "99.9", "aligned", "x", "ana")
    with pytest.raises(UnknownTaxonomyError):
        taxonomy("uk-green-taxonomy")


def test_wind_impact_from_the_grid_factor() -> None:
    """100 MW at 30 %: 262,800 MWh, × 0.4042 (China Southern, 2023: the newest year
    sourced before 2024) → 106,224 t; half financed. In 2022 the factor was 0.3869."""
    _capacity, generation, avoided = renewable_impact(
        Decimal(100), Decimal("0.3"), "CN-southern", 2024
    )
    assert generation.value == 262_800
    assert round(avoided.value) == 106_224
    assert "2023" in avoided.method  # the newest sourced year, named
    assert avoided.unit == "tCO2"  # the MEE factor counts CO2 only: not labelled as CO2e
    assert "CO2 only" in avoided.method
    assert pro_rata(avoided, Decimal("0.5")).value == 53_112  # 53,111.88, half-even to the tonne
    earlier = renewable_impact(Decimal(100), Decimal("0.3"), "CN-southern", 2022)[2]
    assert round(earlier.value) == 101_677  # 262,800 MWh × 0.3869
    assert "2022" in earlier.method
    uk = renewable_impact(Decimal(100), Decimal("0.3"), "UK", 2024)[2]
    assert round(uk.value) == 54_413
    # 2025's DESNZ factor (0.17700) for 2025: 262,800 MWh × 0.177 = 46,515.6 t
    later = renewable_impact(Decimal(100), Decimal("0.3"), "UK", 2025)[2]
    assert round(later.value) == 46_516
    assert "2025" in later.method
    assert uk.unit == "tCO2e"


def test_a_london_or_hong_kong_subject_gets_no_china_catalogue_tag() -> None:
    solar = Sector("D35.11", "4416", "solar_pv")
    for side in ("london", "hong_kong"):
        tags = classify(solar, date(2026, 1, 5), side=side)
        assert [t.taxonomy for t in tags] == [TaxonomyId.CGT, TaxonomyId.EU, TaxonomyId.ICMA]
    luohu = classify(solar, date(2026, 1, 5), side="luohu")
    assert luohu[0].taxonomy is TaxonomyId.CN_2025
    assert len(luohu) == 4


def test_a_subject_is_kind_and_id() -> None:
    assert check_subject("fund:GB00BSIF0007") == "fund:GB00BSIF0007"
    for bad in ("bogus", "project:", "account:1", ":x"):
        with pytest.raises(ClassificationError, match="is not KIND:ID"):
            check_subject(bad)
