"""The allocation and impact report of a green bond (ICMA): as CSV, as HTML with inline
SVG charts, and as PDF (fpdf2, pure Python) with the same figures."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from sqlalchemy.engine import Engine

from corridor.green import repository as repo
from corridor.green.classification import divergence
from corridor.green.impact import pro_rata
from corridor.green.model import BondPosition, ImpactFigure
from corridor.green.taxonomy import taxonomy

_COLOURS = ("#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#c62828")


@dataclass(frozen=True, slots=True)
class ImpactLine:
    """A project's impact indicator for a year: whole and the bond's pro-rata share."""

    project_id: str
    year: int
    whole: ImpactFigure
    financed: ImpactFigure


@dataclass(frozen=True, slots=True)
class BondReport:
    """Everything the allocation and impact report shows."""

    position: BondPosition
    impacts: list[ImpactLine]
    tags: dict[str, list[str]]
    """Project id → its classification per taxonomy, described."""
    divergences: dict[str, str]


def build(engine: Engine, position: BondPosition) -> BondReport:
    """The report of a bond position: impact pro rata to the share financed, tags per project."""
    lines: list[ImpactLine] = []
    tags: dict[str, list[str]] = {}
    divergences: dict[str, str] = {}
    with engine.connect() as connection:
        current = repo.current_tags(connection, "project:")
        for allocation in position.allocations:
            pid = allocation.project.id
            for year, figures in sorted(repo.project_impacts(connection, pid).items()):
                lines += [
                    ImpactLine(pid, year, f, pro_rata(f, allocation.share_financed))
                    for f in figures
                ]
            found = current.get(f"project:{pid}", [])
            tags[pid] = [t.describe() for t in found]
            divergences[pid] = divergence(found)
    return BondReport(position, lines, tags, divergences)


def allocation_csv(report: BondReport) -> str:
    """One row per project, then the unallocated balance by placement."""
    pos = report.position
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "bond",
            "isin",
            "line",
            "project",
            "side",
            "icma_category",
            "allocated",
            "currency",
            "share_of_proceeds",
            "share_of_project_financed",
            "taxonomies",
            "eligibility",
        ]
    )
    proceeds = pos.bond.proceeds.amount
    for a in pos.allocations:
        writer.writerow(
            [
                pos.bond.id,
                pos.bond.isin,
                "allocated",
                a.project.id,
                a.project.side.value,
                a.category,
                a.allocated.amount,
                a.allocated.currency.code,
                f"{a.allocated.amount / proceeds:.4f}",
                f"{a.share_financed:.4f}",
                " | ".join(report.tags.get(a.project.id, [])),
                a.eligibility,
            ]
        )
    if pos.unallocated_cash is not None:
        writer.writerow(
            [
                pos.bond.id,
                pos.bond.isin,
                "unallocated",
                "",
                "",
                "cash",
                pos.unallocated_cash.amount,
                pos.bond.proceeds.currency.code,
                f"{pos.unallocated_cash.amount / proceeds:.4f}",
                "",
                "",
                "",
            ]
        )
    for placement, amount in pos.placements.items():
        if not amount.is_zero():
            writer.writerow(
                [
                    pos.bond.id,
                    pos.bond.isin,
                    "unallocated",
                    "",
                    "",
                    placement,
                    amount.amount,
                    amount.currency.code,
                    f"{amount.amount / proceeds:.4f}",
                    "",
                    "",
                    "",
                ]
            )
    writer.writerow(
        [
            pos.bond.id,
            pos.bond.isin,
            "proceeds",
            "",
            "",
            "",
            proceeds,
            pos.bond.proceeds.currency.code,
            "1.0000",
            "",
            "",
            "",
        ]
    )
    return out.getvalue()


def impact_csv(report: BondReport) -> str:
    """One row per project, year and indicator: whole project, share financed, the bond's part."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "bond",
            "project",
            "year",
            "indicator",
            "unit",
            "project_total",
            "share_financed",
            "attributable_to_bond",
            "method",
        ]
    )
    shares = {a.project.id: a.share_financed for a in report.position.allocations}
    for line in report.impacts:
        writer.writerow(
            [
                report.position.bond.id,
                line.project_id,
                line.year,
                line.whole.indicator,
                line.whole.unit,
                _plain(line.whole.value),
                f"{shares[line.project_id]:.6f}",
                _plain(line.financed.value),
                line.whole.method,
            ]
        )
    return out.getvalue()


def _plain(value: Decimal) -> str:
    """A figure without trailing zeros or an exponent: 13140.000 → '13140'."""
    return f"{value.normalize():f}"


def _bars(title: str, items: list[tuple[str, Decimal]], unit: str) -> str:
    """A horizontal bar chart as inline SVG."""
    width, bar, gap, label = 640, 22, 8, 230
    top = max((v for _, v in items), default=Decimal(1)) or Decimal(1)
    height = 30 + len(items) * (bar + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(items):
        y = 20 + i * (bar + gap)
        length = int((width - label - 120) * (value / top)) if top else 0
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{html.escape(name[:34])}</text>')
        parts.append(
            f'<rect x="{label}" y="{y}" width="{max(length, 1)}" height="{bar}" '
            f'fill="{_COLOURS[i % len(_COLOURS)]}"/>'
        )
        parts.append(
            f'<text x="{label + length + 6}" y="{y + 15}" font-size="12">{value:,} {unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _share_bar(pos: BondPosition) -> str:
    """Allocated vs unallocated (by placement) as one stacked bar."""
    proceeds = pos.bond.proceeds.amount
    pieces = [(a.project.id, a.allocated.amount) for a in pos.allocations]
    pieces += [
        (f"unallocated: {k}", v.amount) for k, v in pos.placements.items() if not v.is_zero()
    ]
    if pos.unallocated_cash is not None and not pos.unallocated_cash.is_zero():
        pieces.append(("unallocated: cash", pos.unallocated_cash.amount))
    width, x = 640, 0.0
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="640" height="70" '
        'aria-label="Use of proceeds"><title>Use of proceeds</title>'
    ]
    for i, (name, value) in enumerate(pieces):
        w = float(value / proceeds) * width
        colour = "#9e9e9e" if name.startswith("unallocated") else _COLOURS[i % len(_COLOURS)]
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="30" fill="{colour}">'
            f"<title>{html.escape(name)}: {value:,}</title></rect>"
        )
        x += w
    allocated = pos.allocated.amount / proceeds * 100
    parts.append(
        f'<text x="0" y="50" font-size="12">{allocated:.1f}% allocated, '
        f"{100 - allocated:.1f}% unallocated</text></svg>"
    )
    return "".join(parts)


def allocation_html(report: BondReport) -> str:
    """The allocation and impact report as one self-contained HTML page."""
    pos = report.position
    bond = pos.bond
    ccy = bond.proceeds.currency.code
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(a.project.id)}</td><td>{e(a.project.name)} {e(a.project.name_zh)}</td>"
        f"<td>{e(a.project.side.value)}</td><td>{e(a.category)}</td>"
        f"<td class=n>{a.allocated.amount:,}</td><td class=n>{a.share_financed * 100:.2f}%</td>"
        f"<td>{'<br>'.join(e(t) for t in report.tags.get(a.project.id, []))}"
        f"{'<br><b>' + e(report.divergences[a.project.id]) + '</b>' if report.divergences.get(a.project.id) else ''}"
        f"{'<br><i>eligible: ' + e(a.eligibility) + '</i>' if a.eligibility else ''}</td></tr>"
        for a in pos.allocations
    )
    unallocated = "".join(
        f"<tr><td>{e(k)}</td><td class=n>{v.amount:,}</td></tr>"
        for k, v in [("cash", pos.unallocated_cash), *pos.placements.items()]
        if v is not None and not v.is_zero()
    )
    impact_rows = "".join(
        f"<tr><td>{e(i.project_id)}</td><td>{i.year}</td><td>{e(i.whole.indicator)}</td>"
        f"<td class=n>{i.whole.value.normalize():,f} {e(i.whole.unit)}</td>"
        f"<td class=n>{i.financed.value:,} {e(i.financed.unit)}</td><td>{e(i.whole.method)}</td></tr>"
        for i in report.impacts
    )
    avoided = [
        (i.project_id, i.financed.value)
        for i in report.impacts
        if i.whole.indicator == "ghg_avoided"
    ]
    # The China grid factor counts CO2 only, the UK's CO2e: each figure keeps its own unit.
    avoided_unit = " or ".join(
        sorted({i.financed.unit for i in report.impacts if i.whole.indicator == "ghg_avoided"})
    )
    by_category: dict[str, Decimal] = {}
    for a in pos.allocations:
        by_category[a.category] = by_category.get(a.category, Decimal(0)) + a.allocated.amount
    frameworks = ", ".join(e(t) for t in bond.framework.taxonomies)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{e(bond.name)}: allocation and impact report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;width:100%;margin:1em 0}}td,th{{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top;font-size:13px}}
.n{{text-align:right;white-space:nowrap}}h2{{margin-top:1.6em}}</style></head><body>
<h1>{e(bond.name)}</h1>
<p>ISIN {e(bond.isin)} · issuer {e(bond.issuer_bic)} · issued {bond.issued_on} · matures {bond.matures_on}
· proceeds {bond.proceeds.amount:,} {ccy}</p>
<p>Framework: ICMA Green Bond Principles; eligibility judged against {frameworks}; external review:
{e(bond.framework.external_review)}. Unallocated proceeds: {e(bond.framework.unallocated_policy)}.</p>
<h2>Allocation of proceeds</h2>
{_share_bar(pos)}
{_bars("Allocated by ICMA category (" + ccy + ")", sorted(by_category.items()), ccy)}
<table><tr><th>project</th><th>name</th><th>side</th><th>ICMA category</th><th class=n>allocated ({ccy})</th>
<th class=n>share of project financed</th><th>classification (taxonomy, version, activity)</th></tr>{rows}</table>
<p>Allocated {pos.allocated.amount:,} {ccy}; unallocated {pos.unallocated.amount:,} {ccy}; together
{(pos.allocated + pos.unallocated).amount:,} {ccy} = proceeds.</p>
<table><tr><th>unallocated, placed in</th><th class=n>{ccy}</th></tr>{unallocated}</table>
<h2>Impact (pro rata to the share financed)</h2>
{_bars(f"Annual GHG avoided attributable to the bond ({avoided_unit})", avoided, avoided_unit) if avoided else ""}
<table><tr><th>project</th><th>year</th><th>indicator</th><th class=n>whole project</th>
<th class=n>attributable to the bond</th><th>method and source</th></tr>{impact_rows}</table>
<p>Figures rounded half-even (tCO2, tCO2e and MWh to units, MW to 0.01). GHG avoided is in
tCO2 where the grid factor counts carbon dioxide only (China's MEE factors), in tCO2e where it
counts every gas (the UK's). Avoided emissions are reported apart from financed emissions
(PCAF Ch. 6).</p></body></html>
"""


def allocation_pdf(report: BondReport) -> bytes:
    """The same figures as a PDF (core fonts: Latin text only, so Chinese names are left out)."""

    def latin(text: str) -> str:
        return text.encode("latin-1", "replace").decode("latin-1")

    pos = report.position
    ccy = pos.bond.proceeds.currency.code
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, latin(f"{pos.bond.name}: allocation and impact"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.multi_cell(
        0,
        5,
        latin(
            f"ISIN {pos.bond.isin}, issuer {pos.bond.issuer_bic}, issued "
            f"{pos.bond.issued_on}, proceeds {pos.bond.proceeds.amount:,} {ccy}."
        ),
    )
    with pdf.table(col_widths=(30, 60, 35, 35, 30)) as table:
        table.row(["project", "name", "category", f"allocated ({ccy})", "share financed"])
        for a in pos.allocations:
            table.row(
                [
                    a.project.id,
                    latin(a.project.name),
                    a.category,
                    f"{a.allocated.amount:,}",
                    f"{a.share_financed * 100:.2f}%",
                ]
            )
        table.row(["", "unallocated", "", f"{pos.unallocated.amount:,}", ""])
    pdf.ln(4)
    with pdf.table(col_widths=(35, 15, 35, 40, 40)) as table:
        table.row(["project", "year", "indicator", "whole project", "attributable"])
        for i in report.impacts:
            table.row(
                [
                    i.project_id,
                    str(i.year),
                    i.whole.indicator,
                    f"{i.whole.value.normalize():,f} {i.whole.unit}",
                    f"{i.financed.value:,} {i.financed.unit}",
                ]
            )
    return bytes(pdf.output())


def write(report: BondReport, out: Path) -> list[Path]:
    """Write the report as HTML, PDF and two CSVs into `out`; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"green-bond-{report.position.bond.id}"
    files = {
        Path(f"{stem}-report.html"): allocation_html(report),
        Path(f"{stem}-allocation.csv"): allocation_csv(report),
        Path(f"{stem}-impact.csv"): impact_csv(report),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    pdf = Path(f"{stem}-report.pdf")
    pdf.write_bytes(allocation_pdf(report))
    return [*files, pdf]


def catalogue_note(taxonomy_id: str) -> str:
    """'cn-gbepc 2021' for a framework line."""
    shipped = taxonomy(taxonomy_id)
    return f"{shipped.id.value} {shipped.version}"
