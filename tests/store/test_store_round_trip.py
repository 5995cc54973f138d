"""Every stored field comes back exactly as written, on both stores (full integer ranges)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from corridor.ledger import AMOUNT_MAX, ID_MAX, Account, AccountFlags, Ledger, Transfer


def edged(low: int, high: int, *edges: int) -> st.SearchStrategy[int]:
    """Integers in [low, high], with the edges of the stored representations drawn often."""
    return st.one_of(st.sampled_from([low, high, *edges]), st.integers(low, high))


ids = edged(1, ID_MAX - 1, 2**63 - 1, 2**63, 2**64, 2**127, 2**127 + 1)
u128 = edged(0, ID_MAX, 1, 2**64, 2**127)
u64 = edged(0, 2**64 - 1, 2**63 - 1, 2**63, 2**63 + 1)
u32 = edged(0, 2**32 - 1, 2**31, 2**31 - 1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    debit=ids,
    credit=ids,
    transfer_id=ids,
    amount=edged(1, AMOUNT_MAX, 2**32, 2**53 + 1),
    code=st.integers(1, 65_535),
    data=st.tuples(u128, u64, u32),
    currency=st.sampled_from(["GBP", "CNH", "JPY", "BHD", "HKD"]),
)
def test_ids_amounts_and_user_data_round_trip(
    engine: Engine,
    reset: Callable[[Engine], None],
    debit: int,
    credit: int,
    transfer_id: int,
    amount: int,
    code: int,
    data: tuple[int, int, int],
    currency: str,
) -> None:
    """128-bit ids, 64-bit amounts and unsigned user data survive the store unchanged."""
    if debit == credit:
        credit = debit + 1 if debit + 1 < ID_MAX else debit - 1
    reset(engine)
    d128, d64, d32 = data
    with Ledger(engine) as ledger:
        accounts = [
            Account(debit, currency, code, user_data_128=d128, user_data_64=d64, user_data_32=d32),
            Account(credit, currency, 1, flags=AccountFlags.HISTORY),
        ]
        assert ledger.create_accounts(accounts) == ["ok", "ok"]
        stored = ledger.lookup_accounts([debit, credit])
        assert [
            (a.id, a.ledger, a.code, a.flags, a.user_data_128, a.user_data_64, a.user_data_32)
            for a in stored
        ] == [
            (a.id, a.ledger, a.code, a.flags, a.user_data_128, a.user_data_64, a.user_data_32)
            for a in accounts
        ]
        transfer = Transfer(
            transfer_id,
            debit,
            credit,
            amount,
            currency,
            code,
            user_data_128=d128,
            user_data_64=d64,
            user_data_32=d32,
        )
        assert ledger.create_transfers([transfer]) == ["ok"]
        (back,) = ledger.lookup_transfers([transfer_id])
        assert back.timestamp > 0
        assert _same(back, transfer)
        dr, cr = ledger.lookup_accounts([debit, credit])
        assert (dr.debits_posted, cr.credits_posted) == (amount, amount)
        assert ledger.get_account_balance(credit, back.timestamp).credits_posted == amount  # type: ignore[union-attr]


def _same(back: Transfer, sent: Transfer) -> bool:
    fields = (
        "id",
        "debit_account_id",
        "credit_account_id",
        "amount",
        "ledger",
        "code",
        "flags",
        "pending_id",
        "timeout",
        "user_data_128",
        "user_data_64",
        "user_data_32",
    )
    return all(getattr(back, f) == getattr(sent, f) for f in fields)
