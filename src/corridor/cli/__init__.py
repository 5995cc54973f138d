"""The `corridor` command: a thin shell over the library's functions.

Every command calls a function a Python user could call too; errors a user can cause
end as one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.console import Console

from corridor.auth.passwords import PasswordPolicyError
from corridor.auth.users import UserError
from corridor.bench.screening import BenchDataError
from corridor.cli import bench, check, demo, funds, green, iso, lists, payments, screen, serve
from corridor.cli import cases as cases_cli
from corridor.cli import users as users_cli
from corridor.compliance import ListFormatError, NameInputError
from corridor.compliance.cases import CaseError
from corridor.compliance.payment_screening import PaymentInputError
from corridor.funds.errors import FundsError
from corridor.green.errors import GreenError
from corridor.iso20022 import IsoError
from corridor.ledger import BatchTooLargeError
from corridor.money import MoneyError
from corridor.payments.engine import PaymentNotFoundError
from corridor.runtime import settle_the_heap
from corridor.store import StoreError

app = typer.Typer(
    name="corridor",
    help="Corridor: cross-border finance between Luohu, Hong Kong and London on one ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("demo")(demo.demo)
app.command("check")(check.check)
app.add_typer(bench.app, name="bench")
app.add_typer(lists.app, name="lists")
app.command("screen")(screen.screen)
app.command("screen-payment")(cases_cli.screen_payment_command)
app.add_typer(cases_cli.app, name="cases")
app.add_typer(users_cli.app, name="users")
app.add_typer(payments.app, name="payments")
app.add_typer(iso.app, name="iso")
app.add_typer(green.app, name="green")
app.add_typer(funds.app, name="funds")
app.command("serve")(serve.serve)

USER_ERRORS = (
    StoreError,
    MoneyError,
    BatchTooLargeError,
    ListFormatError,
    NameInputError,
    BenchDataError,
    PaymentInputError,
    CaseError,
    UserError,
    PaymentNotFoundError,
    IsoError,
    GreenError,
    FundsError,
    PasswordPolicyError,
)
stderr = Console(stderr=True)


def main() -> None:
    """Run the command line; user errors become one line on stderr and exit code 1."""
    # A command runs until its process exits: what the imports loaded is set aside from
    # the cycle collector (`settle_the_heap`). Only here, not in `app`, which tests call.
    settle_the_heap(collect=False)
    try:
        app()
    except USER_ERRORS as exc:
        stderr.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a defect of ours: say so plainly, trace only on request
        if os.environ.get("CORRIDOR_DEBUG"):
            traceback.print_exc()
        stderr.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {exc}"
            " (set CORRIDOR_DEBUG=1 for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(70)
