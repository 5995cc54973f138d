"""Administration for the operations centre: users, API keys and four-eyes changes.

Thin over `corridor.auth` and `corridor.reference_data.changes`: who may do what is
checked here against the caller's role and institution, and every change is audited
(proposals and decisions by the approvals themselves, in their own unit of work).
"""

from __future__ import annotations

from typing import Any

from corridor.api.services import NotFoundError, Operations
from corridor.auth import audit, keys
from corridor.auth.approvals import Approval, ApprovalStatus, ChangeKind, approvals_of
from corridor.auth.keys import ApiKey, Scope
from corridor.auth.permissions import ROLE_ACTIONS, SCOPE_OF, Action, Caller, ForbiddenError
from corridor.auth.users import Role, User, add_user, get_user, list_users
from corridor.reference_data import changes


def user_view(user: User) -> dict[str, Any]:
    """A user as JSON-ready data (never a password hash)."""
    return {
        "user_id": user.user_id,
        "username": user.username,
        "institution": user.institution,
        "role": user.role.value,
        "client_id": user.client_id,
        "active": user.active,
        "created_at": user.created_at,
    }


def users(ops: Operations, caller: Caller) -> list[User]:
    """The caller's institution's users."""
    caller.require(Action.MANAGE_USERS)
    return list_users(ops.engine, caller.institution)


def new_user(
    ops: Operations,
    caller: Caller,
    username: str,
    role: Role,
    password: str | None,
    client_id: str | None,
) -> User:
    """Add a user to the caller's institution (an admin's act, audited)."""
    caller.require(Action.MANAGE_USERS)
    if client_id is not None:
        ops.client(caller, client_id)  # a client of this institution, or 404
    user = add_user(
        ops.engine,
        username,
        role=role,
        institution=caller.institution,
        password=password,
        client_id=client_id,
    )
    audit.record(
        ops.engine,
        institution=caller.institution,
        actor=caller.user.username,
        action="add user",
        target=f"user:{user.username}",
        after={"role": user.role.value, "client_id": client_id},
    )
    return user


def _key_owner(ops: Operations, caller: Caller, key: ApiKey) -> None:
    owner = next(
        (u for u in list_users(ops.engine, caller.institution) if u.user_id == key.user_id), None
    )
    if owner is None:
        raise NotFoundError(f"no API key {key.key_id!r}")
    if owner.user_id != caller.user.user_id:
        caller.require(Action.MANAGE_USERS)


def api_keys(ops: Operations, caller: Caller) -> list[ApiKey]:
    """The caller's own keys; an admin sees every key of the institution."""
    caller.require(Action.READ)
    found = keys.keys_of(ops.engine, caller.institution)
    if caller.may(Action.MANAGE_USERS):
        return found
    return [k for k in found if k.user_id == caller.user.user_id]


def new_api_key(
    ops: Operations, caller: Caller, name: str, scopes: list[str], username: str | None = None
) -> tuple[ApiKey, str]:
    """A key for the caller (or, for an admin, another user of the institution), with
    scopes the user's role can use; the secret is returned this once."""
    caller.require(Action.READ)
    owner = caller.user
    if username is not None and username.strip().lower() != caller.user.username:
        caller.require(Action.MANAGE_USERS)
        try:
            owner = get_user(ops.engine, username)
        except LookupError:
            raise NotFoundError(f"no user {username!r}") from None
        if owner.institution != caller.institution:
            raise NotFoundError(f"no user {username!r}")
    if caller.scopes is not None:
        raise ForbiddenError("API keys are made from the console, or by an admin key")
    wanted = keys.parse_scopes(scopes)
    usable = {SCOPE_OF[a] for a in ROLE_ACTIONS[owner.role]}
    extra = sorted(s.value for s in wanted - usable)
    if extra:
        raise keys.ApiKeyError(f"the {owner.role} role can use no {', '.join(extra)} scope")
    key, secret = keys.create_key(ops.engine, owner, name, wanted)
    audit.record(
        ops.engine,
        institution=caller.institution,
        actor=caller.user.username,
        action="create api key",
        target=f"key:{key.key_id}",
        after={"user": owner.username, "name": key.name, "scopes": sorted(s.value for s in wanted)},
    )
    return key, secret


def revoke_api_key(ops: Operations, caller: Caller, key_id: str) -> ApiKey:
    """Revoke one of the caller's keys (an admin: any of the institution's)."""
    caller.require(Action.READ)
    try:
        key = keys.get_key(ops.engine, key_id)
    except keys.UnknownApiKeyError:
        raise NotFoundError(f"no API key {key_id!r}") from None
    _key_owner(ops, caller, key)
    revoked = keys.revoke_key(ops.engine, key_id)
    audit.record(
        ops.engine,
        institution=caller.institution,
        actor=caller.user.username,
        action="revoke api key",
        target=f"key:{key_id}",
        before={"revoked_at": key.revoked_at},
        after={"revoked_at": revoked.revoked_at},
    )
    return revoked


def approvals(ops: Operations, caller: Caller, status: ApprovalStatus | None) -> list[Approval]:
    """The caller's institution's four-eyes changes."""
    if not (caller.may(Action.CHANGE_REFERENCE) or caller.may(Action.MANAGE_USERS)):
        caller.require(Action.CHANGE_REFERENCE)
    return approvals_of(ops.engine, caller.institution, status)


def propose_fee(ops: Operations, caller: Caller, reason: str, **schedule: Any) -> Approval:
    """Propose a fee schedule of the caller's institution (admins)."""
    caller.require(Action.CHANGE_REFERENCE)
    proposed = changes.fee_change(caller.institution, **schedule)
    return changes.propose_fee_change(ops.engine, caller.user, proposed, reason)


def propose_limits(
    ops: Operations,
    caller: Caller,
    client_id: str,
    *,
    currency: str,
    daily: str | None,
    annual: str | None,
    zone: str,
    reason: str,
) -> Approval:
    """Propose a client's limits (admins or compliance officers)."""
    caller.require(Action.CHANGE_REFERENCE)
    if caller.user.client_id is not None:
        raise ForbiddenError("a client-bound user changes no limits")
    limits = changes.limit_change(currency, daily, annual, zone)
    return changes.propose_limit_change(ops.engine, caller.user, client_id, limits, reason)


def propose_role(
    ops: Operations, caller: Caller, username: str, role: Role, reason: str
) -> Approval:
    """Propose a user's new role (admins)."""
    caller.require(Action.MANAGE_USERS)
    return changes.propose_role_change(ops.engine, caller.user, username, role, reason)


def decide_approval(
    ops: Operations, caller: Caller, approval_id: str, *, approve: bool, reason: str
) -> Approval:
    """Approve (apply) or reject a pending change as its checker; the engine runs on the
    changed reference data from the next batch on."""
    if not (caller.may(Action.CHANGE_REFERENCE) or caller.may(Action.MANAGE_USERS)):
        caller.require(Action.CHANGE_REFERENCE)
    if caller.scopes is not None and Scope.ADMIN not in caller.scopes:
        raise ForbiddenError("this API key lacks the 'admin' scope for deciding changes")
    decided = changes.decide_change(
        ops.engine, approval_id, caller.user, approve=approve, reason=reason
    )
    if approve and decided.kind in (ChangeKind.FEE_SCHEDULE, ChangeKind.CLIENT_LIMIT):
        ops.reload()
    return decided
