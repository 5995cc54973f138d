"""pain.002: the status report answering an imported pain.001, per group, per PmtInf and
per transaction, each rejection with its reason code and what was wrong.

Written streaming (lxml's incremental writer): a report on 100,000 transactions holds one
transaction in memory at a time. The transactions are read twice (once to count each
PmtInf's statuses, once to write them), so they come from a function that can be called
again: the store's rows, in file order.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from lxml import etree

from corridor.iso20022.catalogue import PAIN_002
from corridor.iso20022.repository import StoredTransaction
from corridor.iso20022.validation import PaymentInformationSummary, ValidationReport
from corridor.iso20022.xmlwrite import Writer, datetime_text, message_id

ADDITIONAL_INFO = 105  # Max105Text
_BIC = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
_COUNT = re.compile(r"[0-9]{1,15}")  # Max15NumericText
_DECIMAL = re.compile(r"[0-9]+(?:\.([0-9]+))?")  # what a CtrlSum may hold (never negative)
_UETR = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}")


def group_status(statuses: Iterable[str]) -> str:
    """ExternalPaymentGroupStatus1Code of a group from its transactions' statuses: RJCT
    when all are rejected, PART when some are, else their common status (ACCP if mixed)."""
    counts = Counter(statuses)
    if not counts:
        return "RJCT"
    if counts.get("RJCT", 0) == sum(counts.values()):
        return "RJCT"
    if counts.get("RJCT"):
        return "PART"
    return next(iter(counts)) if len(counts) == 1 else "ACCP"


def write_status_report(
    path: Path,
    report: ValidationReport,
    transactions: Callable[[], Iterable[StoredTransaction]],
    *,
    report_ref: str,
    created: datetime,
) -> str:
    """Write the pain.002 answering `report`'s file; returns its MsgId."""
    writer = Writer(PAIN_002)
    ns = PAIN_002.namespace
    summaries = list(report.payment_informations)
    per_info: list[Counter[str]] = [Counter() for _ in summaries]
    overall: Counter[str] = Counter()
    for index, tx in _grouped(summaries, transactions()):
        per_info[index][tx.status] += 1
        overall[tx.status] += 1
    msg_id = message_id("pain.002", report_ref)
    header = report.header
    status = group_status(overall.elements()) if not report.group_findings else "RJCT"
    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with (
            xf.element(f"{{{ns}}}Document", nsmap={None: ns}),
            xf.element(f"{{{ns}}}CstmrPmtStsRpt"),
        ):
            grp = writer.el("GrpHdr")
            writer.sub(grp, "MsgId", msg_id)
            writer.sub(grp, "CreDtTm", datetime_text(created))
            agent = summaries[0].debtor_agent if summaries else ""
            if _BIC.fullmatch(agent):  # echoed only when it is a BIC the schema takes
                writer.agent(grp, "DbtrAgt", agent)
            xf.write(grp, pretty_print=True)
            original = writer.el("OrgnlGrpInfAndSts")
            writer.sub(
                original,
                "OrgnlMsgId",
                (header.msg_id if header and header.msg_id else "NOTPROVIDED")[:35],
            )
            writer.sub(original, "OrgnlMsgNmId", report.message_type or "pain.001")
            if header and _is_datetime(header.created):
                writer.sub(original, "OrgnlCreDtTm", header.created)
            original.extend(
                _original_figures(
                    writer,
                    header.nb_of_txs if header else "",
                    header.ctrl_sum if header else "",
                    report.transactions,
                )
            )
            writer.sub(original, "GrpSts", status)
            for finding in report.group_findings[:50]:
                _reason(writer, original, finding.reason, f"{finding.path}: {finding.message}")
            for code, count in sorted(overall.items()):
                per = writer.sub(original, "NbOfTxsPerSts")
                writer.sub(per, "DtldNbOfTxs", str(count))
                writer.sub(per, "DtldSts", code)
            xf.write(original, pretty_print=True)
            for index, group in groupby(_grouped(summaries, transactions()), key=itemgetter(0)):
                with xf.element(f"{{{ns}}}OrgnlPmtInfAndSts"):
                    xf.write(
                        *_info_header(writer, summaries[index], per_info[index]),
                        pretty_print=True,
                    )
                    for _, tx in group:
                        xf.write(_transaction(writer, tx), pretty_print=True)
    return msg_id


def _grouped(
    summaries: Sequence[PaymentInformationSummary], transactions: Iterable[StoredTransaction]
) -> Iterable[tuple[int, StoredTransaction]]:
    """Each transaction with the index of its PmtInf (transactions come in file order)."""
    index, left = 0, summaries[0].count if summaries else 0
    for tx in transactions:
        while left == 0 and index + 1 < len(summaries):
            index += 1
            left = summaries[index].count
        left -= 1
        yield index, tx


def _info_header(
    writer: Writer, summary: PaymentInformationSummary, statuses: Counter[str]
) -> list[etree._Element]:
    elements = [
        writer.el("OrgnlPmtInfId", (summary.pmt_inf_id or "NOTPROVIDED")[:35]),
        *_original_figures(writer, summary.declared_count, summary.declared_sum, summary.count),
        writer.el("PmtInfSts", group_status(statuses.elements())),
    ]
    for code, count in sorted(statuses.items()):
        per = writer.el("NbOfTxsPerSts")
        writer.sub(per, "DtldNbOfTxs", str(count))
        writer.sub(per, "DtldSts", code)
        elements.append(per)
    return elements


def _original_figures(writer: Writer, count: str, total: str, counted: int) -> list[etree._Element]:
    """OrgnlNbOfTxs and OrgnlCtrlSum as the original declared them, so a sender whose
    CtrlSum was refused sees the figure it sent. A count the schema would refuse is
    replaced by the one counted; a sum not declared, or not a DecimalNumber, is left out
    (inventing one would put words in the sender's mouth)."""
    figures = [writer.el("OrgnlNbOfTxs", count if _COUNT.fullmatch(count) else str(counted))]
    if _is_decimal_number(total):
        figures.append(writer.el("OrgnlCtrlSum", total))
    return figures


def _is_decimal_number(text: str) -> bool:
    """An ISO 20022 DecimalNumber: at most 18 digits, 17 of them after the point."""
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return False
    return len(text.replace(".", "")) <= 18 and len(match.group(1) or "") <= 17


def _transaction(writer: Writer, tx: StoredTransaction) -> etree._Element:
    element = writer.el("TxInfAndSts")
    if tx.instruction_id:
        writer.sub(element, "OrgnlInstrId", tx.instruction_id)
    if tx.end_to_end_id:
        writer.sub(element, "OrgnlEndToEndId", tx.end_to_end_id)
    if tx.uetr and _UETR.fullmatch(tx.uetr):
        writer.sub(element, "OrgnlUETR", tx.uetr)
    writer.sub(element, "TxSts", tx.status)
    if tx.reason or tx.detail:
        _reason(writer, element, tx.reason, tx.detail)
    return element


def _reason(writer: Writer, parent: etree._Element, code: str, detail: str) -> None:
    info = writer.sub(parent, "StsRsnInf")
    if code:
        writer.path(info, "Rsn/Cd", code)
    for piece in textwrap.wrap(detail, ADDITIONAL_INFO)[:10]:
        writer.sub(info, "AddtlInf", piece)


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text
