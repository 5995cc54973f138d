"""pacs.008, pacs.002 and pacs.004 for a payment's interbank legs, from what the engine
stored of it (route, interbank amounts, fees, FX deal, value date, lifecycle).

A payment London → Hong Kong → Luohu has two interbank legs; each is one pacs.008 from the
bank that sends it on (InstgAgt) to the next (InstdAgt), carrying the payment's UETR, the
interbank settlement amount of that leg, the instructed amount, the rate dealt and the
charges taken before it (CBPR+ style: one transaction per message). The receiving bank
answers each with a pacs.002 (the payment's status); a returned payment travels back leg
by leg as pacs.004s carrying what the creditor received, with the return reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from lxml import etree

from corridor.iso20022.catalogue import PACS_002, PACS_004, PACS_008
from corridor.iso20022.errors import ExportError
from corridor.iso20022.statements import bank_zone
from corridor.iso20022.xmlwrite import (
    Writer,
    date_text,
    datetime_text,
    message_id,
)
from corridor.money import Money
from corridor.payments.accounts import TransferCode
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Party
from corridor.payments.planning import plan_of
from corridor.payments.repository import PaymentRecord

S = PaymentStatus
SENT = frozenset({S.RESERVED, S.SETTLED, S.RETURNED})
"""Payments whose interbank legs have gone out (reserved on the ledger, or further)."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One interbank leg of a payment: from `sender` to `receiver` (hop ≥ 1)."""

    hop: int
    sender: str
    receiver: str
    amount: Money
    msg_id: str


def money_of(text: str) -> Money:
    """Money from the engine's display form, e.g. "1,025.00 GBP"."""
    amount, code = text.rsplit(" ", 1)
    return Money.of(amount.replace(",", ""), code)


def interbank_legs(record: PaymentRecord) -> list[Leg]:
    """The payment's interbank legs in route order (none for an on-us payment, or one
    that was never sent on)."""
    if record.status not in SENT:
        return []
    route = record.settlement.get("route", [])
    plan = plan_of(record)
    amounts = {
        leg.hop: Money.from_minor_units(leg.amount, leg.currency)
        for leg in plan.legs
        if leg.code is not TransferCode.FEE and leg.what.startswith("interbank") and leg.hop
    }
    return [
        Leg(h, route[h - 1], route[h], amounts[h], message_id("pacs.008", record.payment.uetr, h))
        for h in range(1, len(route))
        if h in amounts
    ]


def _value_date(record: PaymentRecord) -> date | None:
    text = record.settlement.get("value_date")
    return date.fromisoformat(text) if text else None


def _party(writer: Writer, parent: etree._Element, tag: str, party: Party) -> None:
    element = writer.sub(parent, tag)
    writer.sub(element, "Nm", party.name)
    writer.sub(element, "CtryOfRes", party.country)


def _account(writer: Writer, parent: etree._Element, tag: str, identifier: str) -> None:
    element = writer.sub(parent, tag)
    if identifier[:2].isalpha() and identifier[2:4].isdigit():
        writer.path(element, "Id/IBAN", identifier)
    else:
        writer.path(element, "Id/Othr/Id", identifier)


def credit_transfer(record: PaymentRecord, leg: Leg, created: datetime) -> etree._Element:
    """The pacs.008 of one interbank leg."""
    writer = Writer(PACS_008)
    payment = record.payment
    route = record.settlement["route"]
    document, root = writer.document()
    header = writer.sub(root, "GrpHdr")
    writer.sub(header, "MsgId", leg.msg_id)
    writer.sub(header, "CreDtTm", datetime_text(created))
    writer.sub(header, "NbOfTxs", "1")
    # The receiver holds the sender's account (or the sender the receiver's): either way
    # the instructed agent books it on an account between the two, no clearing system.
    writer.path(header, "SttlmInf/SttlmMtd", "INDA")
    tx = writer.sub(root, "CdtTrfTxInf")
    ids = writer.sub(tx, "PmtId")
    writer.sub(ids, "InstrId", payment.instruction_id)
    writer.sub(ids, "EndToEndId", payment.end_to_end_id)
    writer.sub(ids, "TxId", f"{payment.uetr[:24]}-{leg.hop}")
    writer.sub(ids, "UETR", payment.uetr)
    writer.amount(tx, "IntrBkSttlmAmt", leg.amount)
    value_date = _value_date(record)
    if value_date:
        writer.sub(tx, "IntrBkSttlmDt", date_text(value_date))
    writer.amount(tx, "InstdAmt", payment.instructed_amount)
    fx = record.settlement.get("fx")
    if fx:
        writer.sub(tx, "XchgRate", _rate(fx["customer_rate"]))
    writer.sub(tx, "ChrgBr", payment.charge_bearer.value)
    # Only the fees taken out of the amount on the way here: IntrBkSttlmAmt is InstdAmt at
    # the rate less these, so the receiver can check it. A fee billed to a party on top
    # (DEBT, or a bank's own customer under SHAR) never reduced the amount.
    for fee in record.settlement.get("fees", []):
        if fee["hop"] < leg.hop and fee.get("deducted", True):
            charges = writer.sub(tx, "ChrgsInf")
            writer.amount(charges, "Amt", money_of(fee["fee"]))
            writer.agent(charges, "Agt", fee["bank"])
    for n, bic in enumerate(route[1 : leg.hop - 1], start=1):
        writer.agent(tx, f"PrvsInstgAgt{n}", bic)
    writer.agent(tx, "InstgAgt", leg.sender)
    writer.agent(tx, "InstdAgt", leg.receiver)
    for n, bic in enumerate(route[leg.hop + 1 : -1], start=1):
        writer.agent(tx, f"IntrmyAgt{n}", bic)
    _party(writer, tx, "Dbtr", payment.debtor)
    _account(writer, tx, "DbtrAcct", payment.debtor.account)
    writer.agent(tx, "DbtrAgt", route[0])
    writer.agent(tx, "CdtrAgt", route[-1])
    _party(writer, tx, "Cdtr", payment.creditor)
    _account(writer, tx, "CdtrAcct", payment.creditor.account)
    if payment.purpose_code:
        writer.path(tx, "Purp/Cd", payment.purpose_code)
    if payment.remittance or payment.creditor_reference:
        remittance = writer.sub(tx, "RmtInf")
        if payment.remittance:
            writer.sub(remittance, "Ustrd", payment.remittance)
        if payment.creditor_reference:
            writer.path(remittance, "Strd/CdtrRefInf/Ref", payment.creditor_reference)
    return document


def _bank_date(at: datetime, bic: str) -> date:
    """The date it is at `at` where the bank `bic` keeps its books: a return settles on
    the returning bank's day, which in Hong Kong or Luohu is a day ahead of London's
    evening (a UTC date would put it on the day before)."""
    return at.astimezone(bank_zone(bic)).date()


def _rate(text: str) -> str:
    """BaseOneRate: at most 10 fraction digits and 11 digits in all."""
    rate = Decimal(text)
    integral = len(str(int(rate))) if rate >= 1 else 0
    places = min(10, 11 - integral)
    return f"{rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN).normalize():f}"


def payment_status(record: PaymentRecord) -> tuple[str, str, str]:
    """(ExternalPaymentTransactionStatus1Code, reason code, detail) of a payment now."""
    last = record.lifecycle.events[-1]
    reason = next((e for e in reversed(record.lifecycle.events) if e.reason), None)
    if reason is not None and last.iso_status in ("RJCT", "PDNG", "CANC"):
        return last.iso_status, reason.reason, reason.detail
    return last.iso_status, "", ""


def status_report(record: PaymentRecord, leg: Leg, created: datetime) -> etree._Element:
    """The pacs.002 the receiver of a leg sends back to its sender: the payment's status."""
    writer = Writer(PACS_002)
    payment = record.payment
    document, root = writer.document()
    header = writer.sub(root, "GrpHdr")
    writer.sub(header, "MsgId", message_id("pacs.002", payment.uetr, leg.hop, created))
    writer.sub(header, "CreDtTm", datetime_text(created))
    writer.agent(header, "InstgAgt", leg.receiver)
    writer.agent(header, "InstdAgt", leg.sender)
    original = writer.sub(root, "OrgnlGrpInfAndSts")
    writer.sub(original, "OrgnlMsgId", leg.msg_id)
    writer.sub(original, "OrgnlMsgNmId", PACS_008.name)
    tx = writer.sub(root, "TxInfAndSts")
    writer.sub(tx, "OrgnlInstrId", payment.instruction_id)
    writer.sub(tx, "OrgnlEndToEndId", payment.end_to_end_id)
    writer.sub(tx, "OrgnlTxId", f"{payment.uetr[:24]}-{leg.hop}")
    writer.sub(tx, "OrgnlUETR", payment.uetr)
    status, reason, detail = payment_status(record)
    writer.sub(tx, "TxSts", status)
    if reason:
        info = writer.sub(tx, "StsRsnInf")
        writer.path(info, "Rsn/Cd", reason)
        if detail:
            writer.sub(info, "AddtlInf", detail[:105])
    settled = [e for e in record.lifecycle.events if e.status is S.SETTLED]
    if settled:
        writer.sub(tx, "AccptncDtTm", datetime_text(settled[0].at))
    writer.agent(tx, "InstgAgt", leg.receiver)
    writer.agent(tx, "InstdAgt", leg.sender)
    return document


def return_messages(record: PaymentRecord, created: datetime) -> list[etree._Element]:
    """The pacs.004s of a returned payment, leg by leg from the creditor's bank back."""
    if record.status is not S.RETURNED:
        raise ExportError(f"payment {record.payment.uetr} is {record.status}, not returned")
    returned = record.settlement.get("returned", {})
    amount = money_of(returned["from_creditor"])
    event = next(e for e in reversed(record.lifecycle.events) if e.status is S.RETURNED)
    value_date = _value_date(record)
    messages = []
    for leg in reversed(interbank_legs(record)):
        writer = Writer(PACS_004)
        payment = record.payment
        document, root = writer.document()
        header = writer.sub(root, "GrpHdr")
        writer.sub(header, "MsgId", message_id("pacs.004", payment.uetr, leg.hop))
        writer.sub(header, "CreDtTm", datetime_text(created))
        writer.sub(header, "NbOfTxs", "1")
        writer.path(header, "SttlmInf/SttlmMtd", "INDA")
        tx = writer.sub(root, "TxInf")
        writer.sub(tx, "RtrId", f"R{payment.uetr[:24]}-{leg.hop}")
        group = writer.sub(tx, "OrgnlGrpInf")
        writer.sub(group, "OrgnlMsgId", leg.msg_id)
        writer.sub(group, "OrgnlMsgNmId", PACS_008.name)
        writer.sub(tx, "OrgnlInstrId", payment.instruction_id)
        writer.sub(tx, "OrgnlEndToEndId", payment.end_to_end_id)
        writer.sub(tx, "OrgnlTxId", f"{payment.uetr[:24]}-{leg.hop}")
        writer.sub(tx, "OrgnlUETR", payment.uetr)
        writer.amount(tx, "OrgnlIntrBkSttlmAmt", leg.amount)
        if value_date:
            writer.sub(tx, "OrgnlIntrBkSttlmDt", date_text(value_date))
        writer.amount(tx, "RtrdIntrBkSttlmAmt", amount)
        # The return's own value date (cut-off and business days, as the engine set it);
        # a return stored before it was kept: the returning bank's day.
        on = returned.get("value_date") or _bank_date(event.at, leg.receiver).isoformat()
        writer.sub(tx, "IntrBkSttlmDt", on)
        writer.agent(tx, "InstgAgt", leg.receiver)
        writer.agent(tx, "InstdAgt", leg.sender)
        reason = writer.sub(tx, "RtrRsnInf")
        writer.path(reason, "Rsn/Cd", event.reason)
        if event.detail:
            writer.sub(reason, "AddtlInf", event.detail[:105])
        messages.append(document)
    return messages
