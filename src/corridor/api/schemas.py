"""The API's request and response models (pydantic): what the OpenAPI document says.

Amounts travel as decimal strings ("1250.00"), never JSON numbers, so no float ever
touches money; the domain's Money parses them exactly.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,6})?$"
CURRENCY = r"^[A-Z]{3}$"
BIC = r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"
REASON_CODE = r"^[A-Z0-9]{4}$"


class Strict(BaseModel):
    """Unknown fields are refused, so a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(BaseModel):
    """Every error: a stable machine-readable code and a message for people."""

    code: str = Field(examples=["not_found"])
    message: str
    errors: list[dict[str, Any]] | None = None


class PartyIn(Strict):
    """A debtor or creditor."""

    name: str = Field(min_length=1, max_length=140)
    account: str = Field(min_length=1, max_length=34)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    individual: bool = False


class PaymentIn(Strict):
    """A customer credit transfer to make (pacs.008-shaped). The debtor's agent is the
    caller's institution."""

    end_to_end_id: str = Field(min_length=1, max_length=35)
    instruction_id: str | None = Field(default=None, min_length=1, max_length=35)
    uetr: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    )
    debtor: PartyIn
    creditor: PartyIn
    creditor_agent: str = Field(pattern=BIC)
    intermediary_agents: list[str] = Field(default_factory=list, max_length=3)
    amount: str = Field(pattern=AMOUNT, examples=["1250.00"])
    currency: str = Field(pattern=CURRENCY)
    settlement_currency: str | None = Field(default=None, pattern=CURRENCY)
    charge_bearer: Literal["DEBT", "CRED", "SHAR"] = "SHAR"
    requested_execution_date: date | None = None
    purpose_code: str = Field(default="", pattern=r"^([A-Z]{4})?$")
    remittance: str = Field(default="", max_length=140)
    fx_quote_id: str = Field(default="", max_length=36)


class EventOut(BaseModel):
    """One step of a payment's tracker timeline."""

    at: str
    status: str
    iso_status: str | None
    reason: str | None
    reason_text: str
    actor: str
    hop: int | None
    detail: str | None


class PaymentOut(BaseModel):
    """A payment and where it stands, with its tracker timeline."""

    uetr: str
    end_to_end_id: str
    status: str
    iso_status: str | None
    debtor: str
    debtor_account: str
    debtor_agent: str
    creditor: str
    creditor_account: str
    creditor_agent: str
    instructed_amount: str
    instructed_currency: str
    settlement_currency: str
    charge_bearer: str
    received_at: str
    updated_at: str
    reason: str | None
    route: list[str]
    fx: dict[str, Any] | None
    fees: list[dict[str, Any]]
    debited: str | None
    credited: str | None
    value_date: str | None
    returned: dict[str, str] | None = Field(
        default=None,
        description="For a returned payment: from_creditor, to_debtor, value_date (the"
        " return's interbank settlement day) and, when converted back, rate and residue",
    )
    events: list[EventOut]
    took_seconds: float | None = Field(description="Elapsed time, not money")


class PaymentPage(BaseModel):
    """A page of payments and the offset of the next page (null at the end)."""

    payments: list[PaymentOut]
    next_offset: int | None


class ReasonIn(Strict):
    """Why a payment is cancelled or returned (an ISO 20022 reason code)."""

    reason: str = Field(default="CUST", pattern=REASON_CODE)


class QuoteIn(Strict):
    """Ask for a dealable quote: sell an amount of one currency for another."""

    sell_currency: str = Field(pattern=CURRENCY)
    sell_amount: str = Field(pattern=AMOUNT)
    buy_currency: str = Field(pattern=CURRENCY)


class QuoteOut(BaseModel):
    """A dealable quote: name it as `fx_quote_id` in a payment before it expires."""

    quote_id: str
    institution: str
    sell: str
    sell_currency: str
    buy_currency: str
    bought: str
    customer_rate: str
    reference_rate: str
    rate_date: str
    spread_bps: str
    quoted_at: str
    expires_at: str


class InstitutionOut(BaseModel):
    """An institution of the corridor (directory data)."""

    bic: str
    name: str
    city: str
    currencies: list[str]
    roles: list[str]


class OwnInstitutionOut(InstitutionOut):
    """The caller's own institution, with its accounts and fee schedules."""

    correspondent_accounts: list[dict[str, Any]]
    fee_schedules: list[dict[str, Any]]


class AccountOut(BaseModel):
    """A client's account, with its balance when it is on the ledger."""

    identifier: str
    formatted: str
    currency: str
    country: str
    balance: str | None = None
    on_hold: str | None = None


class ClientOut(BaseModel):
    """A client of the caller's institution."""

    client_id: str
    institution: str
    name: str
    individual: bool
    limits: dict[str, Any] | None
    accounts: list[AccountOut]


class CaseOut(BaseModel):
    """A screening case in the review queue, with the payment it holds."""

    case_id: str
    payment_ref: str
    status: str
    payment_status: str
    screening_decision: str
    proposed_decision: str | None
    opened_at: str
    closed_at: str | None
    candidates: list[dict[str, Any]]
    events: list[dict[str, Any]]
    payment: PaymentOut


class DecisionIn(Strict):
    """A compliance user's decision on a case."""

    decision: Literal["true_match", "false_positive"]
    reason: str = Field(min_length=1, max_length=4000)


class AuditEntryOut(BaseModel):
    """One entry of the audit log."""

    seq: int
    at: str
    institution: str
    actor: str
    action: str
    target: str
    before: Any = None
    after: Any = None
    prev_sha256: str
    sha256: str


class AuditChainOut(BaseModel):
    """Whether the audit chain holds, and where it first breaks."""

    holds: bool
    entries: int
    head_sha256: str
    first_broken_seq: int | None
    problem: str | None


class FindingOut(BaseModel):
    """One error in an ISO 20022 message: where and what."""

    path: str
    message: str
    reason: str
    line: int | None
    transaction: int | None


class ValidationOut(BaseModel):
    """What validating a pain.001 found."""

    valid: bool
    message_type: str
    msg_id: str
    transactions: int
    valid_transactions: int
    total: str
    findings: list[FindingOut]


class ImportOut(ValidationOut):
    """What importing a pain.001 did, and its pain.002."""

    status: str
    booked: int
    statuses: dict[str, int]
    status_report_xml: str


class UserIn(Strict):
    """A new user of the caller's institution."""

    username: str = Field(min_length=1, max_length=64)
    role: Literal["admin", "operator", "compliance", "auditor", "read-only"]
    password: str | None = Field(default=None, min_length=10, max_length=256)
    client_id: str | None = Field(default=None, min_length=1, max_length=35)


class UserOut(BaseModel):
    """A user (never their password)."""

    user_id: str
    username: str
    institution: str
    role: str
    client_id: str | None
    active: bool
    created_at: str


class ApiKeyIn(Strict):
    """A new API key: a name and its scopes (for another user: an admin's)."""

    name: str = Field(min_length=1, max_length=64)
    scopes: list[Literal["read", "payments", "fx", "iso", "cases", "admin"]] = Field(min_length=1)
    username: str | None = Field(default=None, min_length=1, max_length=64)


class ApiKeyOut(BaseModel):
    """An API key as listed (never its secret)."""

    key_id: str
    user_id: str
    name: str
    scopes: list[str]
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class ApiKeyCreated(ApiKeyOut):
    """A new key: `secret` is shown this once and never again."""

    secret: str


class ApprovalOut(BaseModel):
    """A four-eyes change and where it stands."""

    approval_id: str
    institution: str
    kind: str
    target: str
    before: Any = None
    after: Any = None
    reason: str
    status: str
    maker_id: str
    checker_id: str | None
    created_at: str
    decided_at: str | None
    decision_reason: str | None


class ApprovalDecisionIn(Strict):
    """A checker's decision on a pending change."""

    approve: bool
    reason: str = Field(min_length=1, max_length=2000)


class FeeChangeIn(Strict):
    """A proposed fee schedule for one corridor and currency of the caller's institution."""

    from_country: str = Field(pattern=r"^[A-Z]{2}$")
    to_country: str = Field(pattern=r"^[A-Z]{2}$")
    currency: str = Field(pattern=CURRENCY)
    fixed: str = Field(pattern=AMOUNT)
    basis_points: str = Field(pattern=r"^[0-9]{1,4}(\.[0-9]{1,4})?$")
    minimum: str = Field(pattern=AMOUNT)
    maximum: str | None = Field(default=None, pattern=AMOUNT)
    reason: str = Field(min_length=1, max_length=2000)


class LimitChangeIn(Strict):
    """Proposed limits for a client (either may be null: no such limit)."""

    currency: str = Field(pattern=CURRENCY)
    daily: str | None = Field(default=None, pattern=AMOUNT)
    annual: str | None = Field(default=None, pattern=AMOUNT)
    zone: str = Field(default="UTC", min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class RoleChangeIn(Strict):
    """A proposed new role for a user."""

    role: Literal["admin", "operator", "compliance", "auditor", "read-only"]
    reason: str = Field(min_length=1, max_length=2000)


class DashboardOut(BaseModel):
    """The dashboard's figures for one business day."""

    institution: str
    day: str
    payments: int
    statuses: dict[str, int]
    volumes: list[dict[str, Any]]
    liquidity: list[dict[str, Any]]
    fx_rates: list[dict[str, Any]]


class ShareClassOut(BaseModel):
    """A fund's share class and its newest NAV per unit."""

    isin: str
    name: str
    currency: str
    unit_places: int
    nav_places: int
    nav_date: str | None
    nav: str | None


class FundOut(BaseModel):
    """A fund of the corridor: where it is domiciled, who keeps it, its aligned share."""

    fund_id: str
    name: str
    name_zh: str
    domicile: str
    structure: str
    manager_bic: str
    depositary_bic: str
    taxonomy_aligned: str
    aligned_basis: str
    share_classes: list[ShareClassOut]


class FundHoldingOut(BaseModel):
    """An investor's units in a share class, valued at the class's NAV."""

    isin: str
    fund: str
    share_class: str
    investor: str
    investor_bic: str
    investor_account: str
    units: str
    nav_date: str | None
    currency: str
    value: str | None


class FundOrderOut(BaseModel):
    """A subscription or redemption, and what dealing made of it."""

    order_id: str
    kind: Literal["subscription", "redemption"]
    status: Literal["placed", "dealt", "void"]
    isin: str
    investor: str
    investor_bic: str
    investor_account: str
    placed_on: str
    instructed: str | None
    instructed_currency: str | None
    nav_date: str | None
    nav: str | None
    units: str | None
    amount: str | None
    currency: str
    residue: str
    uetr: str
    note: str
