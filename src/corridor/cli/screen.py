"""`corridor screen NAME`: screen one name against the sanctions lists in force."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.compliance.listed import EntityType
from corridor.compliance.screening import load_index, screen_name
from corridor.store import make_engine, upgrade


def screen(
    name: Annotated[str, typer.Argument(help="The name, in any script.")],
    country: Annotated[str, typer.Option(help="A country the party is linked to.")] = "",
    dob: Annotated[str, typer.Option(help="Date of birth, YYYY-MM-DD or YYYY.")] = "",
    party_type: Annotated[
        EntityType | None, typer.Option("--type", help="person or entity (vessel, aircraft).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Candidates shown.")] = 10,
) -> None:
    """Screen a name against every sanctions list in force; candidates with scores and why."""
    if dob and not (dob[:4].isdigit() and len(dob) in (4, 10)):
        raise typer.BadParameter("expected YYYY-MM-DD or YYYY", param_hint="--dob")
    engine = make_engine()
    upgrade(engine)
    index = load_index(engine)
    engine.dispose()
    result = screen_name(
        index, name, entity_type=party_type, country=country, date_of_birth=dob, limit=limit
    )
    if json_output:
        print(json.dumps(result, ensure_ascii=False))
        return
    console = Console()
    if not result["lists"]:
        console.print("No sanctions list is loaded: corridor lists load --format … PATH")
    console.print(f"{name!r} → forms {result['forms']}: [bold]{result['decision']}[/]")
    table = Table(title_justify="left")
    for column in ("score", "list", "entry", "matched name", "why"):
        table.add_column(column)
    for c in result["candidates"]:
        why = ", ".join(f"{k}={v}" for k, v in c["explanation"].items())
        table.add_row(f"{c['score']:.3f}", c["list"], c["entry_id"], c["matched_name"], why)
    console.print(table)
