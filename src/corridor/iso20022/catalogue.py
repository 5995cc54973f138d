"""The ISO 20022 messages Corridor reads and writes: namespaces, schemas, national variants.

A message is known by its root's namespace (`urn:iso:std:iso:20022:tech:xsd:pain.001.001.03`).
National variants that reuse a message's structure under a namespace of their own (the
Swiss SIX pain.001.001.03.ch.02) are mapped onto the ISO message they restrict: their
elements are the ISO ones, so the ISO schema and rules apply. Any other namespace is
refused with a message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

from lxml import etree

from corridor.safe_xml import hardened_parser

ISO_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
XS = "http://www.w3.org/2001/XMLSchema"


@dataclass(frozen=True, slots=True)
class MessageType:
    """One version of one ISO 20022 message, and the schema it is checked against."""

    name: str
    """e.g. "pain.001.001.03"."""
    root: str
    """The element under Document, e.g. CstmrCdtTrfInitn."""
    schema_file: str
    """The shipped XSD that validates it."""

    @property
    def namespace(self) -> str:
        """The message's own namespace."""
        return ISO_PREFIX + self.name

    @property
    def family(self) -> str:
        """e.g. "pain.001"."""
        return self.name[:8]

    @property
    def version(self) -> int:
        """The message's version number (3 for pain.001.001.03)."""
        return int(self.name.rsplit(".", 1)[1])


PAIN_001_03 = MessageType("pain.001.001.03", "CstmrCdtTrfInitn", "pain.001.001.03.xsd")
PAIN_001_09 = MessageType("pain.001.001.09", "CstmrCdtTrfInitn", "pain.001.001.10.xsd")
PAIN_001_10 = MessageType("pain.001.001.10", "CstmrCdtTrfInitn", "pain.001.001.10.xsd")
PAIN_002 = MessageType("pain.002.001.11", "CstmrPmtStsRpt", "pain.002.001.11.xsd")
PACS_008 = MessageType("pacs.008.001.09", "FIToFICstmrCdtTrf", "pacs.008.001.09.xsd")
PACS_002 = MessageType("pacs.002.001.11", "FIToFIPmtStsRpt", "pacs.002.001.11.xsd")
PACS_004 = MessageType("pacs.004.001.10", "PmtRtr", "pacs.004.001.10.xsd")
CAMT_053 = MessageType("camt.053.001.08", "BkToCstmrStmt", "camt.053.001.08.xsd")
CAMT_054 = MessageType("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", "camt.054.001.08.xsd")

CREDIT_TRANSFER_INITIATIONS = (PAIN_001_03, PAIN_001_09, PAIN_001_10)
WRITTEN = (PAIN_001_03, PAIN_001_10, PAIN_002, PACS_008, PACS_002, PACS_004, CAMT_053, CAMT_054)
BY_NAMESPACE = {m.namespace: m for m in (*WRITTEN, PAIN_001_09)}

NATIONAL_VARIANTS: dict[str, tuple[str, MessageType]] = {
    # Swiss Payment Standards (SIX): the Swiss Implementation Guidelines restrict
    # pain.001.001.03 and give it a namespace of their own; every element is ISO's.
    "http://www.six-interbank-clearing.com/de/pain.001.001.03.ch.02.xsd": (
        "Swiss SIX pain.001.001.03.ch.02",
        PAIN_001_03,
    ),
}
"""Namespace of a national variant → (its name, the ISO message it restricts)."""

UNMAPPED_HINTS = {
    "pain.001.001.03.ch": "a Swiss SIX variant of pain.001.001.03",
    "pain.001.001.09.ch": "a Swiss SIX variant of pain.001.001.09",
    "pain.001.003.03": "the German DK pain.001.003.03 (SEPA) format",
    "pain.001.002.03": "the German DK pain.001.002.03 (SEPA) format",
}


class UnknownMessageError(ValueError):
    """A message is read only in a namespace Corridor knows (an ISO one, or a mapped
    national variant)."""


def message_for(namespace: str, expected_family: str | None = None) -> tuple[MessageType, str]:
    """The message type a root namespace stands for, and the variant's name ("" for ISO).

    Raises UnknownMessageError naming the namespace (and the variant, when it is a known
    but unmapped one), or the family expected when another message was given.
    """
    if namespace in NATIONAL_VARIANTS:
        variant, message = NATIONAL_VARIANTS[namespace]
    elif namespace in BY_NAMESPACE:
        variant, message = "", BY_NAMESPACE[namespace]
    else:
        hint = next((v for k, v in UNMAPPED_HINTS.items() if k in namespace), None)
        if hint:
            raise UnknownMessageError(
                f"namespace {namespace!r} is {hint}, which Corridor does not map"
            )
        if namespace.startswith(ISO_PREFIX):
            raise UnknownMessageError(
                f"namespace {namespace!r}: {namespace[len(ISO_PREFIX) :]} is not a message"
                " Corridor reads"
            )
        shown = namespace or "(none)"
        raise UnknownMessageError(f"namespace {shown!r} is not an ISO 20022 message namespace")
    if expected_family and message.family != expected_family:
        raise UnknownMessageError(
            f"this is a {message.name} message, not a {expected_family} message"
        )
    return message, variant


@cache
def _xsd_folder() -> Path:
    # The package is installed as files (editable or wheel), so the data has a real path;
    # as_file would copy it out of a zip otherwise.
    with as_file(files("corridor.iso20022").joinpath("xsd")) as folder:
        return Path(folder)


def schema_path(message: MessageType) -> Path:
    """The shipped XSD of a message."""
    return _xsd_folder() / message.schema_file


@cache
def schema(message: MessageType) -> etree.XMLSchema:
    """The message's whole-document schema (loaded once)."""
    path = schema_path(message)
    text = path.read_bytes()
    if message.namespace not in text.decode("utf-8", "replace"):
        # .09 is read under the .10 schema: the same definitions in the .09 namespace.
        text = _renamed(text, message)
    document = etree.fromstring(text, hardened_parser(), base_url=str(path))
    return etree.XMLSchema(document)


@cache
def part_schema(message: MessageType) -> etree.XMLSchema:
    """A schema that also declares each child of the message's root (GrpHdr, PmtInf …)
    as an element of its own, so a large message is validated part by part."""
    path = schema_path(message)
    text = path.read_bytes()
    if message.namespace not in text.decode("utf-8", "replace"):
        text = _renamed(text, message)
    base = etree.fromstring(text, hardened_parser(), base_url=str(path))
    parts = root_parts(message)
    declarations = "".join(
        f'<xs:element name="{name}" type="{type_name}"/>' for name, type_name in parts
    )
    # The copy keeps every definition of the official schema; only element declarations
    # are added, so a part validates exactly as it would inside the whole document.
    for declaration in etree.fromstring(
        f'<xs:schema xmlns:xs="{XS}">{declarations}</xs:schema>'.encode()
    ):
        base.append(declaration)
    return etree.XMLSchema(base)


@cache
def root_parts(message: MessageType) -> tuple[tuple[str, str], ...]:
    """(element name, type name) of each child of the message's root, in schema order."""
    document = etree.parse(str(schema_path(message)), hardened_parser())
    types = {t.get("name"): t for t in document.getroot().iter(f"{{{XS}}}complexType")}
    root_type = next(
        e.get("type")
        for e in types["Document"].iter(f"{{{XS}}}element")
        if e.get("name") == message.root
    )
    return tuple(
        (str(e.get("name")), str(e.get("type"))) for e in types[root_type].iter(f"{{{XS}}}element")
    )


def _renamed(text: bytes, message: MessageType) -> bytes:
    source = ISO_PREFIX + Path(message.schema_file).stem
    return text.replace(source.encode(), message.namespace.encode())
