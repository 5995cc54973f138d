"""`corridor serve`: the HTTP API and the operations console on this machine."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from corridor.reference_data import has_reference_data
from corridor.store import StoreError, display_url, make_engine, upgrade


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the HTTP API (/api, docs at /docs) and the web console (/) with uvicorn."""
    # The web stack loads only for this command, so the rest of the CLI starts fast.
    import uvicorn  # noqa: PLC0415

    from corridor.api.app import create_app  # noqa: PLC0415

    engine = make_engine()
    upgrade(engine)
    if not has_reference_data(engine):
        raise StoreError(
            f"{display_url()} holds no reference data (institutions, clients): run"
            " `corridor demo` first, or load your own"
        )
    console = Console(stderr=True, highlight=False)
    console.print(f"Books: {display_url()}")
    console.print(f"Console: http://{host}:{port}/   API docs: http://{host}:{port}/docs")
    # Access logs carry paths and status codes only (never bodies, cookies or keys).
    uvicorn.run(
        create_app(engine, settle_heap=True),
        host=host,
        port=port,
        log_level="info",
        access_log=True,
    )
