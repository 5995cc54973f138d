"""Payments in batches, on both stores: a batch ends where the same instructions one by one
would, duplicates in and across batches are one payment, limits are taken atomically
with the payment (and given back when it stops counting), held FX quotes are dealt once
and before they expire, and the queue is released first in, first out."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clocks import Clock
from corridor.compliance.limits import ClientLimits
from corridor.demo import network
from corridor.demo.traffic import instruction_of
from corridor.ledger import Ledger
from corridor.ledger.invariants import check_ledger
from corridor.money import Money
from corridor.payments.dealing import contract_id, offer_quote
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.invariants import check_payments
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import NOT_PROVIDED, Party, Payment, new_uetr
from corridor.payments.reference import Client, Directory
from corridor.payments.repository import existing_for
from corridor.payments.usage import limit_usage
from corridor.store import make_engine, upgrade

S = PaymentStatus
MORNING = datetime(2026, 10, 27, 2, 0, tzinfo=UTC)  # before every cut-off, a business day
PERSON = network.CLIENTS[network.LUOHU][1]  # a mainland individual
HARBOUR_CLIENT = network.CLIENTS[network.HARBOUR][0]
ALBION_CLIENT = network.CLIENTS[network.ALBION][0]
THREAD_CLIENT = network.CLIENTS[network.THREADNEEDLE][0]


def _books(engine: Engine, directory: Directory | None = None) -> tuple[PaymentEngine, Ledger]:
    ledger = Ledger(engine)
    ledger.create_accounts(network.ledger_accounts())
    ledger.create_transfers(network.opening_balances())
    corridor = Corridor(directory or network.directory(), network.fee_table(), network.fx_desk())
    return PaymentEngine(engine, ledger, corridor, clock=Clock(MORNING)), ledger


@pytest.fixture
def books(engine: Engine) -> Iterator[tuple[PaymentEngine, Ledger]]:
    """The demo network on an empty store, opening balances booked, the clock at MORNING."""
    payments, ledger = _books(engine)
    yield payments, ledger
    ledger.close()


def _mix(count: int, seed: str = "batches") -> list[Payment]:
    rng = random.Random(seed)
    return [instruction_of(rng, 1, n, MORNING.date()) for n in range(count)]


def _purchase(cny: str, e2e: str | None = None) -> Payment:
    """The mainland individual buying HKD: counts against the SAFE quota."""
    return Payment(
        uetr=new_uetr(),
        end_to_end_id=e2e or f"Q-{new_uetr()[:12]}",
        instruction_id="Q",
        debtor=Party(PERSON.name, PERSON.accounts["CNY"], "CN", individual=True),
        debtor_agent=network.LUOHU,
        creditor_agent=network.HARBOUR,
        creditor=Party(HARBOUR_CLIENT.name, HARBOUR_CLIENT.accounts["HKD"], "HK"),
        instructed_amount=Money.of(cny, "CNY"),
        settlement_currency="HKD",
        charge_bearer=ChargeBearer.SHAR,
        requested_execution_date=MORNING.date(),
        purpose_code="GDDS",
    )


def test_a_batch_ends_where_the_same_payments_one_by_one_would(
    books: tuple[PaymentEngine, Ledger], tmp_path: Path
) -> None:
    """The same 120 instructions in batches of 50 and one by one (on a second store):
    every payment in the same status with the same amounts, every network account with
    the same balance to the minor unit, and every invariant holding on both."""
    payments, ledger = books
    mix = _mix(120)
    batched = []
    for start in range(0, len(mix), 50):
        batched += payments.submit_batch(mix[start : start + 50])
    url = f"sqlite:///{tmp_path}/one-by-one.db"
    other = make_engine(url)
    upgrade(other)
    alone, alone_ledger = _books(other)
    single = [alone.submit(p) for p in mix]
    assert [s.created for s in batched] == [True] * 120
    for b, s in zip(batched, single, strict=True):
        assert b.record.status is s.record.status, b.record.payment.uetr
        for key in ("debited", "credited", "fees", "value_date", "usd_equivalent"):
            assert b.record.settlement.get(key) == s.record.settlement.get(key), key
    accounts = [a.id for a in network.ledger_accounts()]
    mine = {a.id: a for a in ledger.lookup_accounts(accounts)}
    theirs = {a.id: a for a in alone_ledger.lookup_accounts(accounts)}
    for account_id, account in mine.items():
        twin = theirs[account_id]
        assert (account.debits_posted, account.credits_posted) == (
            twin.debits_posted,
            twin.credits_posted,
        )
        assert (account.debits_pending, account.credits_pending) == (
            twin.debits_pending,
            twin.credits_pending,
        )
    statuses = {b.record.status for b in batched}
    assert S.SETTLED in statuses
    assert S.HELD not in statuses  # no lists loaded here: nothing screened out
    for engine in (payments.engine, other):
        assert all(r.holds for r in check_ledger(engine))
        assert all(r.holds for r in check_payments(engine))
    alone_ledger.close()
    other.dispose()


def test_duplicates_in_a_batch_and_across_batches_are_one_payment(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """An instruction twice in one batch (by end-to-end id, or by idempotency key) and
    the whole batch again: one payment each, the repeats answered `created` False."""
    payments, ledger = books
    first, second = _mix(2, "dupes")
    again = replace(first, uetr=new_uetr())  # same sending bank and end-to-end id
    keyed = replace(second, uetr=new_uetr(), end_to_end_id="OTHER-E2E")
    answers = payments.submit_batch(
        [first, again, second, keyed], idempotency_keys=[None, None, "k-2", "k-2"]
    )
    assert [a.created for a in answers] == [True, False, True, False]
    assert answers[1].record.payment.uetr == first.uetr
    assert answers[3].record.payment.uetr == second.uetr
    before = ledger.lookup_accounts([a.id for a in network.ledger_accounts()])
    repeat = payments.submit_batch([first, second], idempotency_keys=[None, "k-2"])
    assert [a.created for a in repeat] == [False, False]
    assert [a.record.payment.uetr for a in repeat] == [first.uetr, second.uetr]
    after = ledger.lookup_accounts([a.id for a in network.ledger_accounts()])
    assert before == after  # the repeat booked nothing


def test_payments_without_an_end_to_end_id_are_each_their_own(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """NOTPROVIDED names no instruction: the same payment without an end-to-end id twice
    in one batch and again in the next is three payments; a repeat is known by its idempotency key
    alone, and nothing else about it makes it one."""
    payments, ledger = books
    first, second = (replace(p, end_to_end_id=NOT_PROVIDED) for p in _mix(2, "np"))
    twin = replace(first, uetr=new_uetr())  # same sending bank, no end-to-end id either
    answers = payments.submit_batch([first, twin, second], idempotency_keys=[None, None, "np-2"])
    assert [a.created for a in answers] == [True, True, True]
    assert all(a.record.status is not S.REJECTED for a in answers)
    later = payments.submit_batch([replace(first, uetr=new_uetr())])
    assert later[0].created is True
    assert later[0].record.status is not S.REJECTED
    before = ledger.lookup_accounts([a.id for a in network.ledger_accounts()])
    repeat = payments.submit_batch([replace(second, uetr=new_uetr())], idempotency_keys=["np-2"])
    assert repeat[0].created is False
    assert repeat[0].record.payment.uetr == second.uetr
    assert ledger.lookup_accounts([a.id for a in network.ledger_accounts()]) == before
    stored = {a.record.payment.uetr for a in [*answers, *later]}
    assert len(stored) == 4
    assert all(payments.get(u).payment.end_to_end_id == NOT_PROVIDED for u in stored)


def test_the_quota_is_taken_in_the_batch_and_given_back_when_a_payment_stops_counting(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """Three purchases by one mainland individual in one batch: the one that would pass
    USD 50,000 is rejected (AM02) and books nothing, the smaller one after it fits; the
    usage recorded is what the counting purchases took, and a return gives its part back."""
    payments, _ledger = books
    big, over, small = _purchase("300000.00"), _purchase("100000.00"), _purchase("10000.00")
    answers = payments.submit_batch([big, over, small])
    assert [a.record.status for a in answers] == [S.SETTLED, S.REJECTED, S.SETTLED]
    refused = answers[1].record.lifecycle.events[-1]
    assert refused.reason == "AM02"
    assert "quota" in refused.detail
    assert "already used" in refused.detail
    with payments.engine.connect() as connection:
        (usage,) = limit_usage(connection)
    taken = [a.record.settlement["limits"][0]["amount_minor"] for a in (answers[0], answers[2])]
    assert usage.used_minor == sum(taken)
    assert usage.kind == "fx_quota_exceeded"
    assert all(r.holds for r in check_payments(payments.engine))
    payments.return_payment(small.uetr, reason="AC04")
    with payments.engine.connect() as connection:
        (usage,) = limit_usage(connection)
    assert usage.used_minor == taken[0]
    assert all(r.holds for r in check_payments(payments.engine))
    assert all(r.holds for r in check_ledger(payments.engine))


def test_a_client_limit_is_taken_atomically_and_given_back_on_cancel(engine: Engine) -> None:
    """A client with a daily limit of GBP 15,000: the payment that would pass it is
    rejected with AM14 naming the limit; cancelling a reserved payment gives its part back,
    so the next one fits."""
    directory = Directory()
    base = network.directory()
    for institution in base.institutions:
        directory.add_institution(institution)
    for account in base.correspondents:
        directory.add_correspondent(account)
    limited = ClientLimits(daily=Money.of(15_000, "GBP"))
    for clients in network.CLIENTS.values():
        for demo in clients:
            client = base.client(demo.client_id)
            if demo.client_id == ALBION_CLIENT.client_id:
                client = Client(client.client_id, client.name, client.accounts, limited)
            directory.add_client(client)
    payments, ledger = _books(engine, directory)

    def pay(amount: str, when: datetime) -> Payment:
        return Payment(
            uetr=new_uetr(),
            end_to_end_id=f"L-{new_uetr()[:12]}",
            instruction_id="L",
            debtor=Party(ALBION_CLIENT.name, ALBION_CLIENT.accounts["GBP"], "GB"),
            debtor_agent=network.ALBION,
            creditor_agent=network.THREADNEEDLE,
            creditor=Party(THREAD_CLIENT.name, THREAD_CLIENT.accounts["GBP"], "GB"),
            instructed_amount=Money.of(amount, "GBP"),
            settlement_currency="GBP",
            charge_bearer=ChargeBearer.SHAR,
            requested_execution_date=when.date() + timedelta(days=1),  # reserved, not settled
            purpose_code="GDDS",
        )

    first, second, third = pay("10000.00", MORNING), pay("6000.00", MORNING), pay("5000", MORNING)
    answers = payments.submit_batch([first, second, third])
    assert [a.record.status for a in answers] == [S.RESERVED, S.REJECTED, S.RESERVED]
    refused = answers[1].record.lifecycle.events[-1]
    assert refused.reason == "AM14"
    assert "daily limit" in refused.detail
    assert "GBP 15,000.00" in refused.detail or "15,000.00 GBP" in refused.detail
    payments.cancel(first.uetr)
    assert payments.submit(pay("9000.00", MORNING)).record.status is S.RESERVED
    assert all(r.holds for r in check_payments(engine))
    ledger.close()


def test_a_held_quote_is_dealt_once_at_its_rate_and_not_after_it_expires(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """A client asks Albion for a GBP→CNY quote, then pays naming it: the payment converts
    at the quote's rate; a second payment naming the same quote is rejected, as is one
    naming an expired quote or a quote for other currencies; the rejected ones book
    nothing."""
    payments, ledger = books
    desk = payments.corridor.desk
    quote = offer_quote(
        payments.engine, desk, network.ALBION, Money.of("10000.00", "GBP"), "CNY", MORNING
    )
    luohu_client = network.CLIENTS[network.LUOHU][0]

    def pay(quote_id: str) -> Payment:
        return Payment(
            uetr=new_uetr(),
            end_to_end_id=f"FX-{new_uetr()[:12]}",
            instruction_id="FX",
            debtor=Party(ALBION_CLIENT.name, ALBION_CLIENT.accounts["GBP"], "GB"),
            debtor_agent=network.ALBION,
            creditor_agent=network.LUOHU,
            creditor=Party(luohu_client.name, luohu_client.accounts["CNY"], "CN"),
            instructed_amount=Money.of("10000.00", "GBP"),
            settlement_currency="CNY",
            charge_bearer=ChargeBearer.SHAR,
            requested_execution_date=MORNING.date(),
            purpose_code="GDDS",
            fx_quote_id=quote_id,
        )

    dealt = payments.submit(pay(contract_id(quote))).record
    assert dealt.status is S.SETTLED
    assert dealt.settlement["fx"]["quote_id"] == str(quote.quote_id)
    assert Decimal(dealt.settlement["fx"]["customer_rate"]) == quote.customer_rate
    assert dealt.settlement["fx"]["quoted"] == "held by the debtor"
    before = ledger.lookup_accounts([a.id for a in network.ledger_accounts()])
    twice = payments.submit(pay(contract_id(quote).upper())).record  # any case
    assert twice.status is S.REJECTED
    assert twice.lifecycle.events[-1].reason == "NARR"
    assert "dealt by payment" in twice.lifecycle.events[-1].detail
    stale = offer_quote(
        payments.engine, desk, network.ALBION, Money.of("10000.00", "GBP"), "CNY", MORNING
    )
    payments.clock.now = MORNING + timedelta(minutes=5)  # type: ignore[attr-defined]
    late = payments.submit(pay(contract_id(stale))).record
    assert late.status is S.REJECTED
    assert late.lifecycle.events[-1].reason == "NARR"
    assert "expired" in late.lifecycle.events[-1].detail
    hkd = offer_quote(
        payments.engine,
        desk,
        network.ALBION,
        Money.of("10000.00", "GBP"),
        "HKD",
        MORNING + timedelta(minutes=5),
    )
    wrong = payments.submit(pay(contract_id(hkd))).record
    assert wrong.status is S.REJECTED
    assert "sells GBP for HKD" in wrong.lifecycle.events[-1].detail
    unknown = payments.submit(pay("no-such-quote")).record
    assert unknown.status is S.REJECTED
    assert "no quote" in unknown.lifecycle.events[-1].detail
    after = ledger.lookup_accounts([a.id for a in network.ledger_accounts()])
    assert before == after


def test_the_queue_is_released_in_batches_first_in_first_out(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """Albion opens short of CNY: its GBP→CNY payments queue. Liquidity for some of them
    arrives: the earliest go, in order, and the first that does not fit stops the rest
    (none overtakes it, even a smaller one); more liquidity releases the rest."""
    payments, ledger = books
    luohu_client = network.CLIENTS[network.LUOHU][0]

    def pay(gbp: str) -> Payment:
        return Payment(
            uetr=new_uetr(),
            end_to_end_id=f"QU-{new_uetr()[:12]}",
            instruction_id="QU",
            debtor=Party(ALBION_CLIENT.name, ALBION_CLIENT.accounts["GBP"], "GB"),
            debtor_agent=network.ALBION,
            creditor_agent=network.LUOHU,
            creditor=Party(luohu_client.name, luohu_client.accounts["CNY"], "CN"),
            instructed_amount=Money.of(gbp, "GBP"),
            settlement_currency="CNY",
            charge_bearer=ChargeBearer.SHAR,
            requested_execution_date=MORNING.date(),
            purpose_code="GDDS",
        )

    # Albion holds CNY 2,000,000: spend it, so what follows queues.
    drain = [pay("50000.00") for _ in range(5)]  # about CNY 442,000 each
    answers = payments.submit_batch(drain)
    waiting = [a.record for a in answers if a.record.status is S.QUEUED]
    assert waiting, "Albion should have run short of CNY"
    sizes = ["20000.00", "200000.00", "1000.00", "1000.00"]
    later = payments.submit_batch([pay(g) for g in sizes])
    assert all(a.record.status is S.QUEUED for a in later)  # behind the queue, short too
    queue = [*waiting, *(a.record for a in later)]
    # Enough for the first waiting ones, not for the GBP 200,000 payment.
    ledger.create_transfers([network.liquidity(7, network.ALBION, "CNY", 1_200_000)])
    released = payments.release_queue()
    order = [r.payment.uetr for r in queue]
    assert [r.payment.uetr for r in released] == order[: len(released)]
    assert released
    stopped = payments.get(order[len(released)])
    assert stopped.status is S.QUEUED
    behind = [payments.get(u).status for u in order[len(released) + 1 :]]
    assert all(s is S.QUEUED for s in behind)  # the small ones did not overtake it
    ledger.create_transfers([network.liquidity(8, network.ALBION, "CNY", 50_000_000)])
    rest = payments.release_queue()
    assert [r.payment.uetr for r in rest] == order[len(released) :]
    assert all(r.status is S.SETTLED for r in rest)
    assert all(r.holds for r in check_ledger(payments.engine))


def test_due_payments_settle_on_their_value_date(books: tuple[PaymentEngine, Ledger]) -> None:
    """Payments asked for tomorrow stay reserved today; `settle_due` posts them once the
    clock reaches their value date, as one batch."""
    payments, _ledger = books
    tomorrow = [
        replace(p, requested_execution_date=MORNING.date() + timedelta(days=1))
        for p in _mix(20, "tomorrow")
    ]
    answers = payments.submit_batch(tomorrow)
    reserved = [a.record.payment.uetr for a in answers if a.record.status is S.RESERVED]
    assert reserved
    assert payments.settle_due() == []
    payments.clock.now = MORNING + timedelta(days=1)  # type: ignore[attr-defined]
    settled = payments.settle_due()
    assert sorted(r.payment.uetr for r in settled) == sorted(reserved)


def test_a_stored_instruction_repeated_in_a_batch_is_answered_each_time(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """An instruction stored already, twice in a new batch (by end-to-end id, and by
    idempotency key): each repeat answers the stored payment, nothing fails."""
    payments, _ledger = books
    (first,) = _mix(1, "stored")
    assert payments.submit(first, idempotency_key="K").created
    keyed = [replace(first, uetr=new_uetr(), end_to_end_id=f"X{n}") for n in (1, 2)]
    answers = payments.submit_batch([first, first, *keyed], idempotency_keys=[None, None, "K", "K"])
    assert [a.created for a in answers] == [False] * 4
    assert {a.record.payment.uetr for a in answers} == {first.uetr}


def test_the_quota_is_the_persons_however_the_account_is_written(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """Eight purchases of CNY 60,000 by one person, the account written with and without
    spaces: one quota (USD 50,000 takes five of them), one account in the store."""
    payments, _ledger = books
    account = PERSON.accounts["CNY"]
    spaced = " ".join(account[i : i + 4] for i in range(0, len(account), 4))
    statuses = []
    for n in range(8):
        written = account if n % 2 == 0 else spaced
        purchase = replace(
            _purchase("60000.00"),
            debtor=Party(PERSON.name, written, "CN", individual=True),
        )
        record = payments.submit(purchase).record
        statuses.append(record.status)
        assert record.payment.debtor.account == account
    assert statuses.count(S.SETTLED) == 5
    assert all(r.holds for r in check_payments(payments.engine))


def test_a_clients_daily_limit_covers_all_its_accounts(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """A London private client with a USD 100,000 daily limit pays USD 90,000 from its
    USD account, then GBP 60,000 from its GBP account: the second is over the limit."""
    payments, _ledger = books
    person = next(c for c in network.CLIENTS[network.ALBION] if c.individual)

    def pay(currency: str, amount: str) -> Payment:
        return Payment(
            uetr=new_uetr(),
            end_to_end_id=f"CL-{new_uetr()[:12]}",
            instruction_id="CL",
            debtor=Party(person.name, person.accounts[currency], "GB", individual=True),
            debtor_agent=network.ALBION,
            creditor_agent=network.THREADNEEDLE,
            creditor=Party(THREAD_CLIENT.name, THREAD_CLIENT.accounts[currency], "GB"),
            instructed_amount=Money.of(amount, currency),
            settlement_currency=currency,
            charge_bearer=ChargeBearer.DEBT,
            requested_execution_date=MORNING.date(),
            purpose_code="GDDS",
        )

    assert payments.submit(pay("USD", "90000.00")).record.status is S.SETTLED
    refused = payments.submit(pay("GBP", "60000.00")).record
    assert refused.status is S.REJECTED
    assert refused.lifecycle.events[-1].reason == "AM14"


def test_a_queued_payment_goes_in_its_turn_however_it_is_moved_on(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """`proceed` on a small queued payment does not let it overtake the earlier, larger
    one waiting on the same account: the queue goes in order."""
    payments, ledger = books
    luohu_client = network.CLIENTS[network.LUOHU][0]

    def pay(gbp: str) -> Payment:
        return Payment(
            uetr=new_uetr(),
            end_to_end_id=f"QP-{new_uetr()[:12]}",
            instruction_id="QP",
            debtor=Party(ALBION_CLIENT.name, ALBION_CLIENT.accounts["GBP"], "GB"),
            debtor_agent=network.ALBION,
            creditor_agent=network.LUOHU,
            creditor=Party(luohu_client.name, luohu_client.accounts["CNY"], "CN"),
            instructed_amount=Money.of(gbp, "GBP"),
            settlement_currency="CNY",
            charge_bearer=ChargeBearer.SHAR,
            requested_execution_date=MORNING.date(),
            purpose_code="GDDS",
        )

    payments.submit_batch([pay("50000.00") for _ in range(5)])
    big, small = payments.submit_batch([pay("100000.00"), pay("1000.00")])
    assert big.record.status is S.QUEUED
    assert small.record.status is S.QUEUED
    ledger.create_transfers([network.liquidity(7, network.ALBION, "CNY", 500_000)])
    assert payments.proceed(payments.get(small.record.payment.uetr)).status is S.QUEUED


def test_an_instruction_corrected_after_its_rejection_is_a_new_payment(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """Rejected for its creditor account, then sent again corrected with the same
    end-to-end id: booked as a new payment. Sent again with the idempotency key of a
    rejected request: the rejection is answered again."""
    payments, _ledger = books
    (good,) = _mix(1, "corrected")
    bad = replace(good, creditor=replace(good.creditor, account="GB00NOSUCHACCOUNT"))
    rejected = payments.submit(bad).record
    assert rejected.status is S.REJECTED
    again = payments.submit(replace(good, uetr=new_uetr()))
    assert again.created
    assert again.record.status is not S.REJECTED
    keyed = payments.submit(
        replace(bad, uetr=new_uetr(), end_to_end_id="K-1"), idempotency_key="key-1"
    )
    assert keyed.record.status is S.REJECTED
    repeat = payments.submit(
        replace(good, uetr=new_uetr(), end_to_end_id="K-1"), idempotency_key="key-1"
    )
    assert not repeat.created
    assert repeat.record.payment.uetr == keyed.record.payment.uetr


def test_an_instruction_naming_another_payments_uetr_is_refused_and_not_kept(
    books: tuple[PaymentEngine, Ledger],
) -> None:
    """Two instructions under one UETR (in one batch, or one stored already): the second
    is answered rejected (AM05) and not stored; the batch goes on."""
    payments, _ledger = books
    first, second, third = _mix(3, "uetr")
    payments.submit(first)
    clash = replace(second, uetr=first.uetr)
    twin = replace(third, uetr=second.uetr, end_to_end_id="TWIN")
    answers = payments.submit_batch([clash, second, twin])
    assert [a.record.status is S.REJECTED for a in answers] == [True, False, True]
    assert answers[0].record.lifecycle.events[-1].reason == "AM05"
    assert not answers[0].created
    assert payments.get(first.uetr).payment.end_to_end_id == first.end_to_end_id


def test_the_repeat_check_reads_the_instruction_index_not_every_payment(engine: Engine) -> None:
    """Whether an instruction was received already is answered from the partial unique
    index on (sending bank, end-to-end id): the query states both of the index's
    conditions, or the store would read every payment it holds for every batch (which
    made one-by-one payments slow down as the books grew)."""
    upgrade(engine)
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", seen)
    with engine.connect() as connection:
        existing_for(connection, _mix(1, "plan"), [None])
    sa.event.remove(engine, "before_cursor_execute", seen)
    [(query, parameters)] = [s for s in statements if "end_to_end_id IN" in s[0]]
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", parameters)
            )
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(
                str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {query}", parameters)
            )
    assert "payments_instruction" in plan, plan
