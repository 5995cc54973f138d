"""`corridor screen-payment` and `corridor cases`: screen a payment, hold it in a case,
and decide the case under four-eyes."""

from __future__ import annotations

import json
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine

from corridor.compliance.cases import (
    Case,
    CaseStatus,
    cleared_for_payment,
    decide_case,
    list_cases,
    open_case,
)
from corridor.compliance.payment_screening import (
    PaymentInputError,
    PaymentParties,
    screen_payment,
)
from corridor.compliance.screening import load_index
from corridor.demo.network import demo_corridor
from corridor.ledger import Ledger
from corridor.payments import repository as payment_repository
from corridor.payments.engine import PaymentEngine
from corridor.store import make_engine, upgrade

MAX_FILE = 1 << 20  # a payment's parties fit in far less than a mebibyte

app = typer.Typer(help="Screening cases: list them, decide them (four-eyes).", no_args_is_help=True)


class StatusFilter(StrEnum):
    """Which cases `cases list` shows."""

    UNDECIDED = "undecided"
    OPEN = "open"
    PROPOSED = "proposed"
    REJECTED = "rejected"
    RELEASED = "released"
    ALL = "all"


class DecisionChoice(StrEnum):
    """A decision as typed on the command line."""

    TRUE_MATCH = "true-match"
    FALSE_POSITIVE = "false-positive"


def _read_payment(path: Path) -> PaymentParties:
    if not path.is_file():
        raise PaymentInputError(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE:
        raise PaymentInputError(f"{path}: larger than {MAX_FILE:,} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise PaymentInputError(f"{path}: byte {exc.start}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PaymentInputError(
            f"{path}: line {exc.lineno} column {exc.colno}: not JSON ({exc.msg})"
        ) from None
    try:
        return PaymentParties.from_dict(data)
    except PaymentInputError as exc:
        raise PaymentInputError(f"{path}: {exc}") from None


def screen_payment_command(
    path: Annotated[Path, typer.Argument(metavar="FILE.json", help="The payment, as JSON.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Screen a payment's parties, agents and remittance text; hold it in a case on an alert.

    The payment is read from JSON (the shape is in docs/compliance.md). When any role
    reaches review or block, the payment is held in a case for four-eyes review.
    """
    parties = _read_payment(path)
    engine = make_engine()
    upgrade(engine)
    index = load_index(engine)
    result = screen_payment(index, parties, cleared=cleared_for_payment(engine, parties))
    case = None
    if result["decision"] != "pass":
        case = open_case(engine, result, parties.payment_ref)
    engine.dispose()
    if json_output:
        held = {"case_id": case.case_id, "status": case.status.value} if case else None
        print(json.dumps({**result, "case": held}, ensure_ascii=False))
        return
    console = Console(highlight=False, soft_wrap=True)
    if not result["lists"]:
        console.print("No sanctions list is loaded: corridor lists load --format … PATH")
    console.print(f"Payment {parties.payment_ref}: [bold]{result['decision']}[/]")
    table = Table(title_justify="left")
    for column in ("role", "screened", "decision", "best candidate", "score"):
        table.add_column(column)
    for role in result["roles"]:
        screened = role.get("name") or role.get("text") or ""
        if role.get("bic"):
            screened = f"{role['bic']} {screened}".strip()
        top = role["candidates"][0] if role["candidates"] else None
        table.add_row(
            role["role"],
            screened,
            role["decision"],
            f"{top['list']} {top['entry_id']} {top['matched_name']}" if top else "—",
            f"{top['score']:.3f}" if top else "",
        )
    console.print(table)
    shown = {(s["role"], s["list"], s["entry_id"]): s for s in result["suppressed"]}
    for item in shown.values():
        console.print(
            f"Not alerting on {item['list']} {item['entry_id']} for {item['role']}:"
            f" cleared as a false positive by case {item['cleared_by_case']}"
        )
    if case is not None:
        console.print(
            f"Held in case {case.case_id}: decide it with"
            f" corridor cases decide {case.case_id} --decision … --reason …"
        )


@app.command("list")
def list_command(
    status: Annotated[
        StatusFilter, typer.Option(help="Which cases: undecided means open or proposed.")
    ] = StatusFilter.UNDECIDED,
    json_output: Annotated[bool, typer.Option("--json", help="Print the cases as JSON.")] = False,
) -> None:
    """Cases, oldest first: their payment, status, proposal and best candidate."""
    statuses: list[CaseStatus] | None
    if status is StatusFilter.ALL:
        statuses = None
    elif status is StatusFilter.UNDECIDED:
        statuses = [CaseStatus.OPEN, CaseStatus.PROPOSED]
    else:
        statuses = [CaseStatus(status.value)]
    engine = make_engine()
    upgrade(engine)
    cases = list_cases(engine, statuses)
    engine.dispose()
    if json_output:
        print(json.dumps([_case_json(c) for c in cases], ensure_ascii=False))
        return
    console = Console(highlight=False, soft_wrap=True)
    if not cases:
        console.print(f"No cases ({status.value}).")
        return
    table = Table(title=f"Screening cases ({status.value})", title_justify="left")
    table.add_column("case", no_wrap=True, min_width=32)  # the id `cases decide` takes
    for column in ("payment", "status", "best candidate"):
        table.add_column(column, overflow="fold")
    for case in cases:
        candidates = case.screening.get("candidates", [])
        top = candidates[0] if candidates else None
        state = f"{case.status.value} ({case.screening_decision})"
        if case.proposed_decision:
            state += f": {case.proposed_decision} proposed by {case.events[-1].username}"
        table.add_row(
            case.case_id,
            case.payment_ref,
            state,
            f"{top['role']}: {top['matched_name']} ({top['score']:.2f})" if top else "—",
        )
    console.print(table)


def _case_json(case: Case) -> dict[str, Any]:
    out = asdict(case)
    out["payment_status"] = case.payment_status
    return out


@app.command("decide")
def decide(
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case id.")],
    decision: Annotated[DecisionChoice, typer.Option(help="What the alert was.")],
    reason: Annotated[str, typer.Option(help="Why: recorded with the decision.")],
    user: Annotated[
        str, typer.Option(envvar="CORRIDOR_USER", help="Your user name (a compliance user).")
    ],
) -> None:
    """Propose a decision on a case, or confirm or dispute another user's proposal."""
    engine = make_engine()
    upgrade(engine)
    case = decide_case(engine, case_id, user, decision.value.replace("-", "_"), reason)
    moved = _resume_payment(engine, case.payment_ref) if case.status.closed else None
    engine.dispose()
    last = case.events[-1]
    console = Console(highlight=False, soft_wrap=True)
    if last.action == "proposed":
        console.print(
            f"Case {case.case_id}: {last.username} proposes {last.decision};"
            " a second compliance user must confirm or dispute it."
        )
    elif last.action == "disputed":
        console.print(
            f"Case {case.case_id}: {last.username} disputes the proposal"
            f" ({last.decision}); the case is open again."
        )
    else:
        maker = case.events[-2].username
        console.print(
            f"Case {case.case_id}: {last.decision} proposed by {maker}, confirmed by"
            f" {last.username}; payment {case.payment_ref} {case.payment_status}."
        )
        if moved is not None:
            console.print(f"Payment {case.payment_ref} is now {moved}.")


def _resume_payment(engine: Engine, uetr: str) -> str | None:
    """Carry the held payment on (released) or end it (rejected), when the payments engine
    holds one with this UETR; its status then. The corridor the engine runs on is the
    demo network until reference data is kept in the store."""
    with engine.connect() as connection:
        if payment_repository.load(connection, uetr) is None:
            return None
    with Ledger(engine) as ledger:
        payments = PaymentEngine(engine, ledger, demo_corridor())
        payments.resume_decided()
        return payments.get(uetr).status.value
