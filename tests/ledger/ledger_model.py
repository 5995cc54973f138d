"""A tiny reference ledger: the rules restated as plainly as possible, for the state machine.

Plain dicts, a deep copy to undo a failed chain, and no shortcuts: slow and obviously
right is the point. It covers what the state machine generates (valid ids, codes and
flag combinations, no timeouts, no user data).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

AMOUNT_MAX = 2**63 - 1
GUARD_DEBITS, GUARD_CREDITS = 2, 4
LINKED, PENDING, POST, VOID = 1, 2, 4, 8


@dataclass
class Books:
    """Accounts (id -> fields and the four balances), transfers as stored, holds' status."""

    accounts: dict[int, dict[str, object]] = field(default_factory=dict)
    transfers: dict[int, dict[str, object]] = field(default_factory=dict)
    holds: dict[int, str] = field(default_factory=dict)


class Model:
    """The reference ledger."""

    def __init__(self) -> None:
        self.books = Books()

    def balances(self) -> dict[int, tuple[int, int, int, int]]:
        """(debits_pending, debits_posted, credits_pending, credits_posted) by account."""
        return {
            i: (a["dp"], a["dpo"], a["cp"], a["cpo"])  # type: ignore[misc]
            for i, a in self.books.accounts.items()
        }

    def create_accounts(self, batch: list[dict[str, object]]) -> list[str]:
        """Accounts are created unless an account with the id exists (same: exists)."""
        results = []
        for a in batch:
            existing = self.books.accounts.get(a["id"])  # type: ignore[arg-type]
            if existing is None:
                self.books.accounts[a["id"]] = {**a, "dp": 0, "dpo": 0, "cp": 0, "cpo": 0}  # type: ignore[index]
                results.append("ok")
            elif all(existing[k] == a[k] for k in ("ledger", "code", "flags")):
                results.append("exists")
            else:
                results.append("exists_with_different_fields")
        return results

    def create_transfers(self, batch: list[dict[str, int | str]]) -> list[str]:
        """Decide each chain in order; a failed chain leaves the books as they were."""
        results: list[str] = []
        start = 0
        while start < len(batch):
            end = start
            while end < len(batch) and int(batch[end]["flags"]) & LINKED:
                end += 1
            closed = end < len(batch)
            end = min(end, len(batch) - 1)
            chain = batch[start : end + 1]
            saved = copy.deepcopy(self.books)
            codes = []
            for i, t in enumerate(chain):
                code = self._one(t) if closed or i < len(chain) - 1 else "linked_event_chain_open"
                codes.append(code)
                if code != "ok":
                    break
            if codes[-1] == "ok":
                results += codes
            else:
                failed = len(codes) - 1
                self.books = saved
                if (
                    failed == 0
                    and codes[0] == "exists"
                    and closed
                    and all(self._stored_as_sent(t) for t in chain)
                ):
                    results += ["exists"] * len(chain)
                else:
                    out = ["linked_event_failed"] * len(chain)
                    out[failed] = codes[failed]
                    results += out
            start = end + 1
        return results

    def _stored_as_sent(self, t: dict[str, int | str]) -> bool:
        stored = self.books.transfers.get(int(t["id"]))
        return stored is not None and self._same(t, stored)

    def _same(self, t: dict[str, int | str], stored: dict[str, object]) -> bool:
        if int(t["flags"]) & (POST | VOID):
            hold = self.books.transfers.get(int(t["pending_id"]))
            if hold is None:
                return False
            # A post of 0 is the whole hold; a void is always the whole hold.
            meant = (
                (int(t["amount"]) or hold["amount"]) if int(t["flags"]) & POST else hold["amount"]
            )
            return (
                stored["flags"] == t["flags"]
                and stored["pending_id"] == t["pending_id"]
                and stored["amount"] == meant
            )
        return all(stored[k] == t[k] for k in ("dr", "cr", "amount", "ledger", "flags"))

    def _one(self, t: dict[str, int | str]) -> str:
        flags = int(t["flags"])
        amount = int(t["amount"])
        settling = bool(flags & (POST | VOID))
        if amount < 0 or (amount == 0 and not settling):
            return "amount_must_be_positive"
        if amount > AMOUNT_MAX:
            return "amount_exceeds_maximum"
        return self._settle(t) if settling else self._move(t)

    def _move(self, t: dict[str, int | str]) -> str:
        accounts = self.books.accounts
        if t["dr"] == t["cr"]:
            return "accounts_must_be_different"
        dr, cr = accounts.get(int(t["dr"])), accounts.get(int(t["cr"]))
        if dr is None:
            return "debit_account_not_found"
        if cr is None:
            return "credit_account_not_found"
        if dr["ledger"] != cr["ledger"]:
            return "accounts_must_have_the_same_ledger"
        if t["ledger"] != dr["ledger"]:
            return "transfer_must_have_the_same_ledger_as_accounts"
        stored = self.books.transfers.get(int(t["id"]))
        if stored is not None:
            return "exists" if self._same(t, stored) else "exists_with_different_fields"
        amount = int(t["amount"])
        debits = dr["dp"] + dr["dpo"] + amount  # type: ignore[operator]
        credits = cr["cp"] + cr["cpo"] + amount  # type: ignore[operator]
        if debits > AMOUNT_MAX:
            return "overflows_debits"
        if credits > AMOUNT_MAX:
            return "overflows_credits"
        if int(dr["flags"]) & GUARD_DEBITS and debits > dr["cpo"]:  # type: ignore[call-overload,operator]
            return "exceeds_credits"
        if int(cr["flags"]) & GUARD_CREDITS and credits > cr["dpo"]:  # type: ignore[call-overload,operator]
            return "exceeds_debits"
        pending = bool(int(t["flags"]) & PENDING)
        dr["dp" if pending else "dpo"] += amount  # type: ignore[operator]
        cr["cp" if pending else "cpo"] += amount  # type: ignore[operator]
        self.books.transfers[int(t["id"])] = dict(t)
        if pending:
            self.books.holds[int(t["id"])] = "pending"
        return "ok"

    def _settle(self, t: dict[str, int | str]) -> str:
        pending_id = int(t["pending_id"])
        if pending_id == t["id"]:
            return "pending_id_must_be_different"
        if pending_id not in self.books.holds:
            return (
                "pending_transfer_not_pending"
                if pending_id in self.books.transfers
                else "pending_transfer_not_found"
            )
        hold = self.books.transfers[pending_id]
        held = int(hold["amount"])  # type: ignore[call-overload]
        post = bool(int(t["flags"]) & POST)
        if post and int(t["amount"]) > held:
            return "exceeds_pending_transfer_amount"
        if not post and t["amount"] not in (0, held):
            return "pending_transfer_has_different_amount"
        stored = self.books.transfers.get(int(t["id"]))
        if stored is not None:
            return "exists" if self._same(t, stored) else "exists_with_different_fields"
        status = self.books.holds[pending_id]
        if status != "pending":
            return f"pending_transfer_already_{status}"
        dr = self.books.accounts[int(hold["dr"])]  # type: ignore[call-overload]
        cr = self.books.accounts[int(hold["cr"])]  # type: ignore[call-overload]
        dr["dp"] -= held  # type: ignore[operator]
        cr["cp"] -= held  # type: ignore[operator]
        posted = (int(t["amount"]) or held) if post else held
        if post:
            dr["dpo"] += posted  # type: ignore[operator]
            cr["cpo"] += posted  # type: ignore[operator]
        self.books.holds[pending_id] = "posted" if post else "voided"
        self.books.transfers[int(t["id"])] = {**t, "amount": posted}
        return "ok"
