"""Two writers on one database, and the ledger's shortcuts that must never change an answer.

The ledger keeps accounts in memory between batches, does not look ids up before
applying, and on PostgreSQL writes small batches without a locked read. Each shortcut
falls back to the careful way when another writer got in first or an id was stored.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from corridor.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)
from corridor.ledger.invariants import check_ledger

T = CreateTransferResult
GUARDED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


def _setup(ledger: Ledger) -> None:
    assert (
        ledger.create_accounts(
            [Account(1, "GBP", 1, flags=GUARDED), Account(2, "GBP", 2), Account(3, "GBP", 3)]
        )
        == ["ok"] * 3
    )
    assert ledger.create_transfers([Transfer(100, 2, 1, 1_000, "GBP", 1)]) == [T.OK]


def test_a_second_writer_is_seen_by_the_first(engine: Engine) -> None:
    """Balances cached by one ledger never hide another writer's transfers."""
    first, second = Ledger(engine), Ledger(engine)
    _setup(first)
    # The first ledger now holds account 1 (balance 1,000) in memory.
    assert first.create_transfers([Transfer(101, 1, 3, 600, "GBP", 1)]) == [T.OK]
    # Another writer spends most of the rest.
    assert second.create_transfers([Transfer(200, 1, 3, 300, "GBP", 1)]) == [T.OK]
    # 1,000 - 600 - 300 = 100 left: the first ledger must refuse 200 and accept 100.
    assert first.create_transfers([Transfer(102, 1, 3, 200, "GBP", 1)]) == [T.EXCEEDS_CREDITS]
    assert first.create_transfers([Transfer(103, 1, 3, 100, "GBP", 1)]) == [T.OK]
    # And in a large batch too (the path without the round-trip shortcut).
    second_batch = [Transfer(300 + i, 2, 1, 10, "GBP", 1) for i in range(100)]
    assert second.create_transfers(second_batch) == [T.OK] * 100
    big = [Transfer(400 + i, 1, 3, 10, "GBP", 1) for i in range(101)]
    assert first.create_transfers(big) == [T.OK] * 100 + [T.EXCEEDS_CREDITS]
    account = first.lookup_accounts([1])[0]
    assert account.credits_posted - account.debits_posted == 0
    assert all(result.holds for result in check_ledger(engine))
    first.close()
    second.close()


def test_a_stored_id_in_a_batch_of_new_ones(ledger: Ledger) -> None:
    """A batch that retries one stored transfer among new ones: exists, and the rest apply."""
    _setup(ledger)
    batch = [
        Transfer(500, 2, 3, 5, "GBP", 1),
        Transfer(100, 2, 1, 1_000, "GBP", 1),
        Transfer(501, 2, 3, 7, "GBP", 1),
    ]
    assert ledger.create_transfers(batch) == [T.OK, T.EXISTS, T.OK]
    assert ledger.create_transfers(batch) == [T.EXISTS] * 3
    bank = ledger.lookup_accounts([2])[0]
    assert bank.debits_posted == 1_000 + 12


def test_a_retry_whose_reapplication_would_be_refused_still_answers_exists(
    ledger: Ledger,
) -> None:
    """`exists` is decided before the balance guards, as TigerBeetle does."""
    _setup(ledger)
    spend_all = Transfer(600, 1, 3, 1_000, "GBP", 1)
    assert ledger.create_transfers([spend_all]) == [T.OK]
    # Applying it again would overdraw the client; as a retry it is simply `exists`.
    assert ledger.create_transfers([spend_all]) == [T.EXISTS]
    assert ledger.create_transfers([Transfer(601, 2, 3, 1, "GBP", 1), spend_all]) == [
        T.OK,
        T.EXISTS,
    ]


def test_accounts_created_by_another_writer_are_found(engine: Engine) -> None:
    """An account created elsewhere after this ledger cached its accounts is usable at once."""
    first, second = Ledger(engine), Ledger(engine)
    _setup(first)
    assert second.create_accounts([Account(9, "GBP", 9)]) == ["ok"]
    assert first.create_transfers([Transfer(700, 2, 9, 50, "GBP", 1)]) == [T.OK]
    assert first.lookup_accounts([9])[0].credits_posted == 50
    first.close()
    second.close()


def test_a_retried_linked_chain_answers_exists_for_each_event(ledger: Ledger) -> None:
    """Resending a whole applied chain reads as one answer; a chain half new still fails whole."""
    _setup(ledger)
    linked = Transfer(800, 2, 3, 40, "GBP", 1, flags=TransferFlags.LINKED)
    chain = [linked, Transfer(801, 3, 1, 40, "GBP", 1)]
    assert ledger.create_transfers(chain) == [T.OK, T.OK]
    assert ledger.create_transfers(chain) == [T.EXISTS, T.EXISTS]
    # The same first leg chained to a new second leg: the chain cannot be half applied.
    assert ledger.create_transfers([linked, Transfer(802, 3, 1, 40, "GBP", 1)]) == [
        T.EXISTS,
        T.LINKED_EVENT_FAILED,
    ]
    assert ledger.lookup_transfers([802]) == []
    # A retry with an altered leg is no retry.
    altered = [linked, Transfer(801, 3, 1, 41, "GBP", 1)]
    assert ledger.create_transfers(altered) == [T.EXISTS, T.LINKED_EVENT_FAILED]


def test_a_retried_whole_post_is_not_an_earlier_partial_post(ledger: Ledger) -> None:
    """Post 10 of a 30 hold, then send the same id as 'post it all': not the same transfer."""
    _setup(ledger)
    assert ledger.create_transfers(
        [Transfer(900, 1, 3, 30, "GBP", 1, flags=TransferFlags.PENDING)]
    ) == [T.OK]
    partial = Transfer(901, pending_id=900, amount=10, flags=TransferFlags.POST_PENDING_TRANSFER)
    assert ledger.create_transfers([partial]) == [T.OK]
    whole = Transfer(901, pending_id=900, flags=TransferFlags.POST_PENDING_TRANSFER)
    assert ledger.create_transfers([whole]) == [T.EXISTS_WITH_DIFFERENT_FIELDS]
    assert ledger.create_transfers([partial]) == [T.EXISTS]
    with_data = Transfer(
        901, pending_id=900, amount=10, user_data_64=7, flags=TransferFlags.POST_PENDING_TRANSFER
    )
    assert ledger.create_transfers([with_data]) == [T.EXISTS_WITH_DIFFERENT_FIELDS]
