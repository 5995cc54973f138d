"""Books the demo corridor's next business day and reports what it did."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from corridor.checks import check_books
from corridor.demo import network
from corridor.demo.clock import DemoClock, business_date, first_day
from corridor.demo.traffic import TrafficResult, run_traffic
from corridor.funds.demo import FundsDemoResult, run_funds_demo
from corridor.green.demo import GreenDemoResult, run_green_demo
from corridor.iso20022.demo import write_day_outputs
from corridor.ledger import CreateAccountResult, Ledger
from corridor.ledger.invariants import InvariantResult
from corridor.money import Money
from corridor.payments.engine import PaymentEngine
from corridor.reference_data.demo import DemoLogin, seed_demo_reference_data

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    """What one run of the demo booked, and the books afterwards."""

    day: int
    continued: bool
    date: date
    """The business day the demo day's payments were received on."""
    balances: list[dict[str, str]] = field(default_factory=list)
    invariants: list[InvariantResult] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    traffic: TrafficResult = field(default_factory=TrafficResult)
    green: GreenDemoResult | None = None
    funds: FundsDemoResult | None = None
    logins: list[DemoLogin] = field(default_factory=list)
    """The demo users to log in to the console with."""


def _next_day(ledger: Ledger) -> int:
    """The first demo day whose late-day liquidity is not booked yet (a day interrupted
    before its end is booked again: its instructions are the same, so none is taken
    twice)."""
    day = 1
    while ledger.lookup_transfers([network.late_liquidity(day).id]):
        day += 1
    return day


def balances(ledger: Ledger) -> list[dict[str, str]]:
    """Each network account's posted balance and what is on hold, with its institution."""
    accounts = ledger.lookup_accounts([a.id for a in network.ledger_accounts()])
    rows = []
    for account in accounts:
        institution, kind = network.describe(account)
        # Net credit balance: what a deposit, settlement or fee account holds; negative
        # for an FX position that is short, or a reserve that has paid money out.
        net = Money.from_minor_units(account.credits_posted - account.debits_posted, account.ledger)
        held = Money.from_minor_units(account.debits_pending, account.ledger)
        rows.append(
            {
                "institution": institution,
                "currency": account.ledger,
                "kind": kind,
                "account_id": f"{account.id:032x}",
                "balance": str(net.amount),
                "on_hold": str(held.amount),
            }
        )
    return rows


def run_demo(
    engine: Engine, out: Path, progress: Progress | None = None, *, payments: int = 10_000
) -> DemoResult:
    """Set up the corridor if need be, book its next business day (`payments` payments
    through the payments engine, in batches through the day), and write the reports.
    What it books is stamped at the demo's time (see `demo.clock`)."""
    with Ledger(engine) as probe:  # reads only: nothing is stamped at the wall clock
        opened = probe.lookup_transfers([network.opening_balances()[0].id])
        day = _next_day(probe)
    if opened:
        first = datetime.fromtimestamp(opened[0].timestamp / 1e9, tz=UTC).date()
    else:
        first = first_day(datetime.now(UTC))
    on = business_date(first, day)
    clock = DemoClock(on)
    with Ledger(engine, clock=clock.ns) as ledger:
        created = ledger.create_accounts(network.ledger_accounts())
        refused = [
            r for r in created if r not in (CreateAccountResult.OK, CreateAccountResult.EXISTS)
        ]
        if refused:
            raise RuntimeError(f"the demo's accounts were refused: {set(refused)}")
        continued = all(r is CreateAccountResult.EXISTS for r in created)
        ledger.create_transfers(network.opening_balances())
        result = DemoResult(day=day, continued=continued, date=on)
        result.logins = seed_demo_reference_data(engine)
        result.traffic = run_traffic(engine, ledger, day, payments, progress, clock=clock)
        result.green = run_green_demo(engine, ledger, day, out)
        desk = PaymentEngine(engine, ledger, network.demo_corridor(engine), clock=clock)
        result.funds = run_funds_demo(engine, desk, day, on)
        result.balances = balances(ledger)
    result.invariants = check_books(engine)
    result.files = _write_reports(result, out)
    result.files += write_day_outputs(engine, out, day, clock)
    return result


def _write_reports(result: DemoResult, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    balances_file = out / f"day-{result.day}-balances.csv"
    with balances_file.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(result.balances[0]))
        writer.writeheader()
        writer.writerows(result.balances)
    summary_file = out / f"day-{result.day}-summary.json"
    summary_file.write_text(
        json.dumps(
            {
                "day": result.day,
                "date": result.date.isoformat(),
                "continued": result.continued,
                "invariants": {i.name: i.holds for i in result.invariants},
                "payments": payments_summary(result.traffic),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    return [balances_file, summary_file]


def payments_summary(traffic: TrafficResult) -> dict[str, object]:
    """The day's payments: statuses, volumes per corridor and currency, fees, times."""
    times = sorted(traffic.settle_seconds)
    return {
        "submitted": traffic.submitted,
        "statuses": dict(sorted(traffic.statuses.items())),
        "reasons": dict(sorted(traffic.reasons.items())),
        "waited_for_liquidity": traffic.queued,
        "settled_from_earlier_days": traffic.settled_from_earlier,
        "volumes": {
            f"{corridor} {ccy}" + ("" if bought == ccy else f"→{bought}"): str(
                Money.from_minor_units(units, ccy)
            )
            for (corridor, ccy, bought), units in sorted(traffic.volumes.items())
        },
        "fees_earned": {
            ccy: str(Money.from_minor_units(units, ccy).amount)
            for ccy, units in sorted(traffic.fees.items())
        },
        "median_seconds_to_settle": times[len(times) // 2] if times else None,
        "track_for_example": traffic.sample_uetrs,
    }
