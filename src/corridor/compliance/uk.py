"""The UK Sanctions List (FCDO) in its published CSV form.

Since 28 January 2026 the FCDO's UK Sanctions List replaces OFSI's consolidated list. The
file opens with a `Report Date` line, then a header row, then one row per *name*: an
entry with several names has several rows sharing its Unique ID, each repeating the
entry's details. Columns are found by header name, so a new column or a new order does
not break the parse. Name 6 is always the family name (or an entity's or ship's name)
and Name 1 to Name 5 the given names, so a person's name reads "Given Names FAMILY".
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
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

_TYPES = {"individual": EntityType.PERSON, "entity": EntityType.ENTITY, "ship": EntityType.VESSEL}
_NAME_TYPES = {
    "primary name": NameKind.PRIMARY,
    "primary name variation": NameKind.ALIAS,
    "alias": NameKind.ALIAS,
}
_RANK = {NameKind.PRIMARY: 0, NameKind.ALIAS: 1, NameKind.WEAK_ALIAS: 2}
_GIVEN = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5")
# Each column by the name errors give it, with the header spellings that mean it.
_COLUMNS = {
    "Unique ID": ("Unique ID",),
    "OFSI Group ID": ("OFSI Group ID", "Group ID"),
    "UN Reference Number": ("UN Reference Number",),
    **{name: (name,) for name in (*_GIVEN, "Name 6")},
    "Name type": ("Name type",),
    "Alias strength": ("Alias strength", "Alias quality"),
    "Name non-latin script": ("Name non-latin script",),
    "Regime Name": ("Regime Name", "Regime"),
    "Designation Type": ("Designation Type", "Individual, Entity, Ship"),
    "Other Information": ("Other Information",),
    "Address Country": ("Address Country",),
    "Date Designated": ("Date Designated",),
    "D.O.B": ("D.O.B", "DOB", "Date of birth"),
    "Nationality(/ies)": ("Nationality(/ies)", "Nationality", "Nationalities"),
    "Country of birth": ("Country of birth",),
    "Current believed flag of ship": ("Current believed flag of ship", "Flag of ship"),
}
_REQUIRED = ("Unique ID", "Name 6", "Name type", "Designation Type")
_COUNTRY_COLUMNS = (
    "Nationality(/ies)",
    "Address Country",
    "Country of birth",
    "Current believed flag of ship",  # a ship's flag, as the OFAC parser keeps it
)
_REPORT_DATE = re.compile(r"report\s*date\s*[:,]?\s*(.*)", re.IGNORECASE | re.DOTALL)
_YEAR = re.compile(r"[0-9]{4}")
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
# Several values in one cell: "|", ";" or a line break between them, or "(1) … (2) …".
_SEVERAL = re.compile(r"\s*(?:[|;\r\n]|\(\d+\))\s*")


def several(text: str) -> list[str]:
    """The values of a cell that holds several, in order, without blanks."""
    return [value for value in _SEVERAL.split(text) if value]


def date_of_birth(text: str) -> str | None:
    """A UK list date of birth as `YYYY-MM-DD`, or `YYYY` where the day or month is 00
    (unknown); None when it is not a date."""
    text = text.strip()
    if _YEAR.fullmatch(text):
        return text if text != "0000" else None
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        return _iso_date(text, ("%Y-%m-%d",))
    day, month, year = (int(part) for part in match.groups())
    if year == 0 or month > 12 or day > 31:
        return None
    if day == 0 or month == 0:
        return f"{year:04d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _iso_date(text: str, forms: tuple[str, ...]) -> str | None:
    for form in forms:
        try:
            return datetime.strptime(text.strip(), form).date().isoformat()
        except ValueError:
            continue
    return None


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


@dataclass
class _Row:
    """One data row, its cells found by column name."""

    path: Path
    line: int
    cells: list[str]
    columns: dict[str, int]

    def get(self, column: str) -> str:
        index = self.columns.get(column)
        return " ".join(self.cells[index].split()) if index is not None else ""

    def raw(self, column: str) -> str:
        index = self.columns.get(column)
        return self.cells[index].strip() if index is not None else ""

    def error(self, column: str, problem: str) -> ListFormatError:
        return ListFormatError(self.path, f"line {self.line}, {column}", problem)


@dataclass
class _Draft:
    """An entry gathered from its rows."""

    line: int
    entity_type: EntityType
    names: dict[str, NameKind] = field(default_factory=dict)
    dates_of_birth: dict[str, None] = field(default_factory=dict)
    countries: dict[str, None] = field(default_factory=dict)
    programmes: dict[str, None] = field(default_factory=dict)
    references: dict[str, None] = field(default_factory=dict)
    listed_on: str = ""
    remarks: dict[str, None] = field(default_factory=dict)

    def add_name(self, name: str, kind: NameKind) -> None:
        held = self.names.get(name)
        if held is None or _RANK.get(kind, 3) < _RANK.get(held, 3):
            self.names[name] = kind

    def entry(self, entry_id: str) -> ListedEntry:
        # The primary name leads, then the aliases, then the names in their own script,
        # each group in the file's order (sorted() is stable).
        order = {NameKind.PRIMARY: 0, NameKind.ORIGINAL_SCRIPT: 2}
        names = sorted(self.names.items(), key=lambda item: order.get(item[1], 1))
        return ListedEntry(
            entry_id=entry_id,
            entity_type=self.entity_type,
            names=tuple(ListedName(name, kind) for name, kind in names),
            dates_of_birth=tuple(self.dates_of_birth),
            countries=tuple(self.countries),
            programmes=tuple(self.programmes),
            reference="; ".join(self.references),
            listed_on=self.listed_on,
            remarks="; ".join(self.remarks),
        )


def _published(path: Path, line: int, cells: list[str]) -> str:
    values = [cell.strip() for cell in cells if cell.strip()]
    match = _REPORT_DATE.fullmatch(values[0])
    if match is None:
        raise ListFormatError(
            path, f"line {line}", "expected the 'Report Date' line that opens the UK list"
        )
    stamp = " ".join(match.group(1).split()) or (values[1] if len(values) > 1 else "")
    if not stamp:
        raise ListFormatError(path, f"line {line}, Report Date", "no date after 'Report Date'")
    if len(stamp) > MAX_ID_LENGTH:
        raise ListFormatError(
            path, f"line {line}, Report Date", f"longer than {MAX_ID_LENGTH} characters"
        )
    forms = ("%d-%b-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d-%B-%Y")
    return _iso_date(stamp, forms) or stamp


def _columns(path: Path, line: int, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        found.setdefault(_key(title), index)
    columns: dict[str, int] = {}
    for column, spellings in _COLUMNS.items():
        for spelling in spellings:
            if _key(spelling) in found:
                columns[column] = found[_key(spelling)]
                break
    for column in _REQUIRED:
        if column not in columns:
            raise ListFormatError(path, f"line {line}", f"the header has no {column!r} column")
    return columns


def _add_row(row: _Row, draft: _Draft) -> None:
    """Add one row's name and details to its entry's draft."""
    latin = " ".join(p for p in (*(row.get(g) for g in _GIVEN), row.get("Name 6")) if p)
    original = several(row.raw("Name non-latin script"))
    if not latin and not original:
        raise row.error("Name 1 to Name 6", "the row has no name")
    if latin:
        name_type = row.get("Name type")
        kind = _NAME_TYPES.get(name_type.lower())
        if kind is None:
            raise row.error(
                "Name type", f"{name_type!r} is not Primary Name, Primary Name Variation or Alias"
            )
        strength = row.get("Alias strength").lower()
        if name_type.lower() == "alias" and ("low" in strength or "weak" in strength):
            kind = NameKind.WEAK_ALIAS
        draft.add_name(latin, kind)
    for name in original:
        draft.add_name(" ".join(name.split()), NameKind.ORIGINAL_SCRIPT)
    for written in several(row.raw("D.O.B")):
        iso = date_of_birth(written)
        if iso is None:
            raise row.error(
                "D.O.B", f"{written!r} is not a date (dd/mm/yyyy, 00 for an unknown day or month)"
            )
        draft.dates_of_birth[iso] = None
    for column in _COUNTRY_COLUMNS:
        draft.countries.update(dict.fromkeys(several(row.raw(column))))
    draft.programmes.update(dict.fromkeys(several(row.raw("Regime Name"))))
    for label, column in (("OFSI", "OFSI Group ID"), ("UN", "UN Reference Number")):
        if row.get(column):
            draft.references[f"{label} {row.get(column)}"] = None
    designated = row.get("Date Designated")
    if designated and not draft.listed_on:
        iso = _iso_date(designated, ("%d/%m/%Y", "%Y-%m-%d"))
        if iso is None:
            raise row.error("Date Designated", f"{designated!r} is not a date (dd/mm/yyyy)")
        draft.listed_on = iso
    if row.get("Other Information"):
        draft.remarks[row.get("Other Information")] = None


def parse_uk_csv(path: Path | str) -> ParsedList:
    """Parse the UK Sanctions List CSV whole: one entry per Unique ID with every name it is
    listed under, dates of birth, countries and regimes. Raises ListFormatError naming the
    file, the line and the field."""
    path = Path(path)
    records = csv_records(path, io.StringIO(read_list_text(path), newline=""))
    first = next(records, None)
    if first is None:
        raise ListFormatError(path, "line 1", "the file is empty: no 'Report Date' line")
    published = _published(path, *first)
    header_line, header = next(records, (first[0] + 1, []))
    if not header:
        raise ListFormatError(path, f"line {header_line}", "no header row after the Report Date")
    columns = _columns(path, header_line, header)
    drafts: dict[str, _Draft] = {}
    for line, cells in records:
        # Empty cells past the header's last column are padding, not data.
        if len(cells) < len(header) or any(c.strip() for c in cells[len(header) :]):
            raise ListFormatError(
                path, f"line {line}", f"expected {len(header)} fields, found {len(cells)}"
            )
        row = _Row(path, line, cells, columns)
        entry_id = row.get("Unique ID")
        if not entry_id:
            raise row.error("Unique ID", "empty: every row names the entry it belongs to")
        if len(entry_id) > MAX_ID_LENGTH:
            raise row.error("Unique ID", f"longer than {MAX_ID_LENGTH} characters")
        written = row.get("Designation Type")
        entity_type = _TYPES.get(written.lower())
        if entity_type is None:
            raise row.error("Designation Type", f"{written!r} is not Individual, Entity or Ship")
        draft = drafts.setdefault(entry_id, _Draft(line, entity_type))
        if draft.entity_type is not entity_type:
            raise row.error(
                "Designation Type",
                f"{written!r}, but line {draft.line} lists {entry_id} as {draft.entity_type.value}",
            )
        _add_row(row, draft)
    if not drafts:
        raise ListFormatError(path, f"line {header_line}", "no entries after the header row")
    entries = tuple(draft.entry(entry_id) for entry_id, draft in drafts.items())
    return ParsedList("uk", published, checksum([path]), (str(path),), entries)
