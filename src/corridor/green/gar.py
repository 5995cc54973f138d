"""The green asset ratio (EU: taxonomy-aligned banking-book exposures over covered assets,
Disclosures Delegated Act 2021/2178) and the corridor view: the green share of what the
books hold and move, by side of the corridor.

Exclusions: exposures to sovereigns, central banks and supranational issuers and the
trading book are out of numerator and denominator; exposures to undertakings outside the
CSRD, derivatives and on-demand interbank loans are in the denominator only (they cannot
be aligned). The Article 7 text was not read here: these follow the secondary sources
named in docs/green.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import polars as pl
from sqlalchemy.engine import Engine

from corridor.green import repository as repo
from corridor.green.errors import InputProblem, PositionsFileError
from corridor.money import is_currency


class Counterparty(StrEnum):
    """The exposure types the GAR rule distinguishes."""

    FINANCIAL_CSRD = "financial_csrd"
    NON_FINANCIAL_CSRD = "non_financial_csrd"
    HOUSEHOLD = "household"
    LOCAL_GOVERNMENT = "local_government"
    NON_CSRD = "non_csrd_undertaking"
    DERIVATIVE = "derivative"
    INTERBANK_ON_DEMAND = "interbank_on_demand"
    OTHER = "other"
    SOVEREIGN = "sovereign"
    CENTRAL_BANK = "central_bank"
    SUPRANATIONAL = "supranational"
    TRADING_BOOK = "trading_book"


EXCLUDED = {
    Counterparty.SOVEREIGN,
    Counterparty.CENTRAL_BANK,
    Counterparty.SUPRANATIONAL,
    Counterparty.TRADING_BOOK,
}
DENOMINATOR_ONLY = {
    Counterparty.NON_CSRD,
    Counterparty.DERIVATIVE,
    Counterparty.INTERBANK_ON_DEMAND,
}
EXPOSURE_COLUMNS = ("exposure_id", "counterparty_type", "currency", "amount", "aligned_amount")


@dataclass(frozen=True, slots=True)
class GreenAssetRatio:
    """GAR per currency (never summed across currencies without a stated conversion)."""

    currency: str
    covered_assets: Decimal
    aligned: Decimal
    excluded: Decimal
    ratio: Decimal | None


def green_asset_ratio(path: str | Path) -> list[GreenAssetRatio]:
    """The GAR of an exposures CSV (columns EXPOSURE_COLUMNS, amounts in major units),
    per currency; a malformed file is refused naming line and column."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (FileNotFoundError, pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise PositionsFileError(
            str(path), [InputProblem(0, "-", f"not a readable CSV: {error}")]
        ) from None
    problems = [
        InputProblem(1, c, "required column is missing")
        for c in EXPOSURE_COLUMNS
        if c not in raw.columns
    ]
    if problems:
        raise PositionsFileError(str(path), problems)
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    kinds = {c.value for c in Counterparty}
    for line, row in enumerate(raw.iter_rows(named=True), start=2):
        kind, ccy = row["counterparty_type"], row["currency"]
        if kind not in kinds:
            problems.append(InputProblem(line, "counterparty_type", f"unknown type {kind!r}"))
            continue
        if not ccy or not is_currency(ccy):
            problems.append(InputProblem(line, "currency", f"unknown currency {ccy!r}"))
            continue
        try:
            amount, aligned = Decimal(row["amount"]), Decimal(row["aligned_amount"] or 0)
        except (ArithmeticError, TypeError):
            problems.append(InputProblem(line, "amount", "not a number"))
            continue
        if amount < 0 or aligned < 0 or aligned > amount:
            problems.append(
                InputProblem(line, "aligned_amount", "amounts are >= 0 and aligned <= amount")
            )
            continue
        t = totals[ccy]
        if Counterparty(kind) in EXCLUDED:
            t[2] += amount
            continue
        t[0] += amount
        if Counterparty(kind) not in DENOMINATOR_ONLY:
            t[1] += aligned
    if problems:
        raise PositionsFileError(str(path), problems)
    return [
        GreenAssetRatio(
            c, t[0], t[1], t[2], (t[1] / t[0]).quantize(Decimal("0.0001")) if t[0] else None
        )
        for c, t in sorted(totals.items())
    ]


@dataclass
class CorridorView:
    """Green shares by side of the corridor and kind of business, per currency."""

    rows: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def corridor_view(engine: Engine) -> CorridorView:
    """Green-bond lending (allocations to projects, by the project's side), and payments
    tagged green (by the debtor agent's side), from the books."""
    view = CorridorView()
    with engine.connect() as connection:
        lent: dict[tuple[str, str], int] = defaultdict(int)
        for bond in repo.all_bonds(connection):
            for row in repo.journal(connection, bond.id):
                if row["kind"] == "allocate":
                    project = repo.project(connection, str(row["project_id"]))
                    lent[(project.side.value, bond.proceeds.currency.code)] += int(row["amount"])  # type: ignore[call-overload]
        for (side, ccy), units in sorted(lent.items()):
            view.rows.append(
                {
                    "side": side,
                    "business": "green-bond lending",
                    "currency": ccy,
                    "green_minor_units": units,
                    "green_share": "1.0000",
                }
            )
        tagged = repo.current_tags(connection, "payment:")
        payments = connection.exec_driver_sql(
            "SELECT uetr, debtor_agent, currency, instructed FROM payments"
        ).all()
    sides = {"GB": "london", "HK": "hong_kong", "CN": "luohu"}
    paid: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for uetr, agent, ccy, instructed in payments:
        side = sides.get(str(agent)[4:6], "other")
        t = paid[(side, str(ccy))]
        t[0] += Decimal(str(instructed))
        if any(tag.green for tag in tagged.get(f"payment:{uetr}", [])):
            t[1] += Decimal(str(instructed))
    for (side, ccy), (total, green) in sorted(paid.items()):
        view.rows.append(
            {
                "side": side,
                "business": "payments",
                "currency": ccy,
                "total": str(total),
                "green": str(green),
                "green_share": f"{green / total:.4f}" if total else "-",
            }
        )
    view.notes.append("fund holdings: the funds package is not built yet, so none are shown")
    return view
