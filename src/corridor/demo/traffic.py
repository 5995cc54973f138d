"""A business day of corridor payments through the payments engine.

London companies and people pay Luohu suppliers in CNY (through Hong Kong), each other in
GBP, Hong Kong in CNH, and Luohu exporters in GBP (through Hong Kong); Hong Kong clients
pay Luohu in CNY; Luohu clients pay Hong Kong in HKD and London in USD; London pays Luohu
in USD. Every charge bearer appears. A few are cancelled before their value
date and a few returned after settlement. The mix is fixed by the day's number, so a run
books the same instructions; rates and times are today's.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from importlib.resources import as_file, files

from sqlalchemy.engine import Engine

from corridor.compliance.lists import ListFormat, load_list
from corridor.demo import network
from corridor.demo.clock import DemoClock
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Party, Payment
from corridor.payments.repository import PaymentRecord

Progress = Callable[[str, int, int], None]
S = PaymentStatus
# (debtor bank, instructed currency, creditor bank, settlement currency, share of traffic)
FLOWS = (
    # London companies pay Luohu suppliers in CNY, through Hong Kong.
    (network.ALBION, "GBP", network.LUOHU, "CNY", 25),
    (network.ALBION, "GBP", network.THREADNEEDLE, "GBP", 15),
    (network.HARBOUR, "HKD", network.LUOHU, "CNY", 18),
    (network.LUOHU, "CNY", network.HARBOUR, "HKD", 12),
    (network.THREADNEEDLE, "USD", network.LUOHU, "USD", 10),
    # London pays Hong Kong in offshore renminbi.
    (network.ALBION, "GBP", network.HARBOUR, "CNH", 8),
    # A Luohu exporter receives GBP, a Hong Kong leg in between.
    (network.ALBION, "GBP", network.LUOHU, "GBP", 6),
    # Luohu pays London in USD, through Hong Kong.
    (network.LUOHU, "USD", network.THREADNEEDLE, "USD", 6),
)
PRIVATE_SHARE = 0.1
"""The share of payments sent by private clients (people) rather than companies."""
AMOUNTS = {"GBP": (50, 20_000), "HKD": (500, 200_000), "CNY": (400, 150_000), "USD": (50, 25_000)}
COUNTRY = {
    network.ALBION: "GB",
    network.THREADNEEDLE: "GB",
    network.HARBOUR: "HK",
    network.LUOHU: "CN",
}


@dataclass
class TrafficResult:
    """What the day's payments came to."""

    submitted: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    volumes: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(corridor, instructed currency, settlement currency) → instructed amount in minor
    units."""
    fees: Counter[str] = field(default_factory=Counter)
    """currency → fees the banks earned."""
    settle_seconds: list[float] = field(default_factory=list)
    queued: int = 0
    """Payments that waited for liquidity during the day."""
    reasons: Counter[str] = field(default_factory=Counter)
    """ISO 20022 reason code → payments rejected, held or queued with it."""
    settled_from_earlier: int = 0
    """Payments of earlier days that settled this morning (their value date came)."""
    sample_uetrs: list[str] = field(default_factory=list)


def _uetr(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def instruction_of(rng: random.Random, day: int, n: int, today: date) -> Payment:
    """A payment of the day's mix: flow, parties, amount and charge bearer drawn from `rng`."""
    flow = rng.choices(FLOWS, weights=[f[4] for f in FLOWS])[0]
    debtor_bank, sold, creditor_bank, bought, _share = flow
    # Companies send most payments; a private client now and then, and smaller ones.
    person = rng.random() < PRIVATE_SHARE
    senders = [c for c in network.CLIENTS[debtor_bank] if c.individual is person]
    debtor = rng.choice(senders)
    creditor = rng.choice(network.CLIENTS[creditor_bank])
    low, high = AMOUNTS[sold]
    if person:
        high //= 10
    amount = Money.of(Decimal(rng.randrange(low * 100, high * 100)) / 100, sold)
    return Payment(
        uetr=_uetr(rng),
        end_to_end_id=f"D{day}-{n:06d}",
        instruction_id=f"D{day}-I{n:06d}",
        debtor=Party(debtor.name, debtor.accounts[sold], COUNTRY[debtor_bank], debtor.individual),
        debtor_agent=debtor_bank,
        creditor_agent=creditor_bank,
        creditor=Party(creditor.name, creditor.accounts[bought], COUNTRY[creditor_bank]),
        instructed_amount=amount,
        settlement_currency=bought,
        charge_bearer=rng.choice(list(ChargeBearer)),
        requested_execution_date=today,
        purpose_code=rng.choice(["GDDS", "SUPP", "SALA", "TRAD"]),
        remittance=f"Invoice {day}-{n}",
    )


BATCH = 100
"""Payments per batch: the day's instructions arrive in files and bursts, not one by one."""
CANCELLED_EVERY = 40
"""Of the payments reserved for a later value date, one in this many is cancelled."""
RETURNED_EVERY = 50
"""Of the payments settled, one in this many comes back (e.g. the account was closed)."""


def run_traffic(
    engine: Engine,
    ledger: Ledger,
    day: int,
    count: int,
    progress: Progress | None = None,
    *,
    clock: DemoClock,
) -> TrafficResult:
    """Set up the payment network if need be, settle what came due, and submit `count`
    payments through the demo day of `clock` in batches of BATCH; now and then a reserved
    one is cancelled and a settled one returned."""
    report = progress or (lambda _stage, _done, _total: None)
    ledger.create_accounts(network.ledger_accounts())
    ledger.create_transfers(network.opening_balances())
    with as_file(files("corridor.demo").joinpath("watchlist.csv")) as watchlist:
        load_list(engine, ListFormat.INTERNAL_CSV, watchlist)
    on = clock().date()
    payments = PaymentEngine(engine, ledger, network.demo_corridor(engine), clock=clock)
    payments.resume_decided()  # cases decided since the last run
    # Anything a crash left priced, then what came due by this morning.
    earlier = [r for r in payments.recover() if r.status is S.SETTLED]
    rng = random.Random(f"corridor-traffic-{day}")  # noqa: S311 - a demo mix, not a secret
    instructions = []
    for n in range(count):
        instruction = instruction_of(rng, day, n, on)
        if n % 40 == 7:  # now and then the instruction names someone on the watch list
            creditor = replace(instruction.creditor, name="Liang Jiahui")
            instruction = replace(instruction, creditor=creditor)
        instructions.append(instruction)
    result = TrafficResult(settled_from_earlier=len(earlier))
    uetrs = []
    step = clock.step_for(-(-count // BATCH))
    for start in range(0, count, BATCH):
        batch = instructions[start : start + BATCH]
        for n, submission in enumerate(payments.submit_batch(batch), start=start):
            record = submission.record
            if record.status is S.RESERVED and n % CANCELLED_EVERY == 0:
                record = payments.cancel(record.payment.uetr, reason="CUST")
            elif record.status is S.SETTLED and n % RETURNED_EVERY == 0:
                record = payments.return_payment(record.payment.uetr, reason="AC04")
            uetrs.append(record.payment.uetr)
        clock.advance(step)
        report("payments through the engine", start + len(batch), count)
    records = payments.get_many(uetrs)
    result.queued = sum(r.status is S.QUEUED for r in records)
    # Late in the day Albion buys CNY: its queued payments go, first in first out.
    ledger.create_transfers([network.late_liquidity(day)])
    payments.release_queue(limit=count or 1)
    for record in payments.get_many(uetrs):
        _count(result, record)
    return result


def _count(result: TrafficResult, record: PaymentRecord) -> None:
    payment = record.payment
    result.submitted += 1
    result.statuses[record.status.value] += 1
    if record.status in (S.REJECTED, S.HELD, S.QUEUED):
        result.reasons[record.lifecycle.events[-1].reason] += 1
    corridor = f"{COUNTRY[payment.debtor_agent]}→{COUNTRY[payment.creditor_agent]}"
    key = (corridor, payment.instructed_amount.currency.code, payment.settlement_currency)
    result.volumes[key] += int(payment.instructed_amount.to_minor_units())
    if record.status in (S.SETTLED, S.RETURNED, S.RESERVED):
        for fee in record.settlement.get("fees", []):
            amount, ccy = fee["fee"].split()
            result.fees[ccy] += Money.of(amount.replace(",", ""), ccy).to_minor_units()
    took = record.lifecycle.took
    if took is not None:
        result.settle_seconds.append(took / timedelta(seconds=1))
    if len(result.sample_uetrs) < 3 and record.status is S.SETTLED:
        result.sample_uetrs.append(payment.uetr)
