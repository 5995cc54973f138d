"""Every invariant of the books, from every part that keeps some: what `corridor check`
verifies and the demo reports."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from corridor.auth.audit import check_audit
from corridor.funds.invariants import check_funds
from corridor.green.invariants import check_green
from corridor.ledger.invariants import InvariantResult, check_ledger
from corridor.payments.invariants import check_payments


def check_books(engine: Engine) -> list[InvariantResult]:
    """The ledger's invariants, then the payments store's, the green bonds', the unit
    register's, and the audit log's hash chain."""
    return [
        *check_ledger(engine),
        *check_payments(engine),
        *check_green(engine),
        *check_funds(engine),
        *check_audit(engine),
    ]
