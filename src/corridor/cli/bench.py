"""`corridor bench <area>`: measure an area; with --json, exactly one JSON object on stdout."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from corridor.bench import api as api_bench
from corridor.bench import green as green_bench
from corridor.bench import iso as iso_bench
from corridor.bench import ledger as ledger_bench
from corridor.bench import payments as payments_bench
from corridor.bench import screening as screening_bench
from corridor.store import Backend

app = typer.Typer(
    help="Measure an area of Corridor (figures go in docs/benchmarks.md).", no_args_is_help=True
)
stderr = Console(stderr=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
BackendOption = Annotated[
    str | None, typer.Option(help="sqlite or postgres (default: the configured database's)")
]
PostgresUrlOption = Annotated[
    str | None, typer.Option(help="A PostgreSQL server to create the bench database on.")
]


def _backend(name: str | None) -> Backend:
    """The store asked for, checked: a typo is a usage error, not a traceback."""
    if name not in (None, "sqlite", "postgres"):
        raise typer.BadParameter("must be sqlite or postgres", param_hint="--backend")
    return ledger_bench.backend_for(name)


@app.command("ledger")
def ledger(
    json_output: JsonOption = False,
    backend: BackendOption = None,
    transfers: Annotated[int, typer.Option(min=1, help="Transfers in the batched run.")] = 200_000,
    accounts: Annotated[
        int, typer.Option(min=2, help="Client accounts they move between.")
    ] = 10_000,
    batch_size: Annotated[int, typer.Option(min=1, max=8189, help="Transfers per batch.")] = 8189,
    single: Annotated[
        int, typer.Option(min=1, help="Transfers in the one-per-commit run.")
    ] = 2_000,
    postgres_url: PostgresUrlOption = None,
) -> None:
    """Batched and one-per-commit transfer rates beside the raw floor of the same stack."""
    with _stages(transient=json_output) as report:
        figures = ledger_bench.run(
            _backend(backend),
            transfers=transfers,
            accounts=accounts,
            batch_size=batch_size,
            single=single,
            postgres_url=postgres_url,
            progress=report,
        )
    _print(figures, json_output, "corridor bench ledger")


@app.command("api")
def api(
    json_output: JsonOption = False,
    requests: Annotated[int, typer.Option(min=100, help="Payment creations to send.")] = 5_000,
    concurrency: Annotated[
        int, typer.Option(min=1, max=256, help="Connections the load generator keeps open.")
    ] = 32,
) -> None:
    """Payment creations over HTTP against a local server on SQLite, the load from a
    second process: requests per second and latency percentiles."""
    with _stages(transient=json_output) as report:
        figures = api_bench.run(requests=requests, concurrency=concurrency, progress=report)
    _print(figures, json_output, "corridor bench api")


@contextmanager
def _stages(*, transient: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per stage of a benchmark, on stderr; yields the `report` callback
    the bench modules call with (stage, done, total)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=transient,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        yield report


def _print(figures: dict[str, Any], json_output: bool, title: str) -> None:
    if json_output:
        print(json.dumps(figures))
        return
    console = Console()
    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    nested = {k: v for k, v in figures.items() if isinstance(v, dict)}
    for key, value in figures.items():
        if key not in nested:
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    # Figures by category (e.g. the Chinese-name set): one row per category.
    for key, rows in nested.items():
        columns = sorted({c for row in rows.values() for c in row})
        by_category = Table(title=key, title_justify="left")
        by_category.add_column("category")
        for column in columns:
            by_category.add_column(column, justify="right")
        for name, row in rows.items():
            cells = (row.get(c) for c in columns)
            by_category.add_row(name, *("–" if v is None else str(v) for v in cells))
        console.print(by_category)


@app.command("payments")
def payments(
    json_output: JsonOption = False,
    backend: BackendOption = None,
    count: Annotated[
        int, typer.Option("--payments", min=1, help="Payments sent end to end in batches.")
    ] = 20_000,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Payments per batch (one submit_batch call).")
    ] = 1_000,
    single: Annotated[int, typer.Option(min=0, help="Payments sent one by one, each timed.")] = 500,
    postgres_url: PostgresUrlOption = None,
) -> None:
    """Payments end to end (validate, screen, price, reserve, settle), in batches and one
    by one: payments per second and single-payment latency."""
    with _stages(transient=json_output) as report:
        figures = payments_bench.run(
            _backend(backend),
            payments=count,
            batch_size=batch_size,
            single=single,
            postgres_url=postgres_url,
            progress=report,
        )
    _print(figures, json_output, "corridor bench payments")


@app.command("screening")
def screening(
    json_output: JsonOption = False,
    data: Annotated[
        Path,
        typer.Option(
            help="Folder with un/, ofac/ and eval/ (the published lists and labelled sets)."
        ),
    ] = Path("../shared/sanctions"),
    negatives: Annotated[int, typer.Option(min=1, help="Negative names screened.")] = 50_000,
) -> None:
    """Recall, precision, false-positive rate and names per second on real lists."""
    with _stages(transient=json_output) as report:
        figures = screening_bench.run(data, negatives=negatives, progress=report)
    _print(figures, json_output, "corridor bench screening")


@app.command("iso")
def iso(
    json_output: JsonOption = False,
    backend: BackendOption = None,
    transactions: Annotated[
        int, typer.Option(min=10, help="Credit transfers in the pain.001 validated.")
    ] = 100_000,
    import_transactions: Annotated[
        int, typer.Option(min=1, help="Credit transfers imported end to end through the engine.")
    ] = 1_000,
    run_size: Annotated[
        int,
        typer.Option(min=1, help="Credit transfers per payment run (one paying account each)."),
    ] = iso_bench.RUN,
    postgres_url: PostgresUrlOption = None,
) -> None:
    """pain.001 parse + validate and end-to-end import rates, pacs.008 generation, and peak
    memory for two file sizes."""
    with _stages(transient=json_output) as report:
        figures = iso_bench.run(
            _backend(backend),
            transactions=transactions,
            import_transactions=import_transactions,
            run_size=run_size,
            postgres_url=postgres_url,
            progress=report,
        )
    _print(figures, json_output, "corridor bench iso")


@app.command("green")
def green(
    json_output: JsonOption = False,
    count: Annotated[
        int, typer.Option("--positions", min=1, help="Positions attributed and totalled.")
    ] = 1_000_000,
    repeats: Annotated[int, typer.Option(min=1, help="Runs; the best counts.")] = 3,
) -> None:
    """PCAF financed emissions over generated positions: positions per second in memory,
    and end to end from a CSV file."""
    with _stages(transient=json_output) as report:
        figures = green_bench.run(count, repeats, progress=report)
    _print(figures, json_output, "corridor bench green")
