"""Validating a pain.001 in two layers, reporting every error with its element path.

First the schema (the official XSD, part by part as the file streams past), then the
business rules (`rules`) on each transaction the schema let through, and on the group:
NbOfTxs and CtrlSum of the group and of each PmtInf as declared, no (debtor's bank,
end-to-end id) twice, and a MsgId that the same initiating party has not had imported
already. Nothing is booked here: each transaction's outcome (its payment, or its errors)
goes to `on_transaction`, the file's to the returned report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from corridor.iso20022.errors import Finding
from corridor.iso20022.pain001 import (
    CreditTransfer,
    GroupHeader,
    PaymentInformation,
    PaymentInformationEnd,
    read_pain001,
)
from corridor.iso20022.reading import MAX_BYTES, Stream
from corridor.iso20022.rules import transfer_to_payment
from corridor.payments.payment import NOT_PROVIDED, Payment


@dataclass(frozen=True, slots=True)
class TransactionOutcome:
    """What validation made of one transaction: its payment, or the errors that stop it."""

    sequence: int
    pmt_inf_index: int
    pmt_inf_id: str
    instruction_id: str
    end_to_end_id: str
    uetr: str
    amount: str
    currency: str
    payment: Payment | None
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        """Whether the transaction passed both layers."""
        return self.payment is not None and not self.findings


@dataclass
class PaymentInformationSummary:
    """A PmtInf as declared and as counted."""

    index: int
    pmt_inf_id: str
    declared_count: str
    declared_sum: str
    debtor_agent: str = ""
    count: int = 0
    total: Decimal = Decimal(0)
    valid: int = 0


@dataclass
class ValidationReport:
    """Everything validation found in a file."""

    path: Path
    message_type: str = ""
    variant: str = ""
    checksum: str = ""
    size: int = 0
    readable: bool = True
    header: GroupHeader | None = None
    transactions: int = 0
    valid_transactions: int = 0
    total: Decimal = Decimal(0)
    findings: list[Finding] = field(default_factory=list)
    payment_informations: list[PaymentInformationSummary] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No error in either layer."""
        return self.readable and not self.findings

    @property
    def group_findings(self) -> list[Finding]:
        """Errors of the file as a whole (not of one transaction): these refuse it whole."""
        return [f for f in self.findings if f.transaction is None]

    @property
    def msg_id(self) -> str:
        """The file's MsgId ("" when it could not be read)."""
        return self.header.msg_id if self.header else ""


DuplicateCheck = Callable[[str, str], bool]
"""(initiating party key, MsgId) → whether that message was imported already."""


def validate_pain001(
    path: Path | str,
    *,
    today: date | None = None,
    already_imported: DuplicateCheck | None = None,
    on_transaction: Callable[[TransactionOutcome], None] | None = None,
    max_bytes: int = MAX_BYTES,
    chunk: int = 1000,
) -> ValidationReport:
    """Validate a pain.001 file (both layers); every error is in the report's findings.

    `today` decides which execution dates are past (default: today in UTC);
    `already_imported` answers the duplicate question (no store: not asked).
    """
    path = Path(path)
    today = today or datetime.now(UTC).date()
    stream = Stream(path)
    report = ValidationReport(path)
    seen: set[tuple[str, str]] = set()
    shared: set[tuple[str, str]] = set()
    summary: PaymentInformationSummary | None = None
    for record in read_pain001(path, stream, max_bytes=max_bytes, chunk=chunk):
        if isinstance(record, Finding):
            report.findings.append(record)
        elif isinstance(record, GroupHeader):
            report.header = record
            report.findings.extend(record.findings)
            if (
                already_imported
                and record.msg_id
                and already_imported(record.initiating_party, record.msg_id)
            ):
                who = record.initiating_party_name or record.initiating_party
                report.findings.append(
                    Finding(
                        f"{record.path}/MsgId",
                        f"{record.msg_id} from {who} was imported already",
                        "DU01",
                        record.line,
                    )
                )
        elif isinstance(record, CreditTransfer):
            if summary is None or summary.index != record.info.index:
                summary = _summary(record.info)
                report.payment_informations.append(summary)
            outcome = _transaction(record, today, seen)
            report.transactions += 1
            summary.count += 1
            amount = _decimal(record.amount)
            if amount is not None:
                report.total += amount
                summary.total += amount
            if outcome.valid:
                report.valid_transactions += 1
                summary.valid += 1
            for finding in outcome.findings:
                # An error in the PmtInf header stops each of its transactions; it is
                # listed once, at its first transaction.
                if not finding.path.startswith(record.path):
                    if (finding.path, finding.message) in shared:
                        continue
                    shared.add((finding.path, finding.message))
                report.findings.append(finding)
            if on_transaction is not None:
                on_transaction(outcome)
        elif isinstance(record, PaymentInformationEnd):
            report.findings.extend(record.findings)
            if summary is not None and summary.index == record.index:
                report.findings.extend(_declared(record.path, summary))
    report.message_type = stream.message.name if stream.message else ""
    report.variant = stream.variant
    report.checksum = stream.checksum
    report.size = stream.size
    report.readable = stream.readable
    report.findings.extend(stream.fatal)
    if report.header is not None and stream.readable:
        report.findings.extend(_group_declared(report))
    return report


def _summary(info: PaymentInformation) -> PaymentInformationSummary:
    return PaymentInformationSummary(
        info.index, info.pmt_inf_id, info.nb_of_txs, info.ctrl_sum, info.debtor_agent
    )


def _transaction(
    transfer: CreditTransfer, today: date, seen: set[tuple[str, str]]
) -> TransactionOutcome:
    payment: Payment | None = None
    findings = list(transfer.schema_findings)
    if not findings:  # business rules only where the schema holds
        payment, findings = transfer_to_payment(transfer, today=today)
        key = (transfer.info.debtor_agent[:8], transfer.end_to_end_id)
        if key in seen and transfer.end_to_end_id != NOT_PROVIDED:
            findings.append(
                Finding(
                    f"{transfer.path}/PmtId/EndToEndId",
                    f"end-to-end id {transfer.end_to_end_id} of {key[0]} appears twice in the file",
                    "AM05",
                    transfer.line,
                    transfer.sequence,
                )
            )
            payment = None
        seen.add(key)
    return TransactionOutcome(
        sequence=transfer.sequence,
        pmt_inf_index=transfer.info.index,
        pmt_inf_id=transfer.info.pmt_inf_id,
        instruction_id=transfer.instruction_id,
        end_to_end_id=transfer.end_to_end_id,
        uetr=payment.uetr if payment else transfer.uetr,
        amount=transfer.amount,
        currency=transfer.currency,
        payment=payment,
        findings=tuple(findings),
    )


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _declared(path: str, summary: PaymentInformationSummary) -> list[Finding]:
    return _counts(
        path, summary.declared_count, summary.declared_sum, summary.count, summary.total, None
    )


def _group_declared(report: ValidationReport) -> list[Finding]:
    header = report.header
    assert header is not None
    return _counts(
        header.path,
        header.nb_of_txs,
        header.ctrl_sum,
        report.transactions,
        report.total,
        header.line,
    )


def _counts(
    path: str, count: str, total: str, counted: int, summed: Decimal, line: int | None
) -> list[Finding]:
    findings = []
    if count and count.isdigit() and int(count) != counted:
        findings.append(
            Finding(
                f"{path}/NbOfTxs",
                f"declares {int(count):,} transactions; the file has {counted:,}",
                "AM18",
                line,
            )
        )
    declared = _decimal(total) if total else None
    if declared is not None and declared != summed:
        findings.append(
            Finding(
                f"{path}/CtrlSum",
                f"declares {declared}; the amounts add up to {summed}",
                "AM10",
                line,
            )
        )
    return findings
