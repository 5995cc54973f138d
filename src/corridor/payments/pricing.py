"""Pricing a screened payment: its settlement plan (route, FX deal, fees), its USD
equivalent, the limits it counts against, and the monitoring rules' alerts.

Pure: the engine hands in the client's recent history and, for a payment that names one,
the quote its debtor dealt on; it records the outcome and takes the limits in the
store, where a limit the payment would go over rejects it after all (see `engine`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from corridor.compliance.aml_rules import MonitoringConfig, evaluate
from corridor.compliance.limits import (
    MAINLAND_INDIVIDUAL_FX_QUOTA,
    LimitCode,
    LimitCurrencyError,
    LimitUse,
    limit_uses,
)
from corridor.compliance.monitoring import ClientKind, ClientWindow, PaymentFacts
from corridor.fx import FxDesk, FxError, Quote
from corridor.money import Money
from corridor.payments.fees import FeeError, FeeTable
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Payment, mainland_fx_purchase
from corridor.payments.planning import plan_json, plan_payment
from corridor.payments.reference import Directory, ReferenceDataError
from corridor.payments.repository import CountingPayment, PaymentRecord
from corridor.payments.settlement import Plan

QUOTA = MAINLAND_INDIVIDUAL_FX_QUOTA
LIMIT_REASONS = {
    LimitCode.FX_QUOTA: "AM02",  # over the allowed maximum (a regulatory quota)
    LimitCode.DAILY: "AM14",  # over the limits agreed between bank and client
    LimitCode.ANNUAL: "AM14",
}
"""The ISO 20022 reason a payment over each kind of limit is rejected with."""


@dataclass(frozen=True, slots=True)
class Priced:
    """A payment priced (or rejected while pricing), with what the engine records next:
    its facts for the monitoring of later payments and the limits it would take."""

    record: PaymentRecord
    facts: PaymentFacts | None
    uses: tuple[LimitUse, ...]
    plan: Plan | None = None


def price(
    record: PaymentRecord,
    *,
    directory: Directory,
    fees: FeeTable,
    desk: FxDesk,
    monitoring: MonitoringConfig,
    now: datetime,
    actor: str,
    history: ClientHistory,
    held: Quote | FxError | None = None,
) -> Priced:
    """`record` priced at `now`: PRICED with its plan, FX deal, fees, USD equivalent,
    limits and alerts in its settlement; or REJECTED with the reason (an FX, fee or
    routing failure, or a held quote that cannot be dealt on).

    The monitoring rules read the debtor's `history`, to which a priced payment is
    added for the payments after it; `held` is the quote the payment names, or why it
    cannot be used."""
    payment = record.payment
    try:
        if isinstance(held, FxError):
            raise held
        plan, info = plan_payment(payment, directory, fees, desk, now, held=held)
        usd = usd_equivalent(desk, payment, now)
        client, _account = directory.account_holder(payment.debtor.account)
        facts = payment_facts(payment, now, usd, client.client_id)
        uses = tuple(limit_uses(facts, client.limits, fx_quota=QUOTA))
    except (FxError, FeeError, ReferenceDataError, LimitCurrencyError) as exc:
        return Priced(_rejected(record, now, actor, reason_of(exc), str(exc)), None, ())
    info["usd_equivalent"] = str(usd.amount)
    alerts = evaluate(facts, history.before(facts), monitoring)
    history.add(facts)
    info["alerts"] = [
        {"rule": a.rule.value, "severity": a.severity.value, "explanation": a.explanation}
        for a in alerts
    ]
    info["limits"] = [limit_json(use, client.client_id) for use in uses]
    detail = f"rate {info['fx']['customer_rate']}" if info.get("fx") else "one currency"
    if alerts:
        detail += "; alerts: " + "; ".join(a.explanation for a in alerts)
    life = record.lifecycle.advance(PaymentStatus.PRICED, now, actor, detail=detail)
    priced = record.moved(life, info | {"plan": plan_json(plan)})
    return Priced(priced, facts, uses, plan)


def limit_json(use: LimitUse, client_id: str) -> dict[str, Any]:
    """A limit a payment takes, as kept with it (so it can be given back exactly): the
    client's, whatever account it pays from."""
    return {
        "client": client_id,
        "kind": use.code.value,
        "period": use.period,
        "currency": use.limit.currency.code,
        "amount_minor": use.amount.to_minor_units(),
        "limit_minor": use.limit.to_minor_units(),
    }


def _rejected(
    record: PaymentRecord, now: datetime, actor: str, reason: str, detail: str
) -> PaymentRecord:
    life = record.lifecycle.advance(
        PaymentStatus.REJECTED, now, actor, reason=reason, detail=detail
    )
    return record.moved(life)


def usd_equivalent(desk: FxDesk, payment: Payment, now: datetime) -> Money:
    """The instructed amount in USD at the debtor's bank's rate, for limits and rules."""
    sold = payment.instructed_amount
    if sold.currency.code == "USD":
        return sold
    return desk.equivalent(payment.debtor_agent, sold, "USD", now)


def payment_facts(payment: Payment, at: datetime, usd: Money, client_id: str) -> PaymentFacts:
    """What the limits and monitoring rules know of a payment, whose debtor is the
    directory's client `client_id`."""
    return PaymentFacts(
        reference=payment.uetr,
        client_id=client_id,
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


def _stored_facts(facts: PaymentFacts, counted: CountingPayment) -> PaymentFacts:
    """A stored payment as the rules read it: its time, amount and USD equivalent; the rest
    is the client's, which every payment of one debtor shares (the rules read nothing else
    of a payment in the history). The constructor, not dataclasses.replace, which reads
    the fields anew for every copy."""
    return PaymentFacts(
        reference=counted.uetr,
        client_id=facts.client_id,
        client_kind=facts.client_kind,
        client_residence=facts.client_residence,
        booked_at=counted.received_at,
        amount=counted.instructed,
        amount_usd=counted.usd_equivalent,
        debtor_country=facts.debtor_country,
        creditor_country=facts.creditor_country,
        agent_countries=facts.agent_countries,
        purpose=facts.purpose,
        mainland_individual_fx_purchase=counted.mainland_fx,
    )


@dataclass(slots=True)
class _Kept:
    """One debtor's window as the last batch left it."""

    client: tuple[str, ClientKind, str]
    window: ClientWindow
    stored: dict[str, CountingPayment]
    """The stored payments the window holds, by UETR: the objects the store's read gave."""
    provisional: list[str]
    """Payments priced in the last batch, held in the window until the store tells."""


class ClientHistories:
    """Each debtor's `ClientWindow`, kept from one batch to the next.

    A busy client's recent payments are read back from the store in every batch; turning
    each of them into facts and sorting them again made every batch cost the client's
    whole window. Kept, a window is brought in line with what the store read gives:
    the payments priced in the last batch come out, a stored payment the read no longer
    gives (cancelled, returned, rejected, aged out of the lookback) or gives changed
    comes out, and the new ones go in, so it holds exactly what a window built afresh
    from the read would hold. `known` is the store read's memory of its rows
    (`repository.history`), so an unchanged row is the same object again.

    Kept for the `capacity` debtors seen last. One per engine, used by one thread.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.known: dict[str, dict[tuple[Any, ...], CountingPayment]] = {}
        self._kept: dict[str, _Kept] = {}

    def for_batch(self, counted: dict[str, list[CountingPayment]]) -> dict[str, ClientHistory]:
        """One `ClientHistory` per debtor account of the batch, from the store's read."""
        histories = {
            account: ClientHistory(rows, self, account) for account, rows in counted.items()
        }
        for account in counted:  # seen now: kept the longest
            kept = self._kept.pop(account, None)
            if kept is not None:
                self._kept[account] = kept
        while len(self._kept) > self.capacity:
            del self._kept[next(iter(self._kept))]
        if len(self.known) > self.capacity:
            self.known = {a: rows for a, rows in self.known.items() if a in self._kept}
        return histories

    def window(
        self, account: str, facts: PaymentFacts, counted: Sequence[CountingPayment]
    ) -> ClientWindow:
        """`account`'s window holding exactly `counted`, kept or built."""
        client = (facts.client_id, facts.client_kind, facts.client_residence)
        # Taken out while it changes: should bringing it in line fail, the debtor is
        # unkept and the next batch builds its window afresh.
        kept = self._kept.pop(account, None)
        if kept is not None and kept.client == client:
            _bring_in_line(kept, facts, counted)
        else:
            kept = _Kept(
                client,
                ClientWindow(facts.client_id, (_stored_facts(facts, c) for c in counted)),
                {c.uetr: c for c in counted},
                [],
            )
        self._kept[account] = kept
        return kept.window

    def provisional(self, account: str, reference: str) -> None:
        """A payment priced in this batch is in `account`'s window until the next read."""
        kept = self._kept.get(account)
        if kept is not None:
            kept.provisional.append(reference)


def _bring_in_line(kept: _Kept, facts: PaymentFacts, counted: Sequence[CountingPayment]) -> None:
    window = kept.window
    for reference in kept.provisional:
        window.remove(reference)
    kept.provisional.clear()
    now = {c.uetr: c for c in counted}
    for uetr, stored in list(kept.stored.items()):
        if now.get(uetr) is not stored:
            window.remove(uetr)
            del kept.stored[uetr]
    for uetr, c in now.items():
        if uetr not in kept.stored:
            window.add(_stored_facts(facts, c))
            kept.stored[uetr] = c


class ClientHistory:
    """A debtor's earlier counting payments as the monitoring rules read them: those the
    store holds (`CountingPayment`s, turned into facts on first use) and those priced
    before in the same batch, kept in booking order (a `ClientWindow`), so a client with
    a large file in flight costs each payment a bisection, not a scan. Given the engine's
    `ClientHistories`, the window is the one kept from the last batch, brought in line."""

    def __init__(
        self,
        counted: Sequence[CountingPayment],
        kept: ClientHistories | None = None,
        account: str = "",
    ) -> None:
        self._counted = counted
        self._kept = kept
        self._account = account
        self._window: ClientWindow | None = None

    def before(self, facts: PaymentFacts) -> ClientWindow:
        """The history `facts`' payment is judged against (the window leaves the payment
        itself out: a held payment priced again is not its own history)."""
        if self._window is None:
            if self._kept is not None:
                self._window = self._kept.window(self._account, facts, self._counted)
            else:
                self._window = ClientWindow(
                    facts.client_id, (_stored_facts(facts, c) for c in self._counted)
                )
        return self._window

    def add(self, facts: PaymentFacts) -> None:
        """A payment priced in this batch: part of the history of the ones after it."""
        self.before(facts).add(facts)
        if self._kept is not None:
            self._kept.provisional(self._account, facts.reference)


def reason_of(exc: Exception) -> str:
    """The ISO 20022 reason a pricing failure rejects with."""
    if isinstance(exc, FxError):
        if "Quote" in type(exc).__name__:
            return "NARR"  # no code says "quote expired": the narrative tells it
        return "CURR" if "currency" in type(exc).__name__.lower() else "MS03"
    if isinstance(exc, FeeError):
        return "AM09"
    if isinstance(exc, LimitCurrencyError):
        return "AM14"  # the client's limit cannot count a payment in this currency
    return "AGNT"
