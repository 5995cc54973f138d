"""`corridor funds`: the unit register (holdings valued at NAV) and the dealing orders."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.funds import register
from corridor.funds.demo import FundsDemoResult
from corridor.funds.errors import FundsError
from corridor.funds.model import OrderStatus
from corridor.funds.valuation import funds_of, holdings
from corridor.funds.views import holding_view, order_view
from corridor.store import make_engine, upgrade

app = typer.Typer(help="Investment funds: holdings and dealing orders.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _day(text: str | None) -> date:
    if text is None:
        return date.max
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FundsError(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from None


@app.command("holdings")
def holdings_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Value at the newest NAV on or before this day.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Every investor's units per share class, valued at the class's NAV."""
    engine = make_engine()
    upgrade(engine)
    with engine.connect() as connection:
        held = holdings(connection, _day(as_of))
        classes = funds_of(connection)
    engine.dispose()
    rows = [holding_view(h, classes) for h in held]
    if json_output:
        print(json.dumps({"holdings": rows}, ensure_ascii=False))
        return
    table = Table(title="Unit register: holdings at NAV", title_justify="left")
    for col in ("ISIN", "fund, class", "investor", "bank", "units", "NAV of", "value"):
        table.add_column(col, justify="right" if col in ("units", "value") else "left")
    for r in rows:
        table.add_row(
            str(r["isin"]),
            f"{r['fund']}, {r['share_class']}",
            str(r["investor"]),
            str(r["investor_bic"]),
            str(r["units"]),
            str(r["nav_date"] or "–"),
            "–" if r["value"] is None else f"{r['value']} {r['currency']}",
        )
    Console().print(table)


@app.command("orders")
def orders_command(
    status: Annotated[
        str | None, typer.Option(help="Only orders of this status: placed, dealt or void.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """The dealing orders, oldest first: what was asked, at which NAV, the units, the
    cash, the residue kept by the fund, and the payment that moved the cash."""
    try:
        wanted = None if status is None else OrderStatus(status)
    except ValueError:
        raise FundsError(f"--status: {status!r} is not placed, dealt or void") from None
    engine = make_engine()
    upgrade(engine)
    with engine.connect() as connection:
        found = register.orders(connection, status=wanted)
        classes = funds_of(connection)
    engine.dispose()
    rows = [order_view(o, classes) for o in found]
    if json_output:
        print(json.dumps({"orders": rows}, ensure_ascii=False))
        return
    table = Table(title="Dealing orders", title_justify="left")
    for col in ("order", "kind", "status", "ISIN", "investor", "NAV", "units", "cash", "UETR"):
        table.add_column(col, justify="right" if col in ("NAV", "units", "cash") else "left")
    for r in rows:
        table.add_row(
            str(r["order_id"]),
            str(r["kind"]),
            str(r["status"]) + (f" ({r['note']})" if r["note"] else ""),
            str(r["isin"]),
            str(r["investor"]),
            f"{r['nav']} ({r['nav_date']})" if r["nav"] else "–",
            str(r["units"] or "–"),
            f"{r['amount']} {r['currency']}" if r["amount"] else "–",
            str(r["uetr"]),
        )
    Console().print(table)


def show_demo(console: Console, result: FundsDemoResult | None) -> None:
    """The demo day's dealing and the unit register, in a few lines."""
    if result is None:
        return
    dealing = result.dealing
    console.print(
        f"Funds: {len(dealing.dealt)} orders dealt at NAV, {len(dealing.waiting)} waiting for"
        f" their cash to settle, {len(dealing.void)} void, {len(dealing.payouts)} redemption"
        " proceeds paid out; the unit register holds"
        f" {len(result.holdings)} holdings (corridor funds holdings)."
    )
