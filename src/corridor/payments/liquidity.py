"""The liquidity queue: which payments of a batch the banks on their routes can pay now.

A bank's money in a currency (its settlement or nostro account) may not go overdrawn:
the ledger refuses a debit beyond its posted credits less what it already has debited or
on hold (TigerBeetle's `debits_must_not_exceed_credits`; a credit still on hold does not
count). `Liquidity` reckons exactly that, leg by leg in chain order, over the payments of
a batch in turn, so the engine can tell before the ledger does which payments must wait.
A payment that must wait, and every later one over the same account, is queued: first
in, first out within a priority. An account that already has payments queued on it lets
no new payment of the same or a lower priority by.

A credit line (a correspondent account of kind CREDIT_LINE: an overdraft the servicer
grants the owner) is booked as what it is to the ledger: the servicer's credit-line
account credits the owner's money in that currency with the line, so the owner can pay
out its own money and the line, and no more; what it has drawn is the line less what is
left of it, and the servicer's credit-line account shows the line granted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from corridor.ledger import Account, Transfer
from corridor.payments.accounts import AccountCode, TransferCode, bank_account, ledger_id
from corridor.payments.reference import Correspondent, LimitKind
from corridor.payments.settlement import Plan, settlement


class Liquidity:
    """What each bank account can still pay out in this batch, as the ledger reckons it."""

    def __init__(self, room: Mapping[int, int], queued: Mapping[int, int]) -> None:
        self._room = dict(room)
        self._queued = dict(queued)  # account → the highest priority waiting in the store
        self._short: dict[int, int] = {}  # the same, for payments of this batch

    @staticmethod
    def accounts(plans: Iterable[Plan], banks: Iterable[int]) -> set[int]:
        """The bank accounts among `banks` that any of `plans` debits."""
        wanted = set(banks)
        return {leg.debit for plan in plans for leg in plan.legs if leg.debit in wanted}

    def take(self, plan: Plan, *, priority: int, posted: bool, waiting: bool) -> int | None:
        """Reserve `plan`'s debits on the accounts reckoned here (and, when it is posted in
        the same batch, count its credits to them); None when they fit. Otherwise change
        nothing and return the account it must wait on, which from now on lets no later
        payment of this priority or lower by.

        A payment already `waiting` in the queue (tried again, in queue order) is not held
        back by the store's queue, only by the payments ahead of it in this batch."""
        room = self._room
        needs: dict[int, int] = {}
        for leg in plan.legs:
            if leg.debit not in room:
                continue
            ahead = [self._short.get(leg.debit)]
            if not waiting:
                ahead.append(self._queued.get(leg.debit))
            if any(top is not None and top >= priority for top in ahead):
                return leg.debit
            needs[leg.debit] = needs.get(leg.debit, 0) + leg.amount
            if room[leg.debit] < needs[leg.debit]:  # pending credits do not count
                self._short[leg.debit] = max(priority, self._short.get(leg.debit, priority))
                return leg.debit
        for account, need in needs.items():
            room[account] -= need
        if posted:
            for leg in plan.legs:
                if leg.credit in room:
                    room[leg.credit] += leg.amount
        return None


def credit_line_account(servicer_bic: str, currency: str) -> Account:
    """The ledger account a bank grants credit lines from in a currency (unguarded: it
    goes negative by the lines it granted)."""
    return Account(
        bank_account(AccountCode.CREDIT_LINE, servicer_bic, currency),
        currency,
        AccountCode.CREDIT_LINE,
    )


def credit_line(account: Correspondent) -> Transfer:
    """The transfer that grants a CREDIT_LINE correspondent account's line to its owner."""
    if account.limit_kind is not LimitKind.CREDIT_LINE:
        raise ValueError(f"{account.servicer_bic} grants {account.owner_bic} no credit line")
    ccy = account.currency.code
    return Transfer(
        ledger_id("credit-line", account.servicer_bic, account.owner_bic, ccy),
        bank_account(AccountCode.CREDIT_LINE, account.servicer_bic, ccy),
        settlement(account.owner_bic, ccy),
        account.limit.to_minor_units(),
        ccy,
        int(TransferCode.FUNDING),
    )
