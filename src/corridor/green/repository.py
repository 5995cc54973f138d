"""All SQL of corridor.green. Functions take the connection of the caller's unit of work."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from corridor.green.classification import Sector, Tag, TagStatus
from corridor.green.errors import UnknownBondError, UnknownProjectError
from corridor.green.model import Framework, GreenBond, ImpactFigure, Project, Side
from corridor.green.taxonomy import TaxonomyId
from corridor.money import Money

_m = sa.MetaData()
projects = sa.Table(
    "green_projects",
    _m,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String),
    sa.Column("name_zh", sa.String),
    sa.Column("side", sa.String),
    sa.Column("country", sa.String),
    sa.Column("nace", sa.String),
    sa.Column("cn_industry", sa.String),
    sa.Column("technology", sa.String),
    sa.Column("currency", sa.String),
    sa.Column("total_cost", sa.BigInteger),
    sa.Column("approved_on", sa.String),
    sa.Column("grid", sa.String),
)
bonds = sa.Table(
    "green_bonds",
    _m,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("isin", sa.String),
    sa.Column("name", sa.String),
    sa.Column("issuer_bic", sa.String),
    sa.Column("currency", sa.String),
    sa.Column("proceeds", sa.BigInteger),
    sa.Column("issued_on", sa.String),
    sa.Column("matures_on", sa.String),
    sa.Column("framework", sa.Text),
)
bond_projects = sa.Table(
    "green_bond_projects",
    _m,
    sa.Column("bond_id", sa.String, primary_key=True),
    sa.Column("project_id", sa.String, primary_key=True),
    sa.Column("category", sa.String),
    sa.Column("selected_on", sa.String),
)
allocations = sa.Table(
    "green_allocations",
    _m,
    sa.Column("transfer_id", sa.String, primary_key=True),
    sa.Column("bond_id", sa.String),
    sa.Column("kind", sa.String),
    sa.Column("project_id", sa.String),
    sa.Column("placement", sa.String),
    sa.Column("amount", sa.BigInteger),
    sa.Column("booked_on", sa.String),
    sa.Column("note", sa.Text),
)
classifications = sa.Table(
    "green_classifications",
    _m,
    sa.Column("subject", sa.String, primary_key=True),
    sa.Column("taxonomy", sa.String, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("version", sa.String),
    sa.Column("activity", sa.String),
    sa.Column("status", sa.String),
    sa.Column("method", sa.String),
    sa.Column("reason", sa.Text),
    sa.Column("analyst", sa.String),
    sa.Column("classified_at", sa.String),
)
impacts = sa.Table(
    "green_impacts",
    _m,
    sa.Column("project_id", sa.String, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("indicator", sa.String, primary_key=True),
    sa.Column("value", sa.String),
    sa.Column("unit", sa.String),
    sa.Column("method", sa.Text),
)


def _project_row(project: Project) -> dict[str, object]:
    return {
        "id": project.id,
        "name": project.name,
        "name_zh": project.name_zh,
        "side": project.side.value,
        "country": project.country,
        "nace": project.sector.nace,
        "cn_industry": project.sector.cn_industry,
        "technology": project.sector.technology,
        "currency": project.total_cost.currency.code,
        "total_cost": project.total_cost.to_minor_units(),
        "approved_on": project.approved_on.isoformat(),
        "grid": project.grid,
    }


def upsert_project(connection: Connection, project: Project) -> bool:
    """Store a project; True when it is new (an existing one with the same id is kept)."""
    if connection.execute(sa.select(projects.c.id).where(projects.c.id == project.id)).first():
        return False
    connection.execute(projects.insert(), [_project_row(project)])
    return True


def project(connection: Connection, project_id: str) -> Project:
    """The stored project `project_id`; raises UnknownProjectError."""
    row = connection.execute(sa.select(projects).where(projects.c.id == project_id)).first()
    if row is None:
        raise UnknownProjectError(f"no green project {project_id!r}")
    return Project(
        row.id,
        row.name,
        Side(row.side),
        row.country,
        Sector(row.nace, row.cn_industry, row.technology),
        Money.from_minor_units(row.total_cost, row.currency),
        date.fromisoformat(row.approved_on),
        row.grid,
        row.name_zh,
    )


def insert_bond(connection: Connection, bond: GreenBond) -> bool:
    """Store a bond; True when new."""
    if connection.execute(sa.select(bonds.c.id).where(bonds.c.id == bond.id)).first():
        return False
    connection.execute(
        bonds.insert(),
        [
            {
                "id": bond.id,
                "isin": bond.isin,
                "name": bond.name,
                "issuer_bic": bond.issuer_bic,
                "currency": bond.proceeds.currency.code,
                "proceeds": bond.proceeds.to_minor_units(),
                "issued_on": bond.issued_on.isoformat(),
                "matures_on": bond.matures_on.isoformat(),
                "framework": json.dumps(asdict(bond.framework), ensure_ascii=False),
            }
        ],
    )
    return True


def _bond(row: sa.Row[tuple[object, ...]]) -> GreenBond:
    framework = json.loads(str(row.framework))
    return GreenBond(
        str(row.id),
        str(row.isin),
        str(row.name),
        str(row.issuer_bic),
        Money.from_minor_units(int(str(row.proceeds)), str(row.currency)),
        date.fromisoformat(str(row.issued_on)),
        date.fromisoformat(str(row.matures_on)),
        Framework(
            tuple(framework["taxonomies"]),
            tuple(framework["categories"]),
            framework["external_review"],
            framework["unallocated_policy"],
            framework["reporting"],
        ),
    )


def bond(connection: Connection, bond_id: str) -> GreenBond:
    """The stored bond `bond_id`; raises UnknownBondError."""
    row = connection.execute(sa.select(bonds).where(bonds.c.id == bond_id)).first()
    if row is None:
        raise UnknownBondError(
            f"no green bond {bond_id!r} (corridor green report lists none; the demo issues one)"
        )
    return _bond(row)


def all_bonds(connection: Connection) -> list[GreenBond]:
    """Every stored bond, by issue date."""
    return [
        _bond(r)
        for r in connection.execute(sa.select(bonds).order_by(bonds.c.issued_on, bonds.c.id))
    ]


def select_project(
    connection: Connection, bond_id: str, project_id: str, category: str, on: date
) -> None:
    """Record a project as eligible for the bond's proceeds (once)."""
    exists = connection.execute(
        sa.select(bond_projects.c.bond_id).where(
            (bond_projects.c.bond_id == bond_id) & (bond_projects.c.project_id == project_id)
        )
    ).first()
    if not exists:
        connection.execute(
            bond_projects.insert(),
            [
                {
                    "bond_id": bond_id,
                    "project_id": project_id,
                    "category": category,
                    "selected_on": on.isoformat(),
                }
            ],
        )


def selected_projects(connection: Connection, bond_id: str) -> list[tuple[str, str]]:
    """(project id, ICMA category) of the bond's eligible projects, in order of selection."""
    rows = connection.execute(
        sa.select(bond_projects.c.project_id, bond_projects.c.category)
        .where(bond_projects.c.bond_id == bond_id)
        .order_by(bond_projects.c.selected_on, bond_projects.c.project_id)
    )
    return [(str(r.project_id), str(r.category)) for r in rows]


def record_allocation(
    connection: Connection,
    transfer: int,
    bond_id: str,
    kind: str,
    amount: int,
    on: date,
    *,
    project_id: str | None = None,
    placement: str | None = None,
    note: str = "",
) -> None:
    """Journal one ledger transfer of a bond (once: a retry finds it there)."""
    key = f"{transfer:032x}"
    if connection.execute(
        sa.select(allocations.c.transfer_id).where(allocations.c.transfer_id == key)
    ).first():
        return
    connection.execute(
        allocations.insert(),
        [
            {
                "transfer_id": key,
                "bond_id": bond_id,
                "kind": kind,
                "project_id": project_id,
                "placement": placement,
                "amount": amount,
                "booked_on": on.isoformat(),
                "note": note,
            }
        ],
    )


def journal(connection: Connection, bond_id: str | None = None) -> list[dict[str, object]]:
    """The allocation journal (of one bond, or all), oldest first."""
    query = sa.select(allocations).order_by(allocations.c.booked_on, allocations.c.transfer_id)
    if bond_id is not None:
        query = query.where(allocations.c.bond_id == bond_id)
    return [dict(r._mapping) for r in connection.execute(query)]


def add_tags(connection: Connection, subject: str, tags: list[Tag]) -> None:
    """Record tags for a subject; each supersedes the subject's earlier tag in its taxonomy."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for tag in tags:
        seq = connection.execute(
            sa.select(sa.func.coalesce(sa.func.max(classifications.c.seq), 0)).where(
                (classifications.c.subject == subject)
                & (classifications.c.taxonomy == tag.taxonomy.value)
            )
        ).scalar_one()
        connection.execute(
            classifications.insert(),
            [
                {
                    "subject": subject,
                    "taxonomy": tag.taxonomy.value,
                    "seq": int(seq) + 1,
                    "version": tag.version,
                    "activity": tag.activity,
                    "status": tag.status.value,
                    "method": tag.method,
                    "reason": tag.reason,
                    "analyst": tag.analyst,
                    "classified_at": now,
                }
            ],
        )


def current_tags(connection: Connection, subject_prefix: str = "") -> dict[str, list[Tag]]:
    """Each subject's tag in force per taxonomy (the latest decision), by subject."""
    rows = connection.execute(
        sa.select(classifications)
        .where(classifications.c.subject.startswith(subject_prefix))
        .order_by(classifications.c.subject, classifications.c.taxonomy, classifications.c.seq)
    )
    latest: dict[tuple[str, str], Tag] = {}
    for r in rows:
        latest[(r.subject, r.taxonomy)] = Tag(
            TaxonomyId(r.taxonomy),
            r.version,
            r.activity,
            TagStatus(r.status),
            r.method,
            r.reason,
            r.analyst,
        )
    found: dict[str, list[Tag]] = {}
    for (subject, _taxonomy), tag in latest.items():
        found.setdefault(subject, []).append(tag)
    return found


def put_impacts(
    connection: Connection, project_id: str, year: int, figures: list[ImpactFigure]
) -> None:
    """Store a project's impact figures for a year (replacing that year's)."""
    connection.execute(
        impacts.delete().where((impacts.c.project_id == project_id) & (impacts.c.year == year))
    )
    connection.execute(
        impacts.insert(),
        [
            {
                "project_id": project_id,
                "year": year,
                "indicator": f.indicator,
                "value": str(f.value),
                "unit": f.unit,
                "method": f.method,
            }
            for f in figures
        ],
    )


def project_impacts(connection: Connection, project_id: str) -> dict[int, list[ImpactFigure]]:
    """A project's impact figures by year."""
    rows = connection.execute(
        sa.select(impacts)
        .where(impacts.c.project_id == project_id)
        .order_by(impacts.c.year, impacts.c.indicator)
    )
    found: dict[int, list[ImpactFigure]] = {}
    for r in rows:
        found.setdefault(int(r.year), []).append(
            ImpactFigure(r.indicator, Decimal(r.value), r.unit, r.method)
        )
    return found
