"""Four-eyes approvals: a change one user proposes and a second user of the right role
approves (which applies it) or rejects. The maker can never be the checker.

What can be changed this way, and by whom, is `RULES`: a fee schedule (admins), a
client's limits (admins or compliance officers), a user's role (admins; nobody approves a
change of their own role). Proposal and decision are each one unit of work with their
audit entry; approving applies the change in that same unit of work, through the
`apply` function the owner of the changed data gives (`corridor.reference_data.changes`),
so a change is applied whole, once, and recorded, or not at all. One change per thing is
pending at a time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.auth import audit
from corridor.auth.users import Role, User, UserError, tenant_of, users_table

_metadata = sa.MetaData()
approvals_table = sa.Table(
    "approvals",
    _metadata,
    sa.Column("approval_id", sa.String(32), primary_key=True),
    sa.Column("institution", sa.String(11)),
    sa.Column("kind", sa.String(32)),
    sa.Column("target", sa.String(200)),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("reason", sa.Text),
    sa.Column("status", sa.String(16)),
    sa.Column("maker_id", sa.String(32)),
    sa.Column("checker_id", sa.String(32)),
    sa.Column("created_at", sa.String(32)),
    sa.Column("decided_at", sa.String(32)),
    sa.Column("decision_reason", sa.Text),
)
MAX_REASON = 2000


class ChangeKind(StrEnum):
    """What a four-eyes change changes."""

    FEE_SCHEDULE = "fee_schedule"
    CLIENT_LIMIT = "client_limit"
    USER_ROLE = "user_role"


class ApprovalStatus(StrEnum):
    """Pending until a checker approves (applied) or rejects (nothing changes)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


RULES: dict[ChangeKind, frozenset[Role]] = {
    ChangeKind.FEE_SCHEDULE: frozenset({Role.ADMIN}),
    ChangeKind.CLIENT_LIMIT: frozenset({Role.ADMIN, Role.COMPLIANCE}),
    ChangeKind.USER_ROLE: frozenset({Role.ADMIN}),
}
"""The roles that may propose, and the roles that may approve, each kind of change."""


class ApprovalError(UserError):
    """A four-eyes rule was broken; the message says which."""

    status_code = 422


class UnknownApprovalError(ApprovalError):
    """An approval is decided by its id, within the decider's institution."""

    status_code = 404


class ApprovalRoleError(ApprovalError):
    """Only the roles in RULES propose or decide a kind of change."""

    status_code = 403


class SameUserError(ApprovalError):
    """The maker of a change can never be its checker, and nobody approves a change of
    their own role."""

    status_code = 409


class ApprovalClosedError(ApprovalError):
    """An approved or rejected change is final; a thing has one pending change at a time."""

    status_code = 409


@dataclass(frozen=True, slots=True)
class Approval:
    """A proposed change and where it stands."""

    approval_id: str
    institution: str
    kind: ChangeKind
    target: str
    before: Any
    after: Any
    reason: str
    status: ApprovalStatus
    maker_id: str
    checker_id: str | None
    created_at: str
    decided_at: str | None
    decision_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "approval_id": self.approval_id,
            "institution": self.institution,
            "kind": self.kind.value,
            "target": self.target,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "status": self.status.value,
            "maker_id": self.maker_id,
            "checker_id": self.checker_id,
            "created_at": self.created_at,
            "decided_at": self.decided_at,
            "decision_reason": self.decision_reason,
        }


Apply = Callable[[Connection, "Approval"], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _approval(row: Any) -> Approval:
    return Approval(
        row.approval_id,
        row.institution,
        ChangeKind(row.kind),
        row.target,
        None if row.before is None else json.loads(row.before),
        json.loads(row.after),
        row.reason,
        ApprovalStatus(row.status),
        row.maker_id,
        row.checker_id,
        row.created_at,
        row.decided_at,
        row.decision_reason,
    )


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ApprovalError("a change needs a reason")
    if len(text) > MAX_REASON:
        raise ApprovalError(f"a reason is at most {MAX_REASON} characters")
    return text


def _may(user: User, kind: ChangeKind, what: str) -> None:
    if user.role not in RULES[kind]:
        allowed = " or ".join(sorted(r.value for r in RULES[kind]))
        raise ApprovalRoleError(
            f"user {user.username!r} has the role {user.role}: only {allowed} users {what}"
            f" a {kind.value.replace('_', ' ')} change"
        )


def propose(
    connection: Connection,
    maker: User,
    kind: ChangeKind,
    target: str,
    before: Any,
    after: Any,
    reason: str,
) -> Approval:
    """Record a proposed change (in the caller's unit of work, with its audit entry).
    The caller has checked that `target` is the maker's institution's."""
    _may(maker, kind, "propose")
    approval = Approval(
        uuid.uuid4().hex,
        tenant_of(maker),
        kind,
        target,
        before,
        after,
        _reason(reason),
        ApprovalStatus.PENDING,
        maker.user_id,
        None,
        _now(),
        None,
        None,
    )
    waiting = connection.execute(
        sa.select(approvals_table.c.approval_id).where(
            approvals_table.c.kind == kind.value,
            approvals_table.c.target == target,
            approvals_table.c.status == ApprovalStatus.PENDING.value,
        )
    ).first()
    if waiting is not None:
        raise ApprovalClosedError(
            f"{target} already has a pending {kind.value.replace('_', ' ')} change"
            f" ({waiting.approval_id}): approve or reject it first"
        )
    # A proposal racing this one is stopped by the store's unique index (one pending
    # change per thing): the caller's unit of work then fails whole.
    connection.execute(
        approvals_table.insert(),
        [
            {
                **approval.as_dict(),
                "before": None if before is None else json.dumps(before, sort_keys=True),
                "after": json.dumps(after, sort_keys=True),
            }
        ],
    )
    audit.append(
        connection,
        institution=tenant_of(maker),
        actor=maker.username,
        action=f"propose {kind.value}",
        target=target,
        before=before,
        after={"approval_id": approval.approval_id, "change": after, "reason": approval.reason},
    )
    return approval


def decide(
    engine: Engine,
    approval_id: str,
    checker: User,
    *,
    approve: bool,
    reason: str,
    apply: Apply,
) -> Approval:
    """Approve (applying the change through `apply`) or reject a pending change, as a
    second user of a role that may; nothing changes when a rule is broken."""
    text = _reason(reason)
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(approvals_table).where(
                approvals_table.c.approval_id == approval_id,
                approvals_table.c.institution == tenant_of(checker),
            )
        ).first()
        if row is None:
            raise UnknownApprovalError(f"no change {approval_id!r} at {tenant_of(checker)}")
        pending = _approval(row)
        _may(checker, pending.kind, "approve or reject")
        if pending.status is not ApprovalStatus.PENDING:
            raise ApprovalClosedError(f"change {approval_id} is already {pending.status}")
        if pending.maker_id == checker.user_id:
            raise SameUserError(
                f"user {checker.username!r} proposed change {approval_id}: a different user"
                " must approve or reject it"
            )
        if pending.kind is ChangeKind.USER_ROLE and pending.target == f"user:{checker.username}":
            raise SameUserError("nobody approves a change of their own role")
        status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        at = _now()
        done = connection.execute(
            approvals_table.update()
            .where(
                approvals_table.c.approval_id == approval_id,
                approvals_table.c.status == ApprovalStatus.PENDING.value,
            )
            .values(
                status=status.value,
                checker_id=checker.user_id,
                decided_at=at,
                decision_reason=text,
            )
        ).rowcount
        if done != 1:
            raise ApprovalClosedError(f"change {approval_id} was decided meanwhile")
        decided = Approval(
            **{
                **{f: getattr(pending, f) for f in Approval.__slots__},
                "status": status,
                "checker_id": checker.user_id,
                "decided_at": at,
                "decision_reason": text,
            }
        )
        if approve:
            apply(connection, decided)
        maker = connection.execute(
            sa.select(users_table.c.username).where(users_table.c.user_id == pending.maker_id)
        ).scalar()
        audit.append(
            connection,
            institution=tenant_of(checker),
            actor=checker.username,
            action=f"{'approve' if approve else 'reject'} {pending.kind.value}",
            target=pending.target,
            before=pending.before,
            after={
                "approval_id": approval_id,
                "maker": maker,
                "applied": pending.after if approve else None,
                "reason": text,
            },
        )
    return decided


def approvals_of(
    engine: Engine, institution: str, status: ApprovalStatus | None = None
) -> list[Approval]:
    """An institution's changes, newest first (only those in `status`, when given)."""
    query = (
        sa.select(approvals_table)
        .where(approvals_table.c.institution == institution)
        .order_by(approvals_table.c.created_at.desc())
    )
    if status is not None:
        query = query.where(approvals_table.c.status == status.value)
    with engine.connect() as connection:
        return [_approval(r) for r in connection.execute(query)]


def get_approval(engine: Engine, institution: str, approval_id: str) -> Approval:
    """One of an institution's changes; UnknownApprovalError when it has none such."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(approvals_table).where(
                approvals_table.c.approval_id == approval_id,
                approvals_table.c.institution == institution,
            )
        ).first()
    if row is None:
        raise UnknownApprovalError(f"no change {approval_id!r} at {institution}")
    return _approval(row)
