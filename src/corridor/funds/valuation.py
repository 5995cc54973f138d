"""Holdings: the unit register read out, each investor's units valued at their class's
newest NAV on or before a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Connection

from corridor.funds import register
from corridor.funds.dealing import value_of
from corridor.funds.model import Holding


def holdings(
    connection: Connection, on: date, visible: register.Visible | None = None
) -> list[Holding]:
    """Every investor's units per class as of `on` (orders dealt at NAVs of `on` or
    before), valued at the newest NAV on or before `on`, by ISIN then investor; only those
    `visible` to a reader when given."""
    classes = {c.isin: c for c in register.all_classes(connection)}
    navs = register.latest_navs(connection, on)
    found = []
    for isin, bic, account, name, units in register.unit_register(connection, on, visible):
        share_class = classes[isin]
        priced = navs.get(isin)
        found.append(
            Holding(
                isin,
                bic,
                account,
                name,
                Decimal(units).scaleb(-share_class.unit_places),
                priced[0] if priced else None,
                value_of(units, priced[1], share_class) if priced else None,
            )
        )
    return found
