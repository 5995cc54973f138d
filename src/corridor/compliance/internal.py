"""The institution's own watch list, in a small documented CSV form.

The header is `id,name,type,aliases,date_of_birth,country,reason`, every column present
(in any order) and no other; a line starting with `#` is a comment. `type` is `person`
or `entity`; `aliases` are separated by `;`; `date_of_birth` is `YYYY-MM-DD` or `YYYY`
and `country` an ISO 3166 alpha-2 code, both optional; `reason` is free text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from corridor.compliance.listed import (
    MAX_ID_LENGTH,
    EntityType,
    ListedEntry,
    ListedName,
    ListFormatError,
    NameKind,
    ParsedList,
    checksum,
    csv_records,
    read_list_text,
)

COLUMNS = ("id", "name", "type", "aliases", "date_of_birth", "country", "reason")
_TYPES = {"person": EntityType.PERSON, "entity": EntityType.ENTITY}
_YEAR = re.compile(r"[0-9]{4}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def _without_comments(text: str) -> Iterator[str]:
    """The file's lines, a comment line left blank so that line numbers stay true."""
    for line in io.StringIO(text, newline=""):
        yield "\n" if line.lstrip().startswith("#") else line


def _date_of_birth(text: str) -> str | None:
    if _YEAR.fullmatch(text):
        return text if text != "0000" else None
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def _header(path: Path, line: int, header: list[str]) -> dict[str, int]:
    titles = [title.strip().lower() for title in header]
    for title in titles:
        if title not in COLUMNS:
            raise ListFormatError(
                path,
                f"line {line}",
                f"unknown column {title!r}; the columns are {','.join(COLUMNS)}",
            )
        if titles.count(title) > 1:
            raise ListFormatError(path, f"line {line}", f"column {title!r} appears twice")
    for column in COLUMNS:
        if column not in titles:
            raise ListFormatError(path, f"line {line}", f"the header has no {column!r} column")
    return {title: index for index, title in enumerate(titles)}


def _entry(path: Path, line: int, cells: dict[str, str]) -> ListedEntry:
    def error(column: str, problem: str) -> ListFormatError:
        return ListFormatError(path, f"line {line}, {column}", problem)

    if not cells["id"]:
        raise error("id", "empty: every entry has an id")
    if len(cells["id"]) > MAX_ID_LENGTH:
        raise error("id", f"longer than {MAX_ID_LENGTH} characters")
    if not cells["name"]:
        raise error("name", f"empty: entry {cells['id']} has no name")
    entity_type = _TYPES.get(cells["type"].lower())
    if entity_type is None:
        raise error("type", f"{cells['type']!r} is not person or entity")
    dates: tuple[str, ...] = ()
    if cells["date_of_birth"]:
        iso = _date_of_birth(cells["date_of_birth"])
        if iso is None:
            raise error("date_of_birth", f"{cells['date_of_birth']!r} is not YYYY-MM-DD or YYYY")
        dates = (iso,)
    country = cells["country"].upper()
    if country and not _COUNTRY.fullmatch(country):
        raise error("country", f"{cells['country']!r} is not an ISO 3166 alpha-2 code")
    aliases = [" ".join(a.split()) for a in cells["aliases"].split(";")]
    names = dict.fromkeys([cells["name"], *(a for a in aliases if a)])
    return ListedEntry(
        entry_id=cells["id"],
        entity_type=entity_type,
        names=tuple(
            ListedName(name, NameKind.PRIMARY if i == 0 else NameKind.ALIAS)
            for i, name in enumerate(names)
        ),
        dates_of_birth=dates,
        countries=(country,) if country else (),
        remarks=cells["reason"],
    )


def parse_internal_csv(path: Path | str) -> ParsedList:
    """Parse the internal watch list whole: one entry per row, its name first and its
    aliases after. Raises ListFormatError naming the file, the line and the field."""
    path = Path(path)
    records = csv_records(path, _without_comments(read_list_text(path)))
    first = next(records, None)
    if first is None:
        raise ListFormatError(path, "line 1", f"the file is empty: no header {','.join(COLUMNS)}")
    header_line, header = first
    columns = _header(path, header_line, header)
    entries: list[ListedEntry] = []
    seen: dict[str, int] = {}
    for line, row in records:
        if len(row) != len(header):
            raise ListFormatError(
                path, f"line {line}", f"expected {len(header)} fields, found {len(row)}"
            )
        cells = {column: row[index].strip() for column, index in columns.items()}
        cells["name"] = " ".join(cells["name"].split())
        entry = _entry(path, line, cells)
        if entry.entry_id in seen:
            raise ListFormatError(
                path,
                f"line {line}, id",
                f"{entry.entry_id!r} is already the id of line {seen[entry.entry_id]}",
            )
        seen[entry.entry_id] = line
        entries.append(entry)
    if not entries:
        raise ListFormatError(path, f"line {header_line}", "no entries after the header row")
    return ParsedList("internal", "", checksum([path]), (str(path),), tuple(entries))
