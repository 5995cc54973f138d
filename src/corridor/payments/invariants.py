"""What must hold of the payments store, checked by `corridor check` beside the ledger's.

- `limits_match_payments`: what each client is recorded to have used of each limit (the
  mainland FX quota, its own daily and annual limits) is exactly what its counting
  payments took, as each keeps it; nothing spent twice, nothing given back twice.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.engine import Engine

from corridor.ledger.invariants import InvariantResult
from corridor.payments import usage


def check_payments(engine: Engine) -> list[InvariantResult]:
    """Every invariant of the payments store, each with what breaks it."""
    with engine.connect() as connection:
        used = usage.limit_usage(connection)
        counting = usage.counting_settlements(connection)
    taken: Counter[tuple[str, str, str]] = Counter()
    for _uetr, settlement in counting:
        for kept in settlement.get("limits", []):
            taken[(kept["client"], kept["kind"], kept["period"])] += int(kept["amount_minor"])
    recorded = {(u.client_id, u.kind, u.period): u.used_minor for u in used}
    problems = [
        f"client {client} {kind} {period}: recorded {recorded.get(key, 0)} minor units used,"
        f" its counting payments took {taken.get(key, 0)}"
        for key in sorted(set(recorded) | set(taken))
        for client, kind, period in [key]
        if recorded.get(key, 0) != taken.get(key, 0)
    ]
    return [
        InvariantResult(
            "limits_match_payments",
            "What clients used of their limits is what their counting payments took.",
            tuple(problems),
        )
    ]
