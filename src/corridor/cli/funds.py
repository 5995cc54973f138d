"""`corridor funds`: the unit register (holdings valued at NAV), the dealing orders, and
the administrator's day: publishing NAVs and dealing."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from corridor.demo.network import demo_corridor
from corridor.funds import register
from corridor.funds.dealing import FundDesk, publish_nav
from corridor.funds.demo import FundsDemoResult
from corridor.funds.errors import FundsError
from corridor.funds.model import OrderStatus
from corridor.funds.valuation import holdings
from corridor.funds.views import holding_view, order_view
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine
from corridor.store import make_engine, upgrade

app = typer.Typer(help="Investment funds: holdings and dealing orders.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _day(text: str, name: str) -> date:
    """A YYYY-MM-DD option or argument, or a one-line error naming it."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FundsError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


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
        held = holdings(connection, date.max if as_of is None else _day(as_of, "--as-of"))
        classes = register.funds_of(connection)
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
        classes = register.funds_of(connection)
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


@app.command("nav")
def nav_command(
    isin: Annotated[str, typer.Argument(help="The share class's ISIN.")],
    day: Annotated[str, typer.Argument(help="The dealing day (YYYY-MM-DD).")],
    nav: Annotated[str, typer.Argument(help="The NAV per unit, e.g. 1.8734.")],
) -> None:
    """Publish a share class's NAV per unit for a dealing day (now: orders placed from now
    on wait for the next NAV)."""
    engine = make_engine()
    upgrade(engine)
    new = publish_nav(engine, isin, _day(day, "DAY"), nav)
    engine.dispose()
    Console().print(
        f"NAV of {isin} for {day}: {nav}" + ("" if new else " (published before: unchanged)")
    )


@app.command("deal")
def deal_command(
    day: Annotated[str, typer.Argument(help="The dealing day (YYYY-MM-DD).")],
    json_output: JsonOption = False,
) -> None:
    """Deal the orders placed by DAY at its NAVs (subscriptions whose cash has settled,
    redemptions), and send the redemptions' proceeds through the payments engine."""
    on = _day(day, "DAY")
    engine = make_engine()
    upgrade(engine)
    with Ledger(engine) as ledger:
        desk = FundDesk(engine, PaymentEngine(engine, ledger, demo_corridor(engine)))
        result = desk.deal(on)
        with engine.connect() as connection:
            classes = register.funds_of(connection)
    engine.dispose()
    shown: dict[str, Any] = {
        "day": on.isoformat(),
        "dealt": [order_view(o, classes) for o in result.dealt],
        "void": [order_view(o, classes) for o in result.void],
        "waiting": [{"order_id": o.order_id, "why": why} for o, why in result.waiting],
        "payouts": [{"uetr": r.payment.uetr, "status": r.status.value} for r in result.payouts],
    }
    if json_output:
        print(json.dumps(shown, ensure_ascii=False))
        return
    console = Console()
    for o in shown["dealt"]:
        console.print(
            f"dealt {o['order_id']} ({o['kind']}): {o['units']} units of {o['isin']} at"
            f" {o['nav']}, {o['amount']} {o['currency']}, residue {o['residue']}"
        )
    for o in shown["void"]:
        console.print(f"void {o['order_id']}: {o['note']}")
    for w in shown["waiting"]:
        console.print(f"waiting {w['order_id']}: {w['why']}")
    for r in shown["payouts"]:
        console.print(f"proceeds paid out: {r['uetr']} ({r['status']})")
    if not any(shown[k] for k in ("dealt", "void", "waiting", "payouts")):
        console.print(f"Nothing to deal on {on}.")


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
