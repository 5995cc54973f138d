"""The gpi-style tracker view of a payment: every hop and step, amounts, fees, FX rate,
times, and how long it took end to end."""

from __future__ import annotations

from typing import Any

from corridor.payments.lifecycle import REASONS
from corridor.payments.repository import PaymentRecord


def tracker_view(record: PaymentRecord) -> dict[str, Any]:
    """What `corridor payments track` shows, as JSON-ready data."""
    payment = record.payment
    settlement = record.settlement
    took = record.lifecycle.took
    return {
        "uetr": payment.uetr,
        "end_to_end_id": payment.end_to_end_id,
        "status": record.status.value,
        "iso_status": record.lifecycle.events[-1].iso_status,
        "debtor": payment.debtor.name,
        "debtor_agent": payment.debtor_agent,
        "creditor": payment.creditor.name,
        "creditor_agent": payment.creditor_agent,
        "instructed": str(payment.instructed_amount),
        "charge_bearer": payment.charge_bearer.value,
        "route": settlement.get("route", []),
        "fx": settlement.get("fx"),
        "fees": settlement.get("fees", []),
        "debited": settlement.get("debited"),
        "credited": settlement.get("credited"),
        "value_date": settlement.get("value_date"),
        "returned": settlement.get("returned"),
        "usd_equivalent": settlement.get("usd_equivalent"),
        "alerts": settlement.get("alerts", []),
        "events": [
            {
                "at": event.at.isoformat(),
                "status": event.status.value,
                "iso_status": event.iso_status,
                "reason": event.reason,
                "reason_text": REASONS.get(event.reason, ""),
                "actor": event.actor,
                "hop": event.hop,
                "detail": event.detail,
            }
            for event in record.lifecycle.events
        ],
        "took_seconds": None if took is None else took.total_seconds(),
    }
