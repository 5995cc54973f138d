"""The corridor view: the green share of what the books hold and move, by side of the
corridor (Luohu, Hong Kong, London), per currency and kind of business."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy.engine import Engine

from corridor.funds import register
from corridor.funds.valuation import holdings
from corridor.green import repository as repo
from corridor.money import Money

SIDES = {"GB": "london", "HK": "hong_kong", "CN": "luohu"}
"""A payment's side: the country of its debtor agent's BIC (letters 5-6)."""
SHARE_PLACES = Decimal("0.0001")


@dataclass
class CorridorView:
    """Green shares by side of the corridor and kind of business, per currency."""

    rows: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def corridor_view(
    engine: Engine, loans: Sequence[tuple[str, str, Decimal, Decimal]] = ()
) -> CorridorView:
    """Green-bond lending (allocations to projects, by the project's side), settled
    payments tagged green (by the debtor agent's side) and fund holdings (by the
    investor's side), from the books; and, given `loans` (an exposures file's covered
    exposures by counterparty country: country, currency, covered, aligned), the
    taxonomy-aligned share of the loan book by the counterparty's side."""
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
                    "green": str(Money.from_minor_units(units, ccy).amount),
                    "green_minor_units": units,
                    "green_share": None,
                }
            )
        tagged = repo.current_tags(connection, "payment:")
        payments = connection.exec_driver_sql(
            "SELECT uetr, debtor_agent, currency, instructed FROM payments WHERE status = 'settled'"
        ).all()
    paid: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for uetr, agent, ccy, instructed in payments:
        side = SIDES.get(str(agent)[4:6], "other")
        t = paid[(side, str(ccy))]
        t[0] += Decimal(str(instructed))
        if any(tag.green for tag in tagged.get(f"payment:{uetr}", [])):
            t[1] += Decimal(str(instructed))
    for (side, ccy), (total, green) in sorted(paid.items()):
        share = (green / total).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN) if total else None
        view.rows.append(
            {
                "side": side,
                "business": "payments",
                "currency": ccy,
                "total": str(total),
                "green": str(green),
                "green_share": None if share is None else str(share),
            }
        )
    if lent:
        view.notes.append(
            "green-bond lending is green by construction (allocated proceeds of green bonds):"
            " its amount is shown, not a share"
        )
    view.notes.append(
        "payments: settled ones only (instructed amount; cancelled, rejected, returned, held"
        " and queued payments are left out), green when tagged payment:UETR"
    )
    _fund_holdings(engine, view)
    _loans(loans, view)
    return view


def _loans(loans: Sequence[tuple[str, str, Decimal, Decimal]], view: CorridorView) -> None:
    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for country, ccy, covered, aligned in loans:
        t = totals[(SIDES.get(country, "other"), ccy)]
        t[0] += covered
        t[1] += aligned
    for (side, ccy), (total, green) in sorted(totals.items()):
        share = (green / total).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN) if total else None
        view.rows.append(
            {
                "side": side,
                "business": "loans",
                "currency": ccy,
                "total": str(total),
                "green": str(green),
                "green_share": None if share is None else str(share),
            }
        )
    if totals:
        view.notes.append(
            "loans: the exposures file's covered exposures (GAR exclusions left out) that name"
            " a counterparty country, by its side; green is the taxonomy-aligned amount"
        )


def _fund_holdings(engine: Engine, view: CorridorView) -> None:
    """Fund holdings by the investor's side (their bank's country) and class currency:
    each holding at its class's newest NAV, green for the share of the fund its own
    disclosure reports taxonomy-aligned (look-through, as the EU GAR counts a fund)."""
    with engine.connect() as connection:
        held = holdings(connection, date.max)
        classes = register.funds_of(connection)
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    bases = set()
    for holding in held:
        if holding.value is None:
            continue  # no NAV yet: nothing to value it at
        _share_class, fund = classes[holding.isin]
        units = holding.value.to_minor_units()
        aligned = (Decimal(units) * fund.taxonomy_aligned).quantize(1, rounding=ROUND_HALF_EVEN)
        t = totals[(SIDES.get(holding.investor_bic[4:6], "other"), holding.value.currency.code)]
        t[0] += units
        t[1] += int(aligned)
        bases.add(f"{fund.name}: {fund.taxonomy_aligned} ({fund.aligned_basis})")
    for (side, ccy), (total, green) in sorted(totals.items()):
        share = (
            (Decimal(green) / Decimal(total)).quantize(SHARE_PLACES, rounding=ROUND_HALF_EVEN)
            if total
            else None
        )
        view.rows.append(
            {
                "side": side,
                "business": "fund holdings",
                "currency": ccy,
                "total": str(Money.from_minor_units(total, ccy).amount),
                "green": str(Money.from_minor_units(green, ccy).amount),
                "green_share": None if share is None else str(share),
            }
        )
    if totals:
        view.notes.append(
            "fund holdings: by the investor's bank's side, valued at each class's newest NAV"
            " (ROUND_HALF_EVEN to the minor unit); green is the value times the share of the"
            " fund its disclosure reports taxonomy-aligned, ROUND_HALF_EVEN"
        )
        view.notes += sorted(bases)
    else:
        view.notes.append("fund holdings: no dealt holdings in the unit register")
