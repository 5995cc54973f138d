"""Compliance: sanctions lists in their published formats (screening, cases and limits
are still to come; see the screening issue)."""

from corridor.compliance.listed import (
    EntityType,
    ListedEntry,
    ListedName,
    ListFormatError,
    NameKind,
    ParsedList,
)
from corridor.compliance.ofac import parse_ofac_csv
from corridor.compliance.un import parse_un_xml

__all__ = [
    "EntityType",
    "ListFormatError",
    "ListedEntry",
    "ListedName",
    "NameKind",
    "ParsedList",
    "parse_ofac_csv",
    "parse_un_xml",
]
