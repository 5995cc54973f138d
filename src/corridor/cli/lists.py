"""`corridor lists`: load sanctions lists from their published files, and show what is in force."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.compliance.lists import ListFormat, load_list, versions_in_force
from corridor.store import make_engine, upgrade

app = typer.Typer(
    help="Sanctions lists: load a new version, show the versions in force.", no_args_is_help=True
)


@app.command("load")
def load(
    path: Annotated[
        Path,
        typer.Argument(help="The list file (UN XML, UK CSV, internal CSV) or folder (OFAC CSV)."),
    ],
    list_format: Annotated[ListFormat, typer.Option("--format", help="The file's format.")],
) -> None:
    """Parse a list whole and record it as the list's new version (nothing, if malformed)."""
    engine = make_engine()
    upgrade(engine)
    version, created = load_list(engine, list_format, path)
    engine.dispose()
    if created:
        Console().print(
            f"Loaded {version.source}: {version.entry_count:,} entries,"
            f" version {version.version}, checksum {version.checksum[:12]}…"
        )
    else:
        Console().print(
            f"{version.source} unchanged: the version in force ({version.version})"
            " has the same checksum"
        )


@app.command("show")
def show() -> None:
    """The version in force of each list: what every screening result will name."""
    engine = make_engine()
    upgrade(engine)
    versions = versions_in_force(engine)
    engine.dispose()
    if not versions:
        Console().print("No list loaded yet: corridor lists load --format … PATH")
        return
    table = Table(title="Sanctions lists in force", title_justify="left")
    for column in ("list", "entries", "published", "loaded at", "version", "checksum"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            v.source,
            f"{v.entry_count:,}",
            v.published or "—",
            v.loaded_at,
            str(v.version),
            v.checksum[:16] + "…",
        )
    Console().print(table)
