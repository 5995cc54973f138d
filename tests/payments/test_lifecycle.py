"""The payment lifecycle: only allowed steps, in time order, each with its ISO status."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from corridor.payments.lifecycle import (
    FINAL,
    ISO_STATUS,
    NEEDS_REASON,
    TRANSITIONS,
    Lifecycle,
    LifecycleError,
    PaymentStatus,
)

S = PaymentStatus
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
HAPPY = [S.VALIDATED, S.SCREENED, S.PRICED, S.RESERVED, S.SETTLED]


def _through(steps: list[PaymentStatus], reason: str = "AM04") -> Lifecycle:
    life = Lifecycle.received(T0, "api")
    for i, step in enumerate(steps, start=1):
        life = life.advance(
            step, T0 + timedelta(seconds=i), "engine", reason=reason if step in NEEDS_REASON else ""
        )
    return life


def test_a_new_payment_holds_one_event() -> None:
    """Received is where every payment starts: one event, RCVD, not yet settled."""
    life = Lifecycle.received(T0, "api")
    assert [(e.status, e.iso_status) for e in life.events] == [(S.RECEIVED, "RCVD")]
    assert life.took is None


def test_the_happy_path_records_each_iso_status_and_the_time_taken() -> None:
    """Received to settled: RCVD, ACTC, ACCP, ACSP, ACSP, ACSC; five seconds end to end."""
    life = _through(HAPPY)
    assert [e.iso_status for e in life.events] == ["RCVD", "ACTC", "ACCP", "ACSP", "ACSP", "ACSC"]
    assert life.status is S.SETTLED
    assert life.took == timedelta(seconds=5)


def test_a_hold_and_a_queue_are_on_the_way_not_the_end() -> None:
    """Held for review then released; queued for liquidity then reserved."""
    life = _through([S.VALIDATED, S.HELD, S.SCREENED, S.PRICED, S.QUEUED, S.RESERVED, S.SETTLED])
    assert [e.iso_status for e in life.events if e.status in (S.HELD, S.QUEUED)] == [
        "PDNG",
        "PDNG",
    ]
    assert life.status is S.SETTLED


@pytest.mark.parametrize(
    ("steps", "to"),
    [
        ([], S.SETTLED),  # nothing skips validation, screening and reservation
        ([S.VALIDATED], S.PRICED),  # not priced before it is screened
        ([S.VALIDATED, S.SCREENED, S.PRICED], S.SETTLED),  # not settled before reserved
        (HAPPY, S.CANCELLED),  # a settled payment is returned, not cancelled
        ([S.REJECTED], S.VALIDATED),  # a rejection is final
        ([*HAPPY, S.RETURNED], S.RETURNED),  # returned once
    ],
)
def test_a_step_the_machine_does_not_allow_is_refused(
    steps: list[PaymentStatus], to: PaymentStatus
) -> None:
    """The error says what the payment is and what it could become; nothing changes."""
    life = _through(steps)
    with pytest.raises(LifecycleError, match=f"cannot become {to}"):
        life.advance(to, T0 + timedelta(hours=1), "engine", reason="CUST")
    assert life.status is (steps[-1] if steps else S.RECEIVED)


def test_reasons_times_and_zones_are_checked() -> None:
    """A rejection needs a known reason code; time never runs backwards; times are aware."""
    life = _through([S.VALIDATED])
    later = T0 + timedelta(minutes=1)
    with pytest.raises(LifecycleError, match="needs an ISO 20022 reason code"):
        life.advance(S.REJECTED, later, "engine")
    with pytest.raises(LifecycleError, match="unknown reason code 'XX99'"):
        life.advance(S.REJECTED, later, "engine", reason="XX99")
    with pytest.raises(LifecycleError, match="before the last event"):
        life.advance(S.SCREENED, T0 - timedelta(seconds=1), "engine")
    with pytest.raises(LifecycleError, match="no time zone"):
        life.advance(S.SCREENED, datetime(2026, 11, 25, 9, 5), "engine")
    rejected = life.advance(S.REJECTED, later, "compliance", reason="RR04", detail="sanctions")
    assert (rejected.events[-1].iso_status, rejected.events[-1].reason) == ("RJCT", "RR04")


def test_every_state_has_an_iso_status_and_final_states_lead_nowhere() -> None:
    """The tables cover every state; final states have no way out."""
    assert set(ISO_STATUS) == set(S) == set(TRANSITIONS)
    assert all(not TRANSITIONS[state] for state in FINAL)
    assert all(state.final == (state in FINAL) for state in S)


class LifecycleMachine(RuleBasedStateMachine):
    """Any sequence of attempted steps: allowed ones happen, others change nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.life = Lifecycle.received(T0, "api")
        self.clock = T0

    @rule(to=st.sampled_from(list(S)), seconds=st.integers(0, 3600))
    def attempt(self, to: PaymentStatus, seconds: int) -> None:
        self.clock += timedelta(seconds=seconds)
        before = self.life
        allowed = before.can(to)
        try:
            self.life = before.advance(to, self.clock, "engine", reason="MS03")
        except LifecycleError:
            assert not allowed
            assert self.life is before
        else:
            assert allowed
            assert self.life.events[:-1] == before.events

    @invariant()
    def history_is_a_path_of_the_machine_in_time_order(self) -> None:
        events = self.life.events
        assert events[0].status is S.RECEIVED
        for earlier, later in itertools.pairwise(events):
            assert later.status in TRANSITIONS[earlier.status]
            assert later.at >= earlier.at
        assert all(e.iso_status == ISO_STATUS[e.status] for e in events)
        finals = [e for e in events if e.status in FINAL]
        assert len(finals) <= 1
        assert not finals or finals[0] is events[-1]


TestLifecycleMachine = LifecycleMachine.TestCase
TestLifecycleMachine.settings = settings(max_examples=200, stateful_step_count=25, deadline=None)
