"""What `corridor demo` ends with: how to open the console, and who to log in as."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from corridor.demo.run import DemoResult
from corridor.reference_data.demo import DemoLogin


def show_logins(console: Console, result: DemoResult) -> None:
    """The `corridor serve` command and every demo user with their demo password."""
    console.print(
        "Open the operations console: [bold]corridor serve[/] then http://127.0.0.1:8000/"
        " (API docs at /docs). Demo users, one per role per bank (passwords for the demo"
        " only; two admins and two compliance officers each, for four-eyes):"
    )
    # One table per bank, so that what is typed at the login page (user and password)
    # keeps its full width even on 80 columns: folded, never elided, if narrower still.
    user_width = max((len(login.username) for login in result.logins), default=0)
    password_width = max((len(login.password) for login in result.logins), default=0)
    banks: dict[tuple[str, str], list[DemoLogin]] = {}
    for login in result.logins:
        banks.setdefault((login.institution_name, login.institution), []).append(login)
    for (name, bic), logins in banks.items():
        table = Table(title=f"Demo users of {name} ({bic})", title_justify="left")
        table.add_column("user", no_wrap=True, overflow="fold", min_width=user_width)
        table.add_column("password", no_wrap=True, overflow="fold", min_width=password_width)
        table.add_column("role", no_wrap=True, overflow="fold")
        for login in logins:
            table.add_row(login.username, login.password, login.role.value)
        console.print(table)
