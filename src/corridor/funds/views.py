"""Funds, holdings and orders as plain rows (exact decimals as text), for every shell:
the CLI's JSON and tables and the API's responses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from corridor.funds.model import Fund, Holding, Order, ShareClass
from corridor.money import Money

Classes = dict[str, tuple[ShareClass, Fund]]


def fund_view(fund: Fund, classes: list[ShareClass], navs: dict[str, Any]) -> dict[str, Any]:
    """A fund with its share classes and each class's newest NAV (`navs`: ISIN → (date, NAV))."""
    return {
        "fund_id": fund.fund_id,
        "name": fund.name,
        "name_zh": fund.name_zh,
        "domicile": fund.domicile,
        "structure": fund.structure,
        "manager_bic": fund.manager_bic,
        "depositary_bic": fund.depositary_bic,
        "taxonomy_aligned": str(fund.taxonomy_aligned),
        "aligned_basis": fund.aligned_basis,
        "share_classes": [
            {
                "isin": c.isin,
                "name": c.name,
                "currency": c.currency,
                "unit_places": c.unit_places,
                "nav_places": c.nav_places,
                "nav_date": navs[c.isin][0].isoformat() if c.isin in navs else None,
                "nav": str(navs[c.isin][1]) if c.isin in navs else None,
            }
            for c in classes
        ],
    }


def holding_view(holding: Holding, classes: Classes) -> dict[str, Any]:
    """One investor's units in a class and their value at NAV."""
    share_class, fund = classes[holding.isin]
    return {
        "isin": holding.isin,
        "fund": fund.name,
        "share_class": share_class.name,
        "investor": holding.investor_name,
        "investor_bic": holding.investor_bic,
        "investor_account": holding.investor_account,
        "units": str(holding.units),
        "nav_date": holding.nav_date.isoformat() if holding.nav_date else None,
        "currency": share_class.currency,
        "value": None if holding.value is None else str(holding.value.amount),
    }


def order_view(order: Order, classes: Classes) -> dict[str, Any]:
    """One dealing order: what was asked, the NAV, units, cash, residue and payment."""
    share_class = classes[order.isin][0]
    dealt = order.status.value == "dealt"
    return {
        "order_id": order.order_id,
        "kind": order.kind.value,
        "status": order.status.value,
        "isin": order.isin,
        "investor": order.investor_name,
        "investor_bic": order.investor_bic,
        "investor_account": order.investor_account,
        "placed_on": order.placed_on.isoformat(),
        "instructed": None if order.instructed is None else str(order.instructed.amount),
        "instructed_currency": None if order.instructed is None else order.instructed.currency.code,
        "nav_date": order.nav_date.isoformat() if order.nav_date else None,
        "nav": None if order.nav is None else str(order.nav),
        "units": str(Decimal(order.units).scaleb(-share_class.unit_places))
        if order.units
        else None,
        "amount": (
            str(Money.from_minor_units(order.amount_minor, share_class.currency).amount)
            if dealt
            else None
        ),
        "currency": share_class.currency,
        "residue": f"{order.residue:f}",
        "uetr": order.uetr,
        "note": order.note,
    }
