"""Sanctions lists in the database: every load a version; a failed load changes nothing.

A file is parsed whole before anything is written, and a version is written in one
transaction, so the list in force is always the newest load that succeeded. Loading a
file identical (by checksum) to the version in force records nothing new.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.compliance.internal import parse_internal_csv
from corridor.compliance.listed import (
    EntityType,
    ListedEntry,
    ListedName,
    NameKind,
    ParsedList,
)
from corridor.compliance.ofac import parse_ofac_csv
from corridor.compliance.uk import parse_uk_csv
from corridor.compliance.un import parse_un_xml

_metadata = sa.MetaData()
versions_table = sa.Table(
    "sanctions_list_versions",
    _metadata,
    sa.Column("version", sa.BigInteger, primary_key=True),
    sa.Column("source", sa.String),
    sa.Column("published", sa.String),
    sa.Column("checksum", sa.String),
    sa.Column("files", sa.Text),
    sa.Column("entry_count", sa.Integer),
    sa.Column("loaded_at", sa.String),
)
entries_table = sa.Table(
    "sanctions_entries",
    _metadata,
    sa.Column("version", sa.BigInteger),
    sa.Column("entry_id", sa.String),
    sa.Column("entity_type", sa.String),
    sa.Column("primary_name", sa.Text),
    sa.Column("details", sa.Text),
)


class ListFormat(StrEnum):
    """The published formats Corridor reads."""

    OFAC_CSV = "ofac-csv"
    UN_XML = "un-xml"
    UK_CSV = "uk-csv"
    INTERNAL_CSV = "internal-csv"


PARSERS = {
    ListFormat.OFAC_CSV: parse_ofac_csv,
    ListFormat.UN_XML: parse_un_xml,
    ListFormat.UK_CSV: parse_uk_csv,
    ListFormat.INTERNAL_CSV: parse_internal_csv,
}


@dataclass(frozen=True, slots=True)
class ListVersion:
    """One successful load of a list: what every screening result names."""

    version: int
    source: str
    published: str
    checksum: str
    files: tuple[str, ...]
    entry_count: int
    loaded_at: str


def _version(row: sa.Row[Any]) -> ListVersion:
    return ListVersion(
        int(row.version),
        str(row.source),
        str(row.published),
        str(row.checksum),
        tuple(json.loads(str(row.files))),
        int(row.entry_count),
        str(row.loaded_at),
    )


def versions_in_force(engine: Engine) -> list[ListVersion]:
    """The newest version of each list, by source."""
    newest = (
        sa.select(versions_table.c.source, sa.func.max(versions_table.c.version).label("v"))
        .group_by(versions_table.c.source)
        .subquery()
    )
    query = (
        sa.select(versions_table)
        .join(newest, versions_table.c.version == newest.c.v)
        .order_by(versions_table.c.source)
    )
    with engine.connect() as connection:
        return [_version(row) for row in connection.execute(query)]


def load_list(
    engine: Engine, list_format: ListFormat, path: Path | str
) -> tuple[ListVersion, bool]:
    """Parse `path` whole, then record it as the list's new version in one transaction.

    Returns (the version in force, whether this load created it). A file identical to
    the version in force creates nothing. Raises ListFormatError, writing nothing, for a
    malformed file.
    """
    parsed = PARSERS[list_format](path)
    current = {v.source: v for v in versions_in_force(engine)}.get(parsed.source)
    if current is not None and current.checksum == parsed.checksum:
        return current, False
    with engine.begin() as connection:
        last = connection.execute(sa.select(sa.func.max(versions_table.c.version))).scalar()
        version = max(time.time_ns(), int(last or 0) + 1)
        row = {
            "version": version,
            "source": parsed.source,
            "published": parsed.published,
            "checksum": parsed.checksum,
            "files": json.dumps(list(parsed.files)),
            "entry_count": len(parsed.entries),
            "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        connection.execute(versions_table.insert(), [row])
        connection.execute(entries_table.insert(), [_entry_row(version, e) for e in parsed.entries])
    loaded = ListVersion(
        version,
        parsed.source,
        parsed.published,
        parsed.checksum,
        parsed.files,
        len(parsed.entries),
        str(row["loaded_at"]),
    )
    return loaded, True


def _entry_row(version: int, entry: ListedEntry) -> dict[str, object]:
    details = asdict(entry)
    del details["entry_id"], details["entity_type"]
    return {
        "version": version,
        "entry_id": entry.entry_id,
        "entity_type": entry.entity_type.value,
        "primary_name": entry.primary_name,
        "details": json.dumps(details, ensure_ascii=False),
    }


def entries(engine: Engine, version: int) -> list[ListedEntry]:
    """The entries a version carried, in entry-id order."""
    query = (
        sa.select(entries_table)
        .where(entries_table.c.version == version)
        .order_by(entries_table.c.entry_id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    out = []
    for row in rows:
        details = json.loads(row.details)
        out.append(
            ListedEntry(
                entry_id=row.entry_id,
                entity_type=EntityType(row.entity_type),
                names=tuple(ListedName(n["name"], NameKind(n["kind"])) for n in details["names"]),
                dates_of_birth=tuple(details["dates_of_birth"]),
                countries=tuple(details["countries"]),
                programmes=tuple(details["programmes"]),
                reference=details["reference"],
                listed_on=details["listed_on"],
                remarks=details["remarks"],
            )
        )
    return out


__all__ = ["ListFormat", "ListVersion", "ParsedList", "entries", "load_list", "versions_in_force"]
