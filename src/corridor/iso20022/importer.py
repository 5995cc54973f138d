"""Importing a pain.001: validate it whole, then make each valid credit transfer a payment
through the payments engine, and answer the file with a pain.002 written next to it.

A file with errors books nothing, unless the caller asks to accept its valid transactions
(and the group itself is sound: readable, NbOfTxs and CtrlSum right, not a duplicate);
the pain.002 then rejects the others, each with its reason. Validation streams the file
once and spools each transaction's outcome to a temporary file, so memory stays flat.

The file is claimed before anything is booked (its MsgId, per initiating party, is unique
in the store among files not rejected). An import cut short leaves the claim "importing":
importing the same file again carries on (the engine answers the transactions already
submitted as the payments they became), while a different file under that MsgId is a
duplicate (DU01).
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from corridor.iso20022 import repository
from corridor.iso20022.errors import Finding
from corridor.iso20022.reading import MAX_BYTES
from corridor.iso20022.repository import StoredTransaction
from corridor.iso20022.status_report import group_status, write_status_report
from corridor.iso20022.validation import (
    TransactionOutcome,
    ValidationReport,
    validate_pain001,
)
from corridor.payments.engine import PaymentEngine, Submission
from corridor.payments.payment import Payment, payment_from_dict, payment_to_dict
from corridor.payments.repository import PaymentRecord

BATCH = 500
"""Transactions submitted and recorded per unit of work."""
REFUSED = "the file has errors, so none of its transactions was booked"


@dataclass
class ImportResult:
    """What an import did: the validation report, the file's status, the payments it
    made, every transaction's ISO status, and where the pain.002 is."""

    report: ValidationReport
    status: str
    """accepted, partly_accepted or rejected."""
    message_ref: str
    status_report: Path
    status_report_id: str
    booked: int = 0
    """Payments created by this import."""
    statuses: Counter[str] = field(default_factory=Counter)
    """ISO 20022 transaction status → how many transactions have it."""
    resumed: bool = False

    @property
    def rejected(self) -> int:
        """Transactions rejected (RJCT)."""
        return self.statuses.get("RJCT", 0)


def submit_all(payments: PaymentEngine, batch: Sequence[Payment]) -> list[Submission]:
    """Hand a batch of payments to the engine's batched path, one Submission per payment,
    in order (duplicates by debtor agent and end-to-end id come back `created=False`).
    The one place where imports call the engine."""
    return payments.submit_batch(batch)


def status_report_path(path: Path) -> Path:
    """Where the pain.002 answering a file goes: beside it, `<name>.pain002.xml`."""
    return path.with_name(f"{path.stem}.pain002.xml")


def import_pain001(
    path: Path | str,
    payments: PaymentEngine,
    *,
    accept_valid: bool = False,
    today: date | None = None,
    status_report: Path | None = None,
    max_bytes: int = MAX_BYTES,
) -> ImportResult:
    """Validate and import a pain.001 file; always writes its pain.002 (see the module)."""
    path = Path(path)
    engine = payments.engine
    today = today or payments.clock().date()
    target = status_report or status_report_path(path)
    claimed: dict[str, repository.StoredMessage] = {}

    def already_imported(party: str, msg_id: str) -> bool:
        with engine.connect() as connection:
            found = repository.find_imported(connection, party, msg_id)
        if found is not None and found.status == "importing":
            claimed["found"] = found  # carried on below if it is the same file
            return False
        return found is not None

    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        report = validate_pain001(
            path,
            today=today,
            already_imported=already_imported,
            on_transaction=lambda outcome: _spool(spool, outcome),
            max_bytes=max_bytes,
        )
        resumed = claimed.get("found")
        if resumed is not None and resumed.checksum != report.checksum:
            assert report.header is not None
            report.findings.append(
                Finding(
                    f"{report.header.path}/MsgId",
                    f"{report.msg_id} is being imported from another file (its content differs)",
                    "DU01",
                    report.header.line,
                )
            )
            resumed = None
        refused = (
            not report.readable
            or bool(report.group_findings)
            or (bool(report.findings) and not accept_valid)
            or report.valid_transactions == 0
        )
        if refused:
            return _refuse(path, report, spool, payments, target)
        return _book(path, report, spool, payments, target, resumed)


def _spool(spool: IO[str], outcome: TransactionOutcome) -> None:
    first = outcome.findings[0] if outcome.findings else None
    record = {
        "seq": outcome.sequence,
        "pmt": outcome.pmt_inf_id,
        "instr": outcome.instruction_id,
        "e2e": outcome.end_to_end_id,
        "uetr": outcome.uetr,
        "amount": outcome.amount,
        "ccy": outcome.currency,
        "payment": payment_to_dict(outcome.payment) if outcome.valid and outcome.payment else None,
        "reason": first.reason if first else "",
        "detail": "; ".join(f"{f.path.rsplit('/', 2)[-1]}: {f.message}" for f in outcome.findings),
    }
    spool.write(json.dumps(record, ensure_ascii=False) + "\n")


def _spooled(spool: IO[str]) -> Iterator[dict[str, Any]]:
    spool.seek(0)
    for line in spool:
        yield json.loads(line)


def _row(
    item: dict[str, Any], status: str, reason: str, detail: str, uetr: str | None
) -> StoredTransaction:
    return StoredTransaction(
        item["seq"],
        item["pmt"],
        item["instr"],
        item["e2e"],
        uetr or None,
        item["amount"],
        item["ccy"][:3],
        status,
        reason[:4],
        detail,
    )


def _now(payments: PaymentEngine) -> datetime:
    return payments.clock().astimezone(UTC)


def _refuse(
    path: Path,
    report: ValidationReport,
    spool: IO[str],
    payments: PaymentEngine,
    target: Path,
) -> ImportResult:
    """Record the file as rejected (nothing booked) and write its pain.002."""
    message_ref = str(uuid.uuid4())
    group = report.group_findings or [f for f in report.findings if f.transaction is None]
    fallback = group[0].reason if group else "NARR"
    now = _now(payments)
    header = report.header
    statuses: Counter[str] = Counter()
    with payments.engine.begin() as connection:
        repository.insert_message(
            connection,
            message_ref=message_ref,
            message_type=report.message_type or "pain.001",
            variant=report.variant,
            msg_id=report.msg_id,
            initiating_party=header.initiating_party if header else "",
            checksum=report.checksum,
            file_name=str(path),
            status="rejected",
            transactions=report.transactions,
            ctrl_sum=f"{report.total:f}",
            at=now,
        )
        rows = []
        for item in _spooled(spool):
            if item["reason"]:
                rows.append(_row(item, "RJCT", item["reason"], item["detail"], None))
            else:
                rows.append(_row(item, "RJCT", fallback, REFUSED, None))
            statuses["RJCT"] += 1
            if len(rows) >= BATCH:
                repository.insert_transactions(connection, message_ref, rows)
                rows = []
        repository.insert_transactions(connection, message_ref, rows)
    report_id = _write_report(target, report, payments, message_ref)
    with payments.engine.begin() as connection:
        repository.finish_message(
            connection,
            message_ref,
            status="rejected",
            accepted=0,
            rejected=report.transactions,
            status_report_id=report_id,
            at=_now(payments),
        )
    return ImportResult(report, "rejected", message_ref, target, report_id, 0, statuses)


def _book(
    path: Path,
    report: ValidationReport,
    spool: IO[str],
    payments: PaymentEngine,
    target: Path,
    resumed: repository.StoredMessage | None,
) -> ImportResult:
    """Claim the file, submit its valid transactions batch by batch, record each
    transaction's status, and write the pain.002."""
    header = report.header
    assert header is not None
    engine = payments.engine
    if resumed is None:
        message_ref = str(uuid.uuid4())
        with engine.begin() as connection:
            try:
                repository.insert_message(
                    connection,
                    message_ref=message_ref,
                    message_type=report.message_type,
                    variant=report.variant,
                    msg_id=header.msg_id,
                    initiating_party=header.initiating_party,
                    checksum=report.checksum,
                    file_name=str(path),
                    status="importing",
                    transactions=report.transactions,
                    ctrl_sum=f"{report.total:f}",
                    at=_now(payments),
                )
            except sa.exc.IntegrityError:
                # Another import claimed this MsgId since validation looked.
                report.findings.append(
                    Finding(
                        f"{header.path}/MsgId",
                        f"{header.msg_id} was imported already",
                        "DU01",
                        header.line,
                    )
                )
                connection.rollback()
                return _refuse(path, report, spool, payments, target)
        done: set[int] = set()
    else:
        message_ref = resumed.message_ref
        with engine.connect() as connection:
            done = repository.recorded_sequences(connection, message_ref)
    result = ImportResult(report, "importing", message_ref, target, "", resumed=resumed is not None)
    waiting: list[dict[str, Any]] = []
    rows: list[StoredTransaction] = []

    def flush() -> None:
        if waiting:
            batch = [payment_from_dict(item["payment"]) for item in waiting]
            for item, submission in zip(waiting, submit_all(payments, batch), strict=True):
                rows.append(_submitted(item, submission, result))
            waiting.clear()
        with engine.begin() as connection:
            repository.insert_transactions(connection, message_ref, rows)
        rows.clear()

    for item in _spooled(spool):
        if item["seq"] in done:
            continue
        if item["payment"] is None:
            rows.append(_row(item, "RJCT", item["reason"], item["detail"], None))
        else:
            waiting.append(item)
        if len(waiting) + len(rows) >= BATCH:
            flush()
    flush()
    with engine.connect() as connection:
        statuses = Counter(t.status for t in repository.transactions_of(connection, message_ref))
    result.statuses = statuses
    result.status = (
        "rejected"
        if statuses.get("RJCT", 0) == report.transactions
        else "partly_accepted"
        if statuses.get("RJCT")
        else "accepted"
    )
    result.status_report_id = _write_report(target, report, payments, message_ref)
    with engine.begin() as connection:
        repository.finish_message(
            connection,
            message_ref,
            status=result.status,
            accepted=report.transactions - statuses.get("RJCT", 0),
            rejected=statuses.get("RJCT", 0),
            status_report_id=result.status_report_id,
            at=_now(payments),
        )
    return result


def _submitted(
    item: dict[str, Any], submission: Submission, result: ImportResult
) -> StoredTransaction:
    record = submission.record
    # Carrying on after an interruption, a payment the first attempt submitted comes back
    # as not created: it is this file's own, not a duplicate.
    if not submission.created and not result.resumed:
        return _row(
            item,
            "RJCT",
            "AM05",
            f"duplicate of payment {record.payment.uetr} (same debtor agent and end-to-end id)",
            None,
        )
    result.booked += submission.created
    status, reason, detail = iso_status(record)
    return _row(item, status, reason, detail, record.payment.uetr)


def iso_status(record: PaymentRecord) -> tuple[str, str, str]:
    """A payment's ISO 20022 transaction status, reason code and detail, as a status
    report gives them: its last step's, with the reason of that step."""
    last = record.lifecycle.events[-1]
    return last.iso_status, last.reason, last.detail if last.reason else ""


def _write_report(
    target: Path, report: ValidationReport, payments: PaymentEngine, message_ref: str
) -> str:
    engine = payments.engine

    def rows() -> Iterator[StoredTransaction]:
        with engine.connect() as connection:
            yield from repository.transactions_of(connection, message_ref)

    return write_status_report(target, report, rows, report_ref=message_ref, created=_now(payments))


__all__ = ["ImportResult", "group_status", "import_pain001", "iso_status", "submit_all"]
