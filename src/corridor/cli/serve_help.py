"""What `corridor demo` ends with: how to open the console, and who to log in as."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from corridor.demo import DemoResult


def show_logins(console: Console, result: DemoResult) -> None:
    """The `corridor serve` command and every demo user with their demo password."""
    console.print(
        "Open the operations console: [bold]corridor serve[/] then http://127.0.0.1:8000/"
        " (API docs at /docs). Demo users, one per role per bank (passwords for the demo"
        " only; two admins and two compliance officers each, for four-eyes):"
    )
    table = Table(title="Demo users", title_justify="left")
    for column in ("institution", "user", "role", "password"):
        table.add_column(column)
    for login in result.logins:
        table.add_row(
            f"{login.institution_name} ({login.institution})",
            login.username,
            login.role.value,
            login.password,
        )
    console.print(table)
