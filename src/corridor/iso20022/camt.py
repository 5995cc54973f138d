"""camt.053 end-of-day statements and camt.054 debit/credit notifications, from an
account's booked day on the ledger (`statements.account_day`).

Each entry carries the amount, direction and booking time the ledger gave it, a bank
transaction code for what it was (a credit transfer sent or received, a fee, a return, a
funding movement), the ledger transfer id as the servicer's reference, and for a payment
its end-to-end id, instruction id, UETR, the parties and the remittance information, so
the account holder can reconcile it. The statement's opening and closing booked balances
(OPBD, CLBD) are the ledger's to the minor unit.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from corridor.iso20022.catalogue import CAMT_053, CAMT_054
from corridor.iso20022.statements import AccountDay, Entry
from corridor.iso20022.xmlwrite import Writer, amount_text, date_text, datetime_text, message_id
from corridor.money import Money
from corridor.payments.accounts import TransferCode


def statement(day: AccountDay, created: datetime) -> etree._Element:
    """The camt.053 of one account's day."""
    writer = Writer(CAMT_053)
    document, root = writer.document()
    msg_id = message_id("camt.053", day.account.identifier, day.day)
    _group_header(writer, root, msg_id, created)
    stmt = writer.sub(root, "Stmt")
    _report_head(writer, stmt, day, msg_id, created)
    _balance(writer, stmt, "OPBD", day.opening, day)
    _balance(writer, stmt, "CLBD", day.closing, day)
    _summary(writer, stmt, day)
    for entry in day.entries:
        stmt.append(_entry(writer, entry, day))
    return document


def notification(day: AccountDay, created: datetime) -> etree._Element:
    """The camt.054 of one account's day: every debit and credit booked, no balances."""
    writer = Writer(CAMT_054)
    document, root = writer.document()
    msg_id = message_id("camt.054", day.account.identifier, day.day)
    _group_header(writer, root, msg_id, created)
    notice = writer.sub(root, "Ntfctn")
    _report_head(writer, notice, day, msg_id, created)
    _summary(writer, notice, day)
    for entry in day.entries:
        notice.append(_entry(writer, entry, day))
    return document


def _group_header(writer: Writer, root: etree._Element, msg_id: str, created: datetime) -> None:
    header = writer.sub(root, "GrpHdr")
    writer.sub(header, "MsgId", msg_id)
    writer.sub(header, "CreDtTm", datetime_text(created))


def _report_head(
    writer: Writer, parent: etree._Element, day: AccountDay, msg_id: str, created: datetime
) -> None:
    writer.sub(parent, "Id", msg_id)
    writer.sub(parent, "ElctrncSeqNb", str(day.day.toordinal()))
    writer.sub(parent, "CreDtTm", datetime_text(created))
    period = writer.sub(parent, "FrToDt")
    writer.sub(period, "FrDtTm", day.start.isoformat())
    writer.sub(period, "ToDtTm", (day.end.replace(microsecond=0)).isoformat())
    account = writer.sub(parent, "Acct")
    if day.account.iban:
        writer.path(account, "Id/IBAN", day.account.identifier)
    else:
        writer.path(account, "Id/Othr/Id", day.account.identifier)
    writer.sub(account, "Ccy", day.account.currency)
    writer.path(account, "Ownr/Nm", day.account.owner)
    writer.agent(account, "Svcr", day.account.servicer_bic)


def _balance(
    writer: Writer, parent: etree._Element, code: str, amount: Money, day: AccountDay
) -> None:
    balance = writer.sub(parent, "Bal")
    writer.path(balance, "Tp/CdOrPrtry/Cd", code)
    writer.sub(balance, "Amt", amount_text(abs_money(amount)), Ccy=amount.currency.code)
    writer.sub(balance, "CdtDbtInd", "DBIT" if amount.is_negative() else "CRDT")
    writer.path(balance, "Dt/Dt", date_text(day.day))


def abs_money(amount: Money) -> Money:
    """The amount without its sign (ISO 20022 amounts are never negative)."""
    return -amount if amount.is_negative() else amount


def _summary(writer: Writer, parent: etree._Element, day: AccountDay) -> None:
    credits, debits = day.credits, day.debits
    summary = writer.sub(parent, "TxsSummry")
    total = writer.sub(summary, "TtlNtries")
    writer.sub(total, "NbOfNtries", str(len(day.entries)))
    writer.sub(total, "Sum", amount_text(credits + debits))
    net = writer.sub(total, "TtlNetNtry")
    net_amount = credits - debits
    writer.sub(net, "Amt", amount_text(abs_money(net_amount)))
    writer.sub(net, "CdtDbtInd", "DBIT" if net_amount.is_negative() else "CRDT")
    for tag, amount, count in (
        ("TtlCdtNtries", credits, sum(e.credit for e in day.entries)),
        ("TtlDbtNtries", debits, sum(not e.credit for e in day.entries)),
    ):
        part = writer.sub(summary, tag)
        writer.sub(part, "NbOfNtries", str(count))
        writer.sub(part, "Sum", amount_text(amount))


def transaction_code(entry: Entry) -> tuple[str, str, str]:
    """The ISO bank transaction code (domain, family, sub-family) of an entry."""
    code = entry.code
    if code in (TransferCode.PAYMENT, TransferCode.FX_PAYMENT):
        return ("PMNT", "RCDT" if entry.credit else "ICDT", "XBCT")
    if code is TransferCode.RETURN:
        return ("PMNT", "RCDT" if entry.credit else "ICDT", "RRTN")
    if code is TransferCode.FEE:
        return ("ACMT", "MCOP" if entry.credit else "MDOP", "CHRG")
    return ("ACMT", "MCOP" if entry.credit else "MDOP", "OTHR")


def _entry(writer: Writer, entry: Entry, day: AccountDay) -> etree._Element:
    element = writer.el("Ntry")
    reference = f"{entry.transfer.id:032X}"
    writer.sub(element, "NtryRef", reference)
    writer.amount(element, "Amt", entry.amount)
    writer.sub(element, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
    writer.path(element, "Sts/Cd", "BOOK")
    writer.path(element, "BookgDt/DtTm", entry.booked_at.replace(microsecond=0).isoformat())
    value = entry.record.settlement.get("value_date") if entry.record else None
    writer.path(element, "ValDt/Dt", value or date_text(entry.booked_at.date()))
    writer.sub(element, "AcctSvcrRef", reference)
    domain, family, sub_family = transaction_code(entry)
    codes = writer.path(element, "BkTxCd/Domn")
    writer.sub(codes, "Cd", domain)
    family_element = writer.sub(codes, "Fmly")
    writer.sub(family_element, "Cd", family)
    writer.sub(family_element, "SubFmlyCd", sub_family)
    record = entry.record
    if record is not None:
        payment = record.payment
        details = writer.path(element, "NtryDtls/TxDtls")
        refs = writer.sub(details, "Refs")
        writer.sub(refs, "AcctSvcrRef", reference)
        writer.sub(refs, "InstrId", payment.instruction_id)
        writer.sub(refs, "EndToEndId", payment.end_to_end_id)
        writer.sub(refs, "UETR", payment.uetr)
        writer.amount(details, "Amt", entry.amount)
        writer.sub(details, "CdtDbtInd", "CRDT" if entry.credit else "DBIT")
        parties = writer.sub(details, "RltdPties")
        writer.path(parties, "Dbtr/Pty/Nm", payment.debtor.name)
        _account(writer, parties, "DbtrAcct", payment.debtor.account)
        writer.path(parties, "Cdtr/Pty/Nm", payment.creditor.name)
        _account(writer, parties, "CdtrAcct", payment.creditor.account)
        agents = writer.sub(details, "RltdAgts")
        writer.agent(agents, "DbtrAgt", payment.debtor_agent)
        writer.agent(agents, "CdtrAgt", payment.creditor_agent)
        if payment.remittance:
            writer.path(details, "RmtInf/Ustrd", payment.remittance)
        if entry.step == "return":
            reason = next((e.reason for e in reversed(record.lifecycle.events) if e.reason), "")
            if reason:
                writer.path(details, "RtrInf/Rsn/Cd", reason)
        if entry.what:
            writer.sub(details, "AddtlTxInf", entry.what[:500])
    if entry.what:
        writer.sub(element, "AddtlNtryInf", entry.what[:500])
    return element


def _account(writer: Writer, parent: etree._Element, tag: str, identifier: str) -> None:
    element = writer.sub(parent, tag)
    if identifier[:2].isalpha() and identifier[2:4].isdigit():
        writer.path(element, "Id/IBAN", identifier)
    else:
        writer.path(element, "Id/Othr/Id", identifier)
