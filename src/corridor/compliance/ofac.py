"""OFAC's SDN list in its published CSV form: `sdn.csv`, `alt.csv` and `add.csv`.

Every field is quoted text or the null marker `-0-`; an individual's name is written
"FAMILY, Given". Dates of birth and nationalities live in the free-text remarks
("DOB 10 Aug 1963; nationality Iran."), from which they are read.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from corridor.compliance.listed import (
    EntityType,
    ListedEntry,
    ListedName,
    ListFormatError,
    NameKind,
    ParsedList,
    checksum,
)

FILES = ("sdn.csv", "alt.csv", "add.csv")
_WIDTH = {"sdn.csv": 12, "alt.csv": 5, "add.csv": 6}
_TYPES = {
    "individual": EntityType.PERSON,
    "vessel": EntityType.VESSEL,
    "aircraft": EntityType.AIRCRAFT,
    "": EntityType.ENTITY,
}
_DOB = re.compile(r"\bDOB ([^;]+)")
_NATIONALITY = re.compile(r"\b[Nn]ationality:? ([^;.]+)")


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cleaned fields) of each record, checking its width."""
    width = _WIDTH[path.name]
    try:
        with path.open(encoding="utf-8", errors="strict", newline="") as f:
            reader = csv.reader(f)
            for row in reader:
                if not row or row == ["\x1a"]:  # blank lines; the DOS end-of-file mark
                    continue
                if len(row) != width:
                    raise ListFormatError(
                        path,
                        f"line {reader.line_num}",
                        f"expected {width} fields, found {len(row)}",
                    )
                if not row[0].strip().isdigit():
                    raise ListFormatError(
                        path,
                        f"line {reader.line_num}",
                        f"entry number {row[0].strip()!r} is not a number",
                    )
                yield reader.line_num, [_clean(v) for v in row]
    except UnicodeDecodeError as exc:
        raise ListFormatError(path, f"byte {exc.start}", "not UTF-8 text") from None
    except csv.Error as exc:
        raise ListFormatError(path, "csv", str(exc)) from None


def date_of_birth(text: str) -> str:
    """An OFAC date of birth as ISO: `1963-08-10`, `1963-08`, `1963`, or a range
    `1951..1953`; "circa" is dropped, and what cannot be read is kept as written."""
    text = text.strip().rstrip(".")
    for prefix in ("circa ", "approximately "):
        text = text.removeprefix(prefix)
    if " to " in text:
        low, _, high = text.partition(" to ")
        return f"{date_of_birth(low)}..{date_of_birth(high)}"
    for form, shape in (("%d %b %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m"), ("%Y", "%Y")):
        try:
            return datetime.strptime(text, form).strftime(shape)
        except ValueError:
            continue
    return text


def parse_ofac_csv(folder: Path | str) -> ParsedList:
    """Parse `sdn.csv`, `alt.csv` and `add.csv` from `folder`; every entry with its names,
    dates of birth, countries and programmes. Raises ListFormatError naming file and line."""
    folder = Path(folder)
    paths = [folder / name for name in FILES]
    for path in paths:
        if not path.is_file():
            raise ListFormatError(
                path, "file", "missing: an OFAC SDN list is sdn.csv, alt.csv and add.csv"
            )
    primary: dict[str, tuple[list[str], int]] = {}
    for line, row in _rows(paths[0]):
        if not row[1]:
            raise ListFormatError(paths[0], f"line {line}", "the entry has no name")
        if row[0] in primary:
            raise ListFormatError(paths[0], f"line {line}", f"entry {row[0]} appears twice")
        if row[2].lower() not in _TYPES:
            raise ListFormatError(paths[0], f"line {line}", f"unknown SDN type {row[2]!r}")
        primary[row[0]] = (row, line)
    aliases: dict[str, list[ListedName]] = defaultdict(list)
    for line, row in _rows(paths[1]):
        if row[0] not in primary:
            raise ListFormatError(paths[1], f"line {line}", f"alias of unknown entry {row[0]}")
        if row[3]:
            weak = "weak" in row[4].lower()
            aliases[row[0]].append(
                ListedName(row[3], NameKind.WEAK_ALIAS if weak else NameKind.ALIAS)
            )
    countries: dict[str, list[str]] = defaultdict(list)
    for line, row in _rows(paths[2]):
        if row[0] not in primary:
            raise ListFormatError(paths[2], f"line {line}", f"address of unknown entry {row[0]}")
        if row[4]:
            countries[row[0]].append(row[4])
    entries = []
    for ent_num, (row, _line) in primary.items():
        remarks = row[11]
        found = countries[ent_num] + [n.strip() for n in _NATIONALITY.findall(remarks)]
        if row[9]:
            found.append(row[9])  # a vessel's flag
        entries.append(
            ListedEntry(
                entry_id=ent_num,
                entity_type=_TYPES[row[2].lower()],
                names=(ListedName(row[1], NameKind.PRIMARY), *aliases[ent_num]),
                dates_of_birth=tuple(date_of_birth(d) for d in _DOB.findall(remarks)),
                countries=tuple(dict.fromkeys(found)),
                programmes=tuple(p.strip("[] ") for p in row[3].split("] [") if p.strip("[] ")),
                remarks=remarks,
            )
        )
    return ParsedList("ofac-sdn", "", checksum(paths), tuple(str(p) for p in paths), tuple(entries))
