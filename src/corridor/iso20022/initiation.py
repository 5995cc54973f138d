"""Writing a pain.001 (what a corporate sends its bank) from payments: for tests, the
benchmark and the demo, and for a client that keeps its instructions in Corridor.

The file is streamed (lxml's incremental writer), so 100,000 transactions take no more
memory than one. Consecutive payments from the same debtor account on the same date
share a PmtInf. A cross-currency payment is written as an equivalent amount (EqvtAmt: the
amount in the debtor account's currency, CcyOfTrf the currency sent), which is how a
payment that converts what the debtor pays is asked for; `rules` reads it back the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from corridor.iso20022.catalogue import PAIN_001_03, MessageType
from corridor.iso20022.xmlwrite import Writer, date_text, datetime_text
from corridor.payments.payment import Party, Payment


def _key(payment: Payment) -> tuple[object, ...]:
    return (
        payment.debtor,
        payment.debtor_agent,
        payment.requested_execution_date,
        payment.instructed_amount.currency.code,
    )


def write_pain001(
    payments: Sequence[Payment],
    path: Path,
    *,
    msg_id: str,
    initiating_party: str,
    created: datetime,
    message: MessageType = PAIN_001_03,
) -> Path:
    """Write `payments` as one pain.001 file of `message`'s version; returns the path."""
    if not payments:
        raise ValueError("a pain.001 carries at least one transaction")
    writer = Writer(message)
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(payments) + 1):
        if i == len(payments) or _key(payments[i]) != _key(payments[start]):
            groups.append((start, i))
            start = i
    total = sum((p.instructed_amount.amount for p in payments), Decimal(0))
    ns = message.namespace
    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with (
            xf.element(f"{{{ns}}}Document", nsmap={None: ns}),
            xf.element(f"{{{ns}}}{message.root}"),
        ):
            header = writer.el("GrpHdr")
            writer.sub(header, "MsgId", msg_id)
            writer.sub(header, "CreDtTm", datetime_text(created))
            writer.sub(header, "NbOfTxs", str(len(payments)))
            writer.sub(header, "CtrlSum", f"{total:f}")
            writer.path(header, "InitgPty/Nm", initiating_party)
            xf.write(header, pretty_print=True)
            for n, (first, end) in enumerate(groups, start=1):
                with xf.element(f"{{{ns}}}PmtInf"):
                    xf.write(
                        *_payment_information(writer, payments[first:end], f"{msg_id}-{n}"),
                        pretty_print=True,
                    )
                    for payment in payments[first:end]:
                        xf.write(_transaction(writer, payment), pretty_print=True)
    return path


def _payment_information(
    writer: Writer, payments: Sequence[Payment], pmt_inf_id: str
) -> list[etree._Element]:
    first = payments[0]
    bicfi = writer.message.version >= 9
    total = sum((p.instructed_amount.amount for p in payments), Decimal(0))
    elements = [
        writer.el("PmtInfId", pmt_inf_id[:35]),
        writer.el("PmtMtd", "TRF"),
        writer.el("NbOfTxs", str(len(payments))),
        writer.el("CtrlSum", f"{total:f}"),
    ]
    execution = writer.el("ReqdExctnDt")
    if bicfi:
        writer.sub(execution, "Dt", date_text(first.requested_execution_date))
    else:
        execution.text = date_text(first.requested_execution_date)
    elements.append(execution)
    elements.append(_party(writer, "Dbtr", first.debtor))
    elements.append(
        _account(writer, "DbtrAcct", first.debtor.account, first.instructed_amount.currency.code)
    )
    agent = writer.el("DbtrAgt")
    writer.path(agent, f"FinInstnId/{'BICFI' if bicfi else 'BIC'}", first.debtor_agent)
    elements.append(agent)
    return elements


def _party(writer: Writer, tag: str, party: Party) -> etree._Element:
    element = writer.el(tag)
    writer.sub(element, "Nm", party.name)
    if party.individual:
        other = writer.path(element, "Id/PrvtId/Othr")
        writer.sub(other, "Id", party.account[:35])
        writer.path(other, "SchmeNm/Cd", "CUST")
    writer.sub(element, "CtryOfRes", party.country)
    return element


def _account(writer: Writer, tag: str, identifier: str, currency: str) -> etree._Element:
    element = writer.el(tag)
    if identifier[:2].isalpha() and identifier[2:4].isdigit():
        writer.path(element, "Id/IBAN", identifier)
    else:
        writer.path(element, "Id/Othr/Id", identifier)
    writer.sub(element, "Ccy", currency)
    return element


def _transaction(writer: Writer, payment: Payment) -> etree._Element:
    bic = "BICFI" if writer.message.version >= 9 else "BIC"
    tx = writer.el("CdtTrfTxInf")
    ids = writer.sub(tx, "PmtId")
    writer.sub(ids, "InstrId", payment.instruction_id)
    writer.sub(ids, "EndToEndId", payment.end_to_end_id)
    if writer.message.version >= 9:
        writer.sub(ids, "UETR", payment.uetr)
    amount = writer.sub(tx, "Amt")
    if payment.cross_currency:
        equivalent = writer.sub(amount, "EqvtAmt")
        writer.amount(equivalent, "Amt", payment.instructed_amount)
        writer.sub(equivalent, "CcyOfTrf", payment.settlement_currency)
    else:
        writer.amount(amount, "InstdAmt", payment.instructed_amount)
    writer.sub(tx, "ChrgBr", payment.charge_bearer.value)
    for n, agent in enumerate(payment.intermediary_agents, start=1):
        writer.path(tx, f"IntrmyAgt{n}/FinInstnId/{bic}", agent)
    writer.path(tx, f"CdtrAgt/FinInstnId/{bic}", payment.creditor_agent)
    tx.append(_party(writer, "Cdtr", payment.creditor))
    tx.append(_account(writer, "CdtrAcct", payment.creditor.account, payment.settlement_currency))
    if payment.purpose_code:
        writer.path(tx, "Purp/Cd", payment.purpose_code)
    if payment.remittance or payment.creditor_reference:
        remittance = writer.sub(tx, "RmtInf")
        if payment.remittance:
            writer.sub(remittance, "Ustrd", payment.remittance)
        if payment.creditor_reference:
            writer.path(remittance, "Strd/CdtrRefInf/Ref", payment.creditor_reference)
    return tx
