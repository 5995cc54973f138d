"""`corridor funds` as a fund administrator calls it: publish the day's NAV, deal, read
the register; bad input is one line on stderr."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from corridor.demo import network
from corridor.funds.dealing import FundDesk, register_fund
from corridor.funds.demo import FUNDS
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import PaymentEngine
from corridor.store import make_engine, upgrade
from corridor_cli import assert_one_line_error, run

GBP_CLASS = FUNDS[0][1][0]


def test_publish_the_nav_deal_and_read_the_register(tmp_path: Path) -> None:
    """An Albion client's subscription, placed before the NAV (forward pricing), is dealt
    by `corridor funds deal` at the NAV `corridor funds nav` published."""
    engine = make_engine(f"sqlite:///{tmp_path}/corridor.db")
    upgrade(engine)
    # A weekday morning in the past, before London's cut-off: the payment settles at once.
    placed = datetime(2026, 10, 28, 9, 0, tzinfo=UTC)
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
        payments = PaymentEngine(
            engine, ledger, network.demo_corridor(engine), clock=lambda: placed
        )
        for fund, classes in FUNDS:
            register_fund(engine, fund, classes)
        harrow = network.CLIENTS[network.ALBION][0]
        FundDesk(engine, payments).subscribe(
            "CLI-S1",
            GBP_CLASS.isin,
            harrow.accounts["GBP"],
            Money.of("1000.00", "GBP"),
            placed.date(),
        )
    engine.dispose()
    day = placed.date().isoformat()
    published = run(["funds", "nav", GBP_CLASS.isin, day, "1.8734"], tmp_path)
    assert published.returncode == 0, published.stderr
    again = run(["funds", "nav", GBP_CLASS.isin, day, "1.8734"], tmp_path)
    assert "unchanged" in again.stdout
    dealt = run(["funds", "deal", day, "--json"], tmp_path)
    assert dealt.returncode == 0, dealt.stderr
    [order] = json.loads(dealt.stdout)["dealt"]
    assert (order["order_id"], order["units"], order["residue"]) == (
        "CLI-S1",
        "533.788",
        "0.0015608",
    )
    held = json.loads(run(["funds", "holdings", "--json"], tmp_path).stdout)["holdings"]
    assert [(h["investor"], h["value"]) for h in held] == [(harrow.name, "1000.00")]
    assert "Nothing to deal" in run(["funds", "deal", day], tmp_path).stdout


def test_bad_nav_and_days_are_one_line_errors(tmp_path: Path) -> None:
    assert_one_line_error(
        run(["funds", "nav", GBP_CLASS.isin, "2026-10-28", "1.5"], tmp_path),
        f"no share class {GBP_CLASS.isin!r}",
    )
    assert_one_line_error(run(["funds", "deal", "28/10/2026"], tmp_path), "is not a date")
    assert_one_line_error(
        run(["funds", "orders", "--status", "bogus"], tmp_path), "is not placed, dealt or void"
    )
