"""One of two engines buying currency for the same mainland individual at once (run by
the quota race test).

`python quota_worker.py DATABASE_URL WORKER START_AT` waits until START_AT, then submits
a batch of purchases of CNY 60,000 each (about USD 8,400) for the client, and prints one
JSON list of [uetr, status] for what it submitted.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

from corridor.demo import network
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.store import make_engine

PERSON = network.CLIENTS[network.LUOHU][1]
HARBOUR_CLIENT = network.CLIENTS[network.HARBOUR][0]
NOW = datetime(2026, 10, 27, 2, 0, tzinfo=UTC)


def main(url: str, worker: int, start_at: float) -> None:
    """Race the other engine; report each purchase's outcome."""
    engine = make_engine(url)
    corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
    with Ledger(engine) as ledger:
        payments = PaymentEngine(engine, ledger, corridor, clock=lambda: NOW)
        batch = [
            Payment(
                uetr=new_uetr(),
                end_to_end_id=f"W{worker}-{n}",
                instruction_id=f"W{worker}",
                debtor=Party(PERSON.name, PERSON.accounts["CNY"], "CN", individual=True),
                debtor_agent=network.LUOHU,
                creditor_agent=network.HARBOUR,
                creditor=Party(HARBOUR_CLIENT.name, HARBOUR_CLIENT.accounts["HKD"], "HK"),
                instructed_amount=Money.of("60000.00", "CNY"),
                settlement_currency="HKD",
                charge_bearer=ChargeBearer.SHAR,
                requested_execution_date=NOW.date(),
                purpose_code="GDDS",
            )
            for n in range(4)
        ]
        time.sleep(max(0.0, start_at - time.time()))
        answers = payments.submit_batch(batch)
    print(json.dumps([[a.record.payment.uetr, a.record.status.value] for a in answers]))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
