"""XML from outside, parsed safely: no entity expansion, no DTDs, no network, bounded size.

Every XML file Corridor reads (sanctions lists, ISO 20022 messages) goes through here, so
a hostile file can neither read local files or URLs (XXE) nor expand without bound
("billion laughs"): a DOCTYPE is refused before the parser sees the document, and the
parser itself is built with entities, DTD loading and network access off as a second line.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

PROLOG_LIMIT = 64 * 1024
"""How far into a file its root element must start (the prolog is read whole first)."""

_BOM = b"\xef\xbb\xbf"
_DECL = re.compile(rb"<\?xml\s[^>]*?\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_PI = re.compile(rb"<\?.*?\?>", re.S)
_SPACE = re.compile(rb"\s+")


def hardened_parser(**options: Any) -> etree.XMLParser:
    """An lxml parser with entity expansion, DTD loading and network access off, and
    libxml2's own limits on (no `huge_tree`); `options` may add, not loosen, settings."""
    settings: dict[str, Any] = {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }
    settings.update(options)
    return etree.XMLParser(**settings)


def hardened_pull_parser(events: tuple[str, ...] = ("start", "end")) -> etree.XMLPullParser:
    """A streaming (pull) parser with the same settings as `hardened_parser`."""
    return etree.XMLPullParser(
        events=events,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def prolog_problem(head: bytes) -> tuple[int, str] | None:
    """What is wrong with the prolog at the start of a file, and on which line (None when
    nothing is).

    Refused: a DOCTYPE (internal or external, the vehicle of XXE and entity bombs), an
    encoding other than UTF-8, and a root element that does not start within
    PROLOG_LIMIT bytes.
    """
    found = _prolog_problem(head)
    if found is None:
        return None
    offset, message = found
    return head[:offset].count(b"\n") + 1, message


def _prolog_problem(head: bytes) -> tuple[int, str] | None:
    rest = head[len(_BOM) :] if head.startswith(_BOM) else head
    declaration = _DECL.match(rest.lstrip())
    if declaration:
        encoding = _ENCODING.search(declaration.group(0))
        if encoding and encoding.group(1).decode("ascii").lower().replace("_", "-") not in (
            "utf-8",
            "utf8",
        ):
            return 0, f"encoding {encoding.group(1).decode('ascii')} is not UTF-8"
    position = 0
    while True:
        space = _SPACE.match(rest, position)
        if space:
            position = space.end()
        if rest.startswith(b"<!--", position):
            comment = _COMMENT.match(rest, position)
            if comment is None:
                break
            position = comment.end()
        elif rest.startswith(b"<?", position):
            pi = _PI.match(rest, position)
            if pi is None:
                break
            position = pi.end()
        elif rest.startswith(b"<!", position):
            if rest[position:].upper().startswith(b"<!DOCTYPE"):
                return position, (
                    "a DOCTYPE is not allowed: entity declarations could read local files"
                    " (XXE) or expand without bound"
                )
            return position, "markup declarations are not allowed before the root element"
        elif rest.startswith(b"<", position):
            return None
        elif position >= len(rest):
            break
        else:
            return position, "text before the root element: not an XML document"
    if len(head) >= PROLOG_LIMIT:
        return 0, f"no root element within the first {PROLOG_LIMIT // 1024} KiB"
    return 0, "no root element: the file is empty or not XML"
