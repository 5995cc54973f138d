"""`/fx`: dealable quotes and the day's rates."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from corridor.api.reports import fx_rates
from corridor.api.schemas import QuoteIn, QuoteOut
from corridor.api.security import CallerDep, OpsDep
from corridor.auth.permissions import Action
from corridor.money import Money

router = APIRouter(prefix="/fx", tags=["fx"])


@router.post("/quotes", status_code=201, response_model=QuoteOut)
def quote(body: QuoteIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """A dealable quote for a client of the caller's institution; a payment names it as
    `fx_quote_id` to convert at its rate, once, before it expires."""
    return ops.quote(caller, Money.of(body.sell_amount, body.sell_currency), body.buy_currency)


@router.get("/rates", response_model=list[dict[str, str]])
def rates(caller: CallerDep, ops: OpsDep, day: date | None = None) -> list[dict[str, str]]:
    """The ECB reference rate of each corridor pair and the caller's customer rate."""
    caller.require(Action.READ)
    return fx_rates(ops, caller, day or ops.clock().date())
