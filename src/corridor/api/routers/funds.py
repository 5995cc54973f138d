"""`/funds`: the corridor's funds and NAVs, and the caller's part of the unit register."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from corridor.api.funds import fund_holdings, fund_list, fund_orders
from corridor.api.schemas import FundHoldingOut, FundOrderOut, FundOut
from corridor.api.security import CallerDep, OpsDep
from corridor.funds.model import OrderStatus

router = APIRouter(prefix="/funds", tags=["funds"])
Isin = Annotated[str | None, Query(pattern=r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")]


@router.get("", response_model=list[FundOut])
def funds(caller: CallerDep, ops: OpsDep, as_of: date | None = None) -> list[dict[str, object]]:
    """Every fund of the corridor, its share classes and their newest NAV (on or before
    `as_of`)."""
    return fund_list(ops, caller, as_of)


@router.get("/holdings", response_model=list[FundHoldingOut])
def holdings(
    caller: CallerDep, ops: OpsDep, isin: Isin = None, as_of: date | None = None
) -> list[dict[str, object]]:
    """Units held by the institution's clients (a client-bound user: their own), and every
    holding of the funds the institution keeps or manages, valued at NAV."""
    return fund_holdings(ops, caller, isin=isin, on=as_of)


@router.get("/orders", response_model=list[FundOrderOut])
def orders(
    caller: CallerDep, ops: OpsDep, status: OrderStatus | None = None, isin: Isin = None
) -> list[dict[str, object]]:
    """Subscriptions and redemptions the caller may see, oldest first, with the NAV they
    were dealt at, the units, the cash, the residue kept by the fund and the payment."""
    return fund_orders(ops, caller, status=status, isin=isin)
