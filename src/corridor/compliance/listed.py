"""What a sanctions list says about each listed party, whatever format it came in."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

MAX_ID_LENGTH = 64
"""The store keeps an entry id (and a publication stamp) in 64 characters."""


# A BIC a list gives in an entry's remarks, after its label: "SWIFT/BIC HNRBBY2X" (OFAC),
# "SWIFT: DCBKKPPY.", "SWIFT/BIC: KUDBKPPY" (UN), "BIC code ABCDIRTH".
_LISTED_BIC = re.compile(
    r"\b(?i:swift(?:\s*/\s*bic)?|bic)(?i:\s+code)?\s*:?\s*([A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b"
)


def bics_in(remarks: str) -> tuple[str, ...]:
    """The BICs an entry's remarks give, in order, each once."""
    return tuple(dict.fromkeys(_LISTED_BIC.findall(remarks)))


class ListFormatError(ValueError):
    """A list file must follow its published format; the error names the file and where."""

    def __init__(self, path: Path | str, where: str, problem: str) -> None:
        super().__init__(f"{path}: {where}: {problem}")
        self.path = str(path)
        self.where = where
        self.problem = problem


class NameKind(StrEnum):
    """How a list presents a name."""

    PRIMARY = "primary"
    ALIAS = "alias"  # a strong alias: a.k.a., f.k.a., n.k.a., "good quality"
    WEAK_ALIAS = "weak_alias"  # a low-quality alias, which lists warn may over-match
    ORIGINAL_SCRIPT = "original_script"  # the name in its own script (Arabic, Chinese…)


class EntityType(StrEnum):
    """What kind of party an entry lists."""

    PERSON = "person"
    ENTITY = "entity"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


@dataclass(frozen=True, slots=True)
class ListedName:
    """One name of a listed party, as the list writes it."""

    name: str
    kind: NameKind


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """A listed party: its id on the list, names, and identifying details."""

    entry_id: str
    entity_type: EntityType
    names: tuple[ListedName, ...]
    dates_of_birth: tuple[str, ...] = ()
    """As the list gives them: `YYYY-MM-DD`, `YYYY`, or a range `YYYY..YYYY`."""
    countries: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    reference: str = ""
    listed_on: str = ""
    remarks: str = ""

    @property
    def primary_name(self) -> str:
        """The name the list leads with."""
        return self.names[0].name


@dataclass(frozen=True, slots=True)
class ParsedList:
    """A list file (or set of files) parsed whole, with what identifies its version."""

    source: str
    """Which list: `ofac-sdn`, `un`, `uk`, `internal`."""
    published: str
    """The list's own publication stamp, as it gives it (empty when it gives none)."""
    checksum: str
    """SHA-256 over the files' bytes, in order: the version's fingerprint."""
    files: tuple[str, ...]
    entries: tuple[ListedEntry, ...]


def checksum(paths: Iterable[Path]) -> str:
    """SHA-256 over the bytes of `paths`, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_list_text(path: Path) -> str:
    """The file as text (a UTF-8 BOM dropped); bytes that are not UTF-8 are named by line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(path, "file", f"cannot be read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ListFormatError(path, f"line {line}", f"not UTF-8 text (byte {exc.start})") from None


def csv_records(path: Path, lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each CSV record that is not blank; a quoted field may span
    lines, and a record is named by the line it starts on."""
    reader = csv.reader(lines, strict=True)
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ListFormatError(path, f"line {reader.line_num}", f"not valid CSV: {exc}") from None
