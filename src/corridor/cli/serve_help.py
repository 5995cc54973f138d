"""What `corridor demo` ends with: how to open the console, and who to log in as."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from corridor.demo.run import DemoResult


def show_logins(console: Console, result: DemoResult) -> None:
    """The `corridor serve` command and every demo user with their demo password."""
    console.print(
        "Open the operations console: [bold]corridor serve[/] then http://127.0.0.1:8000/"
        " (API docs at /docs). Demo users, one per role per bank (passwords for the demo"
        " only; two admins and two compliance officers each, for four-eyes):"
    )
    table = Table(title="Demo users", title_justify="left")
    # What is typed at the login page is never cut short: the user and password columns
    # keep their full width (folded, not elided, on a terminal too narrow even for them);
    # the institution's name wraps instead.
    table.add_column("user", no_wrap=True, overflow="fold", min_width=_widest(result, "username"))
    table.add_column(
        "password", no_wrap=True, overflow="fold", min_width=_widest(result, "password")
    )
    table.add_column("role")
    table.add_column("institution")
    for login in result.logins:
        table.add_row(
            login.username,
            login.password,
            login.role.value,
            f"{login.institution_name} ({login.institution})",
        )
    console.print(table)


def _widest(result: DemoResult, field: str) -> int:
    return max((len(getattr(login, field)) for login in result.logins), default=0)
