"""The UN Security Council consolidated list in its published XML form.

Parsed with entity expansion, DTDs and network access off, so a hostile file can neither
read local files (XXE) nor blow up in memory (billion laughs).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from corridor.compliance.listed import (
    EntityType,
    ListedEntry,
    ListedName,
    ListFormatError,
    NameKind,
    ParsedList,
    checksum,
)
from corridor.safe_xml import hardened_parser

_QUALITY = {
    "good": NameKind.ALIAS,
    "a.k.a.": NameKind.ALIAS,
    "f.k.a.": NameKind.ALIAS,
    "low": NameKind.WEAK_ALIAS,
    "": NameKind.ALIAS,
}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(element: etree._Element, path: str) -> str:
    found = element.findtext(path)
    return " ".join(found.split()) if found else ""


def _where(element: etree._Element) -> str:
    return f"line {element.sourceline}, {element.getroottree().getpath(element)}"


def _dates_of_birth(element: etree._Element) -> tuple[str, ...]:
    dates = []
    for dob in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        date, year = _text(dob, "DATE"), _text(dob, "YEAR")
        low, high = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
        if date:
            dates.append(date[:10])
        elif year:
            dates.append(year)
        elif low and high:
            dates.append(f"{low}..{high}")
    return tuple(dates)


def _entry(element: etree._Element, kind: str, path: Path) -> ListedEntry:
    entry_id = _text(element, "DATAID")
    if not entry_id.isdigit():
        raise ListFormatError(path, _where(element), "DATAID missing or not a number")
    name = " ".join(p for p in (_text(element, part) for part in _NAME_PARTS) if p)
    if not name:
        raise ListFormatError(path, _where(element), f"{kind} {entry_id} has no name")
    names = [ListedName(name, NameKind.PRIMARY)]
    for alias in element.iterfind(f"{kind}_ALIAS"):
        alias_name = _text(alias, "ALIAS_NAME")
        if alias_name:
            quality = _text(alias, "QUALITY").lower()
            names.append(ListedName(alias_name, _QUALITY.get(quality, NameKind.ALIAS)))
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(ListedName(original, NameKind.ORIGINAL_SCRIPT))
    countries = [_text(v, ".") for v in element.iterfind("NATIONALITY/VALUE")]
    countries += [_text(a, "COUNTRY") for a in element.iterfind(f"{kind}_ADDRESS")]
    return ListedEntry(
        entry_id=entry_id,
        entity_type=EntityType.PERSON if kind == "INDIVIDUAL" else EntityType.ENTITY,
        names=tuple(names),
        dates_of_birth=_dates_of_birth(element) if kind == "INDIVIDUAL" else (),
        countries=tuple(dict.fromkeys(c for c in countries if c)),
        programmes=(_text(element, "UN_LIST_TYPE"),) if _text(element, "UN_LIST_TYPE") else (),
        reference=_text(element, "REFERENCE_NUMBER"),
        listed_on=_text(element, "LISTED_ON"),
        remarks=_text(element, "COMMENTS1"),
    )


def parse_un_xml(path: Path | str) -> ParsedList:
    """Parse the consolidated list: every individual and entity with names, aliases,
    dates of birth and countries. Raises ListFormatError naming the line and element."""
    path = Path(path)
    try:
        tree = etree.parse(str(path), hardened_parser())
    except OSError as exc:
        raise ListFormatError(path, "file", f"cannot be read: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise ListFormatError(
            path, f"line {exc.lineno}", f"not well-formed XML: {exc.msg}"
        ) from None
    if tree.docinfo.doctype:
        raise ListFormatError(path, "line 1", "a DOCTYPE is not allowed in a list file")
    root = tree.getroot()
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFormatError(path, _where(root), f"expected CONSOLIDATED_LIST, found {root.tag}")
    entries = [_entry(e, "INDIVIDUAL", path) for e in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    entries += [_entry(e, "ENTITY", path) for e in root.iterfind("ENTITIES/ENTITY")]
    return ParsedList(
        "un", root.get("dateGenerated", ""), checksum([path]), (str(path),), tuple(entries)
    )
