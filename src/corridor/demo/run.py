"""Books the demo corridor's next business day and reports what it did."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from corridor.demo.corridor import chart, describe
from corridor.demo.day import business_day, day_marker
from corridor.demo.traffic import TrafficResult, run_traffic
from corridor.green.demo import GreenDemoResult, run_green_demo
from corridor.ledger import CreateAccountResult, CreateTransferResult, Ledger
from corridor.ledger.invariants import InvariantResult, check_ledger
from corridor.money import Money
from corridor.payments.accounts import AccountCode

Progress = Callable[[str, int, int], None]


@dataclass
class DemoResult:
    """What one run of the demo booked, and the books afterwards."""

    day: int
    continued: bool
    results: Counter[str] = field(default_factory=Counter)
    stages: list[tuple[str, int, int]] = field(default_factory=list)
    """(stage, transfers applied, transfers refused)."""
    balances: list[dict[str, str]] = field(default_factory=list)
    invariants: list[InvariantResult] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    traffic: TrafficResult = field(default_factory=TrafficResult)
    green: GreenDemoResult | None = None


def _next_day(ledger: Ledger) -> int:
    day = 1
    while ledger.lookup_transfers([day_marker(day)]):
        day += 1
    return day


def balances(ledger: Ledger) -> list[dict[str, str]]:
    """Each demo account's posted balance, grouped by institution and currency."""
    accounts = ledger.lookup_accounts([a.id for a in chart()])
    rows = []
    for account in accounts:
        institution, holder = describe(account)
        # Net credit balance: what a deposit, settlement or fee account holds; negative
        # for an FX position that is short, or a reserve that has paid money out.
        net = Money.from_minor_units(account.credits_posted - account.debits_posted, account.ledger)
        held = Money.from_minor_units(account.debits_pending, account.ledger)
        rows.append(
            {
                "institution": institution,
                "currency": account.ledger,
                "account": holder,
                "kind": AccountCode(account.code).name.lower(),
                "balance": str(net.amount),
                "on_hold": str(held.amount),
            }
        )
    return rows


def run_demo(
    engine: Engine, out: Path, progress: Progress | None = None, *, payments: int = 1_000
) -> DemoResult:
    """Set up the corridor if need be, book its next business day (ledger traffic, then
    `payments` payments through the payments engine), and write the reports."""
    report = progress or (lambda _stage, _done, _total: None)
    with Ledger(engine) as ledger:
        created = ledger.create_accounts(chart())
        continued = all(r is CreateAccountResult.EXISTS for r in created)
        refused = [
            r for r in created if r not in (CreateAccountResult.OK, CreateAccountResult.EXISTS)
        ]
        if refused:
            raise RuntimeError(f"the demo's accounts were refused: {set(refused)}")
        day = _next_day(ledger)
        result = DemoResult(day=day, continued=continued)
        stages = business_day(day)
        total = sum(len(chain) for stage in stages for chain in stage.chains)
        done = 0
        for stage in stages:
            applied = rejected = 0
            for batch in stage.batches():
                for code in ledger.create_transfers(batch):
                    result.results[code.value] += 1
                    if code is CreateTransferResult.OK:
                        applied += 1
                    else:
                        rejected += 1
                done += len(batch)
                report(stage.name, done, total)
            result.stages.append((stage.name, applied, rejected))
        result.traffic = run_traffic(engine, ledger, day, payments, report)
        result.green = run_green_demo(engine, ledger, day, out)
        result.balances = balances(ledger)
    result.invariants = check_ledger(engine)
    result.files = _write_reports(result, out)
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
                "continued": result.continued,
                "stages": [{"stage": s, "applied": a, "refused": r} for s, a, r in result.stages],
                "results": dict(sorted(result.results.items())),
                "invariants": {i.name: i.holds for i in result.invariants},
                "payments": payments_summary(result.traffic),
            },
            indent=2,
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
        "waited_for_liquidity": traffic.queued,
        "volumes": {
            f"{corridor} {ccy}": str(Money.from_minor_units(units, ccy).amount)
            for (corridor, ccy), units in sorted(traffic.volumes.items())
        },
        "fees_earned": {
            ccy: str(Money.from_minor_units(units, ccy).amount)
            for ccy, units in sorted(traffic.fees.items())
        },
        "median_seconds_to_settle": times[len(times) // 2] if times else None,
        "track_for_example": traffic.sample_uetrs,
    }
