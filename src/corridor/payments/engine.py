"""The payments engine: from instruction to settlement, on the ledger, in batches.

`submit_batch` takes many instructions through their lifecycle at once (`submit` is a
batch of one): received → validated (its own fields, then the directory: agents,
accounts, route) → screened (held in a four-eyes case on a hit) → priced (an FX quote
locked for a cross-currency payment; fees by charge bearer; limits taken) → reserved
(its linked chain of pending ledger transfers; queued when a bank on the route is short
of the currency) → settled (the chain posted on its value date). `cancel`,
`return_payment`, `release`, `release_queue` and `settle_due` move payments on from
there. Every step is a tracker event in the store.

A batch costs two store transactions and one or two ledger batches, whatever its size:

1. validate and screen every instruction, price the ones that pass (reading the
   debtors' recent history once for the batch, into their monitoring windows kept
   from the batch before);
2. one store transaction records them all: a priced payment takes its limits there
   (a guarded UPDATE: a limit it would go over rejects it after all) and deals its held
   FX quote, so both are atomic with the payment;
3. one ledger batch reserves every priced payment's chain, a second posts those due;
4. one store transaction records where each now stands.

A crash between the steps leaves priced payments whose chains may already be on the
ledger; `recover` carries them on, the ledger answering "exists" for what it holds
(ledger ids derive from the UETR). The same instruction twice (same idempotency key, or
the same debtor agent and end-to-end id, in one batch or across batches) is one payment:
the second submission says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from corridor.compliance.cases import CaseStatus, list_cases
from corridor.ledger import CreateTransferResult
from corridor.payments import repository
from corridor.payments.intake import canonical, problems_of
from corridor.payments.lifecycle import Lifecycle, LifecycleError, PaymentStatus
from corridor.payments.payment import Payment, instruction_of
from corridor.payments.pipeline import (
    Corridor,
    PaymentNotFoundError,
    Pipeline,
    Submission,
    Work,
    moved_on,
    settled_at,
)
from corridor.payments.planning import plan_of, return_legs, return_value_date
from corridor.payments.repository import PaymentRecord
from corridor.payments.settlement import finish, posted_chain

S = PaymentStatus


class PaymentEngine(Pipeline):
    """Payments through their lifecycle, on one store and its ledger."""

    # -- taking instructions in ----------------------------------------------------------

    def submit(
        self, payment: Payment, *, idempotency_key: str | None = None, priority: int = 0
    ) -> Submission:
        """Take a new instruction as far as it goes now: settled, or held, queued,
        rejected. The same instruction again returns the first payment, not a second."""
        return self.submit_batch([payment], idempotency_keys=[idempotency_key], priority=priority)[
            0
        ]

    def submit_batch(
        self,
        payments: Sequence[Payment],
        *,
        idempotency_keys: Sequence[str | None] | None = None,
        priority: int = 0,
    ) -> list[Submission]:
        """Take many instructions as far as each goes now, in two store transactions and
        one or two ledger batches (see the module docstring); one Submission each, in
        order. An instruction received before, in an earlier batch or earlier in this
        one, answers with that payment and `created` False. An instruction that names
        another payment's UETR is answered rejected (AM05), `created` False, and not
        stored."""
        keys = list(idempotency_keys) if idempotency_keys is not None else [None] * len(payments)
        if len(keys) != len(payments):
            raise ValueError("give one idempotency key (or None) per payment")
        with self.engine.connect() as connection:
            existing = repository.existing_for(connection, payments, keys)
            known = repository.load_many(connection, sorted(set(existing.values())))
            taken = repository.stored_uetrs(connection, [p.uetr for p in payments])
        now = self._now()
        today = now.date()
        directory = self.corridor.directory
        answers: list[Submission | None] = [None] * len(payments)
        firsts: dict[tuple[str, str] | str, int] = {}  # instruction (or key) → position
        work: dict[int, Work] = {}
        for i, (payment, key) in enumerate(zip(payments, keys, strict=True)):
            if i in existing:
                answers[i] = Submission(known[existing[i]], created=False)
                continue
            instruction = instruction_of(payment)
            same = None if instruction is None else firsts.get(instruction)
            if same is None and key is not None:
                same = firsts.get(key)
            if same is not None:
                continue  # answered below, once the first is where it goes
            if payment.uetr in taken:
                # Another instruction's UETR: it cannot be stored under it (the UETR is
                # the other payment's key), so it is answered rejected, and not kept.
                life = Lifecycle.received(now, "api").advance(
                    S.REJECTED,
                    now,
                    self.actor,
                    reason="AM05",
                    detail=f"uetr: {payment.uetr} is another payment's; give a new UETR",
                )
                answers[i] = Submission(PaymentRecord(payment, life, {}, key, priority), False)
                continue
            taken.add(payment.uetr)
            if instruction is not None:
                firsts[instruction] = i
            if key is not None:
                firsts[key] = i
            life = Lifecycle.received(now, "api")
            problems = problems_of(payment, directory, today)
            taken_in = payment
            if problems:
                detail = "; ".join(str(p) for p in problems)
                life = life.advance(
                    S.REJECTED, now, self.actor, reason=problems[0].reason, detail=detail
                )
            else:
                life = life.advance(S.VALIDATED, now, self.actor)
                taken_in = canonical(payment, directory)
            work[i] = Work(None, PaymentRecord(taken_in, life, {}, key, priority))
        self._carry_on(list(work.values()))
        for i, (payment, key) in enumerate(zip(payments, keys, strict=True)):
            if answers[i] is not None:
                continue
            if i in work:
                answers[i] = Submission(work[i].now, created=True)
                continue
            instruction = instruction_of(payment)
            first = None if instruction is None else firsts.get(instruction)
            if first is None and key is not None:
                first = firsts.get(key)
            assert first is not None  # a duplicate of one taken in above
            answers[i] = Submission(work[first].now, created=False)
        return [a for a in answers if a is not None]

    # -- moving payments on --------------------------------------------------------------

    def proceed(self, record: PaymentRecord) -> PaymentRecord:
        """Price, reserve and settle a stored screened or priced payment, as far as it
        goes now (a queued one goes with the queue, in its turn: `release_queue`)."""
        if record.status is S.QUEUED:
            self.release_queue()
            return self.get(record.payment.uetr)
        work = Work(record, record)
        self._carry_on([work])
        return work.now

    def recover(self) -> list[PaymentRecord]:
        """Carry on with what a crash left between the store and the ledger, then settle
        what came due: payments left priced (their chains may be on the ledger already:
        it answers "exists"), and queued payments whose chains reached the ledger before
        the crash. A start-up step: run it while no other engine works on the store."""
        with self.engine.connect() as connection:
            priced = repository.in_status(connection, S.PRICED)
            queued = repository.in_status(connection, S.QUEUED)
        held = self._on_ledger(queued)
        resumed = self._carry_on_stored([*priced, *(u for u in queued if u in held)])
        return resumed + self.settle_due()

    def release(self, uetr: str, *, actor: str = "compliance") -> PaymentRecord:
        """Carry on with a payment held for review once its case released it."""
        return self.release_many([uetr], actor=actor)[0]

    def release_many(
        self, uetrs: Sequence[str], *, actor: str = "compliance"
    ) -> list[PaymentRecord]:
        """Carry on, as one batch, with held payments whose cases released them."""
        now = self._now()
        work = []
        for record in self._stored(uetrs):
            life = record.lifecycle.advance(S.SCREENED, now, actor, detail="released by review")
            work.append(Work(record, record.moved(life)))
        self._carry_on(work)
        return [w.now for w in work]

    def resume_decided(self) -> list[PaymentRecord]:
        """Carry on with every held payment whose four-eyes case is closed: released ones
        go on to settlement, true matches are rejected (RR04)."""
        closed = {
            case.payment_ref: case
            for case in list_cases(self.engine, (CaseStatus.RELEASED, CaseStatus.REJECTED))
        }
        with self.engine.connect() as connection:
            held = repository.in_status(connection, S.HELD)
        released = [u for u in held if u in closed and closed[u].status is CaseStatus.RELEASED]
        done = self.release_many(released) if released else []
        for uetr in held:
            case = closed.get(uetr)
            if case is not None and case.status is CaseStatus.REJECTED:
                done.append(
                    self.reject(uetr, "RR04", actor="compliance", detail=f"case {case.case_id}")
                )
        return done

    def reject(self, uetr: str, reason: str, *, actor: str, detail: str = "") -> PaymentRecord:
        """Reject a payment not yet reserved (e.g. a true match on review); a hold a
        crash left on the ledger for it is voided first."""
        record = self.get(uetr)
        if record.status is S.RESERVED:
            raise LifecycleError(f"payment {uetr} is reserved: cancel it instead")
        if not record.lifecycle.can(S.REJECTED):
            raise LifecycleError(f"a {record.status} payment cannot be rejected")
        self._void(record)
        return self._step(record, S.REJECTED, actor=actor, reason=reason, detail=detail)

    def cancel(self, uetr: str, *, reason: str = "CUST", actor: str = "api") -> PaymentRecord:
        """Cancel a payment not yet settled, voiding whatever the ledger holds for it.

        The ledger has the last word: a payment it already posted (the store not yet told,
        after a crash) is recorded settled and the cancellation refused (return it)."""
        record = self.get(uetr)
        if not record.lifecycle.can(S.CANCELLED):
            raise LifecycleError(f"a {record.status} payment cannot be cancelled")
        self._void(record)
        return self._step(record, S.CANCELLED, actor=actor, reason=reason)

    def _void(self, record: PaymentRecord) -> None:
        """Void the chain a priced, queued or reserved payment may hold on the ledger.
        Nothing held, or voided already: fine. Posted already: the payment is recorded
        settled and LifecycleError raised."""
        if record.status not in (S.PRICED, S.QUEUED, S.RESERVED):
            return
        uetr = record.payment.uetr
        failed = self._apply([finish(uetr, plan_of(record), post=False)])[0]
        if failed is None:
            return
        index, result = failed
        if result is CreateTransferResult.PENDING_TRANSFER_NOT_FOUND and index == 0:
            return  # its chain never reached the ledger: nothing to release
        if result is CreateTransferResult.PENDING_TRANSFER_ALREADY_VOIDED:
            return
        if result is CreateTransferResult.PENDING_TRANSFER_ALREADY_POSTED:
            now = self._now()
            settled = record
            if settled.status is not S.RESERVED:
                settled = moved_on(settled, S.RESERVED, now, self.actor, detail="found held")
            settled = settled_at(settled, now, self.actor)
            self._record([Work(record, settled)])
            raise LifecycleError(
                f"payment {uetr} was settled on the ledger already: return it instead"
            )
        raise LifecycleError(f"the hold of {uetr} could not be voided: leg {index}: {result}")

    def return_payment(self, uetr: str, *, reason: str, actor: str = "api") -> PaymentRecord:
        """Return a settled payment: what the creditor received goes back along the
        route (each bank keeps its fee), converted back at the rate it was dealt at."""
        record = self.get(uetr)
        if not record.lifecycle.can(S.RETURNED):
            raise LifecycleError(f"a {record.status} payment cannot be returned")
        legs, returned = return_legs(record)
        # Every return leg carries what the creditor received, in its currency.
        on = return_value_date(record.settlement["route"], legs[0].currency, self._now())
        if on is not None:
            returned = {**returned, "value_date": on}
        failed = self._apply([posted_chain(uetr, "return", legs)])[0]
        if failed is not None:
            raise LifecycleError(f"the return of {uetr} could not be booked: {failed}")
        return self._step(
            record,
            S.RETURNED,
            actor=actor,
            reason=reason,
            detail=f"returned {returned['to_debtor']} to the debtor",
            settlement={**record.settlement, "returned": returned},
        )

    def settle_due(self, *, limit: int = 10_000) -> list[PaymentRecord]:
        """Post, as one batch, every reserved payment whose value date has come."""
        with self.engine.connect() as connection:
            due = repository.due(connection, self._now().date(), limit)
        return [r for r in self._carry_on_stored(due) if r.status is S.SETTLED]

    def release_queue(self, *, limit: int = 10_000) -> list[PaymentRecord]:
        """Try the queued payments again, as one batch in queue order (higher priority
        first, then first in): on each bank account, the first still short stops the ones
        behind it, so none overtakes an earlier one of its priority."""
        with self.engine.connect() as connection:
            waiting = repository.queued(connection, limit)
        return [r for r in self._carry_on_stored(waiting) if r.status is not S.QUEUED]


__all__ = [
    "Corridor",
    "PaymentEngine",
    "PaymentNotFoundError",
    "Submission",
]
