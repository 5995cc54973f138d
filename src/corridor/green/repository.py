"""All SQL of corridor.green. Functions take the connection of the caller's unit of work."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from corridor.green.classification import Sector, Tag, TagStatus, check_subject
from corridor.green.errors import ProjectTermsError, UnknownBondError, UnknownProjectError
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
    sa.Column("eligibility", sa.Text),
    sa.Column("analyst", sa.String),
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
    """Store a project; True when it is new, False when stored already on the same terms.
    Raises ProjectTermsError when its id is stored with other terms (nothing changes)."""
    found = _stored_project(connection, project.id)
    if found is not None:
        stored, given = _project_row(found), _project_row(project)
        changed = [k for k in given if given[k] != stored[k]]
        if changed:
            raise ProjectTermsError(
                f"project {project.id} is registered with other terms"
                f" ({', '.join(f'{k} {stored[k]!r}, not {given[k]!r}' for k in changed)})"
            )
        return False
    connection.execute(projects.insert(), [_project_row(project)])
    return True


def project(connection: Connection, project_id: str) -> Project:
    """The stored project `project_id`; raises UnknownProjectError."""
    found = _stored_project(connection, project_id)
    if found is None:
        raise UnknownProjectError(f"no green project {project_id!r}")
    return found


def _stored_project(connection: Connection, project_id: str) -> Project | None:
    row = connection.execute(sa.select(projects).where(projects.c.id == project_id)).first()
    if row is None:
        return None
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


@dataclass(frozen=True, slots=True)
class Selection:
    """A project made eligible for a bond's proceeds: under which category, and why."""

    project_id: str
    category: str
    eligibility: str
    analyst: str = ""


def select_project(connection: Connection, bond_id: str, selection: Selection, on: date) -> None:
    """Record a project as eligible for the bond's proceeds (once)."""
    if selected(connection, bond_id, selection.project_id) is None:
        connection.execute(
            bond_projects.insert(),
            [
                {
                    "bond_id": bond_id,
                    "project_id": selection.project_id,
                    "category": selection.category,
                    "selected_on": on.isoformat(),
                    "eligibility": selection.eligibility,
                    "analyst": selection.analyst,
                }
            ],
        )


def selected(connection: Connection, bond_id: str, project_id: str) -> Selection | None:
    """The project's selection for the bond, if it was selected."""
    row = connection.execute(
        sa.select(bond_projects).where(
            (bond_projects.c.bond_id == bond_id) & (bond_projects.c.project_id == project_id)
        )
    ).first()
    if row is None:
        return None
    return Selection(str(row.project_id), str(row.category), str(row.eligibility), str(row.analyst))


def selected_projects(connection: Connection, bond_id: str) -> list[Selection]:
    """The bond's eligible projects, in order of selection."""
    rows = connection.execute(
        sa.select(bond_projects)
        .where(bond_projects.c.bond_id == bond_id)
        .order_by(bond_projects.c.selected_on, bond_projects.c.project_id)
    )
    return [
        Selection(str(r.project_id), str(r.category), str(r.eligibility), str(r.analyst))
        for r in rows
    ]


def all_projects(connection: Connection) -> list[Project]:
    """Every registered project, by id."""
    ids = connection.execute(sa.select(projects.c.id).order_by(projects.c.id)).scalars()
    return [project(connection, str(i)) for i in ids]


def bonds_financing(connection: Connection, project_id: str) -> list[str]:
    """The ids of the bonds the project is an eligible project of."""
    rows = connection.execute(
        sa.select(bond_projects.c.bond_id)
        .where(bond_projects.c.project_id == project_id)
        .order_by(bond_projects.c.bond_id)
    )
    return [str(r.bond_id) for r in rows]


def allocations_to(connection: Connection, project_id: str) -> list[tuple[int, int]]:
    """(ledger transfer id, amount in minor units) of every allocation to the project,
    from every bond."""
    rows = connection.execute(
        sa.select(allocations.c.transfer_id, allocations.c.amount).where(
            (allocations.c.kind == "allocate") & (allocations.c.project_id == project_id)
        )
    )
    return [(int(str(r.transfer_id), 16), int(r.amount)) for r in rows]


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
    """Record tags for a subject (KIND:ID); each supersedes the subject's earlier tag in
    its taxonomy."""
    check_subject(subject)
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


def record_tags(connection: Connection, subject: str, tags: list[Tag]) -> bool:
    """Record tags as `add_tags` does, leaving out each taxonomy whose tag in force already
    is the last one given for it (so a step repeated records nothing twice); True when any
    tag was recorded."""
    current = {t.taxonomy: t for t in current_tags(connection, subject).get(subject, [])}
    by_taxonomy: dict[TaxonomyId, list[Tag]] = {}
    for tag in tags:
        by_taxonomy.setdefault(tag.taxonomy, []).append(tag)
    wanted = [
        tag
        for taxonomy, given in by_taxonomy.items()
        if current.get(taxonomy) != given[-1]
        for tag in given
    ]
    add_tags(connection, subject, wanted)
    return bool(wanted)


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
