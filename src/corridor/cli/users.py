"""`corridor users`: the people who operate Corridor, and their roles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from corridor.auth.users import Role, add_user
from corridor.store import make_engine, upgrade

app = typer.Typer(help="Users: add the people who operate Corridor.", no_args_is_help=True)


@app.callback()
def users() -> None:
    """Users and their roles (only compliance users decide screening cases)."""


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits and . _ @ -.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    institution: Annotated[str, typer.Option(help="The BIC of the user's institution.")],
) -> None:
    """Add a user with one role at one institution (a taken name changes nothing)."""
    engine = make_engine()
    upgrade(engine)
    user = add_user(engine, username, role=role, institution=institution)
    engine.dispose()
    Console(highlight=False, soft_wrap=True).print(
        f"Added {user.username} ({user.role}) at {user.institution}, id {user.user_id}"
    )
