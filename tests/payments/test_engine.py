"""The payments engine on both stores: worked examples to the minor unit, rejections that
book nothing, idempotency, the liquidity queue, cancellation, returns, and a property test
that money is conserved and fees add up whatever the mix."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.resources import as_file, files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from clocks import Clock
from corridor.access.users import add_user
from corridor.compliance.cases import decide_case, list_cases
from corridor.compliance.lists import ListFormat, load_list
from corridor.demo import network
from corridor.ledger import Ledger, Transfer
from corridor.ledger.invariants import check_ledger
from corridor.money import Money
from corridor.payments.accounts import (
    AccountCode,
    TransferCode,
    bank_account,
    client_account,
    ledger_id,
    reserve_account,
)
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.invariants import check_payments
from corridor.payments.lifecycle import FINAL, PaymentStatus
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.payments.repository import counts_by_status

S = PaymentStatus
# Inside the bundled ECB history, before the London cut-off, a business day everywhere.
MORNING = datetime(2026, 10, 28, 9, 0, tzinfo=UTC)
ALBION_CLIENT = network.CLIENTS[network.ALBION][0]
THREAD_CLIENT = network.CLIENTS[network.THREADNEEDLE][0]
LUOHU_CLIENT = network.CLIENTS[network.LUOHU][0]


@pytest.fixture
def books(engine: Engine) -> Iterator[tuple[PaymentEngine, Ledger, Clock]]:
    """The demo network on an empty store, opening balances booked."""
    ledger = Ledger(engine)
    assert {r.value for r in ledger.create_accounts(network.ledger_accounts())} == {"ok"}
    assert {r.value for r in ledger.create_transfers(network.opening_balances())} == {"ok"}
    clock = Clock(MORNING)
    corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
    yield PaymentEngine(engine, ledger, corridor, clock=clock), ledger, clock
    ledger.close()


def _payment(
    amount: str = "10000.00",
    *,
    to: str = "GBP",
    bearer: ChargeBearer = ChargeBearer.SHAR,
    e2e: str | None = None,
    **changes: object,
) -> Payment:
    creditor_bank, creditor = (
        (network.LUOHU, LUOHU_CLIENT) if to == "CNY" else (network.THREADNEEDLE, THREAD_CLIENT)
    )
    fields: dict[str, object] = {
        "uetr": new_uetr(),
        "end_to_end_id": e2e or f"E2E-{new_uetr()[:8]}",
        "instruction_id": "INSTR-1",
        "debtor": Party(ALBION_CLIENT.name, ALBION_CLIENT.accounts["GBP"], "GB"),
        "debtor_agent": network.ALBION,
        "creditor_agent": creditor_bank,
        "creditor": Party(creditor.name, creditor.accounts[to], "CN" if to == "CNY" else "GB"),
        "instructed_amount": Money.of(amount, "GBP"),
        "settlement_currency": to,
        "charge_bearer": bearer,
        "requested_execution_date": date(2026, 10, 28),
        "purpose_code": "GDDS",
    }
    fields.update(changes)
    return Payment(**fields)  # type: ignore[arg-type]


def _balance(ledger: Ledger, account: int) -> int:
    (found,) = ledger.lookup_accounts([account])
    return found.credits_posted - found.debits_posted


def _earned(ledger: Ledger, account: int) -> int:
    """Fee income booked, pending (reserved payments) included."""
    (found,) = ledger.lookup_accounts([account])
    return found.credits_posted + found.credits_pending - found.debits_posted


DEBTOR = client_account(network.ALBION, "GBP", ALBION_CLIENT.accounts["GBP"])
CREDITOR = client_account(network.THREADNEEDLE, "GBP", THREAD_CLIENT.accounts["GBP"])
ALBION_FEES = bank_account(AccountCode.FEE_INCOME, network.ALBION, "GBP")
THREAD_FEES = bank_account(AccountCode.FEE_INCOME, network.THREADNEEDLE, "GBP")


@pytest.mark.parametrize(
    ("bearer", "debited", "credited", "albion_fee", "thread_fee"),
    [
        # GBP 10,000.00; each bank charges GBP 10 + 5 bp (min 10, max 60): 15.00 each.
        (ChargeBearer.DEBT, 1_003_000, 1_000_000, 1_500, 1_500),
        (ChargeBearer.SHAR, 1_001_500, 998_500, 1_500, 1_500),
        # CRED: Threadneedle charges on the 9,985.00 that reaches it: 14.9925 → 14.99.
        (ChargeBearer.CRED, 1_000_000, 997_001, 1_500, 1_499),
    ],
)
def test_a_london_payment_settles_exactly_for_each_charge_bearer(
    books: tuple[PaymentEngine, Ledger, Clock],
    bearer: ChargeBearer,
    debited: int,
    credited: int,
    albion_fee: int,
    thread_fee: int,
) -> None:
    """Debtor, creditor and both banks' fee income move by exactly the worked amounts."""
    payments, ledger, _clock = books
    before = {a: _balance(ledger, a) for a in (DEBTOR, CREDITOR, ALBION_FEES, THREAD_FEES)}
    record = payments.submit(_payment(bearer=bearer)).record
    assert record.status is S.SETTLED
    assert [e.iso_status for e in record.lifecycle.events] == [
        "RCVD",
        "ACTC",
        "ACCP",
        "ACSP",
        "ACSP",
        "ACSC",
    ]
    after = {a: _balance(ledger, a) for a in before}
    assert before[DEBTOR] - after[DEBTOR] == debited
    assert after[CREDITOR] - before[CREDITOR] == credited
    assert after[ALBION_FEES] - before[ALBION_FEES] == albion_fee
    assert after[THREAD_FEES] - before[THREAD_FEES] == thread_fee
    shown = sum(
        Money.of(f["fee"].split()[0].replace(",", ""), "GBP").to_minor_units()
        for f in record.settlement["fees"]
    )
    assert shown == albion_fee + thread_fee == debited - credited


def test_gbp_to_cny_through_hong_kong_converts_once_and_books_every_fee(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """London → Hong Kong → Luohu: the London bank converts at its quote, each bank takes its
    fee in the currency it handles, and the Luohu client receives the rest on its value date."""
    payments, ledger, clock = books
    creditor = client_account(network.LUOHU, "CNY", LUOHU_CLIENT.accounts["CNY"])
    before = _balance(ledger, creditor)
    record = payments.submit(_payment(to="CNY", bearer=ChargeBearer.SHAR)).record
    info = record.settlement
    assert info["route"] == [network.ALBION, network.HARBOUR, network.LUOHU]
    fx = info["fx"]
    bought = Money.of(fx["bought"].split()[0].replace(",", ""), "CNY")
    sold = Money.of(fx["sold"].split()[0].replace(",", ""), "GBP")
    assert sold == Money.of("10000.00", "GBP")
    # bought + residue is exactly sold × the rate dealt
    residue = Money.of(fx["residue"].split()[0].replace(",", ""), "CNY")
    assert bought.amount + residue.amount == sold.amount * Decimal(fx["customer_rate"])
    cny_fees = [f for f in info["fees"] if f["fee"].endswith("CNY")]
    assert [f["bank"] for f in cny_fees] == [network.HARBOUR, network.LUOHU]
    fee_total = sum(
        Money.of(f["fee"].split()[0].replace(",", ""), "CNY").to_minor_units() for f in cny_fees
    )
    credited = Money.of(info["credited"].split()[0].replace(",", ""), "CNY").to_minor_units()
    assert credited == bought.to_minor_units() - fee_total
    # Reserved until its value date, then posted.
    value_day = date.fromisoformat(info["value_date"])
    if record.status is S.RESERVED:
        assert _balance(ledger, creditor) == before
        clock.now = datetime.combine(value_day, datetime.min.time(), UTC) + timedelta(hours=1)
        (record,) = payments.settle_due()
    assert record.status is S.SETTLED
    assert _balance(ledger, creditor) - before == credited


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"debtor_agent": "NOPEGB2L"}, "RC01"),  # a BIC nobody registered
        ({"debtor_agent": "ALB1GB2L"}, "RC01"),  # not a BIC at all
        ({"debtor": Party("Harrow Tea Importers Ltd", "GB00ALBN00000000000000", "GB")}, "AC01"),
        ({"settlement_currency": "XYZ"}, "AM03"),
        ({"instructed_amount": Money.of("10.005", "GBP")}, "AM12"),
        ({"requested_execution_date": date(2026, 10, 1)}, "DT01"),
    ],
)
def test_bad_instructions_are_rejected_with_an_iso_reason_and_book_nothing(
    books: tuple[PaymentEngine, Ledger, Clock], changes: dict[str, object], reason: str
) -> None:
    """Each rejection names the field and carries its reason code; the ledger is unchanged."""
    payments, ledger, _clock = books
    before = _balance(ledger, DEBTOR)
    record = payments.submit(_payment(**changes)).record
    assert record.status is S.REJECTED
    assert record.lifecycle.events[-1].reason == reason
    assert record.lifecycle.events[-1].iso_status == "RJCT"
    assert _balance(ledger, DEBTOR) == before


def test_cny_into_the_mainland_needs_a_purpose_code(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """No purpose code, no CNY credited on the mainland (RR05)."""
    payments, _ledger, _clock = books
    record = payments.submit(_payment(to="CNY", purpose_code="")).record
    assert (record.status, record.lifecycle.events[-1].reason) == (S.REJECTED, "RR05")


def test_the_same_instruction_twice_is_one_payment(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """Same idempotency key, or same debtor agent and end-to-end id: the first payment."""
    payments, _ledger, _clock = books
    first = payments.submit(_payment(e2e="E2E-ONCE"), idempotency_key="key-1")
    again = payments.submit(_payment(e2e="E2E-OTHER"), idempotency_key="key-1")
    same_e2e = payments.submit(_payment(e2e="E2E-ONCE"))
    assert first.created
    assert not again.created
    assert not same_e2e.created
    assert again.record.payment.uetr == same_e2e.record.payment.uetr == first.record.payment.uetr
    with engine.connect() as connection:
        assert counts_by_status(connection) == {"settled": 1}


def _drain(ledger: Ledger, bic: str, currency: str) -> int:
    """Move all of a bank's money in a currency back to the reserve; return how much."""
    account = bank_account(AccountCode.SETTLEMENT, bic, currency)
    amount = _balance(ledger, account)
    (result,) = ledger.create_transfers(
        [
            Transfer(
                ledger_id("drain", bic, currency),
                account,
                reserve_account(currency),
                amount,
                currency,
                int(TransferCode.FUNDING),
            )
        ]
    )
    assert result.value == "ok"
    return amount


def test_a_bank_short_of_the_currency_queues_payments_first_in_first_out(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """Albion has no CNY left: two payments queue (PDNG, AM04); funds for one release the
    first only; more funds release the second."""
    payments, ledger, clock = books
    _drain(ledger, network.ALBION, "CNY")
    first = payments.submit(_payment("100.00", to="CNY")).record
    clock.now += timedelta(seconds=1)
    second = payments.submit(_payment("100.00", to="CNY")).record
    assert first.status is second.status is S.QUEUED
    assert (first.lifecycle.events[-1].iso_status, first.lifecycle.events[-1].reason) == (
        "PDNG",
        "AM04",
    )
    fund = Transfer(
        ledger_id("refill", 1),
        reserve_account("CNY"),
        bank_account(AccountCode.SETTLEMENT, network.ALBION, "CNY"),
        120_000,
        "CNY",
        int(TransferCode.FUNDING),
    )
    assert ledger.create_transfers([fund])[0].value == "ok"
    released = payments.release_queue()
    assert [r.payment.uetr for r in released] == [first.payment.uetr]
    assert payments.get(second.payment.uetr).status is S.QUEUED
    fund2 = Transfer(
        ledger_id("refill", 2),
        reserve_account("CNY"),
        bank_account(AccountCode.SETTLEMENT, network.ALBION, "CNY"),
        120_000,
        "CNY",
        int(TransferCode.FUNDING),
    )
    assert ledger.create_transfers([fund2])[0].value == "ok"
    assert [r.payment.uetr for r in payments.release_queue()] == [second.payment.uetr]


def test_cancelling_a_reserved_payment_releases_the_reservation(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """A CNY payment waits for its value date; cancelled, the debtor has it all back."""
    payments, ledger, clock = books
    clock.now = MORNING.replace(hour=16)  # after the Beijing cut-off: settles tomorrow
    before = _balance(ledger, DEBTOR)
    record = payments.submit(_payment(to="CNY")).record
    assert record.status is S.RESERVED
    (account,) = ledger.lookup_accounts([DEBTOR])
    assert account.debits_pending > 0
    cancelled = payments.cancel(record.payment.uetr, reason="CUST")
    assert (cancelled.status, cancelled.lifecycle.events[-1].iso_status) == (S.CANCELLED, "CANC")
    (account,) = ledger.lookup_accounts([DEBTOR])
    assert account.debits_pending == 0
    assert _balance(ledger, DEBTOR) == before


def test_a_returned_payment_comes_back_less_the_fees_the_banks_keep(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """SHAR: the debtor paid 10,015.00, the creditor got 9,985.00; the return sends the
    9,985.00 back, and the creditor is where it started."""
    payments, ledger, _clock = books
    start = {a: _balance(ledger, a) for a in (DEBTOR, CREDITOR)}
    record = payments.submit(_payment()).record
    returned = payments.return_payment(record.payment.uetr, reason="AC04")
    assert returned.status is S.RETURNED
    assert returned.lifecycle.events[-1].reason == "AC04"
    stored = payments.get(record.payment.uetr)  # as the store keeps it, not only in memory
    assert stored.status is S.RETURNED
    assert stored.settlement["returned"] == returned.settlement["returned"]
    assert _balance(ledger, CREDITOR) == start[CREDITOR]
    assert start[DEBTOR] - _balance(ledger, DEBTOR) == 3_000  # both fees, kept by the banks


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["GBP", "CNY"]),
            st.sampled_from(list(ChargeBearer)),
            st.integers(1, 2_000_000),
            st.sampled_from(["keep", "cancel", "return"]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_any_mix_conserves_money_and_every_fee_is_on_a_tracker(
    books: tuple[PaymentEngine, Ledger, Clock],
    engine: Engine,
    mix: list[tuple[str, ChargeBearer, int, str]],
    batched: bool,
) -> None:
    """Whatever payments (one by one, or as one batch), cancellations and returns: the
    ledger's and the payments store's invariants hold, fee income grows by exactly the
    fees trackers show, every payment stands in one state."""
    payments, ledger, clock = books
    fee_accounts = [
        bank_account(AccountCode.FEE_INCOME, b, c)
        for b, (_n, ccys) in network.BANKS.items()
        for c in ccys
    ]
    before = {a: _earned(ledger, a) for a in fee_accounts}
    records = []
    instructions = [
        _payment(str(Decimal(pence).scaleb(-2)), to=to, bearer=bearer)
        for to, bearer, pence, _ in mix
    ]
    clock.now += timedelta(seconds=1)
    if batched:
        submitted = [s.record for s in payments.submit_batch(instructions)]
    else:
        submitted = [payments.submit(p).record for p in instructions]
    for first, (_to, _bearer, _pence, then) in zip(submitted, mix, strict=True):
        clock.now += timedelta(seconds=1)
        record = first
        if then == "cancel" and first.lifecycle.can(S.CANCELLED):
            record = payments.cancel(first.payment.uetr)
        elif then == "return" and first.status is S.SETTLED:
            record = payments.return_payment(first.payment.uetr, reason="MS02")
        records.append(record)
    assert all(not r.problems for r in check_ledger(engine))
    assert all(r.holds for r in check_payments(engine))
    shown: dict[int, int] = {}
    for record in records:
        if record.status in (S.SETTLED, S.RETURNED, S.RESERVED):
            for fee in record.settlement["fees"]:
                amount, ccy = fee["fee"].split()
                account = bank_account(AccountCode.FEE_INCOME, fee["bank"], ccy)
                shown[account] = (
                    shown.get(account, 0) + Money.of(amount.replace(",", ""), ccy).to_minor_units()
                )
    for account in fee_accounts:
        assert _earned(ledger, account) - before[account] == shown.get(account, 0)
    for record in records:
        final = [e for e in record.lifecycle.events if e.status in FINAL]
        assert len(final) <= 1


def test_a_mainland_individual_buying_currency_is_held_to_the_annual_quota(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """USD 50,000 equivalent a calendar year: the purchase that would pass it is refused
    (AM02) and books nothing; a smaller one still fits; a company is not held to it."""
    payments, ledger, clock = books
    person = network.CLIENTS[network.LUOHU][1]
    company = network.CLIENTS[network.LUOHU][0]
    harbour = network.CLIENTS[network.HARBOUR][0]

    def buy(debtor: network.DemoClient, cny: str) -> PaymentStatus:
        clock.now += timedelta(seconds=1)
        payment = _payment(
            cny,
            debtor=Party(debtor.name, debtor.accounts["CNY"], "CN", debtor.individual),
            debtor_agent=network.LUOHU,
            creditor_agent=network.HARBOUR,
            creditor=Party(harbour.name, harbour.accounts["HKD"], "HK"),
            instructed_amount=Money.of(cny, "CNY"),
            settlement_currency="HKD",
        )
        record = payments.submit(payment).record
        if record.status is S.REJECTED:
            assert record.lifecycle.events[-1].reason == "AM02"
            assert "quota" in record.lifecycle.events[-1].detail.lower()
        return record.status

    account = client_account(network.LUOHU, "CNY", person.accounts["CNY"])
    assert person.individual
    assert buy(person, "300000.00") is S.SETTLED  # about USD 42,000
    before = _balance(ledger, account)
    assert buy(person, "100000.00") is S.REJECTED  # would pass USD 50,000
    assert _balance(ledger, account) == before
    assert buy(person, "10000.00") is S.SETTLED
    assert buy(company, "400000.00") is S.SETTLED


@pytest.mark.parametrize(
    ("bearer", "debited", "bought", "hk_fee", "luohu_fee", "credited"),
    [
        # ECB fixing of 27 Oct 2026: GBP→CNY 8.8865380478; Albion's spread 40 bp gives
        # 8.8509918956. GBP 10,000.00 buys CNY 88,509.918956 → 88,509.92 (half-even;
        # residue −0.001044 stays in Albion's CNY position). Each CNY fee is CNY 80 + 5 bp
        # of what reaches the bank, half-up. Albion's own fee is GBP 10 + 5 bp = GBP 15.00.
        # DEBT: both CNY fees (124.25 each) billed: CNY 248.50 / 8.8509918956 = GBP 28.0759…
        # → 28.08 (rounded up), so 10,000.00 + 15.00 + 28.08.
        (ChargeBearer.DEBT, 1_004_308, 8_850_992, 12_425, 12_425, 8_850_992),
        # SHAR: Albion's fee billed; Hong Kong deducts 124.25, Luohu 124.19 (on 88,385.67).
        (ChargeBearer.SHAR, 1_001_500, 8_850_992, 12_425, 12_419, 8_826_148),
        # CRED: Albion deducts GBP 15.00 first, so GBP 9,985.00 is converted: 88,377.15.
        (ChargeBearer.CRED, 1_000_000, 8_837_715, 12_419, 12_413, 8_812_883),
    ],
)
def test_gbp_to_cny_through_hong_kong_worked_to_the_fen(
    books: tuple[PaymentEngine, Ledger, Clock],
    bearer: ChargeBearer,
    debited: int,
    bought: int,
    hk_fee: int,
    luohu_fee: int,
    credited: int,
) -> None:
    """Every account the payment touches moves by the worked amount, in GBP and CNY."""
    payments, ledger, clock = books
    creditor = client_account(network.LUOHU, "CNY", LUOHU_CLIENT.accounts["CNY"])
    watched = {
        "debtor": DEBTOR,
        "creditor": creditor,
        "albion fees": ALBION_FEES,
        "hk fees": bank_account(AccountCode.FEE_INCOME, network.HARBOUR, "CNY"),
        "luohu fees": bank_account(AccountCode.FEE_INCOME, network.LUOHU, "CNY"),
        "albion cny": bank_account(AccountCode.SETTLEMENT, network.ALBION, "CNY"),
    }
    before = {k: _balance(ledger, a) for k, a in watched.items()}
    record = payments.submit(_payment(to="CNY", bearer=bearer)).record
    assert record.status is S.RESERVED  # 17:00 in Beijing is the cut-off: value date the 29th
    assert record.settlement["value_date"] == "2026-10-29"
    clock.now = datetime(2026, 10, 29, 1, 0, tzinfo=UTC)
    assert [r.status for r in payments.settle_due()] == [S.SETTLED]
    moved = {k: _balance(ledger, a) - before[k] for k, a in watched.items()}
    assert moved == {
        "debtor": -debited,
        "creditor": credited,
        "albion fees": 1_500,
        "hk fees": hk_fee,
        "luohu fees": luohu_fee,
        # Albion pays out what it bought, plus under DEBT the other banks' fees.
        "albion cny": -(bought + (hk_fee + luohu_fee if bearer is ChargeBearer.DEBT else 0)),
    }
    assert record.settlement["fx"]["customer_rate"] == "8.8509918956"


@pytest.mark.parametrize(
    ("decision", "outcome", "reason"),
    [("false_positive", S.SETTLED, ""), ("true_match", S.REJECTED, "RR04")],
)
def test_a_screening_hit_holds_the_payment_until_two_officers_decide(
    books: tuple[PaymentEngine, Ledger, Clock],
    engine: Engine,
    decision: str,
    outcome: PaymentStatus,
    reason: str,
) -> None:
    """A creditor on the watch list: held (PDNG, RR04) in a case; after four-eyes the
    payment settles (false positive) or is rejected (true match)."""
    payments, _ledger, _clock = books
    with as_file(files("corridor.demo").joinpath("watchlist.csv")) as watchlist:
        load_list(engine, ListFormat.INTERNAL_CSV, watchlist)
    payments.corridor = network.demo_corridor(engine)
    creditor = Party("Liang Jiahui", THREAD_CLIENT.accounts["GBP"], "GB")
    record = payments.submit(_payment(creditor=creditor)).record
    assert record.status is S.HELD
    assert (record.lifecycle.events[-1].iso_status, record.lifecycle.events[-1].reason) == (
        "PDNG",
        "RR04",
    )
    (case,) = list_cases(engine)
    assert case.payment_ref == record.payment.uetr
    assert payments.resume_decided() == []  # nobody has decided yet
    add_user(engine, "alice", role="compliance", institution=network.ALBION)
    add_user(engine, "bob", role="compliance", institution=network.ALBION)
    decide_case(engine, case.case_id, "alice", decision, "checked the date of birth")
    assert payments.resume_decided() == []  # one officer is not enough
    decide_case(engine, case.case_id, "bob", decision, "agree")
    (done,) = payments.resume_decided()
    assert done.status is outcome
    assert done.lifecycle.events[-1].reason == reason


def test_a_later_requested_execution_date_is_the_value_date(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """Asked for Saturday 31 October: reserved now, settled on Monday 2 November."""
    payments, _ledger, clock = books
    record = payments.submit(_payment(requested_execution_date=date(2026, 10, 31))).record
    assert record.status is S.RESERVED
    assert record.settlement["value_date"] == "2026-11-02"
    clock.now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    assert payments.settle_due() == []
    clock.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    (settled,) = payments.settle_due()
    assert settled.status is S.SETTLED


def test_a_crash_after_the_ledger_posted_is_recovered_without_booking_twice(
    books: tuple[PaymentEngine, Ledger, Clock], engine: Engine
) -> None:
    """The chain reached the ledger but the payment was never marked settled: recovery
    finds it priced, the ledger answers "exists" for every leg, and it ends settled with
    the money moved once."""
    payments, ledger, _clock = books

    class Crash(RuntimeError):
        pass

    real_record = payments._record
    before = _balance(ledger, DEBTOR)
    calls = {"n": 0}

    def record_then_crash(work: list[object]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the write after the ledger posted
            raise Crash
        real_record(work)  # type: ignore[arg-type]

    payments._record = record_then_crash  # type: ignore[method-assign,assignment]
    with pytest.raises(Crash):
        payments.submit(_payment())
    payments._record = real_record  # type: ignore[method-assign]
    with engine.connect() as connection:
        assert counts_by_status(connection) == {"priced": 1}
    debited = before - _balance(ledger, DEBTOR)
    assert debited == 1_001_500  # the ledger did post it
    (recovered,) = payments.recover()
    assert recovered.status is S.SETTLED
    assert before - _balance(ledger, DEBTOR) == debited  # not a second time
    assert all(not r.problems for r in check_ledger(engine))


def test_monitoring_rules_put_their_alerts_on_the_tracker(
    books: tuple[PaymentEngine, Ledger, Clock],
) -> None:
    """Five payments by one client within fifteen minutes: the fifth carries a velocity
    alert, explained, on its tracker; the first four none."""
    payments, _ledger, clock = books
    records = []
    for _ in range(5):
        clock.now += timedelta(minutes=2)
        records.append(payments.submit(_payment("100.00")).record)
    assert all(r.settlement["alerts"] == [] for r in records[:4])
    (alert,) = records[4].settlement["alerts"]
    assert alert["rule"].startswith("velocity")
    assert "5 payments" in alert["explanation"]
    priced = next(e for e in records[4].lifecycle.events if e.status is S.PRICED)
    assert "alerts:" in priced.detail
