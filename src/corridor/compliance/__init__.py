"""Compliance: sanctions lists in their published formats, and names in the forms a
screener compares (matching, cases and limits are still to come)."""

from corridor.compliance.listed import (
    EntityType,
    ListedEntry,
    ListedName,
    ListFormatError,
    NameKind,
    ParsedList,
)
from corridor.compliance.names import NameForms, NameInputError, name_forms
from corridor.compliance.ofac import parse_ofac_csv
from corridor.compliance.un import parse_un_xml

__all__ = [
    "EntityType",
    "ListFormatError",
    "ListedEntry",
    "ListedName",
    "NameForms",
    "NameInputError",
    "NameKind",
    "ParsedList",
    "name_forms",
    "parse_ofac_csv",
    "parse_un_xml",
]
