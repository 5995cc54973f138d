"""Ledger ids of the chart of accounts: the same UUID version 5 `uuid.uuid5` gives."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from corridor.payments.accounts import (
    _NAMESPACE,
    AccountCode,
    bank_account,
    client_account,
    ledger_id,
)

parts = st.lists(st.one_of(st.text(max_size=40), st.integers()), min_size=1, max_size=5)


@given(parts)
def test_ledger_ids_are_uuid5_of_their_parts(values: list[object]) -> None:
    """Computed from the SHA-1 directly, every id is exactly uuid5's (stored ids depend
    on it: a changed id would book a retried step twice)."""
    name = ":".join(str(v) for v in values)
    assert ledger_id(*values) == uuid.uuid5(_NAMESPACE, name).int


def test_account_ids_are_stable() -> None:
    """Remembered look-ups give the ids the parts give."""
    assert bank_account(AccountCode.SETTLEMENT, "ALBNGB2LXXX", "GBP") == ledger_id(
        "bank", "SETTLEMENT", "ALBNGB2L", "GBP"
    )
    assert bank_account(AccountCode.NOSTRO, "ALBNGB2LXXX", "GBP") == bank_account(
        AccountCode.SETTLEMENT, "ALBNGB2L", "GBP"
    )
    assert client_account("ALBNGB2LXXX", "GBP", "GB08") == ledger_id(
        "client", "ALBNGB2L", "GBP", "GB08"
    )
