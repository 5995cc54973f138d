"""Reconciling bank statements (camt.053) and notifications (camt.054) with payments.

Any version from .02 on is read, streaming and with the hardened parser: the elements a
reconciliation needs kept their names across versions (an entry's status became a choice
in .08; both forms are read). Each booked entry's transactions are matched to payments by
UETR, then end-to-end id, then (when neither is given) a unique payment of that amount on
that date; the report lists what matched, what matched with a different amount (and by
how much), and what matched nothing. A statement's own arithmetic is checked too: opening
balance plus booked credits less booked debits must give the closing balance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from lxml import etree
from sqlalchemy.engine import Engine

from corridor.iso20022 import repository
from corridor.iso20022.errors import Finding
from corridor.iso20022.interbank import money_of
from corridor.iso20022.reading import BLOCK, MAX_BYTES, local
from corridor.money.amount import Money
from corridor.payments import repository as payments_store
from corridor.payments.repository import PaymentRecord
from corridor.safe_xml import PROLOG_LIMIT, hardened_pull_parser, prolog_problem

_CAMT = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d\d)")
_REPORTS = {"camt.053": "Stmt", "camt.054": "Ntfctn"}


@dataclass(frozen=True, slots=True)
class EntryTransaction:
    """One transaction of an entry (an entry may batch several), with its references."""

    amount: Decimal | None
    currency: str
    end_to_end_id: str
    uetr: str
    instruction_id: str
    return_reason: str


@dataclass(frozen=True, slots=True)
class BookedEntry:
    """An entry of a statement or notification."""

    path: str
    line: int | None
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool
    status: str
    booking_date: date | None
    value_date: date | None
    reference: str
    transactions: tuple[EntryTransaction, ...]


@dataclass
class AccountReport:
    """A Stmt or Ntfctn: its account, its balances, the sums of its booked entries."""

    path: str
    account: str
    currency: str
    opening: Decimal | None = None
    closing: Decimal | None = None
    entries: int = 0
    credits: Decimal = Decimal(0)
    debits: Decimal = Decimal(0)
    closing_date: date | None = None
    net_by_value_date: dict[date | None, Decimal] = field(default_factory=dict)

    @property
    def balanced(self) -> bool | None:
        """Opening + booked credits − booked debits == closing (None without both
        balances). Banks that report value-dated balances leave entries valued after
        the closing balance's date out of it (they count toward the forward available
        balance, FWAV): either reading balances."""
        if self.opening is None or self.closing is None:
            return None
        if self.opening + self.credits - self.debits == self.closing:
            return True
        valued = sum(
            (
                net
                for day, net in self.net_by_value_date.items()
                if day is None or self.closing_date is None or day <= self.closing_date
            ),
            Decimal(0),
        )
        return self.opening + valued == self.closing


@dataclass(frozen=True, slots=True)
class Match:
    """What one entry transaction was matched to."""

    entry: BookedEntry
    transaction: EntryTransaction
    outcome: str
    """matched, amount_difference or unmatched."""
    how: str = ""
    """uetr, end_to_end_id or amount_and_date."""
    uetr: str = ""
    expected: Decimal | None = None

    @property
    def booked(self) -> Decimal:
        """The amount booked for this transaction."""
        amount = self.transaction.amount
        return self.entry.amount if amount is None else amount

    @property
    def difference(self) -> Decimal | None:
        """Booked less expected, when both are known."""
        return None if self.expected is None else self.booked - self.expected


@dataclass
class Reconciliation:
    """Everything a reconciliation found in one file."""

    path: Path
    message_type: str = ""
    reports: list[AccountReport] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many entry transactions had this outcome."""
        return sum(m.outcome == outcome for m in self.matches)


class PaymentLookup(Protocol):
    """Where reconciliation looks payments up."""

    def by_uetr(self, uetr: str) -> PaymentRecord | None: ...

    def by_end_to_end(self, end_to_end_id: str) -> list[PaymentRecord]: ...

    def on_day(self, day: date) -> list[PaymentRecord]: ...


class StoreLookup:
    """Payments in the store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def by_uetr(self, uetr: str) -> PaymentRecord | None:
        with self.engine.connect() as connection:
            return payments_store.load(connection, uetr.lower())

    def by_end_to_end(self, end_to_end_id: str) -> list[PaymentRecord]:
        with self.engine.connect() as connection:
            uetrs = repository.payments_by_end_to_end(connection, end_to_end_id)
            return [r for u in uetrs if (r := payments_store.load(connection, u)) is not None]

    def on_day(self, day: date) -> list[PaymentRecord]:
        start = datetime.combine(day - timedelta(days=7), time(0), UTC)
        until = datetime.combine(day + timedelta(days=1), time(0), UTC)
        with self.engine.connect() as connection:
            uetrs = repository.payments_updated_between(connection, start, until)
            return [r for u in uetrs if (r := payments_store.load(connection, u)) is not None]


def read_entries(
    path: Path, result: Reconciliation, *, max_bytes: int = MAX_BYTES
) -> Iterator[BookedEntry]:
    """Every entry of a camt.053/camt.054 file, streaming; each Stmt/Ntfctn's account
    and balances go into `result.reports`, errors into `result.findings`."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        result.findings.append(Finding("file", f"cannot be read: {exc.strerror or exc}"))
        return
    with handle:
        head = handle.read(PROLOG_LIMIT)
        problem = prolog_problem(head)
        if problem:
            result.findings.append(Finding("prolog", problem[1], "FF01", problem[0]))
            return
        parser = hardened_pull_parser()
        depth, size, block = 0, 0, head
        report: AccountReport | None = None
        counts: dict[str, int] = {}
        try:
            while block:
                size += len(block)
                if size > max_bytes:
                    result.findings.append(Finding("file", f"larger than {max_bytes:,} bytes"))
                    return
                parser.feed(block)
                for event, element in parser.read_events():
                    if event == "start":
                        depth += 1
                        if depth == 1 and not _root(element, result):
                            return
                        if depth == 3 and local(element.tag) == _REPORTS.get(result.message_type):
                            counts["r"] = counts.get("r", 0) + 1
                            report = AccountReport(
                                f"/Document/{local(element.getparent().tag)}/{local(element.tag)}[{counts['r']}]",
                                "",
                                "",
                            )
                            result.reports.append(report)
                            counts["n"] = 0
                        continue
                    depth -= 1
                    if depth == 3 and report is not None:
                        name = local(element.tag)
                        if name == "Acct":
                            report.account = _text(element, "Id/IBAN") or _text(
                                element, "Id/Othr/Id"
                            )
                            report.currency = _text(element, "Ccy")
                        elif name == "Bal":
                            _balance(element, report)
                        elif name == "Ntry":
                            counts["n"] += 1
                            entry = _entry(element, f"{report.path}/Ntry[{counts['n']}]", result)
                            if entry is not None:
                                report.entries += 1
                                report.currency = report.currency or entry.currency
                                if entry.status == "BOOK":
                                    if entry.credit:
                                        report.credits += entry.amount
                                    else:
                                        report.debits += entry.amount
                                    net = entry.amount if entry.credit else -entry.amount
                                    valued = report.net_by_value_date
                                    valued[entry.value_date] = (
                                        valued.get(entry.value_date, Decimal(0)) + net
                                    )
                                yield entry
                        element.clear()
                        parent = element.getparent()
                        if parent is not None and name == "Ntry":
                            parent.remove(element)
                block = handle.read(BLOCK)
            parser.close()
        except etree.XMLSyntaxError as exc:
            result.findings.append(
                Finding("file", f"not well-formed XML: {exc.msg}", "FF01", exc.lineno or None)
            )


def _root(element: etree._Element, result: Reconciliation) -> bool:
    if element.getroottree().docinfo.doctype:
        result.findings.append(Finding("prolog", "a DOCTYPE is not allowed", "FF01", 1))
        return False
    namespace = etree.QName(element).namespace or ""
    match = _CAMT.fullmatch(namespace)
    if local(element.tag) != "Document" or match is None:
        result.findings.append(
            Finding(
                "/Document",
                f"namespace {namespace or '(none)'!r} is not a camt.053 or camt.054 message",
                "FF01",
                element.sourceline,
            )
        )
        return False
    result.message_type = match.group(1)
    return True


def _text(element: etree._Element, path: str) -> str:
    current: etree._Element | None = element
    for step in path.split("/"):
        assert current is not None
        current = next(
            (c for c in current if isinstance(c.tag, str) and local(c.tag) == step), None
        )
        if current is None:
            return ""
    return "" if current is None else (current.text or "").strip()


def _find(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element.iter() if isinstance(c.tag, str) and local(c.tag) == name]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(element: etree._Element, path: str) -> date | None:
    text = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _balance(element: etree._Element, report: AccountReport) -> None:
    code = _text(element, "Tp/CdOrPrtry/Cd")
    amount = _decimal(_text(element, "Amt"))
    if amount is None:
        return
    if _text(element, "CdtDbtInd") == "DBIT":
        amount = -amount
    if code in ("OPBD", "PRCD") and report.opening is None:
        report.opening = amount
    elif code == "CLBD":
        report.closing = amount
        report.closing_date = _date(element, "Dt")


def _entry(element: etree._Element, path: str, result: Reconciliation) -> BookedEntry | None:
    amount_element = next(
        (c for c in element if isinstance(c.tag, str) and local(c.tag) == "Amt"), None
    )
    amount = _decimal(_text(element, "Amt"))
    if amount is None or amount_element is None:
        result.findings.append(Finding(f"{path}/Amt", "no amount", "FF01", element.sourceline))
        return None
    status = _text(element, "Sts/Cd") or _text(element, "Sts")
    transactions = []
    for details in _find(element, "TxDtls"):
        tx_amount = _decimal(_text(details, "Amt") or _text(details, "AmtDtls/TxAmt/Amt"))
        transactions.append(
            EntryTransaction(
                tx_amount,
                amount_element.get("Ccy", ""),
                _text(details, "Refs/EndToEndId"),
                _text(details, "Refs/UETR"),
                _text(details, "Refs/InstrId"),
                _text(details, "RtrInf/Rsn/Cd"),
            )
        )
    if not transactions:
        transactions.append(EntryTransaction(None, amount_element.get("Ccy", ""), "", "", "", ""))
    family = _text(element, "BkTxCd/Domn/Fmly/SubFmlyCd")
    return BookedEntry(
        path=path,
        line=element.sourceline,
        amount=amount,
        currency=amount_element.get("Ccy", ""),
        credit=_text(element, "CdtDbtInd") == "CRDT",
        reversal=_text(element, "RvslInd") == "true" or family == "RRTN",
        status=status,
        booking_date=_date(element, "BookgDt"),
        value_date=_date(element, "ValDt"),
        reference=_text(element, "AcctSvcrRef") or _text(element, "NtryRef"),
        transactions=tuple(transactions),
    )


def expected_amounts(record: PaymentRecord, entry: BookedEntry) -> list[Decimal]:
    """The amounts a payment could book on an account in this entry's direction, the
    likeliest first (debited or credited; returned amounts for a return), then each leg
    of its ledger plan in the entry's currency: a statement from these books carries one
    entry per leg, so a principal and the fee taken beside it are two entries."""
    info = record.settlement
    names = ["credited", "debited"] if entry.credit else ["debited", "credited"]
    amounts = []
    returned = info.get("returned", {})
    if entry.reversal and returned:
        amounts += [returned.get("to_debtor" if entry.credit else "from_creditor")]
    amounts += [info.get(n) for n in names]
    amounts.append(str(record.payment.instructed_amount))
    known = []
    for text in amounts:
        if text:
            money = money_of(text)
            if money.currency.code == entry.currency:
                known.append(money.amount)
    for leg in info.get("plan", []):
        if leg.get("currency") == entry.currency:
            amount = Money.from_minor_units(int(leg["amount"]), entry.currency).amount
            if amount not in known:
                known.append(amount)
    return known


def match_entry(entry: BookedEntry, lookup: PaymentLookup) -> list[Match]:
    """Each transaction of an entry, matched to a payment (or not)."""
    matches = []
    for tx in entry.transactions:
        booked = entry.amount if tx.amount is None else tx.amount
        probe = replace(entry, amount=booked)
        record, how = None, ""
        if tx.uetr:
            record, how = lookup.by_uetr(tx.uetr), "uetr"
        if record is None and tx.end_to_end_id and tx.end_to_end_id != "NOTPROVIDED":
            found = lookup.by_end_to_end(tx.end_to_end_id)
            exact = [r for r in found if booked in expected_amounts(r, probe)]
            candidates = exact or found
            record, how = (candidates[0] if candidates else None), "end_to_end_id"
        if record is None and not tx.uetr and not tx.end_to_end_id:
            day = entry.value_date or entry.booking_date
            if day is not None:
                same = [
                    r
                    for r in lookup.on_day(day)
                    if r.settlement.get("value_date") == day.isoformat()
                    and booked in expected_amounts(r, probe)
                ]
                if len(same) == 1:
                    record, how = same[0], "amount_and_date"
        if record is None:
            matches.append(Match(entry, tx, "unmatched"))
            continue
        expected = expected_amounts(record, probe)
        if booked in expected:
            matches.append(Match(entry, tx, "matched", how, record.payment.uetr, booked))
        else:
            matches.append(
                Match(
                    entry,
                    tx,
                    "amount_difference",
                    how,
                    record.payment.uetr,
                    expected[0] if expected else None,
                )
            )
    return matches


def reconcile_file(
    path: Path | str, lookup: PaymentLookup, *, max_bytes: int = MAX_BYTES
) -> Reconciliation:
    """Read a camt.053/camt.054 file and match every booked entry to payments."""
    result = Reconciliation(Path(path))
    for entry in read_entries(result.path, result, max_bytes=max_bytes):
        if entry.status in ("BOOK", ""):
            result.matches.extend(match_entry(entry, lookup))
    for report in result.reports:
        if report.balanced is False:
            assert report.opening is not None
            assert report.closing is not None
            result.findings.append(
                Finding(
                    f"{report.path}/Bal",
                    f"opening {report.opening} + credits {report.credits} − debits"
                    f" {report.debits} = {report.opening + report.credits - report.debits},"
                    f" not the closing balance {report.closing}",
                    "AM10",
                )
            )
    return result
