"""pacs.008/002/004 and camt.053/054 from the books: each valid to its XSD, statements
reconciling with the ledger to the minor unit, and read back by the reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from corridor.demo import network
from corridor.iso20022.export import export_payment_messages, export_statement, payments_received_on
from corridor.iso20022.interbank import interbank_legs
from corridor.iso20022.reconcile import StoreLookup, reconcile_file
from corridor.iso20022.statements import account_day, resolve_account
from corridor.payments.engine import PaymentEngine
from corridor.payments.lifecycle import PaymentStatus
from iso20022.conftest import assert_schema_valid, demo_payments

S = PaymentStatus


@pytest.fixture
def booked(payments: PaymentEngine) -> PaymentEngine:
    """Twenty payments of the demo mix through the engine, one of the settled returned."""
    records = [payments.submit(p).record for p in demo_payments(20, seed=5)]
    settled = [
        r for r in records if r.status is S.SETTLED and r.settlement.get("route", [None, None])[1:]
    ]
    if settled:
        payments.return_payment(settled[0].payment.uetr, reason="AC04")
    return payments


def test_every_payment_message_is_valid_and_carries_the_uetr(
    tmp_path: Path, booked: PaymentEngine
) -> None:
    """pacs.008 and pacs.002 per interbank leg, pacs.004 per leg of a return."""
    today = datetime.now(UTC).date()
    uetrs = payments_received_on(booked.engine, today)
    assert len(uetrs) == 20
    written = {
        kind: export_payment_messages(booked.engine, kind, uetrs, tmp_path / kind)
        for kind in ("pacs.008", "pacs.002", "pacs.004")
    }
    legs = sum(len(interbank_legs(booked.get(u))) for u in uetrs)
    assert legs
    assert len(written["pacs.008"]) == legs == len(written["pacs.002"])
    for paths in written.values():
        for path in paths:
            assert_schema_valid(path)
            uetr = path.name.split("-", 1)[1].rsplit("-leg", 1)[0]
            assert uetr in path.read_text()
    returned = [u for u in uetrs if booked.get(u).status is S.RETURNED]
    if returned:
        assert written["pacs.004"]
        assert "<Cd>AC04</Cd>" in written["pacs.004"][0].read_text()


@pytest.mark.parametrize("which", ["client debtor", "client creditor", "bank nostro", "bank home"])
def test_statements_reconcile_with_the_ledger(
    tmp_path: Path, booked: PaymentEngine, which: str
) -> None:
    """camt.053 opening + entries = closing, closing = the ledger's balance now (for a
    day still running), history accounts checked against the ledger's snapshots; every
    payment entry is matched back to its payment; camt.054 is valid too."""
    first = booked.get(payments_received_on(booked.engine, datetime.now(UTC).date())[0]).payment
    account = {
        "client debtor": first.debtor.account,
        "client creditor": first.creditor.account,
        "bank nostro": "VHRBHKHH/CNY",
        "bank home": f"{network.ALBION}/GBP",
    }[which]
    resolved = resolve_account(booked.corridor.directory, account)
    today = datetime.now(UTC).astimezone(resolved.zone).date()
    day = account_day(booked.engine, booked.ledger, resolved, today)
    stored = booked.ledger.lookup_accounts([resolved.ledger_id])[0]
    assert day.closing.to_minor_units() == stored.credits_posted - stored.debits_posted
    assert day.opening + day.credits - day.debits == day.closing
    path = export_statement(
        booked.engine,
        booked.ledger,
        booked.corridor.directory,
        "camt.053",
        account,
        today,
        tmp_path,
    )
    assert_schema_valid(path)
    notice = export_statement(
        booked.engine,
        booked.ledger,
        booked.corridor.directory,
        "camt.054",
        account,
        today,
        tmp_path,
    )
    assert_schema_valid(notice)
    result = reconcile_file(path, StoreLookup(booked.engine))
    assert not result.findings
    assert result.reports[0].balanced is True
    assert result.reports[0].closing == day.closing.amount
    payment_entries = sum(e.record is not None for e in day.entries)
    assert result.count("matched") == payment_entries
    assert result.count("amount_difference") == 0
    for kind in ("camt.053", "camt.054"):
        text = (tmp_path / f"{kind}-{path.name.split('-', 1)[1]}").read_text()
        assert etree.fromstring(text.encode()).tag.endswith("Document")
