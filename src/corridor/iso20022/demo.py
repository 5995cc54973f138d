"""The demo day's ISO 20022 files: a corporate's pain.001 imported (and its pain.002),
a pacs.008 per interbank leg of the day's payments, pacs.004s for the returns, and
camt.053 statements for a few accounts (two clients, two banks' money)."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.demo.clock import DemoClock
from corridor.demo.traffic import instruction_of
from corridor.iso20022.export import export_payment_messages, export_statement, payments_received_on
from corridor.iso20022.importer import import_pain001
from corridor.iso20022.initiation import write_pain001
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import PaymentEngine

STATEMENT_ACCOUNTS = (f"{network.ALBION}/GBP", f"{network.HARBOUR}/CNY")
MESSAGES_FOR = 100
"""The day's first payments whose pacs.008 and pacs.004 the demo writes (beside the
corporate file's): enough to read, not a file per payment of a 10,000-payment day."""


def write_day_outputs(engine: Engine, out: Path, day: int, clock: DemoClock) -> list[Path]:
    """Import the day's corporate pain.001 (received at the close of the demo day of
    `clock`, stamped on the ledger at the demo's time) and write the day's ISO 20022
    messages into `out`/day-N-iso20022; returns that folder."""
    clock.advance(clock.closes - clock.now)
    with Ledger(engine, clock=clock.ns) as ledger:
        return _write(engine, ledger, out, day, clock)


def _write(engine: Engine, ledger: Ledger, out: Path, day: int, clock: DemoClock) -> list[Path]:
    folder = out / f"day-{day}-iso20022"
    folder.mkdir(parents=True, exist_ok=True)
    now = clock()
    payments = PaymentEngine(
        engine, ledger, network.demo_corridor(engine), clock=clock, actor="iso-import"
    )
    harrow = network.CLIENTS[network.ALBION][0]
    rng = random.Random(f"corridor-demo-pain001-{day}")  # noqa: S311 - a demo mix
    run = []
    for n in range(8):
        payment = instruction_of(rng, day, 900_000 + n, now.date())
        run.append(
            replace(
                payment,
                end_to_end_id=f"HTI-D{day}-{n:03d}",
                instruction_id=f"HTI-D{day}-I{n:03d}",
                debtor=replace(
                    payment.debtor,
                    name=harrow.name,
                    account=harrow.accounts["GBP"],
                    country="GB",
                    individual=False,
                ),
                debtor_agent=network.ALBION,
                instructed_amount=Money.of(Decimal(rng.randrange(5_000, 2_000_000)) / 100, "GBP"),
            )
        )
    instructions = write_pain001(
        run,
        folder / f"pain.001-harrow-day-{day}.xml",
        msg_id=f"HTI-DEMO-D{day}",
        initiating_party=harrow.name,
        created=now,
    )
    import_pain001(instructions, payments)
    received = payments_received_on(engine, now.date())
    records = {r.payment.uetr: r for r in payments.get_many(received)}
    ours = f"HTI-D{day}-"
    imported = [u for u in received if records[u].payment.end_to_end_id.startswith(ours)]
    uetrs = imported + [u for u in received if u not in set(imported)][:MESSAGES_FOR]
    export_payment_messages(engine, "pacs.008", uetrs, folder / "pacs.008", created=now)
    export_payment_messages(engine, "pacs.004", uetrs, folder / "pacs.004", created=now)
    clients = [harrow.accounts["GBP"], network.CLIENTS[network.LUOHU][0].accounts["CNY"]]
    for account in (*clients, *STATEMENT_ACCOUNTS):
        export_statement(
            engine,
            ledger,
            payments.corridor.directory,
            "camt.053",
            account,
            now.date(),
            folder / "camt.053",
            created=now,
        )
    return [folder]
