"""The payment, modelled on an ISO 20022 pacs.008 credit transfer, and its checks.

A payment names its UETR (the gpi tracker's UUIDv4), end-to-end and instruction ids,
debtor and creditor with their accounts, the debtor's, intermediary and creditor's agents
(BICs), the instructed amount and currency, the settlement currency, who bears the
charges, the purpose, the remittance information and the requested execution date.

`check_payment` reports every problem at once, each with the field it concerns and the
ISO 20022 reason code a rejection carries (pain.002 / pacs.002), so a rejected instruction
can be answered as banks answer one.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from corridor.money import Money, MoneyError, PrecisionLossError
from corridor.payments.fees import ChargeBearer

MAX_ID = 35  # ISO 20022 Max35Text: end-to-end and instruction ids
# What ISO 20022 asks a debtor to write as EndToEndId when it gives none: every such
# payment is its own, so it is never matched to another by (debtor agent, end-to-end id).
NOT_PROVIDED = "NOTPROVIDED"
MAX_NAME = 140  # Max140Text: party names and unstructured remittance
MAX_INTERMEDIARIES = 3  # pacs.008 IntrmyAgt1..3
_PURPOSE = re.compile(r"[A-Z]{4}")  # ExternalPurpose1Code
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


@dataclass(frozen=True, slots=True)
class Party:
    """A debtor or creditor: a name, an account and where the party lives."""

    name: str
    account: str
    country: str
    """ISO 3166 alpha-2 code of the party's residence."""
    individual: bool = False
    """A natural person (the mainland FX quota applies to individuals)."""


@dataclass(frozen=True, slots=True)
class Payment:
    """One customer credit transfer across the corridor (pacs.008's CdtTrfTxInf)."""

    uetr: str
    end_to_end_id: str
    instruction_id: str
    debtor: Party
    debtor_agent: str
    creditor_agent: str
    creditor: Party
    instructed_amount: Money
    settlement_currency: str
    charge_bearer: ChargeBearer
    requested_execution_date: date
    intermediary_agents: tuple[str, ...] = ()
    purpose_code: str = ""
    remittance: str = ""
    """Unstructured remittance information (Ustrd), at most 140 characters."""
    creditor_reference: str = ""
    """Structured remittance: the creditor's reference (e.g. an ISO 11649 RF reference)."""
    fx_quote_id: str = ""
    """The FX quote the debtor dealt on beforehand (pain.001 `XchgRateInf/CtrctId`), if
    any: the payment converts at its rate, once, before it expires."""

    @property
    def cross_currency(self) -> bool:
        """Whether the payment is converted on the way."""
        return self.instructed_amount.currency.code != self.settlement_currency


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a payment: where, what, and the ISO 20022 reason code."""

    field: str
    message: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} ({self.reason})"


def instruction_of(payment: Payment) -> tuple[str, str] | None:
    """The instruction a payment carries, (debtor agent, end-to-end id), by which the same
    instruction sent twice is one payment; None when the debtor gave no end-to-end id."""
    if payment.end_to_end_id == NOT_PROVIDED:
        return None
    return (payment.debtor_agent, payment.end_to_end_id)


def new_uetr() -> str:
    """A fresh UETR: a random (version 4) UUID, lower case, as gpi writes it."""
    return str(uuid.uuid4())


def check_payment(payment: Payment, *, today: date | None = None) -> list[Problem]:
    """Every problem with `payment`'s own fields (empty when there is none).

    Reference data (whether a BIC is known, an account valid for its country, a route
    exists) is checked by the engine, which holds the directory.
    """
    problems: list[Problem] = []

    def problem(where: str, message: str, reason: str) -> None:
        problems.append(Problem(where, message, reason))

    try:
        parsed = uuid.UUID(payment.uetr)
    except (ValueError, AttributeError, TypeError):
        problem("uetr", f"{payment.uetr!r} is not a UUID", "FF01")
    else:
        if parsed.version != 4 or str(parsed) != payment.uetr:
            problem("uetr", "must be a lower-case version 4 UUID (RFC 4122)", "FF01")
    for name in ("end_to_end_id", "instruction_id"):
        value = getattr(payment, name)
        if not value.strip() or len(value) > MAX_ID:
            problem(name, f"must be 1 to {MAX_ID} characters", "FF01")
    for role in ("debtor", "creditor"):
        party: Party = getattr(payment, role)
        if not party.name.strip() or len(party.name) > MAX_NAME:
            problem(f"{role}.name", f"must be 1 to {MAX_NAME} characters", "RR02")
        if not party.account.strip():
            problem(f"{role}.account", "is missing", "AC01" if role == "debtor" else "AC03")
        if not re.fullmatch(r"[A-Z]{2}", party.country):
            problem(f"{role}.country", f"{party.country!r} is not an ISO 3166 code", "RR02")
    agents = [
        ("debtor_agent", payment.debtor_agent),
        ("creditor_agent", payment.creditor_agent),
        *((f"intermediary_agents[{i}]", bic) for i, bic in enumerate(payment.intermediary_agents)),
    ]
    for where, bic in agents:
        if not _BIC.fullmatch(bic):
            problem(where, f"{bic!r} is not a BIC", "RC01")
    if len(payment.intermediary_agents) > MAX_INTERMEDIARIES:
        problem("intermediary_agents", f"at most {MAX_INTERMEDIARIES}", "AGNT")
    amount = payment.instructed_amount
    if not amount.is_positive():
        problem("instructed_amount", "must be more than zero", "AM12")
    else:
        try:
            amount.to_minor_units()
        except PrecisionLossError:
            places = amount.currency.minor_unit
            problem("instructed_amount", f"{amount} has more than {places} decimals", "AM12")
    try:
        Money.of(0, payment.settlement_currency)
    except MoneyError:
        problem("settlement_currency", f"{payment.settlement_currency!r} is unknown", "AM03")
    if payment.purpose_code and not _PURPOSE.fullmatch(payment.purpose_code):
        problem("purpose_code", f"{payment.purpose_code!r} is not a purpose code", "RR05")
    mainland_cny = payment.settlement_currency == "CNY" and payment.creditor.country == "CN"
    if mainland_cny and not payment.purpose_code:
        problem("purpose_code", "is required for CNY credited in the mainland", "RR05")
    if len(payment.remittance) > MAX_NAME:
        problem("remittance", f"at most {MAX_NAME} characters", "FF01")
    if payment.fx_quote_id and not payment.cross_currency:
        problem("fx_quote_id", "names an FX quote, but the payment is in one currency", "CURR")
    if len(payment.fx_quote_id) > MAX_ID:
        problem("fx_quote_id", f"at most {MAX_ID} characters", "FF01")
    if today is not None and payment.requested_execution_date < today:
        problem("requested_execution_date", f"is before today ({today})", "DT01")
    return problems


def payment_to_dict(payment: Payment) -> dict[str, object]:
    """The payment as JSON-ready data (amounts as strings, exact)."""
    return {
        "uetr": payment.uetr,
        "end_to_end_id": payment.end_to_end_id,
        "instruction_id": payment.instruction_id,
        "debtor": _party_dict(payment.debtor),
        "debtor_agent": payment.debtor_agent,
        "intermediary_agents": list(payment.intermediary_agents),
        "creditor_agent": payment.creditor_agent,
        "creditor": _party_dict(payment.creditor),
        "instructed_amount": str(payment.instructed_amount.amount),
        "instructed_currency": payment.instructed_amount.currency.code,
        "settlement_currency": payment.settlement_currency,
        "charge_bearer": payment.charge_bearer.value,
        "requested_execution_date": payment.requested_execution_date.isoformat(),
        "purpose_code": payment.purpose_code,
        "remittance": payment.remittance,
        "creditor_reference": payment.creditor_reference,
        "fx_quote_id": payment.fx_quote_id,
    }


def payment_from_dict(data: dict[str, Any]) -> Payment:
    """The payment `payment_to_dict` wrote."""
    return Payment(
        uetr=data["uetr"],
        end_to_end_id=data["end_to_end_id"],
        instruction_id=data["instruction_id"],
        debtor=Party(**data["debtor"]),
        debtor_agent=data["debtor_agent"],
        creditor_agent=data["creditor_agent"],
        creditor=Party(**data["creditor"]),
        instructed_amount=Money.of(data["instructed_amount"], data["instructed_currency"]),
        settlement_currency=data["settlement_currency"],
        charge_bearer=ChargeBearer(data["charge_bearer"]),
        requested_execution_date=date.fromisoformat(data["requested_execution_date"]),
        intermediary_agents=tuple(data["intermediary_agents"]),
        purpose_code=data["purpose_code"],
        remittance=data["remittance"],
        creditor_reference=data["creditor_reference"],
        fx_quote_id=data.get("fx_quote_id", ""),
    )


def _party_dict(party: Party) -> dict[str, object]:
    return {
        "name": party.name,
        "account": party.account,
        "country": party.country,
        "individual": party.individual,
    }


def mainland_fx_purchase(payment: Payment) -> bool:
    """A mainland resident individual buying foreign currency with CNY."""
    return (
        payment.debtor.individual
        and payment.debtor.country == "CN"
        and payment.instructed_amount.currency.code == "CNY"
        and payment.settlement_currency != "CNY"
    )
