"""`corridor green`: PCAF financed emissions, classification, green bond reports, GAR."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from corridor.green import bonds
from corridor.green import repository as repo
from corridor.green.classification import (
    Sector,
    analyst_tag,
    check_subject,
    classify,
    divergence,
)
from corridor.green.corridor_view import corridor_view
from corridor.green.errors import OptionError
from corridor.green.financed import financed_emissions
from corridor.green.gar import green_asset_ratio
from corridor.green.model import Side
from corridor.green.reports import build, write
from corridor.ledger import Ledger
from corridor.store import make_engine, upgrade

app = typer.Typer(
    help="Green finance: PCAF, taxonomies, green bonds, green asset ratio.", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _pcaf_json(result: Any) -> str:
    """The results as one JSON object; the positions are written by polars straight to
    JSON text (a million rows as Python dicts would take gigabytes and half a minute)."""
    p = result.portfolio
    head = {
        "standard": "PCAF Part A, 2nd edition (December 2022)",
        "as_of": result.as_of.isoformat(),
        "rates": result.rates,
        "portfolio": {k: getattr(p, k) for k in p.__dataclass_fields__ if k != "by_asset_class"}
        | {
            "by_asset_class": [
                {k: getattr(c, k) for k in c.__dataclass_fields__} for c in p.by_asset_class
            ]
        },
    }
    positions = str(result.positions.drop("_line").write_json())
    return json.dumps(head, default=str)[:-1] + ', "positions": ' + positions + "}"


@app.command("pcaf")
def pcaf(
    file: Annotated[Path, typer.Argument(help="The positions CSV (columns in docs/green.md).")],
    json_output: JsonOption = False,
    currency: Annotated[str, typer.Option(help="Reporting currency.")] = "EUR",
    as_of: Annotated[
        str | None, typer.Option(help="Date of the ECB rates (YYYY-MM-DD; default the newest).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write the per-position results to this CSV.")
    ] = None,
) -> None:
    """PCAF financed emissions of a positions CSV: per position (with its audit trail) and for the portfolio."""
    result = financed_emissions(file, currency, _day(as_of, "--as-of"))
    if out is not None:
        result.positions.drop("_line").write_csv(out)
    if json_output:
        print(_pcaf_json(result))
        return
    p = result.portfolio
    console = Console()
    table = Table(
        title=f"Financed emissions by asset class ({currency}, rates of {result.as_of})",
        title_justify="left",
    )
    for col in (
        "asset class",
        "positions",
        f"outstanding ({currency})",
        "covered",
        "scope 1+2 tCO2e",
        "scope 3 tCO2e",
        f"tCO2e / {currency} M",
        "weighted DQ",
    ):
        table.add_column(col, justify="left" if col == "asset class" else "right")
    for c in p.by_asset_class:
        table.add_row(
            c.asset_class,
            f"{c.positions:,}",
            f"{c.outstanding:,.0f}",
            "–" if c.coverage is None else f"{c.coverage:.1%}",
            f"{c.financed_scope12:,.1f}",
            f"{c.financed_scope3:,.1f}" if c.scope3_positions else "–",
            "–" if c.economic_intensity is None else f"{c.economic_intensity:,.2f}",
            "–" if c.weighted_data_quality is None else f"{c.weighted_data_quality:.2f}",
        )
    console.print(table)
    coverage = "–" if p.coverage is None else f"{p.coverage:.1%}"
    console.print(
        f"Portfolio: {p.positions:,} positions ({p.covered_positions:,} with emissions data,"
        f" {coverage} of the outstanding), scope 1+2 {p.financed_scope12:,.1f} tCO2e"
        f" (scope 1 {p.financed_scope1:,.1f}, scope 2 {p.financed_scope2:,.1f}); scope 3 reported apart:"
        f" {p.financed_scope3:,.1f} tCO2e over {p.scope3_positions:,} positions."
    )
    dq = "–" if p.weighted_data_quality is None else f"{p.weighted_data_quality:.2f}"
    intensity = "–" if p.economic_intensity is None else f"{p.economic_intensity:,.2f}"
    waci = "–" if p.waci is None else f"{p.waci:,.4f} (coverage {p.waci_coverage:.0%})"
    console.print(
        f"Weighted data quality {dq}; economic intensity {intensity} tCO2e per {currency} M; WACI {waci}."
    )
    for unit, value in p.physical_intensity.items():
        console.print(f"Physical intensity: {value:,.6f} tCO2e per {unit}.")
    if p.sovereign_scope1_excl_lulucf is not None:
        console.print(
            f"Sovereign debt scope 1: {p.sovereign_scope1_excl_lulucf:,.1f} tCO2e excluding LULUCF,"
            f" {p.sovereign_scope1_incl_lulucf or 0:,.1f} tCO2e including it (PCAF §5.7)."
        )


def _day(text: str | None, option: str) -> date | None:
    """A date option (YYYY-MM-DD), or OptionError naming the option: one line, exit 1."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


@app.command("classify")
def classify_command(
    nace: Annotated[str, typer.Option(help="NACE Rev. 2 code, e.g. D35.11.")] = "",
    cn_industry: Annotated[
        str, typer.Option(help="China industry code (GB/T 4754-2017), e.g. 4416.")
    ] = "",
    technology: Annotated[
        str, typer.Option(help="Technology, e.g. solar_pv, wind, electric_bus.")
    ] = "",
    approved: Annotated[
        str,
        typer.Option(
            help="Approval or registration date of the loan or bond financing it (YYYY-MM-DD):"
            " picks the China catalogue."
        ),
    ] = "",
    subject: Annotated[
        str | None,
        typer.Option(
            help="Record the tags for KIND:ID (project:ID, loan:ID, bond:ID, payment:UETR,"
            " fund:ISIN)."
        ),
    ] = None,
    side: Annotated[
        str | None,
        typer.Option(
            help="The side of the corridor: luohu, hong_kong or london (London and Hong Kong"
            " subjects get no China catalogue tag)."
        ),
    ] = None,
    taxonomy: Annotated[
        str | None, typer.Option(help="An analyst's decision: the taxonomy (cgt, cn-gbepc, …).")
    ] = None,
    activity: Annotated[str, typer.Option(help="An analyst's decision: the activity code.")] = "",
    status: Annotated[
        str,
        typer.Option(help="An analyst's decision: aligned, eligible, rejected or not_eligible."),
    ] = "aligned",
    reason: Annotated[str, typer.Option(help="An analyst's decision: why (required).")] = "",
    analyst: Annotated[str, typer.Option(help="An analyst's decision: who decides.")] = "",
    json_output: JsonOption = False,
) -> None:
    """Tag an activity under every taxonomy by rule (or record an analyst's decision with its reason)."""
    if taxonomy:
        if not subject:
            raise typer.BadParameter(
                "an analyst's decision is recorded for a --subject", param_hint="--subject"
            )
        tags = [analyst_tag(taxonomy, activity, status, reason, analyst)]
    else:
        day = _day(approved, "--approved") or date.today()
        if side is not None and side not in {s.value for s in Side}:
            raise OptionError(f"--side: {side!r} is not luohu, hong_kong or london")
        tags = classify(Sector(nace, cn_industry, technology), day, side=side)
    if subject:
        check_subject(subject)
        engine = make_engine()
        upgrade(engine)
        with engine.begin() as connection:
            repo.add_tags(connection, subject, tags)
        engine.dispose()
    shown = [
        {
            "taxonomy": t.taxonomy.value,
            "version": t.version,
            "activity": t.activity,
            "status": t.status.value,
            "green": t.green,
            "method": t.method,
            "reason": t.reason,
            "analyst": t.analyst,
        }
        for t in tags
    ]
    if json_output:
        print(
            json.dumps(
                {"subject": subject, "tags": shown, "divergence": divergence(tags)},
                ensure_ascii=False,
            )
        )
        return
    console = Console()
    for t in tags:
        console.print(
            f"{'[green]green[/]' if t.green else '[red]not green[/]'}  {t.describe()}  [dim]{t.reason}[/]"
        )
    if divergence(tags):
        console.print(f"[bold]Taxonomies disagree:[/] {divergence(tags)}")
    if subject:
        console.print(f"Recorded for {subject}.")


@app.command("report")
def report(
    bond: Annotated[
        str, typer.Option("--bond", help="The green bond's id (the demo's: ALBN-GB-2025-1).")
    ],
    out: Annotated[Path, typer.Option(help="Folder for the HTML, PDF and CSV reports.")] = Path(
        "green-reports"
    ),
    json_output: JsonOption = False,
) -> None:
    """A green bond's allocation and impact report (ICMA): HTML with charts, PDF and CSV."""
    engine = make_engine()
    upgrade(engine)
    with Ledger(engine) as ledger:
        position = bonds.position(engine, ledger, bond)
    built = build(engine, position)
    files = write(built, out)
    engine.dispose()
    if json_output:
        print(
            json.dumps(
                {
                    "bond": bond,
                    "proceeds": str(position.bond.proceeds.amount),
                    "currency": position.bond.proceeds.currency.code,
                    "allocated": str(position.allocated.amount),
                    "unallocated": str(position.unallocated.amount),
                    "projects": {
                        a.project.id: str(a.allocated.amount) for a in position.allocations
                    },
                    "files": [str(f) for f in files],
                }
            )
        )
        return
    show_position(Console(), position, built.impacts)
    Console().print("Reports: " + ", ".join(str(f) for f in files))


def show_position(console: Console, position: Any, impacts: list[Any]) -> None:
    """A bond's allocation and impact summary as tables."""
    ccy = position.bond.proceeds.currency.code
    table = Table(title=f"{position.bond.name}: use of proceeds ({ccy})", title_justify="left")
    for col in ("project", "ICMA category", "allocated", "share financed"):
        table.add_column(col, justify="left" if col in ("project", "ICMA category") else "right")
    for a in position.allocations:
        table.add_row(
            a.project.id, a.category, f"{a.allocated.amount:,}", f"{a.share_financed * 100:.1f}%"
        )
    table.add_row("unallocated", "", f"{position.unallocated.amount:,}", "")
    table.add_row("[bold]proceeds[/]", "", f"[bold]{position.bond.proceeds.amount:,}[/]", "")
    console.print(table)
    for line in impacts:
        if line.financed.indicator == "ghg_avoided":
            console.print(
                f"Impact: {line.project_id} avoids {line.financed.value:,} {line.financed.unit} a year"
                " attributable to the bond."
            )


@app.command("gar")
def gar(
    exposures: Annotated[
        Path | None, typer.Option(help="Banking-book exposures CSV for the EU GAR (docs/green.md).")
    ] = None,
    currency: Annotated[
        str, typer.Option(help="Reporting currency of the total GAR (ECB reference rates).")
    ] = "EUR",
    as_of: Annotated[
        str | None, typer.Option(help="Date of the ECB rates (YYYY-MM-DD; default the newest).")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """The green asset ratio of an exposures file (per currency and in all), and the corridor view of the books."""
    day = _day(as_of, "--as-of")
    report = green_asset_ratio(exposures, currency, day) if exposures else None
    engine = make_engine()
    upgrade(engine)
    view = corridor_view(engine, report.by_country if report else ())
    engine.dispose()
    ratios = report.by_currency if report else []
    total = report.total if report else None
    if json_output:
        print(
            json.dumps(
                {
                    "gar": [_fields(r) for r in ratios],
                    "gar_total": _fields(total) if total else None,
                    "rates": report.rates if report else {},
                    "as_of": report.as_of.isoformat() if report and report.as_of else None,
                    "corridor": view.rows,
                    "notes": view.notes,
                },
                default=str,
            )
        )
        return
    console = Console()
    for r in ratios:
        console.print(
            f"GAR {r.currency}: {'–' if r.ratio is None else r.ratio} (aligned {r.aligned:,}"
            f" of covered {r.covered_assets:,}; excluded {r.excluded:,})"
        )
    if total is not None and report is not None:
        console.print(
            f"[bold]GAR, all currencies in {total.currency}[/] (ECB rates of {report.as_of}):"
            f" {'–' if total.ratio is None else total.ratio} (aligned {total.aligned:,} of"
            f" covered {total.covered_assets:,}; excluded {total.excluded:,})"
        )
    table = Table(title="Corridor view: green share by side", title_justify="left")
    for col in ("side", "business", "currency", "green", "of", "green share"):
        table.add_column(col, justify="right" if col in ("green", "of", "green share") else "left")
    for row in view.rows:
        table.add_row(
            str(row["side"]),
            str(row["business"]),
            str(row["currency"]),
            f"{Decimal(str(row['green'])):,}",
            f"{Decimal(str(row['total'])):,}" if "total" in row else "",
            "–" if row["green_share"] is None else str(row["green_share"]),
        )
    console.print(table)
    for note in view.notes:
        console.print(f"[dim]{note}[/]")


def _fields(record: Any) -> dict[str, str | None]:
    """A dataclass's fields as text (exact decimals stay exact in JSON)."""
    return {
        k: None if getattr(record, k) is None else str(getattr(record, k))
        for k in record.__dataclass_fields__
    }


def show_demo(console: Console, result: Any) -> None:
    """The demo's green bond: what this run booked, then its allocation and impact summary."""
    if result is None:
        return
    for line in result.booked:
        console.print(f"Green bond {result.position.bond.id}: {line}.")
    with_impacts = [f for f in result.files if f.suffix == ".html"]
    show_position(console, result.position, getattr(result, "impacts", []))
    console.print("Green bond reports: " + ", ".join(str(f) for f in result.files))
    if with_impacts:
        console.print(f"Open [bold]{with_impacts[0]}[/] for the allocation and impact charts.")
