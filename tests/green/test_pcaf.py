"""PCAF Part A (2nd ed.) worked examples with the standard's own numbers, the edge rules,
and properties of the attribution."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.green.data import read
from corridor.green.errors import PositionsFileError
from corridor.green.pcaf import attribute, portfolio, waci, weighted_score
from corridor.green.positions import COLUMNS, validate_positions

USD = {"USD": 1.0, "EUR": 1.0, "GBP": 1.0, "CNY": 1.0}


def frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    """Positions as the CSV reader hands them over (all text), checked and typed."""
    base = {"currency": "USD", "scope2": "0", "data_quality": "1"}
    full = [{c: {**base, **row}.get(c) for c in COLUMNS} for row in rows]
    return validate_positions(pl.DataFrame(full, schema=dict.fromkeys(COLUMNS, pl.String)))


def results(rows: list[dict[str, str]]) -> pl.DataFrame:
    return attribute(frame(rows), USD, USD)


def test_evic_includes_cash_so_equity_and_debt_get_half_each() -> None:
    """Box 5: equity 50, debt 50, cash 20. EVIC = 100 (cash not deducted): 50 % each,
    where EV net of cash (80) would attribute 62.5 % to each, 125 % in all."""
    company = {"market_cap": "50", "total_debt": "50", "cash": "20", "scope1": "1000"}
    out = results(
        [
            {
                "position_id": "debt",
                "asset_class": "corporate_bond",
                "outstanding": "50",
                **company,
            },
            {
                "position_id": "equity",
                "asset_class": "listed_equity",
                "outstanding": "50",
                **company,
            },
        ]
    )
    assert out["denominator"].to_list() == [100.0, 100.0]
    assert out["attribution_factor"].to_list() == [0.5, 0.5]
    assert out["financed_scope1"].sum() == 1000.0  # the company's emissions, once
    assert out["cash"].to_list() == [20.0, 20.0]  # carried into the audit trail, not netted
    assert all("cash not deducted" in b for b in out["denominator_basis"])


def test_a_given_evic_is_taken_as_it_is() -> None:
    out = results(
        [
            {
                "position_id": "e",
                "asset_class": "listed_equity",
                "outstanding": "50",
                "evic": "200",
                "market_cap": "50",
                "total_debt": "50",
                "scope1": "1000",
            }
        ]
    )
    assert (out["attribution_factor"][0], out["denominator_basis"][0]) == (0.25, "EVIC")


def test_outstanding_weighted_data_quality_is_3_03() -> None:
    """Box 8: six loans with scores 3, 5, 1, 1, 2, 5 weigh in at 3.03."""
    loans = pl.Series([522_425, 187_449, 82_778, 108_997, 67_556, 54_762], dtype=pl.Float64)
    scores = pl.Series([3, 5, 1, 1, 2, 5], dtype=pl.Int8)
    assert round(weighted_score(loans, scores) or 0, 2) == 3.03
    # the same through the file format and the portfolio total
    rows = [
        {
            "position_id": f"L{i}",
            "asset_class": "business_loan",
            "outstanding": str(o),
            "total_equity": "2000000",
            "total_debt": "8000000",
            "scope1": "10",
            "data_quality": str(s),
        }
        for i, (o, s) in enumerate(zip(loans.to_list(), scores.to_list(), strict=True))
    ]
    totals = portfolio(results(rows), "USD")
    assert round(totals.weighted_data_quality or 0, 2) == 3.03
    assert totals.by_asset_class[0].weighted_data_quality == totals.weighted_data_quality


def test_sovereign_bond_is_attributed_by_ppp_adjusted_gdp() -> None:
    """USD 100 M of Chinese and of US debt, with Table 5-23's production emissions and
    GDP-PPP: 100 / 23,487,798 × 11,535 Mt ≈ 49,111 t; US ≈ 23,827 t."""
    table = {row["country"]: row for row in read("pcaf_sovereigns.csv").rows}
    rows = [
        {
            "position_id": country,
            "asset_class": "sovereign_debt",
            "outstanding": "100000000",
            "gdp_ppp": str(int(table[country]["gdp_ppp_mintl"]) * 10**6),
            "scope1": str(int(table[country]["production_mt_co2e"]) * 10**6),
            # illustrative: a LULUCF sink of 5 % (the standard's table has no LULUCF column)
            "scope1_incl_lulucf": str(int(table[country]["production_mt_co2e"]) * 95 * 10**4),
            "country": country,
        }
        for country in ("CN", "US")
    ]
    out = results(rows)
    assert [round(x) for x in out["financed_scope1"]] == [49_111, 23_827]
    assert [round(x) for x in out["financed_scope1_incl_lulucf"]] == [46_655, 22_636]
    totals = portfolio(out, "USD")
    assert round(totals.sovereign_scope1_excl_lulucf or 0) == 49_111 + 23_827
    assert round(totals.sovereign_scope1_incl_lulucf or 0) == round(0.95 * (49_111 + 23_827))


def test_the_shipped_sovereign_table_gives_the_standards_intensity() -> None:
    """The data file, not the code: Table 5-23's production / PPP-GDP (×1,000) is 0.49 for
    China, and its nominal-GDP intensity 0.81, as the standard prints them."""
    cn = {row["country"]: row for row in read("pcaf_sovereigns.csv").rows}["CN"]
    assert round(int(cn["production_mt_co2e"]) / int(cn["gdp_ppp_mintl"]) * 1000, 2) == 0.49
    assert round(int(cn["production_mt_co2e"]) / int(cn["nominal_gdp_musd"]) * 1000, 2) == 0.81


def test_sovereign_scope1_is_reported_with_and_without_lulucf() -> None:
    """PCAF §5.7: 'shall report scope 1 emissions including and excluding LULUCF'."""
    row = {
        "position_id": "gilt",
        "asset_class": "sovereign_debt",
        "outstanding": "100",
        "gdp_ppp": "1000",
        "scope1": "500",
    }
    with pytest.raises(PositionsFileError, match="column scope1_incl_lulucf: is empty"):
        frame([row])
    with pytest.raises(PositionsFileError, match="applies to sovereign debt only"):
        frame(
            [
                {
                    **row,
                    "asset_class": "business_loan",
                    "total_equity": "1",
                    "total_debt": "1",
                    "scope1_incl_lulucf": "4",
                }
            ]
        )
    sink = results([{**row, "scope1_incl_lulucf": "-20"}])  # a net sink is allowed
    assert sink["financed_scope1_incl_lulucf"][0] == -2.0


def test_sovereign_exposure_in_another_currency_is_converted_to_usd() -> None:
    """Exposure is in USD against PPP-GDP in international dollars (§5.7)."""
    positions = frame(
        [
            {
                "position_id": "cgb",
                "asset_class": "sovereign_debt",
                "currency": "CNY",
                "outstanding": "700000000",
                "gdp_ppp": "23487798000000",
                "scope1": "11535000000",
                "scope1_incl_lulucf": "11000000000",
            }
        ]
    )
    out = attribute(positions, {"CNY": 0.13}, {"CNY": 1 / 7})
    assert round(out["financed_scope1"][0]) == 49_111


def test_waci_on_a_small_portfolio() -> None:
    """Holdings 100 / 200 / 50, scope 1+2 of 1,000 / 5,000 / 2,000 t, revenue 2,000 /
    5,000 / 3,000 M: WACI = Σ w × e / r = 0.8095 t per million of revenue."""
    value, coverage = waci(
        pl.Series([100.0, 200.0, 50.0]),
        pl.Series([1000.0, 5000.0, 2000.0]),
        pl.Series([2000.0, 5000.0, 3000.0]),
    )
    assert round(value or 0, 4) == 0.8095
    assert coverage == 1.0
    rows = [
        {
            "position_id": p,
            "asset_class": "listed_equity",
            "outstanding": o,
            "evic": "100000",
            "scope1": e,
            "revenue": str(int(r) * 10**6),
        }
        for p, o, e, r in (
            ("a", "100", "1000", "2000"),
            ("b", "200", "5000", "5000"),
            ("c", "50", "2000", "3000"),
        )
    ]
    assert round(portfolio(results(rows), "USD").waci or 0, 4) == 0.8095


def test_portfolio_of_tables_5_4_and_5_5() -> None:
    """Attribution factors 10 % / 25 % / 20 % on three companies: S1 6,100, S2 1,260,
    S3 10,000 t (scope 3 reported apart)."""
    companies = (
        ("A", "10", "30000", "6000", "50000"),
        ("B", "25", "8000", "1200", "12000"),
        ("C", "20", "5000", "300", "0"),
    )
    rows = [
        {
            "position_id": p,
            "asset_class": "listed_equity",
            "outstanding": o,
            "evic": "100",
            "scope1": s1,
            "scope2": s2,
            "scope3": s3,
            "data_quality_scope3": "4",
        }
        for p, o, s1, s2, s3 in companies
    ]
    totals = portfolio(results(rows), "USD")
    assert round(totals.financed_scope1) == 3000 + 2000 + 1000
    assert round(totals.financed_scope2) == 600 + 300 + 60
    assert round(totals.financed_scope3) == 5000 + 3000
    assert totals.weighted_data_quality_scope3 == 4.0
    assert totals.financed_scope12 == pytest.approx(totals.financed_scope1 + totals.financed_scope2)


def test_edge_rules() -> None:
    """Unknown vehicle value → 100 %; repaid → 0; negative book equity counts as 0 (the
    loan takes the debt's share; an equity stake gets none); real estate keeps the value at
    origination; a factor above 1 is capped and says so."""
    out = results(
        [
            {
                "position_id": "car",
                "asset_class": "motor_vehicle_loan",
                "outstanding": "15000",
                "scope1": "2",
            },
            {
                "position_id": "repaid",
                "asset_class": "business_loan",
                "outstanding": "0",
                "total_debt": "100",
                "scope1": "50",
            },
            {
                "position_id": "loan",
                "asset_class": "business_loan",
                "outstanding": "25",
                "total_equity": "-40",
                "total_debt": "100",
                "scope1": "80",
            },
            {
                "position_id": "stake",
                "asset_class": "unlisted_equity",
                "outstanding": "5",
                "total_equity": "-40",
                "total_debt": "100",
                "scope1": "80",
            },
            {
                "position_id": "office",
                "asset_class": "commercial_real_estate",
                "outstanding": "600000",
                "value_at_origination": "1000000",
                "scope1": "40",
            },
            {
                "position_id": "over",
                "asset_class": "mortgage",
                "outstanding": "330000",
                "value_at_origination": "300000",
                "scope1": "3",
            },
        ]
    )
    by_id = {r["position_id"]: r for r in out.iter_rows(named=True)}
    assert by_id["car"]["attribution_factor"] == 1.0
    assert "unknown" in by_id["car"]["rule"]
    assert by_id["repaid"]["attribution_factor"] == 0.0
    assert by_id["loan"]["attribution_factor"] == 0.25
    assert by_id["loan"]["rule"] == "negative equity counted as 0"
    assert by_id["stake"]["attribution_factor"] == 0.0
    assert by_id["office"]["attribution_factor"] == 0.6
    assert by_id["office"]["denominator_basis"] == "property value at origination"
    assert by_id["over"]["attribution_factor"] == 1.0
    assert by_id["over"]["rule"] == "capped at 1"


def test_every_position_carries_its_audit_trail() -> None:
    """Formula, clause, inputs, source and vintage travel with each result."""
    out = results(
        [
            {
                "position_id": "p",
                "asset_class": "project_finance",
                "outstanding": "10",
                "total_assets": "40",
                "scope1": "8",
                "emissions_source": "CDP 2024",
                "vintage": "2024",
            }
        ]
    )
    row = out.row(0, named=True)
    assert row["clause"] == "§5.3"
    assert row["denominator_basis"] == "total assets"
    assert row["denominator"] == 40.0
    assert "total assets" in row["formula"]
    assert (row["emissions_source"], row["vintage"]) == ("CDP 2024", 2024)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (
            {"asset_class": "business_loan", "outstanding": "50", "total_debt": "100"},
            "total_equity",
        ),
        (
            {"asset_class": "unlisted_equity", "outstanding": "10", "total_debt": "100"},
            "total_equity",
        ),
        (
            {"asset_class": "corporate_bond", "outstanding": "10", "total_equity": "100"},
            "total_debt",
        ),
        (
            {"asset_class": "project_finance", "outstanding": "50", "total_debt": "100"},
            "total_assets",
        ),
    ],
)
def test_an_unknown_equity_or_debt_is_never_taken_as_zero(row: dict[str, str], column: str) -> None:
    """Without EVIC, a company is valued at book equity + debt, both given: debt alone would
    attribute a loan of 50 against debt of 100 at 50 % (and an equity stake against debt)."""
    with pytest.raises(PositionsFileError, match=f"line 2, column {column}"):
        frame([{"position_id": "x", "scope1": "1000", **row}])


@pytest.mark.parametrize("asset_class", ["business_loan", "unlisted_equity", "project_finance"])
def test_without_equity_and_debt_the_total_assets_stand_in(asset_class: str) -> None:
    """PCAF §5.2 note 92: if total debt or equity cannot be had, the total balance sheet
    (total assets) is the denominator, and the position says so."""
    out = results(
        [
            {
                "position_id": "x",
                "asset_class": asset_class,
                "outstanding": "50",
                "total_debt": "100",
                "total_assets": "1000",
                "scope1": "1000",
            }
        ]
    ).row(0, named=True)
    assert (out["denominator_basis"], out["attribution_factor"]) == ("total assets", 0.05)
    assert "note 92" in out["rule"]


def test_positions_without_emissions_data_are_outside_the_coverage() -> None:
    """PCAF Ch. 6: the share of loans and investments covered is disclosed. A position with
    every emissions cell empty counts in the outstanding, not in the emissions."""
    loan = {"asset_class": "business_loan", "total_equity": "500", "total_debt": "500"}
    out = results(
        [
            {
                **loan,
                "position_id": "a",
                "outstanding": "300",
                "scope1": "1000",
                "data_quality": "2",
            },
            {
                **loan,
                "position_id": "b",
                "outstanding": "100",
                "scope1": "",
                "scope2": "",
                "data_quality": "",
            },
        ]
    )
    assert out["covered"].to_list() == [True, False]
    assert out["financed_scope12"][1] is None
    assert out["rule"][1].startswith("no emissions data")
    totals = portfolio(out, "USD")
    assert (totals.outstanding, totals.covered_positions, totals.coverage) == (400.0, 1, 0.75)
    assert totals.financed_scope12 == 300.0
    assert totals.economic_intensity == 300.0 / (300 / 1e6)  # over the covered outstanding
    assert totals.weighted_data_quality == 2.0
    assert totals.by_asset_class[0].coverage == 0.75
    with pytest.raises(PositionsFileError, match="column data_quality: is empty"):
        frame([{**loan, "position_id": "c", "outstanding": "1", "scope1": "5", "data_quality": ""}])


def test_each_score_names_the_pcaf_options_it_stands_for() -> None:
    """The audit trail reads PCAF's data quality tables (pcaf_data_quality.csv)."""
    out = results(
        [
            {
                "position_id": "e",
                "asset_class": "listed_equity",
                "outstanding": "1",
                "evic": "10",
                "scope1": "1",
                "data_quality": "2",
            },
            {
                "position_id": "m",
                "asset_class": "mortgage",
                "outstanding": "1",
                "value_at_origination": "10",
                "scope1": "1",
                "data_quality": "5",
            },
        ]
    )
    assert out["data_quality_option"].to_list() == ["PCAF option 1b or 2a", "PCAF option 3"]


_CLASSES = (
    "listed_equity",
    "corporate_bond",
    "business_loan",
    "unlisted_equity",
    "project_finance",
    "commercial_real_estate",
    "mortgage",
    "motor_vehicle_loan",
    "sovereign_debt",
)
_amount = st.integers(min_value=0, max_value=10**12).map(str)
_position = st.fixed_dictionaries(
    {
        "asset_class": st.sampled_from(_CLASSES),
        "outstanding": _amount,
        "evic": st.integers(1, 10**12).map(str),
        "total_equity": st.integers(-(10**9), 10**12).map(str),
        "total_debt": st.integers(1, 10**12).map(str),
        "total_assets": st.integers(1, 10**12).map(str),
        "value_at_origination": st.integers(1, 10**9).map(str),
        "unknown_value": st.booleans(),
        "gdp_ppp": st.integers(1, 10**14).map(str),
        "scope1": st.integers(0, 10**9).map(str),
        "data_quality": st.sampled_from("12345"),
    }
)


def _numbered(positions: list[dict[str, object]]) -> list[dict[str, str]]:
    """Ids in order; a motor loan may have an unknown vehicle value (then 100 %)."""
    rows = []
    for i, p in enumerate(positions):
        row = {k: str(v) for k, v in p.items() if k != "unknown_value"}
        if p["unknown_value"] and p["asset_class"] == "motor_vehicle_loan":
            row["value_at_origination"] = ""
        if p["asset_class"] == "sovereign_debt":
            row["scope1_incl_lulucf"] = row["scope1"]
        rows.append({**row, "position_id": f"P{i:03d}"})
    return rows


_portfolio = st.lists(_position, min_size=1, max_size=25).map(_numbered)


@settings(max_examples=30, deadline=None)
@given(_portfolio)
def test_attribution_factors_lie_within_0_and_1(rows: list[dict[str, str]]) -> None:
    """No position is attributed less than nothing or more than the whole borrower."""
    out = results(rows)
    assert out["attribution_factor"].is_between(0.0, 1.0).all()
    assert (out["financed_scope1"] <= out["scope1"] * (1 + 1e-12)).all()


@settings(max_examples=25, deadline=None)
@given(_portfolio, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_positions(rows: list[dict[str, str]], rng) -> None:  # type: ignore[no-untyped-def]
    """Shuffling the file changes no total, to the last bit."""
    shuffled = list(rows)
    rng.shuffle(shuffled)
    assert portfolio(results(rows), "USD") == portfolio(results(shuffled), "USD")


def test_physical_intensity_is_financed_emissions_over_financed_output() -> None:
    """Two power producers: 10 % of A (5,000 t, 20,000 MWh) and 50 % of B (1,000 t,
    10,000 MWh) finance 500 + 500 t and 2,000 + 5,000 MWh: 1,000 / 7,000 t per MWh. A
    position with no output is left out, not counted as zero output."""
    rows = [
        {
            "position_id": p,
            "asset_class": "listed_equity",
            "outstanding": o,
            "evic": "100",
            "scope1": e,
            "physical_output": out,
            "physical_unit": "MWh" if out else "",
        }
        for p, o, e, out in (
            ("A", "10", "5000", "20000"),
            ("B", "50", "1000", "10000"),
            ("C", "20", "900", ""),
        )
    ]
    totals = portfolio(results(rows), "USD")
    assert totals.physical_intensity == {"MWh": pytest.approx(1000 / 7000)}
