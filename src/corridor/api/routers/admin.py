"""Users, API keys and four-eyes changes (fee schedules, client limits, roles)."""

from __future__ import annotations

from fastapi import APIRouter

from corridor.api import administration as admin
from corridor.api.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    ApprovalDecisionIn,
    ApprovalOut,
    FeeChangeIn,
    LimitChangeIn,
    RoleChangeIn,
    UserIn,
    UserOut,
)
from corridor.api.security import CallerDep, OpsDep
from corridor.auth.approvals import ApprovalStatus
from corridor.auth.users import Role

router = APIRouter(tags=["administration"])


@router.get("/users", response_model=list[UserOut])
def users(caller: CallerDep, ops: OpsDep) -> list[dict[str, object]]:
    """The caller's institution's users (admins)."""
    return [admin.user_view(u) for u in admin.users(ops, caller)]


@router.post("/users", status_code=201, response_model=UserOut)
def add_user(body: UserIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Add a user to the caller's institution (admins)."""
    user = admin.new_user(
        ops, caller, body.username, Role(body.role), body.password, body.client_id
    )
    return admin.user_view(user)


@router.post("/users/{username}/role-changes", status_code=201, response_model=ApprovalOut)
def propose_role(
    username: str, body: RoleChangeIn, caller: CallerDep, ops: OpsDep
) -> dict[str, object]:
    """Propose a user's new role; a second admin approves it."""
    return admin.propose_role(ops, caller, username, Role(body.role), body.reason).as_dict()


@router.get("/api-keys", response_model=list[ApiKeyOut])
def api_keys(caller: CallerDep, ops: OpsDep) -> list[dict[str, object]]:
    """The caller's API keys (an admin: the institution's), never their secrets."""
    return [k.as_dict() for k in admin.api_keys(ops, caller)]


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated)
def new_api_key(body: ApiKeyIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """A new API key; its secret is in this answer only."""
    key, secret = admin.new_api_key(ops, caller, body.name, list(body.scopes), body.username)
    return {**key.as_dict(), "secret": secret}


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyOut)
def revoke_api_key(key_id: str, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Revoke a key: refused from the next request on."""
    return admin.revoke_api_key(ops, caller, key_id).as_dict()


@router.get("/approvals", response_model=list[ApprovalOut])
def approvals(
    caller: CallerDep, ops: OpsDep, status: ApprovalStatus | None = None
) -> list[dict[str, object]]:
    """The institution's four-eyes changes, newest first."""
    return [a.as_dict() for a in admin.approvals(ops, caller, status)]


@router.post("/approvals/{approval_id}/decision", response_model=ApprovalOut)
def decide(
    approval_id: str, body: ApprovalDecisionIn, caller: CallerDep, ops: OpsDep
) -> dict[str, object]:
    """Approve (applying it) or reject a pending change, as a user other than its maker."""
    decided = admin.decide_approval(
        ops, caller, approval_id, approve=body.approve, reason=body.reason
    )
    return decided.as_dict()


@router.post("/fee-schedules/changes", status_code=201, response_model=ApprovalOut)
def propose_fee(body: FeeChangeIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Propose a fee schedule for one of the institution's corridors and currencies."""
    fields = body.model_dump(exclude={"reason"})
    return admin.propose_fee(ops, caller, body.reason, **fields).as_dict()


@router.post("/clients/{client_id}/limit-changes", status_code=201, response_model=ApprovalOut)
def propose_limits(
    client_id: str, body: LimitChangeIn, caller: CallerDep, ops: OpsDep
) -> dict[str, object]:
    """Propose a client's daily and annual limits."""
    return admin.propose_limits(
        ops,
        caller,
        client_id,
        currency=body.currency,
        daily=body.daily,
        annual=body.annual,
        zone=body.zone,
        reason=body.reason,
    ).as_dict()
