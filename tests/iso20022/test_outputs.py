"""pacs.008/002/004 and camt.053/054 from the books: each valid to its XSD, statements
reconciling with the ledger to the minor unit, and read back by the reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.iso20022.export import export_payment_messages, export_statement, payments_received_on
from corridor.iso20022.interbank import credit_transfer, interbank_legs, return_messages
from corridor.iso20022.reconcile import StoreLookup, reconcile_file
from corridor.iso20022.statements import account_day, resolve_account
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Party, Payment, new_uetr
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


# 09:00 in Beijing on Wednesday 28 October 2026: before every cut-off, so a payment settles
# at once, at the ECB fixing of the 27th.
BEIJING_MORNING = datetime(2026, 10, 28, 1, 0, tzinfo=UTC)


@pytest.fixture
def morning_books(engine: Engine) -> Iterator[PaymentEngine]:
    """The demo network on an empty store, its clock at BEIJING_MORNING (a test may set
    the engine's clock to another time)."""
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
        corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
        yield PaymentEngine(engine, ledger, corridor, clock=lambda: BEIJING_MORNING)


def _to_luohu(bearer: ChargeBearer) -> Payment:
    """The worked GBP 10,000.00 from an Albion client to a Luohu client, in CNY."""
    albion = network.CLIENTS[network.ALBION][0]
    luohu = network.CLIENTS[network.LUOHU][0]
    return Payment(
        uetr=new_uetr(),
        end_to_end_id=f"E2E-{bearer.value}",
        instruction_id="INSTR-1",
        debtor=Party(albion.name, albion.accounts["GBP"], "GB"),
        debtor_agent=network.ALBION,
        creditor_agent=network.LUOHU,
        creditor=Party(luohu.name, luohu.accounts["CNY"], "CN"),
        instructed_amount=Money.of("10000.00", "GBP"),
        settlement_currency="CNY",
        charge_bearer=bearer,
        requested_execution_date=date(2026, 10, 28),
        purpose_code="GDDS",
    )


@pytest.mark.parametrize(
    ("bearer", "amounts", "charges"),
    [
        # The worked GBP 10,000.00 → CNY through Hong Kong of the payments tests: at
        # 8.8509918956 it buys CNY 88,509.92 (DEBT, SHAR) or, Albion's GBP 15.00 taken
        # first, 88,377.15 (CRED). Hong Kong deducts CNY 124.25 (or 124.19 of the less).
        (ChargeBearer.DEBT, ["88509.92", "88509.92"], [[], []]),
        (ChargeBearer.SHAR, ["88509.92", "88385.67"], [[], [("124.25", "CNY", "HARBOUR")]]),
        (
            ChargeBearer.CRED,
            ["88377.15", "88252.96"],
            [
                [("15.00", "GBP", "ALBION")],
                [("15.00", "GBP", "ALBION"), ("124.19", "CNY", "HARBOUR")],
            ],
        ),
    ],
)
def test_each_pacs008_lists_the_charges_taken_out_of_its_amount(
    morning_books: PaymentEngine,
    bearer: ChargeBearer,
    amounts: list[str],
    charges: list[list[tuple[str, str, str]]],
) -> None:
    """A leg's ChrgsInf are the fees deducted before it reached the sender, each with the
    bank that took it: what turns InstdAmt at XchgRate into IntrBkSttlmAmt. A fee billed
    on top (DEBT, or the debtor's own bank under SHAR) never reduced the amount, so it is
    not listed."""
    payment = _to_luohu(bearer)
    record = morning_books.submit(payment).record
    assert record.status is S.SETTLED
    legs = interbank_legs(record)
    assert [(leg.sender, leg.receiver) for leg in legs] == [
        (network.ALBION, network.HARBOUR),
        (network.HARBOUR, network.LUOHU),
    ]
    banks = {"ALBION": network.ALBION, "HARBOUR": network.HARBOUR}
    for leg, amount, expected in zip(legs, amounts, charges, strict=True):
        document = credit_transfer(record, leg, BEIJING_MORNING)
        assert_schema_valid(document)
        tx = document.find(".//{*}CdtTrfTxInf")
        assert tx is not None
        assert tx.findtext("{*}IntrBkSttlmAmt") == amount
        assert tx.findtext("{*}InstdAmt") == "10000.00"
        listed = []
        for charge in tx.findall("{*}ChrgsInf"):
            fee = charge.find("{*}Amt")
            assert fee is not None
            listed.append((fee.text, fee.get("Ccy"), charge.findtext("{*}Agt//{*}BICFI")))
        assert listed == [(a, ccy, banks[bank]) for a, ccy, bank in expected]


def test_a_return_is_dated_on_the_returning_banks_day(morning_books: PaymentEngine) -> None:
    """Returned at 17:30 in London, it is 01:30 the next day in Beijing, before the CNY
    cut-off: each pacs.004 carries that day, not the UTC date."""
    record = morning_books.submit(_to_luohu(ChargeBearer.SHAR)).record
    assert record.status is S.SETTLED
    london_evening = datetime(2026, 10, 28, 17, 30, tzinfo=UTC)
    morning_books.clock = lambda: london_evening
    returned = morning_books.return_payment(record.payment.uetr, reason="AC04")
    messages = return_messages(returned, london_evening)
    dated = []
    for document in messages:
        assert_schema_valid(document)
        tx = document.find(".//{*}TxInf")
        assert tx is not None
        dated.append((tx.findtext("{*}InstgAgt//{*}BICFI"), tx.findtext("{*}IntrBkSttlmDt")))
    assert dated == [(network.LUOHU, "2026-10-29"), (network.HARBOUR, "2026-10-29")]


@pytest.mark.parametrize(
    ("returned_at", "settles"),
    [
        # 16:59 in Beijing on Wednesday 28 October: before the CNY cut-off, that day.
        (datetime(2026, 10, 28, 8, 59, tzinfo=UTC), "2026-10-28"),
        # 17:00 in Beijing: the cut-off has passed, the next business day.
        (datetime(2026, 10, 28, 9, 0, tzinfo=UTC), "2026-10-29"),
        # Friday 30 October after the cut-off: Monday 2 November.
        (datetime(2026, 10, 30, 10, 0, tzinfo=UTC), "2026-11-02"),
    ],
)
def test_a_return_after_the_cut_off_settles_the_next_business_day(
    morning_books: PaymentEngine, returned_at: datetime, settles: str
) -> None:
    """The ledger books a return at once; its interbank date rolls as a payment's does."""
    record = morning_books.submit(_to_luohu(ChargeBearer.SHAR)).record
    assert record.status is S.SETTLED
    morning_books.clock = lambda: returned_at
    returned = morning_books.return_payment(record.payment.uetr, reason="AC04")
    assert returned.settlement["returned"]["value_date"] == settles
    for document in return_messages(returned, returned_at):
        assert_schema_valid(document)
        assert document.findtext(".//{*}TxInf/{*}IntrBkSttlmDt") == settles
