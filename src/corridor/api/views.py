"""Domain values as the API shows them, and API bodies as domain values."""

from __future__ import annotations

from datetime import date
from typing import Any

from corridor.api.schemas import PaymentIn
from corridor.compliance.cases import Case
from corridor.iso20022.errors import Finding
from corridor.iso20022.validation import ValidationReport
from corridor.money import Money
from corridor.payments.fees import ChargeBearer
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.payments.repository import PaymentRecord
from corridor.payments.tracker import tracker_view


def payment_of(body: PaymentIn, debtor_agent: str, today: date) -> Payment:
    """The instruction a request describes, from the caller's institution."""
    return Payment(
        uetr=body.uetr or new_uetr(),
        end_to_end_id=body.end_to_end_id,
        instruction_id=body.instruction_id or body.end_to_end_id,
        debtor=Party(**body.debtor.model_dump()),
        debtor_agent=debtor_agent,
        creditor_agent=body.creditor_agent,
        creditor=Party(**body.creditor.model_dump()),
        instructed_amount=Money.of(body.amount, body.currency),
        settlement_currency=body.settlement_currency or body.currency,
        charge_bearer=ChargeBearer(body.charge_bearer),
        requested_execution_date=body.requested_execution_date or today,
        intermediary_agents=tuple(body.intermediary_agents),
        purpose_code=body.purpose_code,
        remittance=body.remittance,
        fx_quote_id=body.fx_quote_id,
    )


def payment_view(record: PaymentRecord) -> dict[str, Any]:
    """A stored payment with its tracker timeline (what PaymentOut describes)."""
    tracker = tracker_view(record)
    payment = record.payment
    events = record.lifecycle.events
    last_reason = events[-1].reason or None  # why it stands where it stands now
    return {
        "uetr": payment.uetr,
        "end_to_end_id": payment.end_to_end_id,
        "status": record.status.value,
        "iso_status": tracker["iso_status"],
        "debtor": payment.debtor.name,
        "debtor_account": payment.debtor.account,
        "debtor_agent": payment.debtor_agent,
        "creditor": payment.creditor.name,
        "creditor_account": payment.creditor.account,
        "creditor_agent": payment.creditor_agent,
        "instructed_amount": str(payment.instructed_amount.amount),
        "instructed_currency": payment.instructed_amount.currency.code,
        "settlement_currency": payment.settlement_currency,
        "charge_bearer": payment.charge_bearer.value,
        "received_at": events[0].at.isoformat(),
        "updated_at": events[-1].at.isoformat(),
        "reason": last_reason,
        "route": list(tracker["route"]),
        "fx": tracker["fx"],
        "fees": list(tracker["fees"]),
        "debited": _text(tracker["debited"]),
        "credited": _text(tracker["credited"]),
        "value_date": tracker["value_date"],
        "returned": tracker["returned"],
        "events": tracker["events"],
        "took_seconds": tracker["took_seconds"],
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def case_view(case: Case, record: PaymentRecord) -> dict[str, Any]:
    """A case with its candidates (match details) and the payment it holds."""
    return {
        "case_id": case.case_id,
        "payment_ref": case.payment_ref,
        "status": case.status.value,
        "payment_status": case.payment_status,
        "screening_decision": case.screening_decision,
        "proposed_decision": case.proposed_decision,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "candidates": list(case.screening.get("candidates", [])),
        "events": [
            {
                "seq": e.seq,
                "at": e.at,
                "username": e.username,
                "action": e.action,
                "decision": e.decision,
                "reason": e.reason,
            }
            for e in case.events
        ],
        "payment": payment_view(record),
    }


def finding_view(finding: Finding) -> dict[str, Any]:
    """One ISO 20022 error."""
    return {
        "path": finding.path,
        "message": finding.message,
        "reason": finding.reason,
        "line": finding.line,
        "transaction": finding.transaction,
    }


def validation_view(report: ValidationReport) -> dict[str, Any]:
    """What validation found."""
    return {
        "valid": report.valid,
        "message_type": report.message_type,
        "msg_id": report.msg_id,
        "transactions": report.transactions,
        "valid_transactions": report.valid_transactions,
        "total": str(report.total),
        "findings": [finding_view(f) for f in report.findings],
    }
