"""A hypothesis state machine drives the ledger and the reference model side by side.

Random batches of accounts and transfers (plain, holds, posts, voids, linked chains,
retries, unknown accounts, mixed currencies, zero, negative and oversized amounts) go to
both; after every step their answers and every balance must agree. On both stores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from ledger_model import LINKED, PENDING, POST, VOID, Model
from sqlalchemy.engine import Engine

from corridor.ledger import AMOUNT_MAX, Account, AccountFlags, Ledger, Transfer, TransferFlags

ACCOUNT_IDS = range(1, 7)  # 7 is never created: an unknown account

account_spec = st.fixed_dictionaries(
    {
        "id": st.sampled_from(ACCOUNT_IDS),
        "ledger": st.sampled_from(["GBP", "HKD"]),
        "code": st.sampled_from([1, 2]),
        "flags": st.sampled_from(
            [
                0,
                0,
                int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
                int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS),
            ]
        ),
    }
)
ODD_AMOUNTS = [0, -1, 2**63, 2**64, AMOUNT_MAX, AMOUNT_MAX - 100]


@st.composite
def transfer_spec(draw: st.DrawFn, holds: list[int], used: list[int]) -> dict[str, Any]:
    """One transfer: a move, a hold, or a post or void, mostly of a hold that exists.

    Ids come mostly fresh and sometimes from those used before (retries, clashes); the
    two accounts are mostly of one currency, now and then any two, unknown ones too.
    """
    kinds = ["move", "move", "move", "hold", "hold"] + (["post"] * 3 + ["void"] if holds else [])
    kind = draw(st.sampled_from(kinds))
    linked = LINKED if draw(st.sampled_from(range(8))) == 0 else 0
    fresh = st.integers(1, 10**6)
    spec: dict[str, Any] = {
        "id": draw(st.one_of(fresh, st.sampled_from(used)) if used else fresh),
        "pending_id": 0,
    }
    if kind in ("post", "void"):
        pending = st.sampled_from(holds + holds + used[:5] + [10**7 - 1])
        spec.update(
            dr=0,
            cr=0,
            ledger="",
            pending_id=draw(pending),
            amount=draw(st.sampled_from([0, 0, 1, 50, 200, 400, 799, 801])),
            flags=(POST if kind == "post" else VOID) | linked,
        )
        return spec
    ledger = draw(st.sampled_from(["GBP", "GBP", "HKD"]))
    group = [1, 2, 3, 4] if ledger == "GBP" else [5, 6]
    pick = st.integers(1, 7) if draw(st.sampled_from(range(10))) == 0 else st.sampled_from(group)
    spec.update(
        dr=draw(pick),
        cr=draw(pick),
        ledger=ledger,
        amount=draw(st.integers(1, 800)),
        flags=(PENDING if kind == "hold" else 0) | linked,
    )
    return spec


def to_transfer(spec: dict[str, Any]) -> Transfer:
    """The spec as the ledger's own record."""
    settling = spec["flags"] & (POST | VOID)
    return Transfer(
        spec["id"],
        spec["dr"],
        spec["cr"],
        spec["amount"],
        spec["ledger"],
        0 if settling else 1,
        flags=TransferFlags(spec["flags"]),
        pending_id=spec["pending_id"],
    )


class LedgerMachine(RuleBasedStateMachine):
    """The real ledger and the model, fed the same random operations."""

    fresh_engine: ClassVar[Callable[[], Engine]]

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger(self.fresh_engine())
        self.model = Model()

    def teardown(self) -> None:
        self.ledger.close()

    @initialize()
    def open_the_books(self) -> None:
        """GBP: 1 (source), 2 (debit-guarded), 3 (credit-guarded), 4; HKD: 5 (source), 6
        (debit-guarded). The sources fund the debit-guarded accounts with 1,000 and take
        1,000 from the credit-guarded one, so every guard has room, and limits."""
        flags = {2: 2, 3: 4, 6: 2}
        batch = [
            {"id": i, "ledger": "GBP" if i <= 4 else "HKD", "code": 1, "flags": flags.get(i, 0)}
            for i in ACCOUNT_IDS
        ]
        self.create_accounts(batch)
        funding = [
            {"id": 10**7 + 2, "dr": 1, "cr": 2, "amount": 1_000, "ledger": "GBP"},
            {"id": 10**7 + 3, "dr": 3, "cr": 1, "amount": 1_000, "ledger": "GBP"},
            {"id": 10**7 + 6, "dr": 5, "cr": 6, "amount": 1_000, "ledger": "HKD"},
        ]
        funding = [{**f, "flags": 0, "pending_id": 0} for f in funding]
        got = [r.value for r in self.ledger.create_transfers([to_transfer(t) for t in funding])]
        assert got == self.model.create_transfers(funding) == ["ok"] * 3

    @rule(batch=st.lists(account_spec, min_size=1, max_size=3))
    def create_accounts(self, batch: list[dict[str, Any]]) -> None:
        """Create (or retry) accounts."""
        accounts = [
            Account(a["id"], a["ledger"], a["code"], flags=AccountFlags(a["flags"])) for a in batch
        ]
        assert [
            r.value for r in self.ledger.create_accounts(accounts)
        ] == self.model.create_accounts(batch)

    def _specs(self) -> st.SearchStrategy[dict[str, Any]]:
        books = self.model.books
        return transfer_spec(sorted(books.holds), sorted(books.transfers))

    @rule(data=st.data())
    def create_transfers(self, data: st.DataObject) -> None:
        """Apply a batch; every result must match the model's."""
        batch = data.draw(st.lists(self._specs(), min_size=1, max_size=6))
        got = [r.value for r in self.ledger.create_transfers([to_transfer(t) for t in batch])]
        assert got == self.model.create_transfers(batch)

    @rule(data=st.data())
    def create_one_transfer(self, data: st.DataObject) -> None:
        """A batch of one (on PostgreSQL, the one-round-trip path)."""
        spec = data.draw(self._specs())
        got = [r.value for r in self.ledger.create_transfers([to_transfer(spec)])]
        assert got == self.model.create_transfers([spec])

    @rule(
        data=st.data(),
        amount=st.sampled_from([0, 1, 50, 200, 400, 799, 801]),
        post=st.booleans(),
    )
    def settle_an_open_hold(self, data: st.DataObject, amount: int, post: bool) -> None:
        """Post (all or part of) or void a hold that is still open."""
        open_holds = sorted(i for i, s in self.model.books.holds.items() if s == "pending")
        if not open_holds:
            return
        spec = {
            "id": data.draw(st.integers(1, 10**6)),
            "dr": 0,
            "cr": 0,
            "ledger": "",
            "amount": amount,
            "pending_id": data.draw(st.sampled_from(open_holds)),
            "flags": POST if post else VOID,
        }
        got = [r.value for r in self.ledger.create_transfers([to_transfer(spec)])]
        assert got == self.model.create_transfers([spec])

    @rule(
        data=st.data(),
        amount=st.sampled_from(ODD_AMOUNTS),
        dr=st.integers(1, 7),
        cr=st.integers(1, 7),
        ledger=st.sampled_from(["GBP", "HKD"]),
    )
    def refuse_bad_input(
        self, data: st.DataObject, amount: int, dr: int, cr: int, ledger: str
    ) -> None:
        """Zero, negative and oversized amounts, unknown accounts, mixed currencies."""
        spec = {
            "id": data.draw(st.integers(1, 10**6)),
            "dr": dr,
            "cr": cr,
            "ledger": ledger,
            "amount": amount,
            "pending_id": 0,
            "flags": 0,
        }
        got = [r.value for r in self.ledger.create_transfers([to_transfer(spec)])]
        assert got == self.model.create_transfers([spec])

    @invariant()
    def balances_agree(self) -> None:
        """Every account's four balances equal the model's, and each currency balances."""
        expected = self.model.balances()
        accounts = self.ledger.lookup_accounts(sorted(expected))
        got = {
            a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
            for a in accounts
        }
        assert got == expected
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for a in accounts:
            totals[a.ledger][0] += a.debits_posted + a.debits_pending
            totals[a.ledger][1] += a.credits_posted + a.credits_pending
        assert all(d == c for d, c in totals.values())


@pytest.mark.slow
def test_ledger_agrees_with_the_model(
    engine: Engine, reset: Callable[[Engine], None], backend: str
) -> None:
    """Random operations on both stores; the model and the ledger never disagree."""

    def fresh_engine() -> Engine:
        reset(engine)
        return engine

    LedgerMachine.fresh_engine = staticmethod(fresh_engine)  # type: ignore[assignment]
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=150 if backend == "sqlite" else 75,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
