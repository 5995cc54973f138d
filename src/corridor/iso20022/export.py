"""Writing ISO 20022 messages to files: statements and notifications for an account's
day, pacs.008/pacs.002/pacs.004 for payments (by UETR, or every payment received on a
day). What `corridor iso export` and `corridor demo` call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy.engine import Engine

from corridor.iso20022 import repository
from corridor.iso20022.camt import notification, statement
from corridor.iso20022.errors import ExportError
from corridor.iso20022.interbank import (
    credit_transfer,
    interbank_legs,
    return_messages,
    status_report,
)
from corridor.iso20022.statements import account_day, resolve_account
from corridor.iso20022.xmlwrite import to_bytes
from corridor.ledger import Ledger
from corridor.payments import repository as payments_store
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.reference import Directory
from corridor.payments.repository import PaymentRecord

STATEMENT_TYPES = ("camt.053", "camt.054")
PAYMENT_TYPES = ("pacs.008", "pacs.002", "pacs.004")
TYPES = STATEMENT_TYPES + PAYMENT_TYPES


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in text)


def export_statement(
    engine: Engine,
    ledger: Ledger,
    directory: Directory,
    kind: str,
    account: str,
    day: date,
    out: Path,
    *,
    created: datetime | None = None,
) -> Path:
    """Write the camt.053 (or camt.054) of `account` for `day` into the folder `out`."""
    if kind not in STATEMENT_TYPES:
        raise ExportError(f"--type {kind}: a statement is camt.053 or camt.054")
    resolved = resolve_account(directory, account)
    booked = account_day(engine, ledger, resolved, day)
    created = created or datetime.now(UTC)
    document = statement(booked, created) if kind == "camt.053" else notification(booked, created)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{kind}-{_safe(resolved.identifier)}-{day.isoformat()}.xml"
    path.write_bytes(to_bytes(document))
    return path


def payments_received_on(engine: Engine, day: date) -> list[str]:
    """UETRs of the payments received on `day` (UTC), first received first."""
    start = datetime.combine(day, time(0), UTC)
    with engine.connect() as connection:
        return repository.payments_received_between(connection, start, start + timedelta(days=1))


def payment_documents(
    record: PaymentRecord, kind: str, created: datetime
) -> list[tuple[str, etree._Element]]:
    """(file name, document) of each `kind` message of a payment (empty when it has none:
    a payment never sent on has no pacs.008, one never returned no pacs.004)."""
    uetr = record.payment.uetr
    legs = interbank_legs(record)
    if kind == "pacs.008":
        return [
            (f"pacs.008-{uetr}-leg{leg.hop}.xml", credit_transfer(record, leg, created))
            for leg in legs
        ]
    if kind == "pacs.002":
        return [
            (f"pacs.002-{uetr}-leg{leg.hop}.xml", status_report(record, leg, created))
            for leg in legs
        ]
    if kind == "pacs.004":
        if record.status is not PaymentStatus.RETURNED:
            return []
        documents = return_messages(record, created)
        return [
            (f"pacs.004-{uetr}-leg{leg.hop}.xml", document)
            for leg, document in zip(reversed(legs), documents, strict=True)
        ]
    raise ExportError(f"--type {kind}: payment messages are {', '.join(PAYMENT_TYPES)}")


def export_payment_messages(
    engine: Engine,
    kind: str,
    uetrs: Iterable[str],
    out: Path,
    *,
    created: datetime | None = None,
) -> list[Path]:
    """Write every `kind` message of the payments `uetrs` into the folder `out`."""
    created = created or datetime.now(UTC)
    written = []
    out.mkdir(parents=True, exist_ok=True)
    wanted = [u.strip().lower() for u in uetrs]
    with engine.connect() as connection:
        records = payments_store.load_many(connection, wanted)
    for uetr in wanted:
        record = records.get(uetr)
        if record is None:
            raise ExportError(f"no payment with UETR {uetr}")
        for name, document in payment_documents(record, kind, created):
            path = out / name
            path.write_bytes(to_bytes(document))
            written.append(path)
    return written
