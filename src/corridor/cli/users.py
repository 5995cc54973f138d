"""`corridor users`: the people who operate Corridor, their roles, passwords and API keys."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor.auth.keys import create_key, parse_scopes, revoke_key
from corridor.auth.users import Role, add_user, get_user, list_users, set_password
from corridor.store import make_engine, upgrade

app = typer.Typer(help="Users: add the people who operate Corridor.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)


@app.callback()
def users() -> None:
    """Users and their roles (only compliance users decide screening cases; a role
    changes only through a four-eyes approval in the API)."""


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Lower-case letters, digits and . _ @ -.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    institution: Annotated[str, typer.Option(help="The BIC of the user's institution.")],
    password: Annotated[
        bool, typer.Option("--password", help="Ask for a console password (not echoed).")
    ] = False,
    client: Annotated[
        str | None, typer.Option(help="Bind a read-only user to one client (its id).")
    ] = None,
) -> None:
    """Add a user with one role at one institution (a taken name changes nothing)."""
    secret = (
        typer.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    )
    engine = make_engine()
    upgrade(engine)
    user = add_user(
        engine, username, role=role, institution=institution, password=secret, client_id=client
    )
    engine.dispose()
    out.print(f"Added {user.username} ({user.role}) at {user.institution}, id {user.user_id}")


@app.command("passwd")
def passwd(username: Annotated[str, typer.Argument(help="The user's name.")]) -> None:
    """Set a user's console password (asked for, not echoed; stored as an argon2id hash)."""
    secret = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    engine = make_engine()
    upgrade(engine)
    user = set_password(engine, username, secret)
    engine.dispose()
    out.print(f"Password set for {user.username}")


@app.command("list")
def list_command(
    institution: Annotated[str, typer.Option(help="The BIC11 of the institution.")],
) -> None:
    """List an institution's users and their roles."""
    engine = make_engine()
    upgrade(engine)
    found = list_users(engine, institution.strip().upper())
    engine.dispose()
    table = Table(title=f"Users of {institution.upper()}", title_justify="left")
    for column in ("user", "role", "client", "active", "since"):
        table.add_column(column)
    for user in found:
        table.add_row(
            user.username,
            user.role.value,
            user.client_id or "",
            "yes" if user.active else "no",
            user.created_at,
        )
    out.print(table)


@app.command("key")
def key(
    username: Annotated[str, typer.Argument(help="The user the key acts as.")],
    name: Annotated[str, typer.Option(help="What the key is for.")],
    scope: Annotated[
        list[str],
        typer.Option(help="read, payments, fx, iso, cases or admin (repeat for more)."),
    ],
) -> None:
    """Make an API key for a user; its secret is printed this once only."""
    engine = make_engine()
    upgrade(engine)
    made, secret = create_key(engine, get_user(engine, username), name, parse_scopes(scope))
    engine.dispose()
    out.print(f"API key {made.key_id} for {username}: {secret}")
    out.print("Keep it now: only its hash is stored, it cannot be shown again.")


@app.command("revoke-key")
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id.")]) -> None:
    """Revoke an API key at once."""
    engine = make_engine()
    upgrade(engine)
    done = revoke_key(engine, key_id)
    engine.dispose()
    out.print(f"API key {done.key_id} revoked at {done.revoked_at}")
