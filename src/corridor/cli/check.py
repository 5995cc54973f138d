"""`corridor check`: verify the books' invariants on the configured database."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from corridor.green.invariants import check_green
from corridor.ledger.invariants import check_ledger
from corridor.store import display_url, make_engine, upgrade


def check() -> None:
    """Verify every invariant of the books; exit 1 naming what is broken."""
    engine = make_engine()
    upgrade(engine)
    results = check_ledger(engine) + check_green(engine)
    engine.dispose()
    console = Console()
    table = Table(title=f"Invariants of {display_url()}", title_justify="left")
    table.add_column("invariant")
    table.add_column("holds")
    table.add_column("what breaks it")
    for result in results:
        table.add_row(
            result.description,
            "[green]yes[/]" if result.holds else "[bold red]NO[/]",
            "\n".join(result.problems),
        )
    console.print(table)
    broken = [r for r in results if not r.holds]
    if broken:
        Console(stderr=True).print(
            f"[bold red]{len(broken)} invariant(s) broken:[/] " + ", ".join(r.name for r in broken),
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    console.print(f"[green]all {len(results)} invariants hold[/]")
