"""Streaming a large ISO 20022 message safely, part by part, with its schema errors.

The file is read in blocks through a hardened pull parser (no DTD, no entities, no
network, a size limit). The root's children are validated one at a time against the
official schema (`catalogue.part_schema`), and a repeating child such as pain.001's
PmtInf is validated in chunks of its transactions: each finished transaction is moved
into a copy of its PmtInf's header, validated with the others of its chunk, handed on,
and dropped. Memory therefore holds one chunk, whatever the size of the file.

Schema errors come from libxml2 with a positional path; they are turned into named
element paths (`/Document/CstmrCdtTrfInitn/PmtInf[2]/CdtTrfTxInf[17]/Amt/InstdAmt`).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from corridor.iso20022.catalogue import (
    MessageType,
    UnknownMessageError,
    message_for,
    part_schema,
    root_parts,
)
from corridor.iso20022.errors import Finding
from corridor.safe_xml import PROLOG_LIMIT, hardened_pull_parser, prolog_problem

MAX_BYTES = 1 << 30
"""The largest message read (1 GiB): 100,000 transactions take about 100 MB."""
CHUNK = 1000
"""Transactions validated together (one schema call per chunk)."""
BLOCK = 1 << 16

_NS_IN_MESSAGE = re.compile(r"\{[^}]*\}")
_ROOT_TAG = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?Document\b[^>]*>")
_STEP = re.compile(r"\*(?:\[(\d+)\])?$")


def local(tag: object) -> str:
    """An element's name without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


@dataclass
class Part:
    """A finished child of the message root (e.g. GrpHdr), validated; or a chunk of the
    repeating items of one (the transactions of a PmtInf), each with its errors."""

    name: str
    index: int
    """1-based position among the root's children of this name."""
    element: etree._Element
    """The part (for a chunk: a copy of its header holding the chunk's items)."""
    path: str
    items: list[tuple[int, etree._Element, list[Finding]]] = field(default_factory=list)
    """(1-based index in the part, item element, its schema errors) for a chunk."""
    findings: list[Finding] = field(default_factory=list)
    """Schema errors of the part outside its items."""
    last: bool = True
    """False for a chunk that more chunks of the same part follow."""


@dataclass
class Stream:
    """What a streamed read found: the message, the variant, the checksum of every byte
    read, and the errors that stop reading (malformed, too large, wrong namespace …)."""

    path: Path
    message: MessageType | None = None
    variant: str = ""
    checksum: str = ""
    size: int = 0
    fatal: list[Finding] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """Whether the whole file was read."""
        return not self.fatal


def stream_parts(
    path: Path,
    family: str,
    repeating: str,
    item: str,
    stream: Stream,
    *,
    max_bytes: int = MAX_BYTES,
    chunk: int = CHUNK,
) -> Iterator[Part]:
    """The root's children of a `family` message (e.g. "pain.001"), each validated; the
    `repeating` child's `item`s (PmtInf's CdtTrfTxInf) come in validated chunks.

    Errors that stop the read are put in `stream.fatal` (the iteration then ends).
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        stream.fatal.append(Finding("file", f"cannot be read: {exc.strerror or exc}"))
        return
    with handle:
        yield from _Reader(path, family, repeating, item, stream, max_bytes, chunk).run(handle)


class _Reader:
    def __init__(
        self,
        path: Path,
        family: str,
        repeating: str,
        item: str,
        stream: Stream,
        max_bytes: int,
        chunk: int,
    ) -> None:
        self.path = path
        self.family = family
        self.repeating = repeating
        self.item = item
        self.stream = stream
        self.max_bytes = max_bytes
        self.chunk = chunk
        self.digest = hashlib.sha256()
        self.depth = 0
        self.counts: dict[str, int] = {}
        self.order: list[str] = []
        self.last_order = -1
        self.holder: etree._Element | None = None
        self.items_seen = 0
        self.pending: list[tuple[int, etree._Element]] = []
        self.message: MessageType | None = None
        self.root_path = ""
        self.seen_header: set[tuple[str, str]] = set()

    def fatal(self, where: str, message: str, line: int | None = None) -> None:
        self.stream.fatal.append(Finding(where, message, "FF01", line))

    def run(self, handle: BinaryIO) -> Iterator[Part]:
        head = handle.read(PROLOG_LIMIT)
        problem = prolog_problem(head)
        if problem:
            line, message = problem
            self.fatal("prolog", message, line)
            return
        head = self._mapped(head)
        if self.stream.fatal:
            return
        parser = hardened_pull_parser()
        block = head
        closing = False
        try:
            while block:
                self.stream.size += len(block)
                if self.stream.size > self.max_bytes:
                    self.fatal("file", f"larger than the limit of {self.max_bytes:,} bytes")
                    return
                self.digest.update(block)
                parser.feed(block)
                yield from self._events(parser)
                if self.stream.fatal:
                    return
                block = handle.read(BLOCK)
            closing = True
            parser.close()
            yield from self._events(parser)
        except etree.XMLSyntaxError as exc:
            error_line: int | None = exc.lineno or None
            message = exc.msg or str(exc)
            if closing or "Premature end" in message or "end of data" in message.lower():
                # An error only at the end of the bytes: the document never closed.
                message = f"the file ends early (truncated?): {message}"
            self.fatal("file", f"not well-formed XML: {message}", error_line)
            return
        finally:
            self.stream.checksum = self.digest.hexdigest()
        if self.message is None:
            self.fatal("file", "no root element")
            return
        parts = dict(root_parts(self.message))
        required = [name for name in parts if name in ("GrpHdr", self.repeating)]
        for name in required:
            if not self.counts.get(name):
                self.fatal(f"{self.root_path}/{name}", f"{name} is missing")

    def _mapped(self, head: bytes) -> bytes:
        """The head of the file with a mapped national variant's namespace made ISO's."""
        match = _ROOT_TAG.search(head)
        if match is None:
            return head
        tag = match.group(0)
        prefix = match.group(1)
        attribute = rb"xmlns:" + prefix if prefix else rb"xmlns"
        declared = re.search(attribute + rb"""\s*=\s*["']([^"']*)["']""", tag)
        namespace = declared.group(1).decode("utf-8", "replace") if declared else ""
        try:
            message, variant = message_for(namespace, self.family)
        except UnknownMessageError as exc:
            self.fatal("/Document", str(exc), head[: match.start()].count(b"\n") + 1)
            return head
        self.stream.variant = variant
        if not variant:
            return head
        renamed = tag.replace(namespace.encode(), message.namespace.encode())
        return head[: match.start()] + renamed + head[match.end() :]

    def _events(self, parser: etree.XMLPullParser) -> Iterator[Part]:
        for event, element in parser.read_events():
            if event == "start":
                self.depth += 1
                if self.depth == 1:
                    self._root(element)
                elif self.depth == 2:
                    self._message_root(element)
                elif self.depth == 3:
                    self._child_started(element)
                if self.stream.fatal:
                    return
                continue
            self.depth -= 1
            if self.depth == 3 and local(element.tag) == self.item:
                parent = element.getparent()
                if parent is not None and local(parent.tag) == self.repeating:
                    yield from self._item_done(parent, element)
            elif self.depth == 2:
                yield from self._child_done(element)

    def _root(self, element: etree._Element) -> None:
        if element.getroottree().docinfo.doctype:
            self.fatal("prolog", "a DOCTYPE is not allowed", 1)
            return
        namespace = etree.QName(element).namespace or ""
        if local(element.tag) != "Document":
            self.fatal(f"/{local(element.tag)}", "the root element must be Document", 1)
            return
        try:
            self.message, _ = message_for(namespace, self.family)
        except UnknownMessageError as exc:
            self.fatal("/Document", str(exc), element.sourceline)
            return
        self.stream.message = self.message

    def _message_root(self, element: etree._Element) -> None:
        assert self.message is not None
        self.root_path = f"/Document/{local(element.tag)}"
        if local(element.tag) != self.message.root:
            self.fatal(
                self.root_path,
                f"a {self.message.name} Document holds {self.message.root}",
                element.sourceline,
            )

    def _child_started(self, element: etree._Element) -> None:
        assert self.message is not None
        name = local(element.tag)
        names = [n for n, _ in root_parts(self.message)]
        where = f"{self.root_path}/{name}"
        if etree.QName(element).namespace != self.message.namespace or name not in names:
            self.fatal(where, f"unexpected element {name}", element.sourceline)
            return
        position = names.index(name)
        if position < self.last_order:
            self.fatal(where, f"{name} is out of order", element.sourceline)
            return
        if name == "GrpHdr" and self.counts.get(name):
            self.fatal(where, "GrpHdr appears twice", element.sourceline)
            return
        self.last_order = position
        self.counts[name] = self.counts.get(name, 0) + 1
        self.holder = None
        self.items_seen = 0
        self.pending = []
        self.seen_header = set()

    def _item_done(self, parent: etree._Element, element: etree._Element) -> Iterator[Part]:
        self.items_seen += 1
        if self.holder is None:
            # The header precedes the items in the schema, so it is complete by now.
            header = [c for c in parent if local(c.tag) != self.item]
            self.holder = etree.Element(parent.tag, nsmap=parent.nsmap)
            for child in header:
                self.holder.append(copy.deepcopy(child))
        parent.remove(element)
        self.holder.append(element)
        self.pending.append((self.items_seen, element))
        if len(self.pending) >= self.chunk:
            yield self._chunk(parent, last=False)

    def _chunk(self, parent: etree._Element, *, last: bool) -> Part:
        assert self.holder is not None
        name = local(parent.tag)
        index = self.counts[name]
        part_path = f"{self.root_path}/{name}[{index}]"
        part = Part(name, index, self.holder, part_path, last=last)
        errors = self._validate(self.holder)
        offset = self.pending[0][0] - 1
        by_item: dict[int, list[Finding]] = {}
        for error in errors:
            steps = _steps(error.path)
            item_position, named = _named(self.holder, steps, self.item, offset)
            finding = Finding(
                f"{part_path}{named}", _message(error.message), "FF01", error.line or None
            )
            if item_position is None:
                # Each chunk carries the header again: report its errors once.
                if (finding.path, finding.message) not in self.seen_header:
                    self.seen_header.add((finding.path, finding.message))
                    part.findings.append(finding)
            else:
                by_item.setdefault(item_position, []).append(finding)
        part.items = [(i, el, by_item.get(i, [])) for i, el in self.pending]
        for _, el in self.pending:
            self.holder.remove(el)
        self.pending = []
        return part

    def _child_done(self, element: etree._Element) -> Iterator[Part]:
        name = local(element.tag)
        if name not in self.counts or self.message is None:
            return
        if name == self.repeating and self.holder is not None:
            if self.pending or self.items_seen == 0:
                yield self._chunk(element, last=True)
            else:  # the last chunk was full: say the part is done
                yield Part(
                    name,
                    self.counts[name],
                    self.holder,
                    f"{self.root_path}/{name}[{self.counts[name]}]",
                )
        else:
            index = self.counts[name]
            part_path = f"{self.root_path}/{name}" + (
                f"[{index}]" if name == self.repeating else ""
            )
            part = Part(name, index, element, part_path)
            for error in self._validate(element):
                _, named = _named(element, _steps(error.path), self.item, 0)
                part.findings.append(
                    Finding(
                        f"{part_path}{named}", _message(error.message), "FF01", error.line or None
                    )
                )
            yield part
        self.holder = None
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)

    def _validate(self, element: etree._Element) -> list[etree._LogEntry]:
        assert self.message is not None
        validator = part_schema(self.message)
        if validator.validate(element):
            return []
        return list(validator.error_log)


def _steps(path: str | None) -> list[int]:
    """The 1-based child positions of a libxml2 path such as `/*/*[9]/*[2]/*`, below
    the validated element."""
    if not path:
        return []
    positions = []
    for step in path.strip("/").split("/")[1:]:
        match = _STEP.match(step)
        if match is None:
            break
        positions.append(int(match.group(1) or 1))
    return positions


def _named(
    element: etree._Element, steps: list[int], item: str, offset: int
) -> tuple[int | None, str]:
    """The named path below `element` of a positional path, and the 1-based index (in
    the whole part) of the item it lies in, if any."""
    names = []
    item_position = None
    current = element
    for position in steps:
        children = [c for c in current if isinstance(c.tag, str)]
        if position > len(children):
            break
        child = children[position - 1]
        name = local(child.tag)
        same = [c for c in children if local(c.tag) == name]
        if current is element and name == item:
            item_position = offset + same.index(child) + 1
            names.append(f"/{name}[{item_position}]")
        elif len(same) > 1:
            names.append(f"/{name}[{same.index(child) + 1}]")
        else:
            names.append(f"/{name}")
        current = child
    return item_position, "".join(names)


def _message(text: str) -> str:
    text = _NS_IN_MESSAGE.sub("", text)
    return re.sub(r"^Element '[^']*'(, attribute '[^']*')?: ", "", text).strip()


Callback = Callable[[Part], None]
