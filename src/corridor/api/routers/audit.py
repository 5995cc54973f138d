"""`/audit`: the caller's institution's audit log, and the chain's verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from corridor.api.schemas import AuditChainOut, AuditEntryOut
from corridor.api.security import CallerDep, OpsDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryOut])
def entries(
    caller: CallerDep,
    ops: OpsDep,
    action: Annotated[str | None, Query(max_length=64)] = None,
    target: Annotated[str | None, Query(max_length=200)] = None,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, object]]:
    """Entries newest first: who did what, when, before and after, chained by SHA-256."""
    found = ops.audit_entries(
        caller, action=action, target=target, before_seq=before_seq, limit=limit
    )
    return [e.as_dict() for e in found]


@router.get("/chain", response_model=AuditChainOut)
def chain(caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Verify the whole chain: whether it holds and the first broken link."""
    return ops.audit_chain(caller)
