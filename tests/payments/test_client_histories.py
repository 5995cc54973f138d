"""A debtor's monitoring window kept from batch to batch holds exactly what one built afresh
from the store's read would hold, whatever the store does between batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.compliance.monitoring import (
    ClientKind,
    ClientWindow,
    PaymentFacts,
    PaymentFactsError,
)
from corridor.money import Money
from corridor.payments.pricing import ClientHistories, ClientHistory
from corridor.payments.repository import CountingPayment

START = datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
ACCOUNT = "GB33BUKB20201555555555"
FLOOR, CEILING = Money.of("9000", "GBP"), Money.of("10000", "GBP")


def facts(reference: str, minute: int, amount: str) -> PaymentFacts:
    money = Money.of(amount, "GBP")
    return PaymentFacts(
        reference=reference,
        client_id="C-1",
        client_kind=ClientKind.CORPORATE,
        client_residence="GB",
        booked_at=START + timedelta(minutes=minute),
        amount=money,
        amount_usd=Money.of(money.amount * 2, "USD"),
        debtor_country="GB",
        creditor_country="CN",
    )


def counting(reference: str, minute: int, amount: str) -> CountingPayment:
    money = Money.of(amount, "GBP")
    return CountingPayment(
        reference,
        ACCOUNT,
        START + timedelta(minutes=minute),
        money,
        Money.of(money.amount * 2, "USD"),
        False,
    )


def seen(window: ClientWindow) -> list[tuple[str, datetime, Money]]:
    return [(f.reference, f.instant, f.amount) for f in window]


amounts = st.sampled_from(["100", "9500", "9999.99", "12000"])
stored_row = st.tuples(st.integers(0, 11), st.integers(0, 30), amounts)
batch = st.tuples(
    st.lists(stored_row, max_size=8, unique_by=lambda r: r[0]),  # the store's read
    st.lists(st.tuples(st.integers(0, 30), amounts), max_size=3),  # priced in the batch
    st.booleans(),  # the same objects again for unchanged rows, as the store's read gives
)


@settings(max_examples=150, deadline=None)
@given(st.lists(batch, min_size=1, max_size=8))
def test_a_kept_window_is_the_window_built_afresh(batches):
    histories = ClientHistories()
    objects: dict[tuple[int, int, str], CountingPayment] = {}
    for n, (rows, priced, same_objects) in enumerate(batches):
        read = []
        for uetr, minute, amount in rows:
            key = (uetr, minute, amount)
            if key not in objects or not same_objects:
                objects[key] = counting(f"u{uetr}", minute, amount)
            read.append(objects[key])
        first = facts("new", 0, "1")
        kept = histories.for_batch({ACCOUNT: read})[ACCOUNT]
        fresh = ClientHistory(read)
        for i, (minute, amount) in enumerate(priced):
            payment = facts(f"b{n}-{i}", minute, amount)
            kept.add(payment)
            fresh.add(payment)
        assert seen(kept.before(first)) == seen(fresh.before(first))
        band = kept.before(first).banded(FLOOR, CEILING)
        assert seen(band) == seen(fresh.before(first).banded(FLOOR, CEILING))


def test_removing_a_payment_takes_it_out_of_its_bands_too():
    window = ClientWindow("C-1", [facts("a", 1, "9500"), facts("b", 2, "100")])
    band = window.banded(FLOOR, CEILING)
    window.remove("a")
    assert [f.reference for f in window] == ["b"]
    assert list(band) == []
    with pytest.raises(PaymentFactsError, match="holds no payment 'a'"):
        window.remove("a")


def test_a_window_forgets_the_debtors_seen_longest_ago():
    histories = ClientHistories(capacity=2)
    for account in ("A", "B", "C"):
        histories.for_batch({account: []})[account].before(facts("new", 0, "1"))
    histories.for_batch({"D": []})
    assert sorted(histories._kept) == ["B", "C"]
