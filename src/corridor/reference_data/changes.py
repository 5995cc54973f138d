"""Four-eyes changes to reference data and roles: a fee schedule, a client's limits, a
user's role. Each is proposed by one user and approved by another
(`corridor.auth.approvals`); approving applies it here, in the approval's unit of work.

The new values are checked when proposed, by the value types that hold the rules
(`FeeSchedule`, `ClientLimits`, `Role`), so an approval never applies a change the
engine would refuse.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.auth import approvals
from corridor.auth.approvals import Approval, ChangeKind
from corridor.auth.users import Role, UnknownUserError, User, change_role, tenant_of, users_table
from corridor.compliance.limits import ClientLimits
from corridor.money import Money, MoneyError
from corridor.payments.fees import FeeError, FeeSchedule
from corridor.reference_data import store


class ReferenceChangeError(approvals.ApprovalError):
    """A change names a thing of the proposer's institution and valid new values."""


class UnknownReferenceError(ReferenceChangeError):
    """A change names a fee schedule, client or user that exists at the institution."""

    status_code = 404


def _fee_target(schedule: FeeSchedule) -> str:
    bank, origin, destination, ccy = schedule.key
    return f"fee:{bank}:{origin}-{destination}:{ccy}"


def fee_change(
    institution: str,
    from_country: str,
    to_country: str,
    currency: str,
    *,
    fixed: str,
    basis_points: str,
    minimum: str,
    maximum: str | None,
) -> FeeSchedule:
    """The proposed schedule, checked by FeeSchedule's own rules."""
    try:
        return FeeSchedule.of(
            institution,
            from_country,
            to_country,
            currency,
            fixed=fixed,
            basis_points=basis_points,
            minimum=minimum,
            maximum=maximum,
        )
    except (FeeError, MoneyError) as exc:
        raise ReferenceChangeError(str(exc)) from None


def propose_fee_change(engine: Engine, maker: User, schedule: FeeSchedule, reason: str) -> Approval:
    """Propose a new fee schedule for the maker's own institution."""
    row = store.fee_row(schedule)
    if row["institution"] != tenant_of(maker):
        raise UnknownReferenceError(f"{row['institution']} is not {tenant_of(maker)}")
    with engine.begin() as connection:
        existing = [
            s for s in store.fee_schedules_of(connection, tenant_of(maker)) if s.key == schedule.key
        ]
        before = store.fee_row(existing[0]) if existing else None
        return approvals.propose(
            connection, maker, ChangeKind.FEE_SCHEDULE, _fee_target(schedule), before, row, reason
        )


def _limits_dict(limits: ClientLimits | None) -> dict[str, Any]:
    row = store.limits_row(limits)
    return {
        "currency": row["limit_currency"],
        "daily_minor": row["daily_limit_minor"],
        "annual_minor": row["annual_limit_minor"],
        "zone": row["limit_zone"],
    }


def limit_change(
    currency: str, daily: str | None, annual: str | None, zone: str = "UTC"
) -> ClientLimits:
    """The proposed limits, checked: exact amounts in whole minor units, a known zone."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReferenceChangeError(f"zone {zone!r} is not a time zone") from None
    try:
        values = [None if v in (None, "") else Money.of(v, currency) for v in (daily, annual)]
        for value in values:
            if value is not None:
                value.to_minor_units()
        return ClientLimits(daily=values[0], annual=values[1], zone=tz)
    except (MoneyError, ValueError) as exc:
        raise ReferenceChangeError(f"limits: {exc}") from None


def propose_limit_change(
    engine: Engine, maker: User, client_id: str, limits: ClientLimits, reason: str
) -> Approval:
    """Propose new limits for one of the maker's institution's clients."""
    with engine.begin() as connection:
        found = store.clients_of(connection, tenant_of(maker), client_id=client_id)
        if not found:
            raise UnknownReferenceError(f"no client {client_id!r} at {tenant_of(maker)}")
        return approvals.propose(
            connection,
            maker,
            ChangeKind.CLIENT_LIMIT,
            f"client:{client_id}",
            _limits_dict(found[0].limits),
            _limits_dict(limits),
            reason,
        )


def propose_role_change(
    engine: Engine, maker: User, username: str, role: Role | str, reason: str
) -> Approval:
    """Propose a new role for a user of the maker's institution."""
    try:
        new = Role(role)
    except ValueError:
        raise ReferenceChangeError(f"role {role!r} is not a role") from None
    name = username.strip().lower()
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(users_table).where(
                users_table.c.username == name,
                users_table.c.institution.in_(sorted({tenant_of(maker), tenant_of(maker)[:8]})),
            )
        ).first()
        if row is None:
            raise UnknownReferenceError(f"no user {username!r} at {tenant_of(maker)}")
        if row.role == new.value:
            raise ReferenceChangeError(f"user {name!r} already has the role {new}")
        return approvals.propose(
            connection,
            maker,
            ChangeKind.USER_ROLE,
            f"user:{name}",
            {"role": row.role},
            {"role": new.value, "user_id": row.user_id},
            reason,
        )


def _apply(connection: Connection, approval: Approval) -> None:
    after = approval.after
    if approval.kind is ChangeKind.FEE_SCHEDULE:
        store.put_fee_schedule(connection, store.fee_schedule(after))
    elif approval.kind is ChangeKind.CLIENT_LIMIT:
        client_id = approval.target.removeprefix("client:")
        if after["currency"] is None:
            store.put_client_limits(connection, client_id, None)
        else:
            ccy = after["currency"]
            limits = ClientLimits(
                daily=None
                if after["daily_minor"] is None
                else Money.from_minor_units(after["daily_minor"], ccy),
                annual=None
                if after["annual_minor"] is None
                else Money.from_minor_units(after["annual_minor"], ccy),
                zone=ZoneInfo(after["zone"]),
            )
            store.put_client_limits(connection, client_id, limits)
    else:
        exists = connection.execute(
            sa.select(users_table.c.user_id).where(users_table.c.user_id == after["user_id"])
        ).first()
        if exists is None:
            raise UnknownUserError(f"the user of change {approval.approval_id} is gone")
        change_role(connection, after["user_id"], Role(after["role"]))


def decide_change(
    engine: Engine, approval_id: str, checker: User, *, approve: bool, reason: str
) -> Approval:
    """Approve (and apply) or reject a pending change, as a second user."""
    return approvals.decide(
        engine, approval_id, checker, approve=approve, reason=reason, apply=_apply
    )
