"""Review cases: a payment screening held (review or block) waits for two people to agree.

A case opens `open`, holding the payment. A compliance user proposes a decision
(`proposed`); a different compliance user confirms it, which closes the case, or disputes
it, which sends it back to `open`. A confirmed true match rejects the payment and freezes
the parties that matched (`rejected`); a confirmed false positive releases it
(`released`) and remembers, per party, the list entries it was cleared against, so the
same party screened again does not alert on them while that list version is in force.
Every step is an event, in order, naming its user: the maker and the checker of every
decision can be read back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.auth.users import Role, UnknownUserError, User, users_table
from corridor.compliance.lists import versions_in_force
from corridor.compliance.payment_screening import Cleared, PaymentParties, party_keys

_metadata = sa.MetaData()
cases_table = sa.Table(
    "screening_cases",
    _metadata,
    sa.Column("case_id", sa.String(32), primary_key=True),
    sa.Column("payment_ref", sa.String(140)),
    sa.Column("status", sa.String(16)),
    sa.Column("screening_decision", sa.String(8)),
    sa.Column("screening", sa.Text),
    sa.Column("proposed_by", sa.String(32)),
    sa.Column("proposed_decision", sa.String(16)),
    sa.Column("opened_at", sa.String(32)),
    sa.Column("closed_at", sa.String(32)),
)
events_table = sa.Table(
    "case_events",
    _metadata,
    sa.Column("case_id", sa.String(32)),
    sa.Column("seq", sa.Integer),
    sa.Column("at", sa.String(32)),
    sa.Column("user_id", sa.String(32)),
    sa.Column("action", sa.String(16)),
    sa.Column("decision", sa.String(16)),
    sa.Column("reason", sa.Text),
)
frozen_table = sa.Table(
    "frozen_parties",
    _metadata,
    sa.Column("case_id", sa.String(32)),
    sa.Column("party_key", sa.String(600)),
    sa.Column("role", sa.String(32)),
    sa.Column("name", sa.Text),
    sa.Column("list", sa.String(32)),
    sa.Column("list_version", sa.BigInteger),
    sa.Column("entry_id", sa.String(64)),
    sa.Column("frozen_at", sa.String(32)),
)
cleared_table = sa.Table(
    "cleared_candidates",
    _metadata,
    sa.Column("party_key", sa.String(600)),
    sa.Column("list", sa.String(32)),
    sa.Column("list_version", sa.BigInteger),
    sa.Column("entry_id", sa.String(64)),
    sa.Column("case_id", sa.String(32)),
    sa.Column("cleared_at", sa.String(32)),
)
MAX_REASON = 4000


class CaseStatus(StrEnum):
    """Where a case stands: `open` and `proposed` hold the payment; `rejected` and
    `released` are final."""

    OPEN = "open"
    PROPOSED = "proposed"
    REJECTED = "rejected"
    RELEASED = "released"

    @property
    def closed(self) -> bool:
        """Whether the case is decided for good."""
        return self in (CaseStatus.REJECTED, CaseStatus.RELEASED)


class CaseDecision(StrEnum):
    """What a reviewer decides the alert was."""

    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"


class CaseError(Exception):
    """A rule of case review was broken; the message says which."""

    status_code = 422


class CaseInputError(CaseError):
    """A decision is true_match or false_positive, with a reason (not empty, at most
    MAX_REASON characters); a case is opened only for a held screening (review or block)."""


class UnknownCaseError(CaseError):
    """A case must exist to be decided."""

    status_code = 404


class CaseClosedError(CaseError):
    """A rejected or released case is final: it cannot be decided again."""

    status_code = 409


class NotAllowedToDecideError(CaseError):
    """Only users with the compliance role decide cases."""

    status_code = 403


class FourEyesError(CaseError):
    """The maker of a proposal can never be its checker: a second, different compliance
    user must confirm or dispute it."""

    status_code = 409


class CaseConflictError(CaseError):
    """Two decisions on one case at the same moment: one wins, the other is refused and
    may be retried against the case as it now stands."""

    status_code = 409


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One step in a case's life, with who took it and why."""

    seq: int
    at: str
    username: str | None
    """None for the system's own steps (opening)."""
    action: str
    """`opened`, `proposed`, `confirmed` (closes the case) or `disputed` (reopens it)."""
    decision: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Case:
    """A held payment screening under review, with its history."""

    case_id: str
    payment_ref: str
    status: CaseStatus
    screening_decision: str
    screening: dict[str, Any]
    opened_at: str
    closed_at: str | None
    proposed_decision: str | None
    events: tuple[CaseEvent, ...]

    @property
    def payment_status(self) -> str:
        """What the case means for the payment: held, rejected or released."""
        return {CaseStatus.REJECTED: "rejected", CaseStatus.RELEASED: "released"}.get(
            self.status, "held"
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def open_case(engine: Engine, screening_result: dict[str, Any], payment_ref: str) -> Case:
    """Hold the payment in a new `open` case, with the screening that held it.

    A payment already held in an undecided case stays in that case (which is returned):
    screening it again does not open a second one. Raises CaseInputError when the
    screening did not hold the payment (its decision is pass).
    """
    decision = screening_result.get("decision")
    if decision not in ("review", "block"):
        raise CaseInputError(f"payment {payment_ref!r} was not held (decision {decision!r})")
    case_id, at = uuid.uuid4().hex, _now()
    try:
        with engine.begin() as connection:
            connection.execute(
                cases_table.insert(),
                [
                    {
                        "case_id": case_id,
                        "payment_ref": payment_ref,
                        "status": CaseStatus.OPEN.value,
                        "screening_decision": decision,
                        "screening": json.dumps(screening_result, ensure_ascii=False),
                        "opened_at": at,
                    }
                ],
            )
            connection.execute(
                events_table.insert(),
                [{"case_id": case_id, "seq": 1, "at": at, "action": "opened"}],
            )
    except sa.exc.IntegrityError:
        held = _undecided_case_of(engine, payment_ref)
        if held is None:
            raise
        return get_case(engine, held)
    return get_case(engine, case_id)


def _undecided_case_of(engine: Engine, payment_ref: str) -> str | None:
    query = sa.select(cases_table.c.case_id).where(
        cases_table.c.payment_ref == payment_ref,
        cases_table.c.status.in_([CaseStatus.OPEN.value, CaseStatus.PROPOSED.value]),
    )
    with engine.connect() as connection:
        found = connection.execute(query).scalar()
    return None if found is None else str(found)


def _events(connection: Connection, case_ids: list[str]) -> dict[str, list[CaseEvent]]:
    query = (
        sa.select(events_table, users_table.c.username)
        .select_from(
            events_table.outerjoin(users_table, events_table.c.user_id == users_table.c.user_id)
        )
        .where(events_table.c.case_id.in_(case_ids))
        .order_by(events_table.c.case_id, events_table.c.seq)
    )
    out: dict[str, list[CaseEvent]] = {case_id: [] for case_id in case_ids}
    for row in connection.execute(query):
        out[row.case_id].append(
            CaseEvent(row.seq, row.at, row.username, row.action, row.decision, row.reason)
        )
    return out


def _cases(connection: Connection, query: sa.Select[Any]) -> list[Case]:
    rows = connection.execute(query).all()
    events = _events(connection, [row.case_id for row in rows]) if rows else {}
    return [
        Case(
            case_id=row.case_id,
            payment_ref=row.payment_ref,
            status=CaseStatus(row.status),
            screening_decision=row.screening_decision,
            screening=json.loads(row.screening),
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            proposed_decision=row.proposed_decision,
            events=tuple(events[row.case_id]),
        )
        for row in rows
    ]


def get_case(engine: Engine, case_id: str) -> Case:
    """The case and its history. Raises UnknownCaseError when there is none."""
    with engine.connect() as connection:
        found = _cases(connection, sa.select(cases_table).where(cases_table.c.case_id == case_id))
    if not found:
        raise UnknownCaseError(f"no case {case_id!r}")
    return found[0]


def list_cases(engine: Engine, statuses: Iterable[CaseStatus | str] | None = None) -> list[Case]:
    """Cases in the given statuses (all when None), oldest first."""
    query = sa.select(cases_table).order_by(cases_table.c.opened_at, cases_table.c.case_id)
    if statuses is not None:
        query = query.where(cases_table.c.status.in_([CaseStatus(s).value for s in statuses]))
    with engine.connect() as connection:
        return _cases(connection, query)


def decide_case(
    engine: Engine,
    case_id: str,
    user: User | str,
    decision: CaseDecision | str,
    reason: str,
) -> Case:
    """Record one compliance user's decision on a case, under four-eyes.

    On an `open` case the decision is a proposal. On a `proposed` case a different
    compliance user either agrees, which closes it (true match: `rejected`, the matched
    parties frozen; false positive: `released`, the cleared entries remembered per
    party), or disagrees, which reopens it. The user's role is read from the store, not
    from the object passed in. Raises CaseInputError, UnknownUserError, UnknownCaseError,
    NotAllowedToDecideError, CaseClosedError, FourEyesError or CaseConflictError,
    changing nothing.
    """
    try:
        decision = CaseDecision(str(decision).replace("-", "_"))
    except ValueError:
        raise CaseInputError(f"decision {decision!r} is not true_match or false_positive") from None
    reason = (reason or "").strip()
    if not reason:
        raise CaseInputError("a decision needs a reason")
    if len(reason) > MAX_REASON:
        raise CaseInputError(f"a reason of {len(reason):,} characters is over {MAX_REASON}")
    username = user.username if isinstance(user, User) else user.strip().lower()
    try:
        with engine.begin() as connection:
            _decide(connection, case_id, username, decision, reason)
    except sa.exc.IntegrityError:
        raise CaseConflictError(
            f"case {case_id} changed while deciding it: look at it again and retry"
        ) from None
    except sa.exc.OperationalError as exc:
        # SQLite refuses a write after a read when another writer committed in between.
        if "locked" not in str(exc.orig):
            raise
        raise CaseConflictError(
            f"case {case_id} changed while deciding it: look at it again and retry"
        ) from None
    return get_case(engine, case_id)


def _decide(
    connection: Connection, case_id: str, username: str, decision: CaseDecision, reason: str
) -> None:
    actor = connection.execute(
        sa.select(users_table).where(users_table.c.username == username)
    ).first()
    if actor is None:
        raise UnknownUserError(f"no user {username!r}: add one with `corridor users add`")
    if actor.role != Role.COMPLIANCE.value:
        raise NotAllowedToDecideError(
            f"user {username!r} has the role {actor.role}: only compliance users decide cases"
        )
    case = connection.execute(
        sa.select(cases_table).where(cases_table.c.case_id == case_id)
    ).first()
    if case is None:
        raise UnknownCaseError(f"no case {case_id!r}")
    status = CaseStatus(case.status)
    if status.closed:
        raise CaseClosedError(f"case {case_id} is already closed ({status}, at {case.closed_at})")
    at = _now()
    if status is CaseStatus.OPEN:
        action, changes = (
            "proposed",
            {
                "status": CaseStatus.PROPOSED.value,
                "proposed_by": actor.user_id,
                "proposed_decision": decision.value,
            },
        )
    elif case.proposed_by == actor.user_id:
        raise FourEyesError(
            f"user {username!r} proposed the decision on case {case_id}: a different"
            " compliance user must confirm or dispute it"
        )
    elif decision.value == case.proposed_decision:
        closed = CaseStatus.REJECTED if decision is CaseDecision.TRUE_MATCH else CaseStatus.RELEASED
        action, changes = (
            "confirmed",
            {
                "status": closed.value,
                "proposed_by": None,
                "proposed_decision": None,
                "closed_at": at,
            },
        )
    else:
        action, changes = (
            "disputed",
            {
                "status": CaseStatus.OPEN.value,
                "proposed_by": None,
                "proposed_decision": None,
            },
        )
    # Only if nobody changed the case since it was read: else a concurrent decision won.
    updated = connection.execute(
        cases_table.update()
        .where(
            cases_table.c.case_id == case_id,
            cases_table.c.status == case.status,
            cases_table.c.proposed_by.is_(None)
            if case.proposed_by is None
            else cases_table.c.proposed_by == case.proposed_by,
        )
        .values(**changes)
    )
    if updated.rowcount != 1:
        raise CaseConflictError(f"case {case_id} changed while deciding it: look again and retry")
    seq = connection.execute(
        sa.select(sa.func.max(events_table.c.seq)).where(events_table.c.case_id == case_id)
    ).scalar()
    connection.execute(
        events_table.insert(),
        [
            {
                "case_id": case_id,
                "seq": int(seq or 0) + 1,
                "at": at,
                "user_id": actor.user_id,
                "action": action,
                "decision": decision.value,
                "reason": reason,
            }
        ],
    )
    if action == "confirmed":
        screening = json.loads(case.screening)
        if decision is CaseDecision.TRUE_MATCH:
            _freeze(connection, case_id, screening, at)
        else:
            _clear(connection, case_id, screening, at)


def _alerting(screening: dict[str, Any]) -> list[dict[str, Any]]:
    """The candidates that held the payment: at or above the review tier it used."""
    review_at = float(screening["matcher"]["review_at"])
    return [c for c in screening["candidates"] if c["score"] >= review_at]


def _freeze(connection: Connection, case_id: str, screening: dict[str, Any], at: str) -> None:
    """Freeze each party that matched, once, with the best entry it matched."""
    names = {r.get("party_key"): r.get("name") for r in screening.get("roles", [])}
    best: dict[str, dict[str, Any]] = {}
    for candidate in _alerting(screening):
        key = candidate["party_key"]
        if key not in best or candidate["score"] > best[key]["score"]:
            best[key] = candidate
    rows = [
        {
            "case_id": case_id,
            "party_key": key,
            "role": c["role"],
            "name": c.get("window") or names.get(key) or key.partition(":")[2],
            "list": c["list"],
            "list_version": c["list_version"],
            "entry_id": c["entry_id"],
            "frozen_at": at,
        }
        for key, c in best.items()
    ]
    if rows:
        connection.execute(frozen_table.insert(), rows)


def _clear(connection: Connection, case_id: str, screening: dict[str, Any], at: str) -> None:
    """Remember each (party, list, version, entry) this case found to be a false positive."""
    wanted = {
        (key, c["list"], int(c["list_version"]), c["entry_id"])
        for c in _alerting(screening)
        # A remittance candidate names every window that alerted on its entry.
        for key in [w["party_key"] for w in c.get("windows", [])] or [c["party_key"]]
    }
    if not wanted:
        return
    known = {
        (row.party_key, row.list, int(row.list_version), row.entry_id)
        for row in connection.execute(
            sa.select(cleared_table).where(
                cleared_table.c.party_key.in_({key for key, *_ in wanted})
            )
        )
    }
    rows = [
        {
            "party_key": key,
            "list": source,
            "list_version": version,
            "entry_id": entry_id,
            "case_id": case_id,
            "cleared_at": at,
        }
        for key, source, version, entry_id in sorted(wanted - known)
    ]
    if rows:
        connection.execute(cleared_table.insert(), rows)


def cleared_for(engine: Engine, party_key: str) -> dict[tuple[str, int, str], str]:
    """(list, list version, entry id) → the case that cleared it, for one party key, for
    the list versions in force only (a new version of a list alerts again)."""
    return cleared_for_keys(engine, [party_key]).get(party_key, {})


# Read for every batch of payments screened: built once (building it cost more than
# running it), the keys and versions bound at each read.
_CLEARED = sa.select(cleared_table).where(
    cleared_table.c.party_key.in_(sa.bindparam("keys", expanding=True)),
    cleared_table.c.list_version.in_(sa.bindparam("versions", expanding=True)),
)


def cleared_for_keys(
    engine: Engine, keys: Iterable[str], versions: Iterable[int] | None = None
) -> dict[str, dict[tuple[str, int, str], str]]:
    """Per party key, what reviews cleared it against in the list `versions` (default:
    those in force; a screening index passes the ones it holds)."""
    keys = sorted(set(keys))
    in_force = (
        [v.version for v in versions_in_force(engine)] if versions is None else list(versions)
    )
    if not keys or not in_force:
        return {}
    out: dict[str, dict[tuple[str, int, str], str]] = {}
    with engine.connect() as connection:
        for row in connection.execute(_CLEARED, {"keys": keys, "versions": in_force}):
            out.setdefault(row.party_key, {})[(row.list, int(row.list_version), row.entry_id)] = (
                row.case_id
            )
    return out


def cleared_for_payment(engine: Engine, parties: PaymentParties) -> Cleared:
    """What reviews cleared for everyone this payment names: `screen_payment`'s `cleared`."""
    return cleared_for_keys(engine, party_keys(parties))


@dataclass(frozen=True, slots=True)
class FrozenParty:
    """A party a confirmed true match froze, with the entry it matched."""

    case_id: str
    party_key: str
    role: str
    name: str
    list: str
    list_version: int
    entry_id: str
    frozen_at: str


def frozen_parties(engine: Engine) -> list[FrozenParty]:
    """Every party frozen by a confirmed true match, oldest first."""
    query = sa.select(frozen_table).order_by(frozen_table.c.frozen_at, frozen_table.c.party_key)
    with engine.connect() as connection:
        return [
            FrozenParty(
                r.case_id,
                r.party_key,
                r.role,
                r.name,
                r.list,
                int(r.list_version),
                r.entry_id,
                r.frozen_at,
            )
            for r in connection.execute(query)
        ]


__all__ = [
    "Case",
    "CaseClosedError",
    "CaseConflictError",
    "CaseDecision",
    "CaseError",
    "CaseEvent",
    "CaseInputError",
    "CaseStatus",
    "FourEyesError",
    "FrozenParty",
    "NotAllowedToDecideError",
    "UnknownCaseError",
    "cleared_for",
    "cleared_for_keys",
    "cleared_for_payment",
    "decide_case",
    "frozen_parties",
    "get_case",
    "list_cases",
    "open_case",
]
