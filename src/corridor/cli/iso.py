"""`corridor iso`: validate and import pain.001 files, export ISO 20022 messages, and
reconcile bank statements and notifications with payments."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from corridor.demo.network import demo_corridor, directory
from corridor.iso20022 import import_pain001, repository, validate_pain001
from corridor.iso20022.export import (
    PAYMENT_TYPES,
    STATEMENT_TYPES,
    TYPES,
    export_payment_messages,
    export_statement,
    payments_received_on,
)
from corridor.iso20022.reading import MAX_BYTES
from corridor.iso20022.reconcile import StoreLookup, reconcile_file
from corridor.iso20022.validation import ValidationReport
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine
from corridor.store import make_engine, upgrade

app = typer.Typer(
    help="ISO 20022: validate and import pain.001, export pacs/camt messages, reconcile.",
    no_args_is_help=True,
)
stdout = Console(highlight=False, soft_wrap=True)
TodayOption = Annotated[
    str | None,
    typer.Option(help="The day execution dates are judged against (YYYY-MM-DD; default today)."),
]
MaxBytesOption = Annotated[
    int, typer.Option("--max-bytes", min=1, help="Refuse files larger than this.")
]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _describe(report: ValidationReport) -> str:
    kind = report.message_type or "not a readable pain.001"
    if report.variant:
        kind += f" (read as {report.variant})"
    return f"{kind}, {report.transactions:,} transactions, {report.valid_transactions:,} valid"


def _report_json(report: ValidationReport) -> dict[str, object]:
    return {
        "file": str(report.path),
        "valid": report.valid,
        "message_type": report.message_type,
        "variant": report.variant,
        "msg_id": report.msg_id,
        "transactions": report.transactions,
        "valid_transactions": report.valid_transactions,
        "checksum": report.checksum,
        "errors": [
            {"line": f.line, "path": f.path, "message": f.message, "reason": f.reason}
            for f in report.findings
        ],
    }


@app.command("validate")
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="pain.001 files.")],
    today: TodayOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    max_bytes: MaxBytesOption = MAX_BYTES,
) -> None:
    """Check pain.001 files against the official schema and the business rules; every
    error is listed with its file, line and element path. Exit 1 if any has one."""
    day = _day(today, "--today")
    engine = make_engine()
    upgrade(engine)

    def imported(party: str, msg_id: str) -> bool:
        with engine.connect() as connection:
            return repository.find_imported(connection, party, msg_id) is not None

    reports = [
        validate_pain001(f, today=day, already_imported=imported, max_bytes=max_bytes)
        for f in files
    ]
    engine.dispose()
    if json_output:
        print(json.dumps({"files": [_report_json(r) for r in reports]}, ensure_ascii=False))
    else:
        for report in reports:
            if report.valid:
                stdout.print(f"{report.path}: valid {_describe(report)}")
                continue
            for finding in report.findings:
                stdout.print(f"{report.path}: {finding}")
            count = len(report.findings)
            stdout.print(
                f"{report.path}: {count:,} error{'s' if count != 1 else ''} ({_describe(report)})"
            )
    if not all(r.valid for r in reports):
        raise typer.Exit(1)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A pain.001 file.")],
    accept_valid: Annotated[
        bool,
        typer.Option(
            "--accept-valid",
            help="Book the valid transactions of a file whose other transactions have errors"
            " (never when the group itself is wrong).",
        ),
    ] = False,
    status_report: Annotated[
        Path | None, typer.Option(help="Where to write the pain.002 (default: beside FILE).")
    ] = None,
    today: TodayOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    max_bytes: MaxBytesOption = MAX_BYTES,
) -> None:
    """Validate a pain.001 and make each of its credit transfers a payment through the
    payments engine; the pain.002 answering it is written next to it. Exit 1 when the
    file is rejected (nothing booked)."""
    day = _day(today, "--today")
    engine = make_engine()
    upgrade(engine)
    with Ledger(engine) as ledger:
        payments = PaymentEngine(engine, ledger, demo_corridor(engine), actor="iso-import")
        result = import_pain001(
            file,
            payments,
            accept_valid=accept_valid,
            today=day,
            status_report=status_report,
            max_bytes=max_bytes,
        )
    engine.dispose()
    report = result.report
    if json_output:
        print(
            json.dumps(
                {
                    **_report_json(report),
                    "status": result.status,
                    "booked": result.booked,
                    "statuses": dict(sorted(result.statuses.items())),
                    "status_report": str(result.status_report),
                    "status_report_id": result.status_report_id,
                },
                ensure_ascii=False,
            )
        )
    else:
        for finding in report.findings[:50]:
            stdout.print(f"{report.path}: {finding}")
        if len(report.findings) > 50:
            stdout.print(f"… and {len(report.findings) - 50:,} more (see the pain.002)")
        statuses = ", ".join(f"{n:,} {s}" for s, n in sorted(result.statuses.items()))
        stdout.print(
            f"{file}: {result.status}; {_describe(report)}; {result.booked:,} payments booked"
            f" ({statuses})" + ("; carried on from an interrupted import" if result.resumed else "")
        )
        stdout.print(f"Status report (pain.002): {result.status_report}")
    if result.status == "rejected":
        raise typer.Exit(1)


@app.command("export")
def export_command(
    kind: Annotated[
        str,
        typer.Option(
            "--type",
            help="camt.053, camt.054 (with --account, --date), pacs.008, pacs.002, pacs.004.",
        ),
    ],
    account: Annotated[
        str | None,
        typer.Option(
            help="For camt: a client's IBAN or account number, or BIC/CCY for a bank's own."
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="camt: the statement's day; pacs: payments received that day."),
    ] = None,
    uetr: Annotated[
        list[str] | None, typer.Option(help="pacs: the payment (repeatable) instead of --date.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder the messages are written to.")] = Path("."),
) -> None:
    """Write ISO 20022 messages from the books: an account's end-of-day statement
    (camt.053) or notifications (camt.054), or each payment's interbank messages."""
    engine = make_engine()
    upgrade(engine)
    when = _day(day, "--date")
    if kind in STATEMENT_TYPES:
        if account is None or when is None:
            raise typer.BadParameter("camt messages need --account and --date", param_hint="--type")
        with Ledger(engine) as ledger:
            written = [export_statement(engine, ledger, directory(), kind, account, when, out)]
    elif kind in PAYMENT_TYPES:
        if not uetr and when is None:
            raise typer.BadParameter("pacs messages need --uetr or --date", param_hint="--type")
        uetrs = list(uetr or []) or payments_received_on(engine, when)  # type: ignore[arg-type]
        written = export_payment_messages(engine, kind, uetrs, out)
    else:
        raise typer.BadParameter(f"{kind!r}: one of {', '.join(TYPES)}", param_hint="--type")
    engine.dispose()
    for path in written:
        stdout.print(str(path))
    stdout.print(f"{len(written):,} {kind} message{'s' if len(written) != 1 else ''} written")


@app.command("reconcile")
def reconcile_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A camt.053 or camt.054 file.")],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Match a bank statement's or notification's entries to payments (by UETR, end-to-end
    id, amount and date): matched, amount differences, unmatched; and check the
    statement's balances add up. Exit 1 when the file cannot be read or does not add up."""
    engine = make_engine()
    upgrade(engine)
    result = reconcile_file(file, StoreLookup(engine))
    engine.dispose()
    if json_output:
        print(
            json.dumps(
                {
                    "file": str(file),
                    "message_type": result.message_type,
                    "matched": result.count("matched"),
                    "amount_differences": result.count("amount_difference"),
                    "unmatched": result.count("unmatched"),
                    "accounts": [
                        {
                            "account": r.account,
                            "currency": r.currency,
                            "opening": None if r.opening is None else str(r.opening),
                            "closing": None if r.closing is None else str(r.closing),
                            "entries": r.entries,
                            "balanced": r.balanced,
                        }
                        for r in result.reports
                    ],
                    "entries": [
                        {
                            "path": m.entry.path,
                            "outcome": m.outcome,
                            "how": m.how,
                            "uetr": m.uetr,
                            "end_to_end_id": m.transaction.end_to_end_id,
                            "booked": str(m.booked),
                            "currency": m.entry.currency,
                            "expected": None if m.expected is None else str(m.expected),
                            "difference": None if m.difference is None else str(m.difference),
                        }
                        for m in result.matches
                    ],
                    "errors": [str(f) for f in result.findings],
                },
                ensure_ascii=False,
            )
        )
    else:
        for report in result.reports:
            balance = {
                True: "balances add up",
                False: "balances do NOT add up",
                None: "no balances",
            }
            stdout.print(
                f"{report.path}: account {report.account} {report.currency}, {report.entries:,}"
                f" entries, {balance[report.balanced]}"
            )
        for match in result.matches:
            if match.outcome == "matched":
                continue
            ref = match.transaction.end_to_end_id or match.entry.reference or "no reference"
            if match.outcome == "amount_difference":
                stdout.print(
                    f"{match.entry.path}: {ref} → payment {match.uetr}: booked {match.booked}"
                    f" {match.entry.currency}, expected {match.expected} (difference"
                    f" {match.difference})"
                )
            else:
                stdout.print(
                    f"{match.entry.path}: {ref} ({match.booked} {match.entry.currency}):"
                    " no payment matches"
                )
        for finding in result.findings:
            stdout.print(f"{file}: {finding}")
        stdout.print(
            f"{file}: {result.count('matched'):,} matched, {result.count('amount_difference'):,}"
            f" with an amount difference, {result.count('unmatched'):,} unmatched"
        )
    if result.findings:
        raise typer.Exit(1)
