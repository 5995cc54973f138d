"""The payments engine: from instruction to settlement, on the ledger.

`submit` takes a payment through its lifecycle: received → validated (its own fields, then
the directory: agents, accounts, route) → screened (held in a case on a hit) → priced (an
FX quote locked for a cross-currency payment; fees by charge bearer) → reserved (its
linked chain of pending ledger transfers; queued when a bank on the route is short of the
currency) → settled (the chain posted). `cancel`, `return_payment` and `release_queue`
move it on from there. Every step is a tracker event in the store.

Each step is written before the next begins, and ledger transfer ids derive from the
UETR, so a step retried after a crash answers "exists" on the ledger and the payment
carries on where it stopped. The same instruction twice (same idempotency key, or the
same debtor agent and end-to-end id) is one payment: the second submission says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from corridor.compliance import payment_screening as screening
from corridor.compliance.aml_rules import MonitoringConfig, evaluate
from corridor.compliance.cases import CaseStatus, cleared_for_payment, list_cases, open_case
from corridor.compliance.limits import MAINLAND_INDIVIDUAL_FX_QUOTA, check_limits
from corridor.compliance.matching import ScreeningIndex, Tiers
from corridor.compliance.monitoring import ClientKind, PaymentFacts
from corridor.fx import FxDesk, FxError
from corridor.ledger import CreateTransferResult, Ledger
from corridor.money import Money
from corridor.payments import repository
from corridor.payments.fees import FeeError, FeeTable
from corridor.payments.lifecycle import Lifecycle, LifecycleError, PaymentStatus
from corridor.payments.payment import Payment, Problem, check_payment, mainland_fx_purchase
from corridor.payments.planning import plan_json, plan_of, plan_payment, return_legs
from corridor.payments.reference import Directory, ReferenceDataError
from corridor.payments.repository import PaymentRecord
from corridor.payments.settlement import (
    finish,
    posted_chain,
    reserve,
    settlement,
)

S = PaymentStatus
QUOTA = MAINLAND_INDIVIDUAL_FX_QUOTA
MONITORED = timedelta(days=7)
"""How far back the monitoring rules look (the longest default window: structuring)."""
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

    # -- reading -------------------------------------------------------------------------

    def get(self, uetr: str) -> PaymentRecord:
        """The stored payment with this UETR."""
        with self.engine.connect() as connection:
            record = repository.load(connection, uetr)
        if record is None:
            raise PaymentNotFoundError(f"no payment with UETR {uetr}")
        return record

    # -- the lifecycle -------------------------------------------------------------------

    def submit(
        self, payment: Payment, *, idempotency_key: str | None = None, priority: int = 0
    ) -> Submission:
        """Take a new instruction as far as it goes now: settled, or held, queued,
        rejected. The same instruction again returns the first payment, not a second."""
        with self.engine.begin() as connection:
            existing = repository.find_existing(connection, payment, idempotency_key)
            if existing is not None:
                record = repository.load(connection, existing)
                assert record is not None  # found a moment ago, in this transaction
                return Submission(record, created=False)
            now = self.clock()
            record = PaymentRecord(
                payment, Lifecycle.received(now, "api"), {}, idempotency_key, priority
            )
            record = self._validate(record, now)
            repository.insert(connection, record)
        if record.status is S.VALIDATED:
            screened = self._screen(record, save=False)
            if screened.status is S.SCREENED:
                return Submission(self.proceed(screened, stored=record), created=True)
            self._save(record, screened)
            record = screened
        return Submission(record, created=True)

    def proceed(
        self, record: PaymentRecord, *, stored: PaymentRecord | None = None
    ) -> PaymentRecord:
        """Price, reserve and settle a screened (or priced) payment, as far as it goes now.

        `stored` is the payment as the store holds it, when `record` is a step ahead in
        memory. Steps are saved together where nothing outside the store depends on them
        in between; a priced payment is saved before its chain reaches the ledger, so a
        retry after a crash deals on the same plan (and the ledger answers "exists").
        """
        stored = stored or record
        if record.status is S.SCREENED:
            record = self._price(record, save=False)
        if record.status is S.PRICED:
            self._save(stored, record)
            stored = record
            record = self._reserve(record, save=False)
        if record.status is S.RESERVED:
            record = self._settle(record, save=False)
        if record is not stored:
            self._save(stored, record)
        return record

    def recover(self) -> list[PaymentRecord]:
        """Carry on with payments a crash left priced (their chain may be on the ledger
        already: it answers "exists"), then settle what came due."""
        with self.engine.connect() as connection:
            priced = repository.in_status(connection, S.PRICED)
        resumed = [self.proceed(self.get(uetr)) for uetr in priced]
        return resumed + self.settle_due()

    def release(self, uetr: str, *, actor: str = "compliance") -> PaymentRecord:
        """Carry on with a payment held for review once its case released it."""
        record = self.get(uetr)
        record = self._step(record, S.SCREENED, actor=actor, detail="released by review")
        return self.proceed(record)

    def resume_decided(self) -> list[PaymentRecord]:
        """Carry on with every held payment whose four-eyes case is closed: released ones
        go on to settlement, true matches are rejected (RR04)."""
        closed = {
            case.payment_ref: case
            for case in list_cases(self.engine, (CaseStatus.RELEASED, CaseStatus.REJECTED))
        }
        with self.engine.connect() as connection:
            held = repository.in_status(connection, S.HELD)
        done = []
        for uetr in held:
            case = closed.get(uetr)
            if case is None:
                continue
            if case.status is CaseStatus.RELEASED:
                done.append(self.release(uetr))
            else:
                done.append(
                    self.reject(uetr, "RR04", actor="compliance", detail=f"case {case.case_id}")
                )
        return done

    def reject(self, uetr: str, reason: str, *, actor: str, detail: str = "") -> PaymentRecord:
        """Reject a payment not yet reserved (e.g. a true match on review)."""
        record = self.get(uetr)
        if record.status is S.RESERVED:
            raise LifecycleError(f"payment {uetr} is reserved: cancel it instead")
        return self._step(record, S.REJECTED, actor=actor, reason=reason, detail=detail)

    def cancel(self, uetr: str, *, reason: str = "CUST", actor: str = "api") -> PaymentRecord:
        """Cancel a payment not yet settled, releasing its reservation if it has one."""
        record = self.get(uetr)
        if not record.lifecycle.can(S.CANCELLED):
            raise LifecycleError(f"a {record.status} payment cannot be cancelled")
        if record.status is S.RESERVED:
            plan = plan_of(record)
            self._apply(finish(record.payment.uetr, plan, post=False), "void")
        return self._step(record, S.CANCELLED, actor=actor, reason=reason)

    def return_payment(self, uetr: str, *, reason: str, actor: str = "api") -> PaymentRecord:
        """Return a settled payment: what the creditor received goes back along the
        route (each bank keeps its fee), converted back at the rate it was dealt at."""
        record = self.get(uetr)
        if not record.lifecycle.can(S.RETURNED):
            raise LifecycleError(f"a {record.status} payment cannot be returned")
        legs, returned = return_legs(record)
        failed = self._apply(posted_chain(uetr, "return", legs), "return")
        if failed is not None:
            raise LifecycleError(f"the return of {uetr} could not be booked: {failed}")
        settled = {**record.settlement, "returned": returned}
        return self._step(
            replace(record, settlement=settled),
            S.RETURNED,
            actor=actor,
            reason=reason,
            detail=f"returned {returned['to_debtor']} to the debtor",
        )

    def settle_due(self, *, limit: int = 10_000) -> list[PaymentRecord]:
        """Post every reserved payment whose value date has come."""
        with self.engine.connect() as connection:
            reserved = repository.in_status(connection, S.RESERVED, limit)
        settled = [self._settle(self.get(uetr)) for uetr in reserved]
        return [record for record in settled if record.status is S.SETTLED]

    def release_queue(self, *, limit: int = 1000) -> list[PaymentRecord]:
        """Try the queued payments again, higher priority first, then first in; stop at the
        first one still short, so none overtakes an earlier one of its priority."""
        with self.engine.connect() as connection:
            waiting = repository.queued(connection, limit)
        done = []
        for uetr in waiting:
            record = self._reserve(self.get(uetr))
            if record.status is S.QUEUED:
                break
            if record.status is S.RESERVED:
                record = self._settle(record)
            done.append(record)
        return done

    # -- the steps -----------------------------------------------------------------------

    def _step(
        self,
        record: PaymentRecord,
        to: PaymentStatus,
        *,
        actor: str | None = None,
        reason: str = "",
        detail: str = "",
        hop: int | None = None,
        settlement_info: dict[str, Any] | None = None,
        save: bool = True,
    ) -> PaymentRecord:
        """The payment one step on; stored at once unless `save` is false (the caller
        then saves it with the steps that follow)."""
        lifecycle = record.lifecycle.advance(
            to, self.clock(), actor or self.actor, reason=reason, detail=detail, hop=hop
        )
        after = replace(
            record,
            lifecycle=lifecycle,
            settlement=record.settlement if settlement_info is None else settlement_info,
        )
        if save:
            self._save(record, after)
        return after

    def _save(self, stored: PaymentRecord, after: PaymentRecord) -> None:
        with self.engine.begin() as connection:
            repository.update(connection, stored, after)

    def _validate(self, record: PaymentRecord, now: datetime) -> PaymentRecord:
        payment = record.payment
        problems = check_payment(payment, today=now.date()) or self._reference_problems(payment)
        if problems:
            detail = "; ".join(str(p) for p in problems)
            life = record.lifecycle.advance(
                S.REJECTED, now, "engine", reason=problems[0].reason, detail=detail
            )
        else:
            life = record.lifecycle.advance(S.VALIDATED, now, "engine")
        return replace(record, lifecycle=life)

    def _reference_problems(self, payment: Payment) -> list[Problem]:
        directory = self.corridor.directory
        problems = []
        for where, bic in (
            ("debtor_agent", payment.debtor_agent),
            ("creditor_agent", payment.creditor_agent),
        ):
            try:
                directory.institution(bic, field=where)
            except ReferenceDataError as exc:
                problems.append(Problem(where, str(exc), "RC01"))
        if problems:
            return problems
        for role, bic, currency, code in (
            ("debtor", payment.debtor_agent, payment.instructed_amount.currency.code, "AC01"),
            ("creditor", payment.creditor_agent, payment.settlement_currency, "AC03"),
        ):
            party = getattr(payment, role)
            try:
                _client, account = directory.account_holder(party.account)
            except ReferenceDataError as exc:
                problems.append(Problem(f"{role}.account", str(exc), code))
                continue
            if (
                directory.institution(account.servicer_bic).bic11
                != directory.institution(bic).bic11
            ):
                problems.append(Problem(f"{role}.account", f"is not held at {bic}", code))
            elif account.currency.code != currency:
                problems.append(
                    Problem(f"{role}.account", f"is a {account.currency.code} account", "AM03")
                )
        if problems:
            return problems
        try:
            directory.route(
                payment.debtor_agent, payment.creditor_agent, payment.settlement_currency
            )
        except ReferenceDataError as exc:
            problems.append(Problem("creditor_agent", str(exc), "AGNT"))
        return problems

    def _screen(self, record: PaymentRecord, *, save: bool = True) -> PaymentRecord:
        index = self.corridor.screening
        if index is None:
            return self._step(record, S.SCREENED, detail="no lists loaded", save=save)
        payment = record.payment
        parties = screening.PaymentParties(
            payment_ref=payment.uetr,
            debtor=screening.Party(payment.debtor.name, payment.debtor.country),
            creditor=screening.Party(payment.creditor.name, payment.creditor.country),
            debtor_agent=screening.Agent(payment.debtor_agent),
            creditor_agent=screening.Agent(payment.creditor_agent),
            intermediary_agents=tuple(screening.Agent(b) for b in payment.intermediary_agents),
            remittance=payment.remittance,
        )
        cleared = cleared_for_payment(self.engine, parties)
        result = screening.screen_payment(
            index, parties, tiers=self.corridor.tiers, cleared=cleared
        )
        if result["decision"] == "pass":
            return self._step(record, S.SCREENED, detail="no list hit", save=save)
        case = open_case(self.engine, result, payment.uetr)
        top = result["candidates"][0]
        return self._step(
            record,
            S.HELD,
            reason="RR04",
            detail=f"case {case.case_id}: {top['matched_name']} ({top['list']}, {top['score']})",
            save=save,
        )

    def _price(self, record: PaymentRecord, *, save: bool = True) -> PaymentRecord:
        now, corridor, payment = self.clock(), self.corridor, record.payment
        try:
            plan, info = plan_payment(
                payment, corridor.directory, corridor.fees, corridor.desk, now
            )
            usd = self._usd_equivalent(payment, now)
        except (FxError, FeeError, ReferenceDataError) as exc:
            return self._step(
                record, S.REJECTED, reason=_reason_of(exc), detail=str(exc), save=save
            )
        info["usd_equivalent"] = str(usd.amount)
        facts = _facts(payment, now, usd)
        with self.engine.connect() as connection:
            year = datetime(now.astimezone(QUOTA.zone).year, 1, 1, tzinfo=QUOTA.zone)
            since = min(year.astimezone(UTC), now - MONITORED)
            counted = repository.counting_since(connection, payment.debtor.account, since)
        earlier = [
            replace(
                facts,
                reference=c.uetr,
                booked_at=c.received_at,
                amount=c.instructed,
                amount_usd=c.usd_equivalent,
                mainland_individual_fx_purchase=c.mainland_fx,
            )
            for c in counted
            if c.uetr != payment.uetr
        ]
        breaches = check_limits(facts, earlier, None, fx_quota=QUOTA)
        if breaches:
            return self._step(
                record, S.REJECTED, reason="AM02", detail=breaches[0].explanation, save=save
            )
        alerts = evaluate(facts, earlier, corridor.monitoring)
        info["alerts"] = [
            {"rule": a.rule.value, "severity": a.severity.value, "explanation": a.explanation}
            for a in alerts
        ]
        detail = f"rate {info['fx']['customer_rate']}" if info.get("fx") else "one currency"
        if alerts:
            detail += "; alerts: " + "; ".join(a.explanation for a in alerts)
        return self._step(
            record,
            S.PRICED,
            detail=detail,
            settlement_info=info | {"plan": plan_json(plan)},
            save=save,
        )

    def _usd_equivalent(self, payment: Payment, now: datetime) -> Money:
        """The instructed amount in USD at the debtor's bank's rate, for quotas and rules."""
        sold = payment.instructed_amount
        if sold.currency.code == "USD":
            return sold
        return self.corridor.desk.quote(payment.debtor_agent, sold, "USD", now).bought

    def _reserve(self, record: PaymentRecord, *, save: bool = True) -> PaymentRecord:
        plan = plan_of(record)
        failed = self._apply(reserve(record.payment.uetr, plan), "reserve")
        if failed is None:
            return self._step(record, S.RESERVED, detail=f"{len(plan.legs)} legs held", save=save)
        index, result = failed
        leg = plan.legs[index]
        banks = {settlement(bic, leg.currency) for bic in record.settlement["route"]}
        if result is CreateTransferResult.EXCEEDS_CREDITS and leg.debit in banks:
            if record.status is S.QUEUED:
                return record  # still short: stays where it is in the queue
            return self._step(
                record,
                S.QUEUED,
                reason="AM04",
                detail=f"{leg.what}: short of liquidity",
                hop=leg.hop,
                save=save,
            )
        reason = "AM04" if result is CreateTransferResult.EXCEEDS_CREDITS else "MS03"
        return self._step(
            record, S.REJECTED, reason=reason, detail=f"{leg.what}: {result}", save=save
        )

    def _settle(self, record: PaymentRecord, *, save: bool = True) -> PaymentRecord:
        info = record.settlement
        due = date.fromisoformat(info["value_date"]) if info.get("value_date") else None
        if due is not None and due > self.clock().date():
            return record  # reserved until its value date; settle_due posts it then
        plan = plan_of(record)
        failed = self._apply(finish(record.payment.uetr, plan, post=True), "post")
        if failed is not None:
            raise LifecycleError(f"posting {record.payment.uetr} failed: {failed}")
        return self._step(record, S.SETTLED, detail=f"credited {info['credited']}", save=save)

    def _apply(self, transfers: list[Any], what: str) -> tuple[int, CreateTransferResult] | None:
        """Apply one linked chain; None when it took, else the first leg that failed."""
        results = self.ledger.create_transfers(transfers)
        for index, result in enumerate(results):
            if result not in _OK and result is not CreateTransferResult.LINKED_EVENT_FAILED:
                return index, result
        return None


def _facts(payment: Payment, at: datetime, usd: Money) -> PaymentFacts:
    """What the limits and monitoring rules know of a payment (the client is its debtor
    account)."""
    return PaymentFacts(
        reference=payment.uetr,
        client_id=payment.debtor.account,
        client_kind=ClientKind.INDIVIDUAL if payment.debtor.individual else ClientKind.CORPORATE,
        client_residence=payment.debtor.country,
        booked_at=at,
        amount=payment.instructed_amount,
        amount_usd=usd,
        debtor_country=payment.debtor.country,
        creditor_country=payment.creditor.country,
        agent_countries=tuple(bic[4:6] for bic in (payment.debtor_agent, payment.creditor_agent)),
        purpose=payment.purpose_code or None,
        mainland_individual_fx_purchase=mainland_fx_purchase(payment),
    )


def _reason_of(exc: Exception) -> str:
    if isinstance(exc, FxError):
        return "CURR" if "currency" in type(exc).__name__.lower() else "MS03"
    if isinstance(exc, FeeError):
        return "AM09"
    return "AGNT"


__all__ = [
    "Corridor",
    "PaymentEngine",
    "PaymentNotFoundError",
    "Submission",
]
