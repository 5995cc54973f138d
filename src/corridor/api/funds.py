"""The funds as an institution sees them: every fund and its NAVs (what the corridor
offers), and, of the unit register, only what is the caller's business: the holdings and
orders of investors banking with the caller's institution (a client-bound user: their
client's own), and the whole register of the funds the institution keeps or manages."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from corridor.api.services import Operations
from corridor.auth.permissions import Action, Caller
from corridor.funds import register
from corridor.funds.model import OrderStatus
from corridor.funds.valuation import holdings
from corridor.funds.views import fund_view, holding_view, order_view
from corridor.reference_data import store as reference


def _visible(connection: Connection, caller: Caller) -> register.Visible:
    """What of the unit register the caller may read."""
    bound = caller.user.client_id
    if bound is not None:
        accounts = reference.accounts_of(connection, [bound])[bound]
        return register.Visible(caller.institution, tuple(a.identifier for a in accounts))
    kept = tuple(
        isin
        for isin, (_share_class, fund) in register.funds_of(connection).items()
        if caller.institution in (fund.depositary_bic, fund.manager_bic)
    )
    return register.Visible(caller.institution, None, kept)


def fund_list(ops: Operations, caller: Caller, on: date | None = None) -> list[dict[str, Any]]:
    """Every registered fund with its share classes and their newest NAV on or before `on`."""
    caller.require(Action.READ)
    with ops.engine.connect() as connection:
        classes = register.all_classes(connection)
        navs = register.latest_navs(connection, on or date.max)
        return [
            fund_view(f, [c for c in classes if c.fund_id == f.fund_id], navs)
            for f in register.all_funds(connection)
        ]


def fund_holdings(
    ops: Operations, caller: Caller, *, isin: str | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    """The holdings the caller may see, valued at the newest NAV on or before `on`."""
    caller.require(Action.READ)
    with ops.engine.connect() as connection:
        held = holdings(connection, on or date.max, _visible(connection, caller))
        classes = register.funds_of(connection)
    return [holding_view(h, classes) for h in held if isin is None or h.isin == isin]


def fund_orders(
    ops: Operations,
    caller: Caller,
    *,
    status: OrderStatus | None = None,
    isin: str | None = None,
) -> list[dict[str, Any]]:
    """The dealing orders the caller may see, oldest first."""
    caller.require(Action.READ)
    with ops.engine.connect() as connection:
        found = register.orders(
            connection, status=status, isin=isin, visible=_visible(connection, caller)
        )
        classes = register.funds_of(connection)
    return [order_view(o, classes) for o in found]
