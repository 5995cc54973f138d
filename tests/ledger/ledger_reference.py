"""A deliberately simple reference model of the ledger, for the stateful test.

It re-states TigerBeetle's rules (docs/ledger.md) with plain dicts: each event is checked
rule after rule in the documented order (a post or void, as in TigerBeetle, is checked
against its hold right after its own fields), then applied; a linked chain works on the
live state and is put back from a deep copy when it fails. Slow and obvious on purpose.

Time is explicit: each call is given the ledger clock's `now` (nanoseconds). A hold with
a timeout of T seconds has lapsed once `now` is more than T seconds past the `now` of the
batch that created it (the test keeps every clock step off whole seconds, so the few
nanoseconds between a batch's `now` and the hold's timestamp never matter).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from corridor.ledger import (
    AMOUNT_MAX,
    ID_MAX,
    Account,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Transfer,
    TransferFlags,
)
from corridor.money import is_currency

A, T, AF, TF = CreateAccountResult, CreateTransferResult, AccountFlags, TransferFlags
LINKED = 1  # the same bit for accounts and transfers
GUARDS = AF.DEBITS_MUST_NOT_EXCEED_CREDITS | AF.CREDITS_MUST_NOT_EXCEED_DEBITS
PHASES = TF.PENDING | TF.POST_PENDING_TRANSFER | TF.VOID_PENDING_TRANSFER
SECOND = 10**9


def _user_data_ok(x: Account | Transfer) -> bool:
    widths = ((x.user_data_128, 128), (x.user_data_64, 64), (x.user_data_32, 32))
    return all(0 <= value < 2**bits for value, bits in widths)


def _id_code(i: int, codes: Any) -> Any:
    """The id check shared by accounts and transfers (None: the id is fine)."""
    if i == 0:
        return codes.ID_MUST_NOT_BE_ZERO
    if not 0 < i <= ID_MAX:
        return codes.ID_OUT_OF_RANGE
    if i == ID_MAX:
        return codes.ID_MUST_NOT_BE_INT_MAX
    return None


class Reference:
    """Accounts, transfers and holds in dicts; the same operations as `Ledger`."""

    def __init__(self) -> None:
        self.accounts: dict[int, dict[str, Any]] = {}  # id -> {"fields", "dp", "dpo", "cp", "cpo"}
        self.transfers: dict[int, Transfer] = {}  # as stored: a post/void filled from its hold
        self.holds: dict[int, dict[str, Any]] = {}  # hold id -> {"status", "since"}

    # -- batches and linked chains ------------------------------------------------------

    def _batch(
        self, batch: Sequence[Any], decide: Callable[[Any], Any], codes: Any, *, retry_ok: bool
    ) -> list[Any]:
        """Decide `batch` chain by chain. `retry_ok`: a closed chain whose every event answers
        `exists` is a retried chain and answers so (Corridor's rule for transfers only)."""
        results: list[Any] = []
        start = 0
        while start < len(batch):
            end = start
            while end < len(batch) - 1 and batch[end].flags & LINKED:
                end += 1
            chain = batch[start : end + 1]
            is_open = bool(chain[-1].flags & LINKED)  # only possible at the batch's end
            saved = copy.deepcopy((self.accounts, self.transfers, self.holds))
            got = [decide(e) for e in (chain[:-1] if is_open else chain)]
            if is_open:
                got.append(codes.LINKED_EVENT_CHAIN_OPEN)
            retried = retry_ok and all(c is codes.EXISTS for c in got)
            if retried or all(c is codes.OK for c in got):
                results += got  # applied whole, or a retried chain stored exactly as sent
            else:
                self.accounts, self.transfers, self.holds = saved
                first = next(i for i, c in enumerate(got) if c is not codes.OK)
                failed = [codes.LINKED_EVENT_FAILED] * len(chain)
                failed[first] = got[first]
                if is_open:
                    failed[-1] = codes.LINKED_EVENT_CHAIN_OPEN
                results += failed
            start = end + 1
        return results

    # -- accounts -----------------------------------------------------------------------

    def create_accounts(self, batch: Sequence[Account]) -> list[CreateAccountResult]:
        return self._batch(batch, self._account, A, retry_ok=False)

    def _account(self, a: Account) -> CreateAccountResult:
        if (code := _id_code(a.id, A)) is not None:
            return code  # type: ignore[no-any-return]
        if a.timestamp or a.last_transfer:
            return A.TIMESTAMP_MUST_BE_ZERO
        if a.debits_pending or a.debits_posted or a.credits_pending or a.credits_posted:
            return A.BALANCES_MUST_BE_ZERO
        if a.flags & ~15:
            return A.RESERVED_FLAG
        if a.flags & GUARDS == GUARDS:
            return A.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if not _user_data_ok(a):
            return A.USER_DATA_OUT_OF_RANGE
        if not is_currency(a.ledger):
            return A.LEDGER_MUST_BE_A_CURRENCY
        if a.code == 0:
            return A.CODE_MUST_NOT_BE_ZERO
        if not 0 < a.code < 2**16:
            return A.CODE_OUT_OF_RANGE
        fields = (a.ledger, a.code, int(a.flags), a.user_data_128, a.user_data_64, a.user_data_32)
        if a.id in self.accounts:
            old = self.accounts[a.id]["fields"]
            return A.EXISTS if old == fields else A.EXISTS_WITH_DIFFERENT_FIELDS
        self.accounts[a.id] = {"fields": fields, "dp": 0, "dpo": 0, "cp": 0, "cpo": 0}
        return A.OK

    def balances(self, account_id: int) -> tuple[Any, ...]:
        """(id, ledger, code, flags, debits_pending, debits_posted, credits_pending,
        credits_posted) of one account."""
        a = self.accounts[account_id]
        ledger, code, flags = a["fields"][:3]
        return (account_id, ledger, code, flags, a["dp"], a["dpo"], a["cp"], a["cpo"])

    # -- transfers ----------------------------------------------------------------------

    def create_transfers(self, batch: Sequence[Transfer], now: int) -> list[CreateTransferResult]:
        return self._batch(batch, lambda t: self._transfer(t, now), T, retry_ok=True)

    def _lapsed(self, hold_id: int, now: int) -> bool:
        timeout = self.transfers[hold_id].timeout
        return bool(timeout) and now - self.holds[hold_id]["since"] > timeout * SECOND

    def _transfer(self, t: Transfer, now: int) -> CreateTransferResult:
        code = self._check(t, now)
        if code is not T.OK:
            return code
        settle = t.flags & (TF.POST_PENDING_TRANSFER | TF.VOID_PENDING_TRANSFER)
        stored = self._resolve(t) if settle else t
        dr, cr = self.accounts[stored.debit_account_id], self.accounts[stored.credit_account_id]
        if t.flags & TF.PENDING:
            dr["dp"] += t.amount
            cr["cp"] += t.amount
            self.holds[t.id] = {"status": "pending", "since": now}
        elif settle:
            held = self.transfers[t.pending_id].amount
            dr["dp"] -= held
            cr["cp"] -= held
            if t.flags & TF.POST_PENDING_TRANSFER:
                dr["dpo"] += stored.amount
                cr["cpo"] += stored.amount
            posted = t.flags & TF.POST_PENDING_TRANSFER
            self.holds[t.pending_id]["status"] = "posted" if posted else "voided"
        else:
            dr["dpo"] += t.amount
            cr["cpo"] += t.amount
        self.transfers[t.id] = stored
        return T.OK

    def _resolve(self, t: Transfer) -> Transfer:
        """A post or void as stored: the hold's accounts, ledger and code; amount 0 = all;
        user data left 0 is the hold's (as in TigerBeetle)."""
        p = self.transfers[t.pending_id]
        return replace(
            t,
            debit_account_id=p.debit_account_id,
            credit_account_id=p.credit_account_id,
            ledger=p.ledger,
            code=p.code,
            amount=t.amount or p.amount,
            user_data_128=t.user_data_128 or p.user_data_128,
            user_data_64=t.user_data_64 or p.user_data_64,
            user_data_32=t.user_data_32 or p.user_data_32,
        )

    def _check(self, t: Transfer, now: int) -> CreateTransferResult:
        if (code := _id_code(t.id, T)) is not None:
            return code  # type: ignore[no-any-return]
        if t.timestamp:
            return T.TIMESTAMP_MUST_BE_ZERO
        if t.flags & ~15:
            return T.RESERVED_FLAG
        if bin(t.flags & PHASES).count("1") > 1:
            return T.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if not _user_data_ok(t):
            return T.USER_DATA_OUT_OF_RANGE
        pending = bool(t.flags & TF.PENDING)
        settle = bool(t.flags & (TF.POST_PENDING_TRANSFER | TF.VOID_PENDING_TRANSFER))
        if t.amount < 0 or (t.amount == 0 and not settle):
            return T.AMOUNT_MUST_BE_POSITIVE
        if t.amount > AMOUNT_MAX:
            return T.AMOUNT_EXCEEDS_MAXIMUM
        if not 0 <= t.code < 2**16:
            return T.CODE_OUT_OF_RANGE
        if settle:  # as in TigerBeetle: the fields given are checked against the hold
            return self._check_settle(t, now)
        dr_id, cr_id = t.debit_account_id, t.credit_account_id
        if dr_id == 0:
            return T.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if not 0 < dr_id <= ID_MAX:
            return T.DEBIT_ACCOUNT_ID_OUT_OF_RANGE
        if cr_id == 0:
            return T.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if not 0 < cr_id <= ID_MAX:
            return T.CREDIT_ACCOUNT_ID_OUT_OF_RANGE
        if dr_id == cr_id:
            return T.ACCOUNTS_MUST_BE_DIFFERENT
        if t.pending_id:
            return T.PENDING_ID_MUST_BE_ZERO
        if not pending and t.timeout:
            return T.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if not 0 <= t.timeout < 2**32:
            return T.TIMEOUT_OUT_OF_RANGE
        if not is_currency(t.ledger):
            return T.LEDGER_MUST_BE_A_CURRENCY
        if t.code == 0:
            return T.CODE_MUST_NOT_BE_ZERO
        if dr_id not in self.accounts:
            return T.DEBIT_ACCOUNT_NOT_FOUND
        if cr_id not in self.accounts:
            return T.CREDIT_ACCOUNT_NOT_FOUND
        ledger = self.accounts[dr_id]["fields"][0]
        if ledger != self.accounts[cr_id]["fields"][0]:
            return T.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != ledger:
            return T.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        if t.id in self.transfers:
            return T.EXISTS if self.transfers[t.id] == t else T.EXISTS_WITH_DIFFERENT_FIELDS
        dr, cr = self.accounts[dr_id], self.accounts[cr_id]
        if dr["fields"][2] & AF.DEBITS_MUST_NOT_EXCEED_CREDITS and (
            dr["dp"] + dr["dpo"] + t.amount > dr["cpo"]
        ):
            return T.EXCEEDS_CREDITS
        if cr["fields"][2] & AF.CREDITS_MUST_NOT_EXCEED_DEBITS and (
            cr["cp"] + cr["cpo"] + t.amount > cr["dpo"]
        ):
            return T.EXCEEDS_DEBITS
        return T.OK

    def _check_settle(self, t: Transfer, now: int) -> CreateTransferResult:
        if t.timeout:
            return T.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.pending_id == 0:
            return T.PENDING_ID_MUST_NOT_BE_ZERO
        if not 0 < t.pending_id < ID_MAX:
            return T.PENDING_ID_OUT_OF_RANGE
        if t.pending_id == t.id:
            return T.PENDING_ID_MUST_BE_DIFFERENT
        p = self.transfers.get(t.pending_id)
        if p is None:
            return T.PENDING_TRANSFER_NOT_FOUND
        if not p.flags & TF.PENDING:
            return T.PENDING_TRANSFER_NOT_PENDING
        if t.debit_account_id and t.debit_account_id != p.debit_account_id:
            return T.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != p.credit_account_id:
            return T.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.ledger and t.ledger != p.ledger:
            return T.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        if t.code and t.code != p.code:
            return T.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        if t.flags & TF.POST_PENDING_TRANSFER and t.amount > p.amount:
            return T.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if t.flags & TF.VOID_PENDING_TRANSFER and t.amount not in (0, p.amount):
            return T.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        if t.id in self.transfers:
            same = self.transfers[t.id] == self._resolve(t)
            return T.EXISTS if same else T.EXISTS_WITH_DIFFERENT_FIELDS
        status = self.holds[t.pending_id]["status"]
        if status == "posted":
            return T.PENDING_TRANSFER_ALREADY_POSTED
        if status == "voided":
            return T.PENDING_TRANSFER_ALREADY_VOIDED
        if status == "expired" or self._lapsed(t.pending_id, now):
            return T.PENDING_TRANSFER_EXPIRED
        return T.OK

    # -- the sweep ----------------------------------------------------------------------

    def expire_pending_transfers(self, now: int) -> int:
        """Release every open hold whose timeout has passed; how many there were."""
        open_ = [i for i, h in self.holds.items() if h["status"] == "pending"]
        lapsed = [i for i in open_ if self._lapsed(i, now)]
        for i in lapsed:
            p = self.transfers[i]
            self.accounts[p.debit_account_id]["dp"] -= p.amount
            self.accounts[p.credit_account_id]["cp"] -= p.amount
            self.holds[i]["status"] = "expired"
        return len(lapsed)
