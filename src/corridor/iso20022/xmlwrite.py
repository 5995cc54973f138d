"""Writing ISO 20022 XML: elements in a message's namespace, amounts exact to their
currency's minor unit, times with their offset, identifiers within Max35Text."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from corridor.iso20022.catalogue import MessageType
from corridor.money import Money


class Writer:
    """Makes elements in one message's namespace."""

    def __init__(self, message: MessageType) -> None:
        self.message = message
        self.ns = message.namespace

    def document(self) -> tuple[etree._Element, etree._Element]:
        """The Document and the message root under it."""
        document = etree.Element(f"{{{self.ns}}}Document", nsmap={None: self.ns})
        return document, self.sub(document, self.message.root)

    def el(self, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
        """A detached element."""
        element = etree.Element(f"{{{self.ns}}}{tag}", nsmap={None: self.ns})
        if text is not None:
            element.text = text
        for key, value in attributes.items():
            element.set(key, value)
        return element

    def sub(
        self, parent: etree._Element, tag: str, text: str | None = None, **attributes: str
    ) -> etree._Element:
        """A child of `parent`, with its text and attributes."""
        element = etree.SubElement(parent, f"{{{self.ns}}}{tag}")
        if text is not None:
            element.text = text
        for key, value in attributes.items():
            element.set(key, value)
        return element

    def path(self, parent: etree._Element, path: str, text: str | None = None) -> etree._Element:
        """Nested children along `path` ("FinInstnId/BICFI"), the last with `text`."""
        element = parent
        for step in path.split("/"):
            element = self.sub(element, step)
        if text is not None:
            element.text = text
        return element

    def amount(self, parent: etree._Element, tag: str, money: Money) -> etree._Element:
        """An amount element with its Ccy attribute, exact to the minor unit."""
        return self.sub(parent, tag, amount_text(money), Ccy=money.currency.code)

    def agent(self, parent: etree._Element, tag: str, bic: str, *, bicfi: bool = True) -> None:
        """A financial institution identified by its BIC."""
        self.path(parent, f"{tag}/FinInstnId/{'BICFI' if bicfi else 'BIC'}", bic)


def amount_text(money: Money) -> str:
    """The amount with exactly its currency's decimals (never rounded: Money is exact)."""
    places = money.currency.minor_unit
    units = money.to_minor_units()
    return f"{Decimal(units).scaleb(-places):.{places}f}"


def decimal_text(value: Decimal) -> str:
    """A decimal without exponent, as ISO 20022 DecimalNumber wants it."""
    return f"{value:f}"


def datetime_text(moment: datetime) -> str:
    """ISODateTime in UTC, to the second, with its offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def date_text(day: date) -> str:
    """ISODate."""
    return day.isoformat()


def message_id(*parts: object) -> str:
    """A deterministic message identifier (Max35Text) from what the message is."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:32].upper()


def to_bytes(document: etree._Element) -> bytes:
    """The document as UTF-8 with its XML declaration."""
    data: bytes = etree.tostring(
        document, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return data
