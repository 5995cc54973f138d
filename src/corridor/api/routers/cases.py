"""`/cases`: the screening review queue and four-eyes decisions."""

from __future__ import annotations

from fastapi import APIRouter

from corridor.api.schemas import CaseOut, DecisionIn
from corridor.api.security import CallerDep, OpsDep
from corridor.api.views import case_view
from corridor.compliance.cases import CaseStatus

router = APIRouter(prefix="/cases", tags=["screening cases"])


@router.get("", response_model=list[CaseOut])
def cases(
    caller: CallerDep, ops: OpsDep, status: CaseStatus | None = None
) -> list[dict[str, object]]:
    """Cases holding the caller's payments, oldest first (optionally in one status)."""
    found = ops.cases(caller, None if status is None else [status])
    return [case_view(case, record) for case, record in found]


@router.get("/{case_id}", response_model=CaseOut)
def case(case_id: str, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """One case, with the screening's candidates side by side with the payment."""
    return case_view(*ops.case(caller, case_id))


@router.post("/{case_id}/decisions", response_model=CaseOut)
def decide(case_id: str, body: DecisionIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """A compliance user's decision: on an open case a proposal; on a proposed one a
    different compliance user confirms (closing it: the payment is released or
    rejected) or disputes it."""
    return case_view(*ops.decide(caller, case_id, body.decision, body.reason))
