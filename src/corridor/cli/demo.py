"""`corridor demo`: set up the demo corridor and book its next business day."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from corridor.cli.funds import show_demo as show_funds
from corridor.cli.green import show_demo
from corridor.cli.serve_help import show_logins
from corridor.demo.run import DemoResult, run_demo
from corridor.money import Money
from corridor.payments.lifecycle import REASONS
from corridor.store import display_url, make_engine, upgrade


def demo(
    out: Annotated[Path, typer.Option(help="Folder for the day's reports.")] = Path(
        "corridor-demo"
    ),
    payments: Annotated[
        int, typer.Option(min=0, help="Payments sent through the payments engine.")
    ] = 10_000,
) -> None:
    """Book a business day of the Luohu–Hong Kong–London corridor and show the books."""
    console = Console()
    engine = make_engine()
    upgrade(engine)
    console.print(f"Books: [bold]{display_url()}[/]")
    with Progress(
        TextColumn("{task.description:32}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task: TaskID | None = None

        def report(stage: str, done: int, total: int) -> None:
            nonlocal task
            if task is None:
                task = bar.add_task(stage, total=total)
            bar.update(task, description=stage, completed=done, total=total)

        result = run_demo(engine, out, progress=report, payments=payments)
    engine.dispose()
    _show(console, result)
    broken = [i for i in result.invariants if not i.holds]
    if broken:
        Console(stderr=True).print(
            "[bold red]the books are inconsistent:[/] " + ", ".join(i.name for i in broken),
            soft_wrap=True,
        )
        raise typer.Exit(1)


def _show(console: Console, result: DemoResult) -> None:
    if result.continued:
        console.print(
            f"The corridor was already set up: continuing with business day {result.day}."
        )
    else:
        console.print("Set up a new corridor: 4 banks in London, Hong Kong and Luohu, 200 clients.")
        console.print(f"Booked business day {result.day}.")
    console.print(
        f"Business day {result.day} is {result.date:%A %d %B %Y}: payments arrive from"
        " 01:00 to 16:30 UTC, in batches."
    )
    _show_payments(console, result)
    totals: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in result.balances:
        kind = {
            "client": "clients",
            "nostro": "settlement / nostro",
            "settlement": "settlement / nostro",
        }.get(row["kind"], row["kind"].replace("_", " "))
        by_kind = totals[(row["institution"], row["currency"])]
        by_kind[kind] += Decimal(row["balance"])
        if Decimal(row["on_hold"]):
            by_kind["on hold"] += Decimal(row["on_hold"])
    kinds = ["settlement / nostro", "clients", "fx position", "fee income", "credit line"]
    kinds.append("reserve")
    if any("on hold" in by_kind for by_kind in totals.values()):
        kinds.append("on hold")
    table = Table(
        title="Balances by institution and currency (net credit; negative: owed or short)",
        title_justify="left",
    )
    table.add_column("institution", overflow="fold")
    table.add_column("ccy")
    for kind in kinds:
        table.add_column(kind, justify="right", no_wrap=True)
    for (institution, ccy), by_kind in sorted(totals.items()):
        table.add_row(institution, ccy, *[f"{by_kind[k]:,}" if k in by_kind else "" for k in kinds])
    console.print(table)
    held = len(result.invariants)
    ok = sum(i.holds for i in result.invariants)
    console.print(f"Invariants: {ok} of {held} hold (run [bold]corridor check[/] for the detail).")
    console.print("Reports: " + ", ".join(str(p) for p in result.files))
    # The green bond's allocation and impact close the day's business; then how to log in.
    show_funds(console, result.funds)
    show_demo(console, result.green)
    show_logins(console, result)


def _show_payments(console: Console, result: DemoResult) -> None:
    traffic = result.traffic
    if not traffic.submitted:
        return
    statuses = ", ".join(f"{n:,} {s}" for s, n in sorted(traffic.statuses.items()))
    waited = (
        f" {traffic.queued:,} waited for liquidity until Albion bought CNY late in the day."
        if traffic.queued
        else ""
    )
    console.print(f"Payments through the engine: {traffic.submitted:,} ({statuses});{waited}")
    if traffic.settled_from_earlier:
        console.print(
            f"Settled this morning from earlier days (value date today):"
            f" {traffic.settled_from_earlier:,}."
        )
    if traffic.reasons:
        console.print(
            "Why not settled (ISO 20022 reason codes): "
            + ", ".join(
                f"{code} {REASONS.get(code, '')} × {n:,}"
                for code, n in sorted(traffic.reasons.items())
            )
        )
    volumes = Table(title="Payment volumes by corridor and currency", title_justify="left")
    volumes.add_column("corridor")
    volumes.add_column("currencies")
    volumes.add_column("instructed", justify="right")
    for (corridor, ccy, bought), units in sorted(traffic.volumes.items()):
        volumes.add_row(
            corridor,
            ccy if bought == ccy else f"{ccy}→{bought}",
            f"{Money.from_minor_units(units, ccy).amount:,} {ccy}",
        )
    console.print(volumes)
    fees = ", ".join(
        f"{ccy} {Money.from_minor_units(units, ccy).amount:,}"
        for ccy, units in sorted(traffic.fees.items())
    )
    times = sorted(traffic.settle_seconds)
    median = f"{times[len(times) // 2]:,.0f} s" if times else "–"
    console.print(f"Fees earned: {fees}. Median time from receipt to settlement: {median}.")
    for uetr in traffic.sample_uetrs[:1]:
        console.print(f"Follow a payment: [bold]corridor payments track {uetr}[/]")
    if traffic.statuses.get("held"):
        console.print("Held for four-eyes review: [bold]corridor cases list[/]")
