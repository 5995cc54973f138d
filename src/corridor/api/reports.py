"""The dashboard's figures for one institution and business day: volumes per corridor
and currency, settlement status, liquidity per settlement/nostro account, FX rates.

Amounts are summed in integer minor units and shown as exact decimals; nothing here is
converted between currencies (a volume is per currency).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from typing import Any

from corridor.api import queries
from corridor.api.services import Operations
from corridor.auth.permissions import Action, Caller
from corridor.fx import FxError
from corridor.fx.quotes import customer_rate
from corridor.money import Money, currency
from corridor.payments.settlement import settlement
from corridor.reference_data import store as reference

PAIRS = (
    ("GBP", "CNY"),
    ("GBP", "CNH"),
    ("GBP", "HKD"),
    ("HKD", "CNY"),
    ("USD", "CNY"),
    ("USD", "HKD"),
)
"""The corridor's currency pairs the dashboard quotes."""


def dashboard(ops: Operations, caller: Caller, day: date | None = None) -> dict[str, Any]:
    """Everything the dashboard shows for `day` (default: the caller's latest day with
    payments, else today)."""
    caller.require(Action.READ)
    tenant = ops.tenant(caller)
    with ops.engine.connect() as connection:
        day = day or queries.latest_day(connection, tenant) or ops.clock().date()
        rows = queries.day_rows(connection, tenant, day)
        held = reference.institution_rows(connection, caller.institution)
        nostros = [
            a
            for a in reference.correspondents_of(connection, caller.institution)
            if a["owner_bic"] == caller.institution
        ]
    volumes: dict[tuple[str, str], int] = defaultdict(int)
    counts: Counter[tuple[str, str]] = Counter()
    statuses: Counter[str] = Counter()
    for row in rows:
        statuses[row.status] += 1
        counts[(row.corridor, row.currency)] += 1
        if row.instructed_minor is not None and row.status != "rejected":
            volumes[(row.corridor, row.currency)] += row.instructed_minor
    currencies = held[0]["currencies"] if held else []
    liquidity = []
    if caller.user.client_id is None:
        limits = {a["currency"]: a for a in nostros}
        ids = [settlement(caller.institution, ccy) for ccy in currencies]
        with ops.reading_ledger() as ledger:
            booked = {a.id: a for a in ledger.lookup_accounts(ids)}
        for ccy, ledger_id in zip(currencies, ids, strict=True):
            account = booked.get(ledger_id)
            if account is None:
                continue
            available = account.credits_posted - account.debits_posted - account.debits_pending
            nostro = limits.get(ccy)
            liquidity.append(
                {
                    "currency": ccy,
                    "account": "nostro at " + nostro["servicer_bic"] if nostro else "settlement",
                    "balance": str(
                        Money.from_minor_units(
                            account.credits_posted - account.debits_posted, ccy
                        ).amount
                    ),
                    "on_hold": str(Money.from_minor_units(account.debits_pending, ccy).amount),
                    "available": str(Money.from_minor_units(available, ccy).amount),
                    "available_minor": available,
                }
            )
    return {
        "institution": caller.institution,
        "day": day.isoformat(),
        "payments": len(rows),
        "statuses": dict(sorted(statuses.items())),
        "volumes": [
            {
                "corridor": corridor,
                "currency": ccy,
                "count": counts[(corridor, ccy)],
                "instructed": str(Money.from_minor_units(volumes[(corridor, ccy)], ccy).amount),
                "instructed_minor": volumes[(corridor, ccy)],
            }
            for corridor, ccy in sorted(counts)
        ],
        "liquidity": liquidity,
        "fx_rates": fx_rates(ops, caller, day),
    }


def fx_rates(ops: Operations, caller: Caller, day: date) -> list[dict[str, Any]]:
    """The ECB reference rate of each corridor pair on `day` and the caller's customer
    rate (the reference less the institution's spread)."""
    desk = ops.corridor.desk
    out = []
    for sell, buy in PAIRS:
        try:
            reference_rate = desk.reference(currency(sell), currency(buy), day)
        except FxError:
            continue
        spread = desk.spread_bps(caller.institution, sell, buy)
        out.append(
            {
                "pair": f"{sell}/{buy}",
                "reference_rate": str(reference_rate.rate),
                "rate_date": reference_rate.rate_date.isoformat(),
                "spread_bps": str(spread),
                "customer_rate": str(customer_rate(reference_rate.rate, spread)),
            }
        )
    return out
