"""The fund register's records: funds, share classes, NAVs, orders and holdings.

Units are integers in steps of the share class's `unit_places` (3: a thousandth of a
unit); NAVs per unit are Decimals with the class's `nav_places`; cash is Money, stored in
minor units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from corridor.money import Money


@dataclass(frozen=True, slots=True)
class Fund:
    """An investment fund: where it is domiciled, who runs and keeps it, and how much of
    its investments its own periodic disclosure reports as taxonomy-aligned."""

    fund_id: str
    name: str
    domicile: str
    """ISO 3166 alpha-2 country of the fund (GB, HK, CN): the side of the corridor it is on."""
    structure: str
    """Its legal form and authorisation, e.g. "UK UCITS OEIC (FCA-authorised)"."""
    manager_bic: str
    depositary_bic: str
    """The bank that keeps the fund's cash: its share classes' accounts are there."""
    taxonomy_aligned: Decimal
    """The share of the fund's investments (0 to 1) its disclosure reports as aligned."""
    aligned_basis: str
    """Which taxonomy, which disclosure and as of when (e.g. "EU Taxonomy; SFDR periodic
    report for 2025")."""
    name_zh: str = ""


@dataclass(frozen=True, slots=True)
class ShareClass:
    """A share class of a fund: its own ISIN, currency, precision and cash account."""

    isin: str
    fund_id: str
    name: str
    currency: str
    account: str
    """The class's account (IBAN or number) at the fund's depositary: subscriptions are
    paid into it and redemptions paid out of it."""
    unit_places: int = 3
    nav_places: int = 4


class OrderKind(StrEnum):
    """What an investor asks the fund for."""

    SUBSCRIPTION = "subscription"  # cash in, units issued
    REDEMPTION = "redemption"  # units cancelled, cash out


class OrderStatus(StrEnum):
    """Where an order stands in dealing."""

    PLACED = "placed"
    """Taken; a subscription waits for its cash to settle, either for the dealing day's NAV."""
    DEALT = "dealt"
    """Units issued or cancelled at a NAV (a redemption's proceeds then go out as a payment)."""
    VOID = "void"
    """A subscription whose payment did not settle (rejected, cancelled, returned): no units."""


@dataclass(frozen=True, slots=True)
class Order:
    """One dealing order, as the unit register keeps it."""

    order_id: str
    isin: str
    kind: OrderKind
    investor_bic: str
    investor_account: str
    investor_name: str
    placed_on: date
    placed_at: datetime
    """When the order was taken (UTC): it is dealt at the first NAV published after it."""
    status: OrderStatus = OrderStatus.PLACED
    instructed: Money | None = None
    """A subscription's cash as the investor sends it, in their account's currency
    (converted on the way when that is not the class currency); None for a redemption."""
    amount_minor: int = 0
    """In minor units of the class currency, once dealt: what a subscription credited to
    the fund, or a redemption's proceeds."""
    units: int = 0
    """Units issued (subscription, once dealt) or asked for (redemption), in unit steps."""
    uetr: str = ""
    """The payment: a subscription's cash in, a redemption's proceeds out."""
    nav_date: date | None = None
    nav: Decimal | None = None
    residue: Decimal = Decimal(0)
    """Cash the units issued or redeemed do not account for, kept by the fund for its
    holders: below one unit step's worth (subscription) or one minor unit (redemption)."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Holding:
    """An investor's units in a share class, and what they are worth at a NAV."""

    isin: str
    investor_bic: str
    investor_account: str
    investor_name: str
    units: Decimal
    nav_date: date | None
    value: Money | None
    """Units × NAV, ROUND_HALF_EVEN to the minor unit (a valuation, nothing is booked);
    None when the class has no NAV yet."""
