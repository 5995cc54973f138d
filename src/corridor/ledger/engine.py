"""The ledger's rules, applied to one batch in memory.

A store loads what a batch can touch (a `Snapshot`), the engine decides each event's
result and computes the batch's `Effects`, and the store writes those effects in the same
transaction. The engine never touches a database, so it is the one place the rules live
and it is cheap: the database work is the cost of a batch, not the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from corridor.ledger.model import (
    AMOUNT_MAX,
    CODE_MAX,
    ID_MAX,
    TIMEOUT_MAX,
    USER_DATA_32_MAX,
    USER_DATA_64_MAX,
    Account,
    AccountBalance,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    PendingStatus,
    Transfer,
    TransferFlags,
)

TR = CreateTransferResult
AR = CreateAccountResult
NS_PER_SECOND = 1_000_000_000

_ACCOUNT_FLAGS_KNOWN = int(
    AccountFlags.LINKED
    | AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    | AccountFlags.HISTORY
)
_GUARDS = int(
    AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
)
_TRANSFER_FLAGS_KNOWN = int(
    TransferFlags.LINKED
    | TransferFlags.PENDING
    | TransferFlags.POST_PENDING_TRANSFER
    | TransferFlags.VOID_PENDING_TRANSFER
)
_LINKED = int(TransferFlags.LINKED)
_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
_PHASE_FLAGS = _PENDING | _POST | _VOID
_DR_GUARD = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_GUARD = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_HISTORY = int(AccountFlags.HISTORY)


@dataclass(slots=True)
class PendingRecord:
    """A pending transfer as stored, with where it stands."""

    transfer: Transfer
    timestamp: int
    """The pending transfer's own timestamp (its key in the store)."""
    status: PendingStatus
    expires_at: int
    """Nanoseconds since the epoch at which the hold lapses; 0 means never."""


@dataclass(slots=True)
class Snapshot:
    """What a batch of transfers can touch, loaded by the store under the ledger's write lock.

    `accounts` holds every account the batch names (the engine mutates them in place),
    `transfers` every stored transfer whose id the batch uses, `pendings` every stored
    pending transfer the batch posts or voids.
    """

    accounts: dict[int, Account]
    transfers: dict[int, Transfer]
    pendings: dict[int, PendingRecord]


Applied = tuple[int, Transfer, int, int, int, int]
"""An applied transfer as the store writes it: (timestamp, the transfer with every field
filled in, debit account key, credit account key, the previous transfer's timestamp on the
debit account, and on the credit account). The two last make each account's transfers a
chain that look-ups walk, so the store keeps no per-account index of transfers."""


@dataclass(slots=True)
class Effects:
    """What a batch changes: rows for the store to write in one transaction."""

    transfers: list[Applied] = field(default_factory=list)
    accounts: dict[int, Account] = field(default_factory=dict)
    """Every account whose balances changed, with its final balances."""
    new_pendings: list[PendingRecord] = field(default_factory=list)
    settled_pendings: dict[int, PendingRecord] = field(default_factory=dict)
    """Stored pending transfers (by id) whose status this batch changed."""
    history: list[tuple[Account, AccountBalance]] = field(default_factory=list)


def chains(flags: Sequence[int]) -> list[tuple[int, int, bool]]:
    """Split a batch into linked chains: (first index, last index, closed) for each.

    An event without the `linked` flag closes the chain it ends; a single event is a
    chain of one. A chain still open at the end of the batch is reported as not closed.
    """
    out: list[tuple[int, int, bool]] = []
    start = 0
    for i, f in enumerate(flags):
        if not int(f) & _LINKED:  # int(): IntFlag's own operators are slow on a hot path
            out.append((start, i, True))
            start = i + 1
    if start < len(flags):
        out.append((start, len(flags) - 1, False))
    return out


def _id_result(value: int, zero: TR, out_of_range: TR) -> TR | None:
    if value == 0:
        return zero
    if value < 0 or value > ID_MAX:
        return out_of_range
    return None


class _Undo:
    """What a linked chain changed so far, so that a failure can put it all back."""

    __slots__ = ("accounts", "pendings")

    def __init__(self) -> None:
        self.accounts: list[tuple[Account, int, int, int, int, int]] = []
        self.pendings: list[tuple[int, PendingRecord | None]] = []


class TransferBatch:
    """Applies one batch of transfers to a snapshot; see `apply_transfers`."""

    def __init__(
        self,
        snapshot: Snapshot,
        now: int,
        next_timestamp: int,
        is_currency: Callable[[str], bool],
    ) -> None:
        self.accounts = snapshot.accounts
        self.stored = snapshot.transfers
        self.pendings: dict[int, PendingRecord] = dict(snapshot.pendings)
        self.now = now
        self.timestamp = next_timestamp
        self.is_currency = is_currency
        self.effects = Effects()
        self.new: dict[int, Transfer] = {}
        self.undo: _Undo | None = None

    def run(self, batch: Sequence[Transfer]) -> list[CreateTransferResult]:
        """Apply the batch in order, chain by chain, and return one result per transfer."""
        results: list[CreateTransferResult] = [TR.OK] * len(batch)
        plain, apply = self._plain, self.apply
        n = len(batch)
        i = 0
        while i < n:
            t = batch[i]
            if not int(t.flags) & _LINKED:  # a chain of one, the common case
                if not plain(t):
                    results[i] = apply(t)
                i += 1
                continue
            last = i
            while last < n and int(batch[last].flags) & _LINKED:
                last += 1
            closed = last < n
            last = min(last, n - 1)
            self._chain(batch, results, i, last, closed=closed)
            i = last + 1
        return results

    def _chain(
        self,
        batch: Sequence[Transfer],
        results: list[CreateTransferResult],
        first: int,
        last: int,
        *,
        closed: bool,
    ) -> None:
        """Apply the linked chain batch[first..last] whole, or roll it back and say why."""
        self.undo = _Undo()
        mark = (
            len(self.effects.transfers),
            len(self.effects.new_pendings),
            len(self.effects.history),
            self.timestamp,
        )
        failed_at = -1
        failure = TR.OK
        for i in range(first, last + 1):
            failure = self.apply(batch[i]) if (closed or i < last) else TR.LINKED_EVENT_CHAIN_OPEN
            if failure is not TR.OK:
                failed_at = i
                break
        if failed_at >= 0:
            self.rollback(mark)
            if (
                failed_at == first
                and failure is TR.EXISTS
                and closed
                and self._stored_as_sent(batch[first : last + 1])
            ):
                # A retried chain: every event is already stored as sent. It reads as one
                # answer, `exists` for each, rather than a chain that failed.
                results[first : last + 1] = [TR.EXISTS] * (last + 1 - first)
            else:
                for i in range(first, last + 1):
                    results[i] = TR.LINKED_EVENT_FAILED
                results[failed_at] = failure
        self.undo = None

    def _stored_as_sent(self, chain: Sequence[Transfer]) -> bool:
        """Whether every transfer of `chain` is stored already with the fields sent."""
        for t in chain:
            existing = self.new.get(t.id) or self.stored.get(t.id)
            if existing is None:
                return False
            if int(t.flags) & (_POST | _VOID):
                record = self.pendings.get(t.pending_id)
                if record is None or not _same_move(_as_settled(t, record.transfer), existing):
                    return False
            elif not _same_move(t, existing):
                return False
        return True

    def _plain(self, t: Transfer) -> bool:
        """Apply `t` at once when it is a plain transfer that every rule plainly accepts.

        This is the hot path of a batch. It never rejects anything: whenever a field,
        an account or a balance is anything but plainly fine it answers False, and
        `apply`, where every rule and result code lives, decides. Outside linked chains only.
        """
        amount = t.amount
        tid = t.id
        if (
            int(t.flags)  # any flag: pending, post, void (linked never reaches here)
            or t.pending_id
            or t.timeout
            or t.timestamp
            or t.user_data_128
            or t.user_data_64
            or t.user_data_32
            or not 0 < amount <= AMOUNT_MAX
            or not 0 < tid < ID_MAX
            or not 0 < t.code <= CODE_MAX
            or tid in self.new
            or tid in self.stored
        ):
            return False
        accounts = self.accounts
        dr = accounts.get(t.debit_account_id)
        cr = accounts.get(t.credit_account_id)
        if dr is None or cr is None or dr is cr:
            return False
        ledger = t.ledger
        if dr.ledger != ledger or cr.ledger != ledger:
            return False
        dr_debits = dr.debits_pending + dr.debits_posted + amount
        cr_credits = cr.credits_pending + cr.credits_posted + amount
        dr_flags = int(dr.flags)
        cr_flags = int(cr.flags)
        if (
            dr_debits > AMOUNT_MAX
            or cr_credits > AMOUNT_MAX
            or (dr_flags & _DR_GUARD and dr_debits > dr.credits_posted)
            or (cr_flags & _CR_GUARD and cr_credits > cr.debits_posted)
        ):
            return False
        self.timestamp = timestamp = self.timestamp + 1
        self.effects.transfers.append(
            (timestamp, t, dr.timestamp, cr.timestamp, dr.last_transfer, cr.last_transfer)
        )
        dr.last_transfer = cr.last_transfer = timestamp
        dr.debits_posted += amount
        cr.credits_posted += amount
        touched = self.effects.accounts
        touched[dr.id] = dr
        touched[cr.id] = cr
        self.new[tid] = t
        if (dr_flags | cr_flags) & _HISTORY:
            self._remember(timestamp, dr, cr)
        return True

    def rollback(self, mark: tuple[int, int, int, int]) -> None:
        """Put back everything the current chain did."""
        assert self.undo is not None
        for acc, dp, dpo, cp, cpo, last in reversed(self.undo.accounts):
            acc.debits_pending, acc.debits_posted = dp, dpo
            acc.credits_pending, acc.credits_posted = cp, cpo
            acc.last_transfer = last
        for pid, previous in reversed(self.undo.pendings):
            if previous is None:
                del self.pendings[pid]
                self.effects.settled_pendings.pop(pid, None)
            else:
                self.pendings[pid] = previous
                self.effects.settled_pendings[pid] = previous
        n_transfers, n_pendings, n_history, timestamp = mark
        for applied in self.effects.transfers[n_transfers:]:
            del self.new[applied[1].id]
        del self.effects.transfers[n_transfers:]
        del self.effects.new_pendings[n_pendings:]
        del self.effects.history[n_history:]
        self.timestamp = timestamp

    def _touch(self, acc: Account) -> None:
        if self.undo is not None:
            self.undo.accounts.append(
                (
                    acc,
                    acc.debits_pending,
                    acc.debits_posted,
                    acc.credits_pending,
                    acc.credits_posted,
                    acc.last_transfer,
                )
            )
        self.effects.accounts[acc.id] = acc

    def apply(self, t: Transfer) -> CreateTransferResult:
        """Decide one transfer and, when it is accepted, apply it to the snapshot."""
        # Field checks, cheapest first; each names what is wrong with the event itself.
        rejected = _id_result(t.id, TR.ID_MUST_NOT_BE_ZERO, TR.ID_OUT_OF_RANGE)
        if rejected is not None:
            return rejected
        if t.id == ID_MAX:
            return TR.ID_MUST_NOT_BE_INT_MAX
        if t.timestamp != 0:
            return TR.TIMESTAMP_MUST_BE_ZERO
        flags = int(t.flags)
        if flags & ~_TRANSFER_FLAGS_KNOWN:
            return TR.RESERVED_FLAG
        phase = flags & _PHASE_FLAGS
        if phase & (phase - 1):
            return TR.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if (
            t.user_data_128 < 0
            or t.user_data_128 > ID_MAX
            or t.user_data_64 < 0
            or t.user_data_64 > USER_DATA_64_MAX
            or t.user_data_32 < 0
            or t.user_data_32 > USER_DATA_32_MAX
        ):
            return TR.USER_DATA_OUT_OF_RANGE
        if t.amount < 0 or (t.amount == 0 and not phase & (_POST | _VOID)):
            return TR.AMOUNT_MUST_BE_POSITIVE
        if t.amount > AMOUNT_MAX:
            return TR.AMOUNT_EXCEEDS_MAXIMUM
        if t.code < 0 or t.code > CODE_MAX:
            return TR.CODE_OUT_OF_RANGE
        if phase & (_POST | _VOID):
            return self._settle(t, phase)
        return self._move(t, phase)

    def _move(self, t: Transfer, phase: int) -> CreateTransferResult:
        """A single-phase transfer, or the first phase of a two-phase one (a hold)."""
        rejected = _id_result(
            t.debit_account_id,
            TR.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO,
            TR.DEBIT_ACCOUNT_ID_OUT_OF_RANGE,
        ) or _id_result(
            t.credit_account_id,
            TR.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO,
            TR.CREDIT_ACCOUNT_ID_OUT_OF_RANGE,
        )
        if rejected is not None:
            return rejected
        if t.debit_account_id == t.credit_account_id:
            return TR.ACCOUNTS_MUST_BE_DIFFERENT
        if t.pending_id != 0:
            return TR.PENDING_ID_MUST_BE_ZERO
        if t.timeout != 0 and not phase:
            return TR.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.timeout < 0 or t.timeout > TIMEOUT_MAX:
            return TR.TIMEOUT_OUT_OF_RANGE
        if not self.is_currency(t.ledger):
            return TR.LEDGER_MUST_BE_A_CURRENCY
        if t.code == 0:
            return TR.CODE_MUST_NOT_BE_ZERO
        dr = self.accounts.get(t.debit_account_id)
        if dr is None:
            return TR.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.accounts.get(t.credit_account_id)
        if cr is None:
            return TR.CREDIT_ACCOUNT_NOT_FOUND
        if dr.ledger != cr.ledger:
            return TR.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != dr.ledger:
            return TR.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        existing = self.new.get(t.id) or self.stored.get(t.id)
        if existing is not None:
            return TR.EXISTS if _same_move(t, existing) else TR.EXISTS_WITH_DIFFERENT_FIELDS
        amount = t.amount
        dr_debits = dr.debits_pending + dr.debits_posted + amount
        cr_credits = cr.credits_pending + cr.credits_posted + amount
        if dr_debits > AMOUNT_MAX:
            return TR.OVERFLOWS_DEBITS
        if cr_credits > AMOUNT_MAX:
            return TR.OVERFLOWS_CREDITS
        if int(dr.flags) & _DR_GUARD and dr_debits > dr.credits_posted:
            return TR.EXCEEDS_CREDITS
        if int(cr.flags) & _CR_GUARD and cr_credits > cr.debits_posted:
            return TR.EXCEEDS_DEBITS
        self._touch(dr)
        self._touch(cr)
        timestamp = self._record(t, dr, cr)
        if phase:
            dr.debits_pending += amount
            cr.credits_pending += amount
            expires = timestamp + t.timeout * NS_PER_SECOND if t.timeout else 0
            record = PendingRecord(t, timestamp, PendingStatus.PENDING, expires)
            self.effects.new_pendings.append(record)
            self._set_pending(t.id, record)
        else:
            dr.debits_posted += amount
            cr.credits_posted += amount
        self._remember(timestamp, dr, cr)
        return TR.OK

    def _settle(self, t: Transfer, phase: int) -> CreateTransferResult:
        """The second phase of a two-phase transfer: post (all or part of) or void a hold."""
        if t.pending_id == 0:
            return TR.PENDING_ID_MUST_NOT_BE_ZERO
        if t.pending_id < 0 or t.pending_id >= ID_MAX:
            return TR.PENDING_ID_OUT_OF_RANGE
        if t.pending_id == t.id:
            return TR.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout != 0:
            return TR.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.ledger and not self.is_currency(t.ledger):
            return TR.LEDGER_MUST_BE_A_CURRENCY
        record = self.pendings.get(t.pending_id)
        if record is None:
            if t.pending_id in self.new or t.pending_id in self.stored:
                return TR.PENDING_TRANSFER_NOT_PENDING
            return TR.PENDING_TRANSFER_NOT_FOUND
        p = record.transfer
        if t.debit_account_id and t.debit_account_id != p.debit_account_id:
            return TR.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != p.credit_account_id:
            return TR.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.ledger and t.ledger != p.ledger:
            return TR.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        if t.code and t.code != p.code:
            return TR.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        if phase & _POST:
            if t.amount > p.amount:
                return TR.EXCEEDS_PENDING_TRANSFER_AMOUNT
        elif t.amount and t.amount != p.amount:
            return TR.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        settlement = _as_settled(t, p)
        existing = self.new.get(t.id) or self.stored.get(t.id)
        if existing is not None:
            same = _same_move(settlement, existing)
            return TR.EXISTS if same else TR.EXISTS_WITH_DIFFERENT_FIELDS
        if record.status is PendingStatus.POSTED:
            return TR.PENDING_TRANSFER_ALREADY_POSTED
        if record.status is PendingStatus.VOIDED:
            return TR.PENDING_TRANSFER_ALREADY_VOIDED
        if record.status is PendingStatus.EXPIRED or (
            record.expires_at and record.expires_at <= self.now
        ):
            return TR.PENDING_TRANSFER_EXPIRED
        amount = settlement.amount
        dr = self.accounts[p.debit_account_id]
        cr = self.accounts[p.credit_account_id]
        self._touch(dr)
        self._touch(cr)
        timestamp = self._record(settlement, dr, cr)
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        if phase & _POST:
            dr.debits_posted += amount
            cr.credits_posted += amount
            status = PendingStatus.POSTED
        else:
            status = PendingStatus.VOIDED
        settled = PendingRecord(p, record.timestamp, status, record.expires_at)
        self._set_pending(p.id, settled)
        self.effects.settled_pendings[p.id] = settled
        self._remember(timestamp, dr, cr)
        return TR.OK

    def _record(self, t: Transfer, dr: Account, cr: Account) -> int:
        """Give an accepted transfer its timestamp and link it into both accounts' chains."""
        self.timestamp = timestamp = self.timestamp + 1
        self.effects.transfers.append(
            (timestamp, t, dr.timestamp, cr.timestamp, dr.last_transfer, cr.last_transfer)
        )
        dr.last_transfer = cr.last_transfer = timestamp
        self.new[t.id] = t
        return timestamp

    def _set_pending(self, pid: int, record: PendingRecord) -> None:
        if self.undo is not None:
            self.undo.pendings.append((pid, self.pendings.get(pid)))
        self.pendings[pid] = record

    def _remember(self, timestamp: int, dr: Account, cr: Account) -> None:
        """Keep a balance snapshot of each `history` account the transfer touched."""
        if int(dr.flags) & _HISTORY:
            self.effects.history.append((dr, _balance(dr, timestamp)))
        if int(cr.flags) & _HISTORY:
            self.effects.history.append((cr, _balance(cr, timestamp)))


def _balance(acc: Account, timestamp: int) -> AccountBalance:
    return AccountBalance(
        timestamp, acc.debits_pending, acc.debits_posted, acc.credits_pending, acc.credits_posted
    )


def _same_move(t: Transfer, e: Transfer) -> bool:
    return (
        t.debit_account_id == e.debit_account_id
        and t.credit_account_id == e.credit_account_id
        and t.amount == e.amount
        and t.ledger == e.ledger
        and t.code == e.code
        and int(t.flags) == int(e.flags)
        and t.pending_id == e.pending_id
        and t.timeout == e.timeout
        and t.user_data_128 == e.user_data_128
        and t.user_data_64 == e.user_data_64
        and t.user_data_32 == e.user_data_32
    )


def _as_settled(t: Transfer, hold: Transfer) -> Transfer:
    """A post or void as it is stored: what the caller left empty taken from the hold.

    A post's amount 0 is the whole hold; a void's amount is always the hold's. A retry
    is the same transfer only if this filled-in form equals the stored one, so a retried
    "post it all" does not answer `exists` for an earlier partial post.
    """
    post = int(t.flags) & _POST
    # Built directly rather than by dataclasses.replace: every payment leg is posted, and
    # replace costs several times the constructor.
    return Transfer(
        id=t.id,
        debit_account_id=hold.debit_account_id,
        credit_account_id=hold.credit_account_id,
        amount=(t.amount or hold.amount) if post else hold.amount,
        ledger=hold.ledger,
        code=hold.code,
        flags=t.flags,
        pending_id=t.pending_id,
        timeout=t.timeout,
        user_data_128=t.user_data_128 or hold.user_data_128,
        user_data_64=t.user_data_64 or hold.user_data_64,
        user_data_32=t.user_data_32 or hold.user_data_32,
        timestamp=t.timestamp,
    )


def apply_transfers(
    batch: Sequence[Transfer],
    snapshot: Snapshot,
    *,
    now: int,
    last_timestamp: int,
    is_currency: Callable[[str], bool],
) -> tuple[list[CreateTransferResult], Effects]:
    """Decide every transfer of a batch against `snapshot`, in order.

    Returns one result per transfer and the effects of the accepted ones. Accepted
    transfers get timestamps `last_timestamp + 1, + 2, …`; `now` (nanoseconds) decides
    whether a hold has lapsed.
    """
    run = TransferBatch(snapshot, now, last_timestamp, is_currency)
    results = run.run(batch)
    return results, run.effects


def _account_result(a: Account, is_currency: Callable[[str], bool]) -> CreateAccountResult | None:
    if a.id == 0:
        return AR.ID_MUST_NOT_BE_ZERO
    if a.id < 0 or a.id > ID_MAX:
        return AR.ID_OUT_OF_RANGE
    if a.id == ID_MAX:
        return AR.ID_MUST_NOT_BE_INT_MAX
    if a.timestamp != 0 or a.last_transfer != 0:
        return AR.TIMESTAMP_MUST_BE_ZERO
    if a.debits_pending or a.debits_posted or a.credits_pending or a.credits_posted:
        return AR.BALANCES_MUST_BE_ZERO
    flags = int(a.flags)
    if flags & ~_ACCOUNT_FLAGS_KNOWN:
        return AR.RESERVED_FLAG
    if flags & _GUARDS == _GUARDS:
        return AR.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if (
        a.user_data_128 < 0
        or a.user_data_128 > ID_MAX
        or a.user_data_64 < 0
        or a.user_data_64 > USER_DATA_64_MAX
        or a.user_data_32 < 0
        or a.user_data_32 > USER_DATA_32_MAX
    ):
        return AR.USER_DATA_OUT_OF_RANGE
    if not is_currency(a.ledger):
        return AR.LEDGER_MUST_BE_A_CURRENCY
    if a.code == 0:
        return AR.CODE_MUST_NOT_BE_ZERO
    if a.code < 0 or a.code > CODE_MAX:
        return AR.CODE_OUT_OF_RANGE
    return None


def _same_account(a: Account, e: Account) -> bool:
    return (
        a.ledger == e.ledger
        and a.code == e.code
        and int(a.flags) == int(e.flags)
        and a.user_data_128 == e.user_data_128
        and a.user_data_64 == e.user_data_64
        and a.user_data_32 == e.user_data_32
    )


def apply_accounts(
    batch: Sequence[Account],
    stored: dict[int, Account],
    *,
    last_timestamp: int,
    is_currency: Callable[[str], bool],
) -> tuple[list[CreateAccountResult], list[Account]]:
    """Decide every account of a batch; returns one result each and the accounts to insert."""
    results: list[CreateAccountResult] = [AR.OK] * len(batch)
    created: list[Account] = []
    new: dict[int, Account] = {}
    timestamp = last_timestamp
    for first, last, closed in chains([a.flags for a in batch]):
        mark = len(created)
        failed_at = -1
        failure = AR.OK
        for i in range(first, last + 1):
            a = batch[i]
            rejected = _account_result(a, is_currency)
            if rejected is None:
                existing = new.get(a.id) or stored.get(a.id)
                if existing is not None:
                    rejected = (
                        AR.EXISTS if _same_account(a, existing) else AR.EXISTS_WITH_DIFFERENT_FIELDS
                    )
            if rejected is None and not closed and i == last:
                rejected = AR.LINKED_EVENT_CHAIN_OPEN
            if rejected is not None:
                failed_at, failure = i, rejected
                break
            timestamp += 1
            account = replace(a, timestamp=timestamp)
            created.append(account)
            new[a.id] = account
        if failed_at >= 0:
            if last > first or not closed:
                for i in range(first, last + 1):
                    results[i] = AR.LINKED_EVENT_FAILED
                for account in created[mark:]:
                    del new[account.id]
                del created[mark:]
                timestamp = last_timestamp + len(created)
            results[failed_at] = failure
    return results, created


def expire_pendings(
    records: Sequence[PendingRecord],
    accounts: dict[int, Account],
    *,
    last_timestamp: int,
) -> Effects:
    """Void lapsed holds: release each one's pending amounts and mark it expired.

    `accounts` holds both accounts of every record; each expiry takes the next timestamp,
    so `history` accounts keep a balance snapshot of the release.
    """
    effects = Effects()
    timestamp = last_timestamp
    for record in records:
        p = record.transfer
        dr = accounts[p.debit_account_id]
        cr = accounts[p.credit_account_id]
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        effects.accounts[dr.id] = dr
        effects.accounts[cr.id] = cr
        effects.settled_pendings[p.id] = PendingRecord(
            p, record.timestamp, PendingStatus.EXPIRED, record.expires_at
        )
        timestamp += 1
        for acc in (dr, cr):
            if int(acc.flags) & _HISTORY:
                effects.history.append((acc, _balance(acc, timestamp)))
    return effects
