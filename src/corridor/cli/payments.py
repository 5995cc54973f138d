"""`corridor payments`: follow a payment by its UETR, list payments by status."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.demo.network import demo_corridor
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine, PaymentNotFoundError
from corridor.payments.repository import counts_by_status, load
from corridor.payments.tracker import tracker_view
from corridor.store import make_engine, upgrade

app = typer.Typer(
    help="Payments: track one by its UETR, count them, settle what came due.",
    no_args_is_help=True,
)


@app.command("track")
def track(
    uetr: Annotated[str, typer.Argument(help="The payment's UETR (a UUID).")],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the tracker as one JSON object.")
    ] = False,
) -> None:
    """The gpi-style timeline of a payment: each step and hop, amounts, fees, FX rate,
    times, and how long it took end to end."""
    engine = make_engine()
    upgrade(engine)
    with engine.connect() as connection:
        record = load(connection, uetr.strip().lower())
    engine.dispose()
    if record is None:
        raise PaymentNotFoundError(f"no payment with UETR {uetr}")
    view = tracker_view(record)
    if json_output:
        print(json.dumps(view, ensure_ascii=False))
        return
    console = Console()
    console.print(
        f"[bold]{view['uetr']}[/] ({view['end_to_end_id']}): {view['status']}"
        f" [{view['iso_status']}]"
    )
    console.print(
        f"{view['debtor']} at {view['debtor_agent']} → {view['creditor']} at"
        f" {view['creditor_agent']}; instructed {view['instructed']},"
        f" charges {view['charge_bearer']}"
    )
    if view["route"]:
        console.print("Route: " + " → ".join(view["route"]))
    if view["fx"]:
        fx = view["fx"]
        console.print(
            f"FX: sold {fx['sold']}, bought {fx['bought']} at {fx['customer_rate']}"
            f" (ECB reference {fx['reference_rate']} of {fx['rate_date']},"
            f" spread {fx['spread_bps']} bp; rounding residue {fx['residue']})"
        )
    if view["debited"]:
        console.print(
            f"Debited {view['debited']}; credited {view['credited']}"
            f"; value date {view['value_date']}"
        )
    if view["returned"]:
        back = view["returned"]
        console.print(
            f"Returned {back['from_creditor']} from the creditor, {back['to_debtor']} to the"
            f" debtor; value date {back.get('value_date', 'not known')}"
        )
    for alert in view["alerts"]:
        console.print(f"Alert ({alert['severity']}, {alert['rule']}): {alert['explanation']}")
    fees = Table(title="Fees by hop", title_justify="left")
    for column in ("hop", "bank", "fee", "taken"):
        fees.add_column(column)
    for fee in view["fees"]:
        taken = "deducted on the way" if fee["deducted"] else "billed to the debtor"
        fees.add_row(str(fee["hop"]), fee["bank"], fee["fee"], taken)
    if view["fees"]:
        console.print(fees)
    timeline = Table(title="Timeline", title_justify="left")
    for column in ("at (UTC)", "status", "ISO", "reason", "actor", "hop", "detail"):
        timeline.add_column(column, overflow="fold")
    for event in view["events"]:
        reason = f"{event['reason']} {event['reason_text']}".strip()
        hop = "" if event["hop"] is None else str(event["hop"])
        timeline.add_row(
            event["at"],
            event["status"],
            event["iso_status"],
            reason,
            event["actor"],
            hop,
            event["detail"],
        )
    console.print(timeline)
    if view["took_seconds"] is not None:
        console.print(f"End to end: {view['took_seconds']:.3f} s")


@app.command("list")
def list_payments() -> None:
    """How many payments stand in each status."""
    engine = make_engine()
    upgrade(engine)
    with engine.connect() as connection:
        counts = counts_by_status(connection)
    engine.dispose()
    table = Table(title="Payments by status", title_justify="left")
    table.add_column("status")
    table.add_column("payments", justify="right")
    for status, count in sorted(counts.items()):
        table.add_row(status, f"{count:,}")
    Console().print(table)


@app.command("settle")
def settle(
    json_output: Annotated[
        bool, typer.Option("--json", help="Print what was done as one JSON object.")
    ] = False,
) -> None:
    """Carry on what a crash left between the store and the ledger, settle every reserved
    payment whose value date has come, and release the liquidity queue in its order (the
    demo network is the reference data). Run it while no other engine works on the store."""
    engine = make_engine()
    upgrade(engine)
    with Ledger(engine) as ledger:
        payments = PaymentEngine(engine, ledger, demo_corridor(engine))
        recovered = payments.recover()
        released = payments.release_queue()
    with engine.connect() as connection:
        counts = counts_by_status(connection)
    engine.dispose()
    done = {
        "settled_or_carried_on": len(recovered),
        "released_from_the_queue": len(released),
        "statuses": dict(sorted(counts.items())),
    }
    if json_output:
        print(json.dumps(done))
        return
    Console().print(
        f"Carried on or settled {done['settled_or_carried_on']:,} payments; released"
        f" {done['released_from_the_queue']:,} from the queue."
    )
