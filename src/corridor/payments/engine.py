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
   debtors' recent history once for the batch);
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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from corridor.compliance import payment_screening as screening
from corridor.compliance.aml_rules import MonitoringConfig, lookback
from corridor.compliance.cases import CaseStatus, cleared_for_keys, list_cases, open_case
from corridor.compliance.limits import LimitCode, breach_of
from corridor.compliance.matching import ScreeningIndex, Tiers
from corridor.compliance.monitoring import PaymentFacts
from corridor.fx import FxDesk, FxError, Quote
from corridor.ledger import CreateTransferResult, Ledger, Transfer
from corridor.ledger.model import BATCH_MAX
from corridor.money import Money
from corridor.payments import repository
from corridor.payments.dealing import HeldQuoteError, held_quote, quote_key
from corridor.payments.fees import FeeTable
from corridor.payments.intake import canonical, problems_of
from corridor.payments.lifecycle import Lifecycle, LifecycleError, PaymentStatus
from corridor.payments.liquidity import Liquidity
from corridor.payments.payment import Payment
from corridor.payments.planning import plan_of, return_legs
from corridor.payments.pricing import LIMIT_REASONS, QUOTA, ClientHistory, Priced, price
from corridor.payments.reference import Directory
from corridor.payments.repository import COUNTING, PaymentRecord
from corridor.payments.settlement import (
    Plan,
    finish,
    leg_id,
    posted_chain,
    reserve,
    settlement,
)

S = PaymentStatus
_OK = {CreateTransferResult.OK, CreateTransferResult.EXISTS}


class PaymentNotFoundError(LookupError):
    """A payment is looked up by its UETR; there is none with this one."""


@dataclass(frozen=True, slots=True)
class Corridor:
    """What the engine runs on: the directory, fee table, FX desk and screening lists."""

    directory: Directory
    fees: FeeTable
    desk: FxDesk
    screening: ScreeningIndex | None = None
    tiers: Tiers = field(default_factory=Tiers)
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)


@dataclass(frozen=True, slots=True)
class Submission:
    """The payment a submission led to, and whether this submission created it."""

    record: PaymentRecord
    created: bool


@dataclass(slots=True)
class _Work:
    """A payment on its way through a batch: as the store holds it, and as it is now."""

    stored: PaymentRecord | None
    now: PaymentRecord
    uses: tuple[Any, ...] = ()
    """The limits it takes when recorded priced (LimitUse), from pricing."""
    facts: PaymentFacts | None = None
    plan: Plan | None = None
    """Its settlement plan once priced in this batch (else read from its settlement)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PaymentEngine:
    """Payments through their lifecycle, on one store and its ledger."""

    def __init__(
        self,
        engine: Engine,
        ledger: Ledger,
        corridor: Corridor,
        *,
        clock: Callable[[], datetime] = _utc_now,
        actor: str = "engine",
    ) -> None:
        self.engine = engine
        self.ledger = ledger
        self.corridor = corridor
        self.clock = clock
        self.actor = actor

    def _now(self) -> datetime:
        """The clock's time in UTC: every stored stamp is UTC, so stamps compare as text."""
        return self.clock().astimezone(UTC)

    # -- reading -------------------------------------------------------------------------

    def get(self, uetr: str) -> PaymentRecord:
        """The stored payment with this UETR."""
        with self.engine.connect() as connection:
            record = repository.load(connection, uetr)
        if record is None:
            raise PaymentNotFoundError(f"no payment with UETR {uetr}")
        return record

    def get_many(self, uetrs: Sequence[str]) -> list[PaymentRecord]:
        """The stored payments with these UETRs, in that order (unknown ones left out)."""
        with self.engine.connect() as connection:
            found = repository.load_many(connection, uetrs)
        return [found[u] for u in uetrs if u in found]

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
        work: dict[int, _Work] = {}
        for i, (payment, key) in enumerate(zip(payments, keys, strict=True)):
            if i in existing:
                answers[i] = Submission(known[existing[i]], created=False)
                continue
            same = firsts.get((payment.debtor_agent, payment.end_to_end_id))
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
            firsts[(payment.debtor_agent, payment.end_to_end_id)] = i
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
            work[i] = _Work(None, PaymentRecord(taken_in, life, {}, key, priority))
        self._carry_on(list(work.values()))
        for i, (payment, key) in enumerate(zip(payments, keys, strict=True)):
            if answers[i] is not None:
                continue
            if i in work:
                answers[i] = Submission(work[i].now, created=True)
                continue
            first = firsts.get((payment.debtor_agent, payment.end_to_end_id))
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
        work = _Work(record, record)
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
            work.append(_Work(record, record.moved(life)))
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
                settled = _advance(settled, S.RESERVED, now, self.actor, detail="found held")
            settled = _settled(settled, now, self.actor)
            self._record([_Work(record, settled)])
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

    # -- the batch pipeline ----------------------------------------------------------------

    def _stored(self, uetrs: Sequence[str]) -> list[PaymentRecord]:
        records = self.get_many(uetrs)
        if len(records) != len(set(uetrs)):
            missing = sorted(set(uetrs) - {r.payment.uetr for r in records})
            raise PaymentNotFoundError(f"no payment with UETR {missing[0]}")
        return records

    def _carry_on_stored(self, uetrs: Sequence[str]) -> list[PaymentRecord]:
        work = [_Work(r, r) for r in self.get_many(uetrs)]
        self._carry_on(work)
        return [w.now for w in work]

    def _carry_on(self, work: list[_Work]) -> None:
        """Take every payment of a batch as far as it goes now (the module docstring's
        steps 1 to 4); each `_Work.now` is where it ends, as stored."""
        if not work:
            return
        now = self._now()
        self._screen(work, now)
        self._price(work, now)
        self._record(work)
        self._reserve(work, now)
        self._settle(work, now)
        self._record(work)

    def _screen(self, work: list[_Work], now: datetime) -> None:
        """VALIDATED → SCREENED, or HELD in a four-eyes case on a list hit."""
        todo = [w for w in work if w.now.status is S.VALIDATED]
        if not todo:
            return
        index = self.corridor.screening
        if index is None:
            for w in todo:
                w.now = _advance(w.now, S.SCREENED, now, self.actor, detail="no lists loaded")
            return
        parties = [_parties(w.now.payment) for w in todo]
        cleared = cleared_for_keys(
            self.engine,
            {k for p in parties for k in screening.party_keys(p)},
            [v.version for v in index.versions],
        )
        for w, named in zip(todo, parties, strict=True):
            result = screening.screen_payment(
                index, named, tiers=self.corridor.tiers, cleared=cleared
            )
            if result["decision"] == "pass":
                w.now = _advance(w.now, S.SCREENED, now, self.actor, detail="no list hit")
                continue
            case = open_case(self.engine, result, named.payment_ref)
            top = result["candidates"][0]
            w.now = _advance(
                w.now,
                S.HELD,
                now,
                self.actor,
                reason="RR04",
                detail=f"case {case.case_id}: {top['matched_name']} ({top['list']},"
                f" {top['score']})",
            )

    def _price(self, work: list[_Work], now: datetime) -> None:
        """SCREENED → PRICED (plan, FX deal, fees, alerts), or REJECTED."""
        todo = [w for w in work if w.now.status is S.SCREENED]
        if not todo:
            return
        corridor = self.corridor
        quote_ids = [
            quote_key(w.now.payment.fx_quote_id) for w in todo if w.now.payment.fx_quote_id
        ]
        with self.engine.connect() as connection:
            counted = repository.history(
                connection,
                sorted({w.now.payment.debtor.account for w in todo}),
                now,
                lookback(corridor.monitoring),
            )
            quotes = repository.quotes_by_id(connection, quote_ids) if quote_ids else {}
        histories = {account: ClientHistory(rows) for account, rows in counted.items()}
        for w in todo:
            payment = w.now.payment
            held: Quote | FxError | None = None
            if payment.fx_quote_id:
                try:
                    row = quotes.get(quote_key(payment.fx_quote_id))
                    held = held_quote(row, payment, corridor.desk)
                except FxError as exc:
                    held = exc
            outcome: Priced = price(
                w.now,
                directory=corridor.directory,
                fees=corridor.fees,
                desk=corridor.desk,
                monitoring=corridor.monitoring,
                now=now,
                actor=self.actor,
                history=histories[payment.debtor.account],
                held=held,
            )
            w.now, w.uses, w.facts, w.plan = (
                outcome.record,
                outcome.uses,
                outcome.facts,
                outcome.plan,
            )

    def _record(self, work: list[_Work]) -> None:
        """Store every payment of the batch where it now stands, in one transaction: new
        ones inserted, moved ones updated. A payment recorded priced for the first time
        takes its limits and deals its held quote here; one that stops counting gives its
        limits back. The limits' rows are locked first, in key order."""
        if all(w.stored is w.now for w in work):
            return
        with self.engine.begin() as connection:
            self._lock_limits(connection, work)
            for w in work:
                was = w.stored.status if w.stored is not None else None
                if w.now.status is S.PRICED and was not in COUNTING:
                    w.now = self._take_limits(connection, w)
                elif was in COUNTING and w.now.status not in COUNTING:
                    _give_back(connection, w.now)
            repository.insert(connection, [w.now for w in work if w.stored is None])
            repository.update(
                connection,
                [(w.stored, w.now) for w in work if w.stored is not None and w.stored is not w.now],
            )
        for w in work:
            w.stored = w.now

    def _lock_limits(self, connection: Connection, work: list[_Work]) -> None:
        """Create and lock (in key order) every usage row the batch's newly priced payments
        take from or its leaving payments give back to; a quota row new to the store
        adopts the client's purchases stored before limits were kept with payments."""
        wanted: dict[repository.UsageKey, tuple[str, int]] = {}
        for w in work:
            was = w.stored.status if w.stored is not None else None
            taking = w.now.status is S.PRICED and was not in COUNTING
            leaving = was in COUNTING and w.now.status not in COUNTING
            if taking or leaving:
                for kept in w.now.settlement.get("limits", []):
                    wanted.setdefault(_key(kept), (kept["currency"], kept["limit_minor"]))
        for key in repository.lock_usage(connection, wanted):
            if key[1] != LimitCode.FX_QUOTA.value:
                continue  # only the quota was counted before limits were kept
            year = int(key[2])
            client = self.corridor.directory.client(key[0])
            currency, limit_minor = wanted[key]
            repository.adopt_legacy_quota(
                connection,
                key,
                [a.identifier for a in client.accounts],
                datetime(year, 1, 1, tzinfo=QUOTA.zone).astimezone(UTC),
                datetime(year + 1, 1, 1, tzinfo=QUOTA.zone).astimezone(UTC),
                {
                    "client": key[0],
                    "kind": key[1],
                    "period": key[2],
                    "currency": currency,
                    "limit_minor": limit_minor,
                },
            )

    def _take_limits(self, connection: Connection, w: _Work) -> PaymentRecord:
        """Take each limit the payment counts against, and its held quote; the first it
        cannot take rejects it, giving back what it took."""
        record = w.now
        taken: list[dict[str, Any]] = []
        for use, kept in zip(w.uses, record.settlement["limits"], strict=True):
            used = repository.take_limit(
                connection, _key(kept), kept["amount_minor"], kept["limit_minor"]
            )
            if used is None:
                taken.append(kept)
                continue
            _give_back(connection, record, taken)
            assert w.facts is not None  # priced payments have their facts
            breach = breach_of(use, w.facts, Money.from_minor_units(used, kept["currency"]))
            assert breach is not None  # the guard refused exactly because it would go over
            return _advance(
                record,
                S.REJECTED,
                record.lifecycle.events[-1].at,
                self.actor,
                reason=LIMIT_REASONS[LimitCode(kept["kind"])],
                detail=breach.explanation,
            )
        quote_id = record.payment.fx_quote_id
        if quote_id and not repository.deal_quote(
            connection, quote_key(quote_id), record.payment.uetr
        ):
            _give_back(connection, record, taken)
            error = HeldQuoteError(f"fx_quote_id: quote {quote_id} was dealt by another payment")
            return _advance(
                record,
                S.REJECTED,
                record.lifecycle.events[-1].at,
                self.actor,
                reason="NARR",
                detail=str(error),
            )
        return record

    def _reserve(self, work: list[_Work], now: datetime) -> None:
        """PRICED (or QUEUED) → RESERVED, and on to SETTLED when due today: every chain of
        pending legs, each followed by the chain posting them when the payment is due, in
        as few ledger batches as fit (a post names a hold made earlier in its batch).

        Payments the banks on their routes cannot pay now are QUEUED (or stay so) without
        reaching the ledger: `Liquidity` reckons each bank account as the ledger would,
        in batch order, first in first out. A chain the ledger refuses all the same is
        queued when a bank is short, else REJECTED."""
        todo = [w for w in work if w.now.status in (S.PRICED, S.QUEUED)]
        if not todo:
            return
        today = now.date()
        plans = [w.plan or plan_of(w.now) for w in todo]
        banks = {
            settlement(bic, leg.currency)
            for w, plan in zip(todo, plans, strict=True)
            for leg in plan.legs
            for bic in w.now.settlement["route"]
        }
        accounts = Liquidity.accounts(plans, banks)
        room = {
            a.id: a.credits_posted - a.debits_posted - a.debits_pending
            for a in self.ledger.lookup_accounts(sorted(accounts))
        }
        with self.engine.connect() as connection:
            waiting, last_place = repository.waiting_on(connection)
        liquidity = Liquidity(room, waiting)
        # A stored payment whose chain reached the ledger before a crash: its debits are
        # in the balances read already, so it is not reckoned again (the ledger answers
        # "exists" for its chain).
        resumed = self._on_ledger(
            [w.now.payment.uetr for w in todo if w.stored is not None and w.stored is w.now]
        )
        tried: list[tuple[_Work, Plan, bool]] = []
        chains: list[list[Transfer]] = []
        for place, (w, plan) in enumerate(zip(todo, plans, strict=True)):
            due = _due(w.now, today)
            short = None
            if w.now.payment.uetr not in resumed:
                short = liquidity.take(
                    plan, priority=w.now.priority, posted=due, waiting=w.now.status is S.QUEUED
                )
            if short is not None:
                w.now = self._queue(w.now, plan, short, now, last_place + 1 + place)
                continue
            tried.append((w, plan, due))
            chains.append(reserve(w.now.payment.uetr, plan))
            if due:
                chains.append(finish(w.now.payment.uetr, plan, post=True))
        failures = iter(self._apply(chains))
        for w, plan, due in tried:
            failed = next(failures)
            posted = next(failures) if due else None
            if failed is None:
                held = {
                    k: v
                    for k, v in w.now.settlement.items()
                    if k not in ("waiting_on", "queue_place")
                }
                w.now = _advance(
                    w.now.moved(w.now.lifecycle, held),
                    S.RESERVED,
                    now,
                    self.actor,
                    detail=f"{len(plan.legs)} legs held",
                )
                if due and posted is None:
                    w.now = _settled(w.now, now, self.actor)
                elif due and posted is not None:
                    w.now = self._after_post(w.now, posted, now)
                continue
            index, result = failed
            leg = plan.legs[index]
            if result is CreateTransferResult.EXCEEDS_CREDITS and leg.debit in banks:
                w.now = self._queue(w.now, plan, leg.debit, now, last_place + 1 + todo.index(w))
                continue
            reason = "AM04" if result is CreateTransferResult.EXCEEDS_CREDITS else "MS03"
            w.now = _advance(
                w.now, S.REJECTED, now, self.actor, reason=reason, detail=f"{leg.what}: {result}"
            )

    def _queue(
        self, record: PaymentRecord, plan: Plan, account: int, now: datetime, place: int
    ) -> PaymentRecord:
        """The payment waiting for liquidity on a bank's `account`, at `place` in the queue
        (after every payment queued before it); one waiting already keeps its place."""
        if record.status is S.QUEUED:
            return record
        leg = next(leg for leg in plan.legs if leg.debit == account)
        waiting = {**record.settlement, "waiting_on": f"{account:032x}", "queue_place": place}
        return _advance(
            record.moved(record.lifecycle, waiting),
            S.QUEUED,
            now,
            self.actor,
            reason="AM04",
            detail=f"{leg.what}: short of liquidity",
            hop=leg.hop,
        )

    def _settle(self, work: list[_Work], now: datetime) -> None:
        """RESERVED → SETTLED for those whose value date has come: one ledger batch."""
        today = now.date()
        todo = [w for w in work if w.now.status is S.RESERVED and _due(w.now, today)]
        if not todo:
            return
        failures = self._apply(
            [finish(w.now.payment.uetr, plan_of(w.now), post=True) for w in todo]
        )
        stuck = []
        for w, failed in zip(todo, failures, strict=True):
            if failed is None:
                w.now = _settled(w.now, now, self.actor)
                continue
            w.now = self._after_post(w.now, failed, now)
            if w.now.status is S.RESERVED:
                stuck.append(f"{w.now.payment.uetr}: {failed}")
        if stuck:
            self._record(work)  # what did settle is kept
            raise LifecycleError(f"posting failed for {len(stuck)} payments: {stuck[0]}")

    def _after_post(
        self, record: PaymentRecord, failed: tuple[int, CreateTransferResult], now: datetime
    ) -> PaymentRecord:
        """A reserved payment whose post the ledger refused: one whose hold was voided
        (a cancellation the store was never told of, after a crash) is cancelled; any
        other refusal leaves it reserved, for the caller to report."""
        if failed[1] is CreateTransferResult.PENDING_TRANSFER_ALREADY_VOIDED:
            return _advance(
                record,
                S.CANCELLED,
                now,
                self.actor,
                reason="NARR",
                detail="its hold was voided on the ledger before the cancellation was recorded",
            )
        return record

    def _on_ledger(self, uetrs: Sequence[str]) -> set[str]:
        """The payments among `uetrs` whose reserving chain is on the ledger."""
        if not uetrs:
            return set()
        first = {leg_id(u, "reserve", 0): u for u in uetrs}
        return {first[t.id] for t in self.ledger.lookup_transfers(list(first))}

    def _apply(
        self, chains: Sequence[list[Transfer]]
    ) -> list[tuple[int, CreateTransferResult] | None]:
        """Apply linked chains in as few ledger batches as fit; per chain, None when it
        took, else its first leg that failed and why."""
        out: list[tuple[int, CreateTransferResult] | None] = []
        for group in _batches(chains):
            results = self.ledger.create_transfers([t for chain in group for t in chain])
            start = 0
            for chain in group:
                mine = results[start : start + len(chain)]
                start += len(chain)
                out.append(_first_failure(mine))
        return out

    def _step(
        self,
        record: PaymentRecord,
        to: PaymentStatus,
        *,
        actor: str | None = None,
        reason: str = "",
        detail: str = "",
        settlement: dict[str, Any] | None = None,
    ) -> PaymentRecord:
        """The payment one step on (with a new `settlement`, when given), stored at once
        (its limits given back if it stops counting)."""
        moved = record if settlement is None else record.moved(record.lifecycle, settlement)
        work = _Work(
            record,
            _advance(moved, to, self._now(), actor or self.actor, reason=reason, detail=detail),
        )
        self._record([work])
        return work.now


def _advance(
    record: PaymentRecord,
    to: PaymentStatus,
    at: datetime,
    actor: str,
    *,
    reason: str = "",
    detail: str = "",
    hop: int | None = None,
) -> PaymentRecord:
    # Never before the payment's last event: a clock set back (a demo day booked again
    # after a crash) does not make a payment's history run backwards.
    at = max(at, record.lifecycle.events[-1].at)
    life = record.lifecycle.advance(to, at, actor, reason=reason, detail=detail, hop=hop)
    return record.moved(life)


def _settled(record: PaymentRecord, at: datetime, actor: str) -> PaymentRecord:
    return _advance(
        record, S.SETTLED, at, actor, detail=f"credited {record.settlement['credited']}"
    )


def _give_back(
    connection: Connection, record: PaymentRecord, taken: Iterable[dict[str, Any]] | None = None
) -> None:
    """Give back the limits `record` took (all it keeps in its settlement, or `taken`)."""
    for kept in record.settlement.get("limits", []) if taken is None else taken:
        repository.give_back_limit(connection, _key(kept), kept["amount_minor"])


def _key(kept: dict[str, Any]) -> repository.UsageKey:
    """The usage row a limit kept with a payment is counted in."""
    return kept["client"], kept["kind"], kept["period"]


def _parties(payment: Payment) -> screening.PaymentParties:
    return screening.PaymentParties(
        payment_ref=payment.uetr,
        debtor=screening.Party(payment.debtor.name, payment.debtor.country),
        creditor=screening.Party(payment.creditor.name, payment.creditor.country),
        debtor_agent=screening.Agent(payment.debtor_agent),
        creditor_agent=screening.Agent(payment.creditor_agent),
        intermediary_agents=tuple(screening.Agent(b) for b in payment.intermediary_agents),
        remittance=payment.remittance,
    )


def _due(record: PaymentRecord, today: date) -> bool:
    value_date = record.settlement.get("value_date")
    return value_date is None or date.fromisoformat(value_date) <= today


def _batches(chains: Sequence[list[Transfer]]) -> list[list[list[Transfer]]]:
    """Chains grouped into ledger batches of at most BATCH_MAX transfers, none split."""
    groups: list[list[list[Transfer]]] = []
    size = BATCH_MAX + 1
    for chain in chains:
        if size + len(chain) > BATCH_MAX:
            groups.append([])
            size = 0
        groups[-1].append(chain)
        size += len(chain)
    return groups


def _first_failure(
    results: Sequence[CreateTransferResult],
) -> tuple[int, CreateTransferResult] | None:
    for index, result in enumerate(results):
        if result not in _OK and result is not CreateTransferResult.LINKED_EVENT_FAILED:
            return index, result
    return None


__all__ = [
    "Corridor",
    "PaymentEngine",
    "PaymentNotFoundError",
    "Submission",
]
