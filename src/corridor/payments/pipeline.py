"""The steps a batch of payments goes through, shared by every way the engine moves
payments on (see `engine` for the whole): screen, price, record (taking limits and held
quotes), reserve and post on the ledger (with the liquidity queue), record again.

`Pipeline` holds the store, the ledger, the corridor and the clock; `PaymentEngine`
(`engine.py`) is the public face over it. Each step takes the batch's `Work` items (a
payment as stored, and as it is now) and moves the ones in its status on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from corridor.compliance import payment_screening as screening
from corridor.compliance.aml_rules import MonitoringConfig, lookback
from corridor.compliance.cases import cleared_for_keys, open_case
from corridor.compliance.limits import LimitCode, breach_of
from corridor.compliance.matching import ScreeningIndex, Tiers
from corridor.compliance.monitoring import PaymentFacts
from corridor.fx import FxDesk, FxError, Quote
from corridor.ledger import CreateTransferResult, Ledger, Transfer
from corridor.ledger.model import BATCH_MAX
from corridor.money import Money
from corridor.payments import repository, usage
from corridor.payments.dealing import HeldQuoteError, held_quote, quote_key
from corridor.payments.fees import FeeTable
from corridor.payments.lifecycle import LifecycleError, PaymentStatus
from corridor.payments.liquidity import Liquidity
from corridor.payments.payment import Payment
from corridor.payments.planning import plan_of
from corridor.payments.pricing import LIMIT_REASONS, QUOTA, ClientHistories, Priced, price
from corridor.payments.reference import Directory
from corridor.payments.repository import COUNTING, PaymentRecord
from corridor.payments.settlement import (
    Plan,
    finish,
    leg_id,
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
class Work:
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


class Pipeline:
    """The store, ledger, corridor and clock payments move on with, and the steps of a
    batch."""

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
        self.histories = ClientHistories()
        """The debtors' monitoring windows, kept between batches (see ClientHistories)."""

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

    # -- the batch pipeline ----------------------------------------------------------------

    def _stored(self, uetrs: Sequence[str]) -> list[PaymentRecord]:
        records = self.get_many(uetrs)
        if len(records) != len(set(uetrs)):
            missing = sorted(set(uetrs) - {r.payment.uetr for r in records})
            raise PaymentNotFoundError(f"no payment with UETR {missing[0]}")
        return records

    def _carry_on_stored(self, uetrs: Sequence[str]) -> list[PaymentRecord]:
        work = [Work(r, r) for r in self.get_many(uetrs)]
        self._carry_on(work)
        return [w.now for w in work]

    def _carry_on(self, work: list[Work]) -> None:
        """Take every payment of a batch as far as it goes now (the module docstring's
        steps 1 to 4); each `Work.now` is where it ends, as stored."""
        if not work:
            return
        now = self._now()
        self._screen(work, now)
        self._price(work, now)
        self._record(work)
        self._reserve(work, now)
        self._settle(work, now)
        self._record(work)

    def _screen(self, work: list[Work], now: datetime) -> None:
        """VALIDATED → SCREENED, or HELD in a four-eyes case on a list hit."""
        todo = [w for w in work if w.now.status is S.VALIDATED]
        if not todo:
            return
        index = self.corridor.screening
        if index is None:
            for w in todo:
                w.now = moved_on(w.now, S.SCREENED, now, self.actor, detail="no lists loaded")
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
                w.now = moved_on(w.now, S.SCREENED, now, self.actor, detail="no list hit")
                continue
            case = open_case(self.engine, result, named.payment_ref)
            top = result["candidates"][0]
            w.now = moved_on(
                w.now,
                S.HELD,
                now,
                self.actor,
                reason="RR04",
                detail=f"case {case.case_id}: {top['matched_name']} ({top['list']},"
                f" {top['score']})",
            )

    def _price(self, work: list[Work], now: datetime) -> None:
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
                self.histories.known,
            )
            quotes = repository.quotes_by_id(connection, quote_ids) if quote_ids else {}
        histories = self.histories.for_batch(counted)
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

    def _record(self, work: list[Work]) -> None:
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

    def _lock_limits(self, connection: Connection, work: list[Work]) -> None:
        """Create and lock (in key order) every usage row the batch's newly priced payments
        take from or its leaving payments give back to; a quota row new to the store
        adopts the client's purchases stored before limits were kept with payments."""
        wanted: dict[usage.UsageKey, tuple[str, int]] = {}
        for w in work:
            was = w.stored.status if w.stored is not None else None
            taking = w.now.status is S.PRICED and was not in COUNTING
            leaving = was in COUNTING and w.now.status not in COUNTING
            if taking or leaving:
                for kept in w.now.settlement.get("limits", []):
                    wanted.setdefault(_key(kept), (kept["currency"], kept["limit_minor"]))
        for key in usage.lock_usage(connection, wanted):
            if key[1] != LimitCode.FX_QUOTA.value:
                continue  # only the quota was counted before limits were kept
            year = int(key[2])
            client = self.corridor.directory.client(key[0])
            currency, limit_minor = wanted[key]
            usage.adopt_legacy_quota(
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

    def _take_limits(self, connection: Connection, w: Work) -> PaymentRecord:
        """Take each limit the payment counts against, and its held quote; the first it
        cannot take rejects it, giving back what it took."""
        record = w.now
        taken: list[dict[str, Any]] = []
        for use, kept in zip(w.uses, record.settlement["limits"], strict=True):
            used = usage.take_limit(
                connection, _key(kept), kept["amount_minor"], kept["limit_minor"]
            )
            if used is None:
                taken.append(kept)
                continue
            _give_back(connection, record, taken)
            assert w.facts is not None  # priced payments have their facts
            breach = breach_of(use, w.facts, Money.from_minor_units(used, kept["currency"]))
            assert breach is not None  # the guard refused exactly because it would go over
            return moved_on(
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
            return moved_on(
                record,
                S.REJECTED,
                record.lifecycle.events[-1].at,
                self.actor,
                reason="NARR",
                detail=str(error),
            )
        return record

    def _reserve(self, work: list[Work], now: datetime) -> None:
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
        tried: list[tuple[Work, Plan, bool]] = []
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
                w.now = moved_on(
                    w.now.moved(w.now.lifecycle, _off_the_queue(w.now.settlement)),
                    S.RESERVED,
                    now,
                    self.actor,
                    detail=f"{len(plan.legs)} legs held",
                )
                if due and posted is None:
                    w.now = settled_at(w.now, now, self.actor)
                elif due and posted is not None:
                    w.now = self._after_post(w.now, posted, now)
                continue
            index, result = failed
            leg = plan.legs[index]
            if result is CreateTransferResult.EXCEEDS_CREDITS and leg.debit in banks:
                w.now = self._queue(w.now, plan, leg.debit, now, last_place + 1 + todo.index(w))
                continue
            reason = "AM04" if result is CreateTransferResult.EXCEEDS_CREDITS else "MS03"
            w.now = moved_on(
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
        return moved_on(
            record.moved(record.lifecycle, waiting),
            S.QUEUED,
            now,
            self.actor,
            reason="AM04",
            detail=f"{leg.what}: short of liquidity",
            hop=leg.hop,
        )

    def _settle(self, work: list[Work], now: datetime) -> None:
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
                w.now = settled_at(w.now, now, self.actor)
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
            return moved_on(
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
        work = Work(
            record,
            moved_on(moved, to, self._now(), actor or self.actor, reason=reason, detail=detail),
        )
        self._record([work])
        return work.now


def moved_on(
    record: PaymentRecord,
    to: PaymentStatus,
    at: datetime,
    actor: str,
    *,
    reason: str = "",
    detail: str = "",
    hop: int | None = None,
) -> PaymentRecord:
    """The payment one step on (see `Lifecycle.advance`), at `at` or its last event's time."""
    # Never before the payment's last event: a clock set back (a demo day booked again
    # after a crash) does not make a payment's history run backwards.
    at = max(at, record.lifecycle.events[-1].at)
    life = record.lifecycle.advance(to, at, actor, reason=reason, detail=detail, hop=hop)
    return record.moved(life)


def settled_at(record: PaymentRecord, at: datetime, actor: str) -> PaymentRecord:
    """The reserved payment settled at `at`."""
    return moved_on(
        record, S.SETTLED, at, actor, detail=f"credited {record.settlement['credited']}"
    )


def _give_back(
    connection: Connection, record: PaymentRecord, taken: Iterable[dict[str, Any]] | None = None
) -> None:
    """Give back the limits `record` took (all it keeps in its settlement, or `taken`)."""
    for kept in record.settlement.get("limits", []) if taken is None else taken:
        usage.give_back_limit(connection, _key(kept), kept["amount_minor"])


def _key(kept: dict[str, Any]) -> usage.UsageKey:
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


def _off_the_queue(settlement: dict[str, Any]) -> dict[str, Any]:
    """The settlement without its place in the liquidity queue; the same dict when it has
    none, so that the store is not asked to write an unchanged settlement again."""
    if "waiting_on" not in settlement and "queue_place" not in settlement:
        return settlement
    return {k: v for k, v in settlement.items() if k not in ("waiting_on", "queue_place")}


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
    "PaymentNotFoundError",
    "Pipeline",
    "Submission",
    "Work",
    "moved_on",
    "settled_at",
]
