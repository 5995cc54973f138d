"""A payment's lifecycle: an explicit state machine, every step a tracker event.

received → validated → screened (or held for compliance review) → priced (FX quote
locked) → reserved (pending ledger transfers; or queued while a correspondent is short of
liquidity) → settled (posted); or rejected, cancelled, returned. Only the transitions in
TRANSITIONS happen; each is recorded with its time, actor, ISO 20022 transaction status
(ExternalPaymentTransactionStatus1Code: RCVD, ACTC, ACCP, PDNG, ACSP, ACSC, RJCT, CANC)
and, where the step needs one, an ISO 20022 reason code (ExternalStatusReason1Code or
ExternalReturnReason1Code: AC01, AM04, RR04 …).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class PaymentStatus(StrEnum):
    """Where a payment is in its lifecycle."""

    RECEIVED = "received"
    VALIDATED = "validated"
    SCREENED = "screened"
    HELD = "held"  # for compliance review: a screening hit
    PRICED = "priced"  # the FX quote is locked (same-currency payments pass through)
    QUEUED = "queued"  # a correspondent on the route is short of liquidity
    RESERVED = "reserved"  # the linked chain of pending ledger transfers is in place
    SETTLED = "settled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    RETURNED = "returned"

    @property
    def final(self) -> bool:
        """Nothing follows, except that a settled payment may still be returned."""
        return self in FINAL


FINAL = frozenset({PaymentStatus.REJECTED, PaymentStatus.CANCELLED, PaymentStatus.RETURNED})
"""States no transition leaves. SETTLED is an outcome too, but a return may follow it."""

S = PaymentStatus
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    S.RECEIVED: frozenset({S.VALIDATED, S.REJECTED, S.CANCELLED}),
    S.VALIDATED: frozenset({S.SCREENED, S.HELD, S.REJECTED, S.CANCELLED}),
    S.HELD: frozenset({S.SCREENED, S.REJECTED, S.CANCELLED}),
    S.SCREENED: frozenset({S.PRICED, S.REJECTED, S.CANCELLED}),
    S.PRICED: frozenset({S.RESERVED, S.QUEUED, S.REJECTED, S.CANCELLED}),
    S.QUEUED: frozenset({S.RESERVED, S.REJECTED, S.CANCELLED}),
    S.RESERVED: frozenset({S.SETTLED, S.REJECTED, S.CANCELLED}),
    S.SETTLED: frozenset({S.RETURNED}),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}

ISO_STATUS: dict[PaymentStatus, str] = {
    S.RECEIVED: "RCVD",  # received
    S.VALIDATED: "ACTC",  # accepted after technical validation
    S.SCREENED: "ACCP",  # accepted after customer profile checks (screening, limits)
    S.HELD: "PDNG",  # pending: further checks
    S.PRICED: "ACSP",  # accepted, settlement in process
    S.QUEUED: "PDNG",
    S.RESERVED: "ACSP",
    S.SETTLED: "ACSC",  # accepted, settlement completed
    S.REJECTED: "RJCT",
    S.CANCELLED: "CANC",
    # A return is no pacs.002 status: it is a pacs.004 with its return reason. The settled
    # original stays ACSC; the tracker shows the return's reason code.
    S.RETURNED: "ACSC",
}

# The reason codes Corridor gives (ISO 20022 external code sets), and what they mean.
REASONS: dict[str, str] = {
    "AC01": "incorrect account number",
    "AC03": "invalid creditor account number",
    "AC04": "closed account number",
    "AC06": "blocked account",
    "AG01": "transaction forbidden on this type of account",
    "AGNT": "incorrect agent",
    "AM02": "amount exceeds the allowed maximum",
    "AM03": "currency not processable",
    "AM04": "insufficient funds",
    "AM05": "duplication",
    "AM09": "wrong amount",
    "AM12": "invalid amount",
    "AM14": "amount exceeds the limits agreed between bank and client",
    "BE01": "creditor name inconsistent with the account",
    "CURR": "incorrect currency",
    "CUST": "requested by the customer",
    "DS24": "waiting time expired",
    "DT01": "invalid date",
    "DUPL": "duplicate payment",
    "FF01": "invalid file format",
    "FOCR": "return following a cancellation request",
    "MD07": "end customer deceased",
    "MS02": "reason not specified, by the customer",
    "MS03": "reason not specified, by the agent",
    "NARR": "narrative reason",
    "RC01": "bank identifier incorrect",
    "RR02": "missing debtor name or address",
    "RR04": "regulatory reason",
    "RR05": "regulatory information invalid (e.g. a purpose code)",
    "TM01": "received after the cut-off time",
}
NEEDS_REASON = frozenset({S.HELD, S.QUEUED, S.REJECTED, S.CANCELLED, S.RETURNED})


class LifecycleError(ValueError):
    """A payment moves only along TRANSITIONS, in time order, with a known reason code
    where the step needs one."""


@dataclass(frozen=True, slots=True)
class TrackerEvent:
    """One step of a payment, as its tracker shows it."""

    status: PaymentStatus
    at: datetime
    actor: str
    iso_status: str
    reason: str = ""
    """An ISO 20022 reason code (REASONS), for holds, queues, rejections, cancellations
    and returns."""
    detail: str = ""
    hop: int | None = None
    """The leg of the route the event concerns (0 = the debtor's bank), when it is one."""


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """A payment's status and the events that led to it, oldest first."""

    events: tuple[TrackerEvent, ...]

    @classmethod
    def received(cls, at: datetime, actor: str, detail: str = "") -> Lifecycle:
        """A payment just received."""
        _aware(at)
        return cls((TrackerEvent(S.RECEIVED, at, actor, ISO_STATUS[S.RECEIVED], "", detail),))

    @property
    def status(self) -> PaymentStatus:
        """Where the payment is now."""
        return self.events[-1].status

    def can(self, to: PaymentStatus) -> bool:
        """Whether `to` may follow the current status."""
        return to in TRANSITIONS[self.status]

    def advance(
        self,
        to: PaymentStatus,
        at: datetime,
        actor: str,
        *,
        reason: str = "",
        detail: str = "",
        hop: int | None = None,
    ) -> Lifecycle:
        """The lifecycle one step on. Raises LifecycleError for a step TRANSITIONS does not
        allow, a time before the last event's, a missing or unknown reason code."""
        _aware(at)
        if not self.can(to):
            allowed = ", ".join(sorted(TRANSITIONS[self.status])) or "nothing"
            raise LifecycleError(
                f"a {self.status} payment cannot become {to} (it can become: {allowed})"
            )
        if at < self.events[-1].at:
            raise LifecycleError(f"{to} at {at.isoformat()} is before the last event")
        if to in NEEDS_REASON and not reason:
            raise LifecycleError(f"becoming {to} needs an ISO 20022 reason code")
        if reason and reason not in REASONS:
            raise LifecycleError(f"unknown reason code {reason!r}")
        event = TrackerEvent(to, at, actor, ISO_STATUS[to], reason, detail, hop)
        return Lifecycle((*self.events, event))

    @property
    def took(self) -> timedelta | None:
        """From receipt to settlement, once settled."""
        settled = [e for e in self.events if e.status is S.SETTLED]
        return settled[0].at - self.events[0].at if settled else None


def _aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise LifecycleError(f"event time {at.isoformat()} has no time zone")
