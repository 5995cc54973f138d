"""The business rules of a pain.001, past its schema: each transaction becomes a payment
or a list of errors, each with its element path and ISO 20022 reason code.

Per transaction: a credit transfer (PmtMtd TRF); currencies that exist; an amount above
zero with no more decimals than its currency has; valid BICs (ISO 9362) and IBANs (ISO
13616, check digits included); a charge bearer Corridor offers; then the payment's own
checks (`corridor.payments.check_payment`: ids, names, countries, purpose code for CNY
into the mainland, remittance length, an execution date not before today). Per group
and PmtInf (in `validation`): NbOfTxs and CtrlSum as declared, no end-to-end id twice,
a MsgId not already imported from the same initiating party.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from schwifty import IBAN
from schwifty.exceptions import InvalidChecksumDigits, SchwiftyException

from corridor.iso20022.errors import Finding
from corridor.iso20022.pain001 import CreditTransfer, PartyData
from corridor.money import Money, PrecisionLossError, is_currency
from corridor.payments.fees import ChargeBearer
from corridor.payments.payment import Party, Payment, check_payment, new_uetr
from corridor.payments.reference import ReferenceDataError, bic11, parse_bic

FURTHEST_AHEAD = timedelta(days=366)
"""An execution date later than this from today is refused (CH03): most likely a typo."""
DEFAULT_CHARGE_BEARER = ChargeBearer.SHAR
"""Where neither the transaction nor its PmtInf says (ISO leaves it to the bank)."""

REASONS = {
    "AC01": "incorrect account number",
    "AC03": "invalid creditor account number",
    "AGNT": "incorrect agent",
    "AM03": "currency not allowed",
    "AM05": "duplication",
    "AM10": "invalid control sum",
    "AM12": "invalid amount",
    "AM18": "invalid number of transactions",
    "CH03": "requested execution date too far in the future",
    "CURR": "incorrect currency",
    "DT01": "invalid date",
    "DU01": "duplicate message id",
    "FF01": "invalid file format",
    "NARR": "narrative",
    "RC01": "bank identifier incorrect",
    "RR02": "missing debtor name or address",
    "RR05": "regulatory information invalid",
}
"""The ExternalStatusReason1Code values validation gives, and what they mean."""


def transfer_to_payment(
    transfer: CreditTransfer, *, today: date
) -> tuple[Payment | None, list[Finding]]:
    """The payment a transaction asks for, or every error that stops it."""
    findings: list[Finding] = []
    info = transfer.info

    def error(path: str, message: str, reason: str) -> None:
        findings.append(Finding(path, message, reason, transfer.line, transfer.sequence))

    tx = transfer.path
    if info.method and info.method != "TRF":
        error(f"{info.path}/PmtMtd", f"{info.method}: only credit transfers (TRF) are made", "NARR")
    amount_path = f"{tx}/Amt/EqvtAmt/Amt" if transfer.equivalent else f"{tx}/Amt/InstdAmt"
    if not is_currency(transfer.currency):
        error(f"{amount_path}/@Ccy", f"unknown currency {transfer.currency!r}", "AM03")
    if transfer.equivalent:
        settlement, settlement_path = transfer.transfer_currency, f"{tx}/Amt/EqvtAmt/CcyOfTrf"
    elif transfer.creditor_account.currency:
        settlement, settlement_path = transfer.creditor_account.currency, f"{tx}/CdtrAcct/Ccy"
    else:
        settlement, settlement_path = transfer.currency, f"{amount_path}/@Ccy"
    if settlement != transfer.currency and not is_currency(settlement):
        error(settlement_path, f"unknown currency {settlement!r}", "AM03")
    debtor_ccy = info.debtor_account.currency
    if debtor_ccy and not is_currency(debtor_ccy):
        error(f"{info.path}/DbtrAcct/Ccy", f"unknown currency {debtor_ccy!r}", "AM03")
    elif debtor_ccy and debtor_ccy != transfer.currency:
        how = (
            "the equivalent amount must be in the debtor account's currency"
            if transfer.equivalent
            else "to pay from it in another currency, give EqvtAmt (the amount in the"
            f" account's currency) with CcyOfTrf {transfer.currency}"
        )
        error(
            f"{info.path}/DbtrAcct/Ccy",
            f"the debtor account is in {debtor_ccy}, the amount in {transfer.currency}: {how}",
            "CURR",
        )
    amount = _amount(transfer, amount_path, error)
    for path, bic in (
        (info.debtor_agent_path, info.debtor_agent),
        (f"{tx}/CdtrAgt/FinInstnId/{transfer.bic_element}", transfer.creditor_agent),
        *(
            (f"{tx}/IntrmyAgt{n}/FinInstnId/{transfer.bic_element}", b)
            for n, b in enumerate(transfer.intermediaries, start=1)
        ),
    ):
        if not bic:
            error(path, "no BIC: Corridor routes payments between banks by BIC", "RC01")
        elif (problem := _bic_problem(bic)) is not None:
            error(path, problem, "RC01")
    for path, account, reason in (
        (f"{info.path}/DbtrAcct/Id", info.debtor_account.iban, "AC01"),
        (f"{tx}/CdtrAcct/Id", transfer.creditor_account.iban, "AC03"),
    ):
        if account and (problem := _iban_problem(account)) is not None:
            error(f"{path}/IBAN", problem, reason)
    if not transfer.creditor_account.identifier:
        error(f"{tx}/CdtrAcct", "the creditor's account is missing", "AC03")
    bearer_code = transfer.charge_bearer or info.charge_bearer
    try:
        bearer = ChargeBearer(bearer_code) if bearer_code else DEFAULT_CHARGE_BEARER
    except ValueError:
        where = f"{tx}/ChrgBr" if transfer.charge_bearer else f"{info.path}/ChrgBr"
        error(where, f"{bearer_code}: Corridor offers DEBT, CRED and SHAR", "NARR")
        bearer = DEFAULT_CHARGE_BEARER
    execution = _date(info.execution_date)
    if execution is None:
        error(info.execution_date_path, f"{info.execution_date!r} is not a date", "DT01")
    elif execution > today + FURTHEST_AHEAD:
        error(
            info.execution_date_path,
            f"{execution} is more than {FURTHEST_AHEAD.days} days ahead",
            "CH03",
        )
    if findings or amount is None or execution is None:
        return None, findings
    payment = Payment(
        uetr=transfer.uetr or new_uetr(),
        end_to_end_id=transfer.end_to_end_id,
        instruction_id=transfer.instruction_id or transfer.end_to_end_id,
        debtor=_party(transfer.info.debtor, info.debtor_account.identifier, info.debtor_agent),
        debtor_agent=bic11(info.debtor_agent),
        creditor_agent=bic11(transfer.creditor_agent),
        creditor=_party(
            transfer.creditor, transfer.creditor_account.identifier, transfer.creditor_agent
        ),
        instructed_amount=amount,
        settlement_currency=settlement,
        charge_bearer=bearer,
        requested_execution_date=execution,
        intermediary_agents=tuple(bic11(b) for b in transfer.intermediaries),
        purpose_code=transfer.purpose,
        remittance=" ".join(transfer.remittance),
        creditor_reference=transfer.creditor_reference,
    )
    paths = _field_paths(transfer, amount_path, settlement_path)
    for checked in check_payment(payment, today=today):
        where = paths.get(checked.field) or paths.get(checked.field.split("[")[0], tx)
        error(where, checked.message, checked.reason)
    return (None if findings else payment), findings


def _amount(
    transfer: CreditTransfer, path: str, report: Callable[[str, str, str], None]
) -> Money | None:
    try:
        value = Decimal(transfer.amount)
    except InvalidOperation:
        report(path, f"{transfer.amount!r} is not an amount", "AM12")
        return None
    if not value.is_finite() or value <= 0:
        report(path, f"{transfer.amount} must be more than zero", "AM12")
        return None
    if not is_currency(transfer.currency):
        return None
    money = Money.of(value, transfer.currency)
    try:
        money.to_minor_units()
    except PrecisionLossError:
        places = money.currency.minor_unit
        report(
            path,
            f"{transfer.amount} {transfer.currency} has more than {places} decimals",
            "AM12",
        )
        return None
    return money


def _party(data: PartyData, account: str, agent: str) -> Party:
    country = data.country
    if not country and account[:2].isalpha() and account[2:4].isdigit():
        country = account[:2].upper()  # an IBAN names its country
    if not country and len(agent) >= 6:
        country = agent[4:6].upper()  # else the country of the party's bank
    return Party(data.name, account, country, data.individual)


def _field_paths(
    transfer: CreditTransfer, amount_path: str, settlement_path: str
) -> dict[str, str]:
    tx, info, bic = transfer.path, transfer.info.path, transfer.bic_element
    paths = {
        "uetr": f"{tx}/PmtId/UETR",
        "end_to_end_id": f"{tx}/PmtId/EndToEndId",
        "instruction_id": f"{tx}/PmtId/InstrId",
        "debtor.name": f"{info}/Dbtr/Nm",
        "debtor.account": f"{info}/DbtrAcct/Id",
        "debtor.country": f"{info}/Dbtr/CtryOfRes",
        "creditor.name": f"{tx}/Cdtr/Nm",
        "creditor.account": f"{tx}/CdtrAcct/Id",
        "creditor.country": f"{tx}/Cdtr/CtryOfRes",
        "debtor_agent": transfer.info.debtor_agent_path,
        "creditor_agent": f"{tx}/CdtrAgt/FinInstnId/{bic}",
        "intermediary_agents": f"{tx}/IntrmyAgt1",
        "instructed_amount": amount_path,
        "settlement_currency": settlement_path,
        "purpose_code": f"{tx}/Purp/Cd",
        "remittance": f"{tx}/RmtInf/Ustrd",
        "requested_execution_date": transfer.info.execution_date_path,
    }
    for n in range(3):
        paths[f"intermediary_agents[{n}]"] = f"{tx}/IntrmyAgt{n + 1}/FinInstnId/{bic}"
    return paths


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


@lru_cache(maxsize=1 << 16)
def _bic_problem(bic: str) -> str | None:
    """Why a BIC is invalid (None when it is valid); files repeat their banks' BICs."""
    try:
        parse_bic(bic, field="BIC")
    except ReferenceDataError as exc:
        return exc.reason
    return None


@lru_cache(maxsize=1 << 16)
def _iban_problem(iban: str) -> str | None:
    """Why an IBAN is invalid (None when it is valid): length and structure for its
    country, and the mod-97 check digits."""
    try:
        IBAN(iban)
    except InvalidChecksumDigits:
        return f"{iban}: check digits {iban[2:4]} do not match (mod 97)"
    except SchwiftyException as exc:
        return f"{iban}: {exc}"
    return None
