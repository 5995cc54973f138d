"""The corridor view from the books, on both stores: green-bond lending by the project's
side, and the green share of settled payments by the debtor agent's side."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.green import repository as repo
from corridor.green.classification import Tag, analyst_tag
from corridor.green.corridor_view import corridor_view
from corridor.green.demo import run_green_demo
from corridor.ledger import Ledger


def _payment(engine: Engine, agent: str, amount: str, status: str) -> str:
    """A payment row as the payments store keeps it (only what the view reads matters)."""
    uetr = str(uuid4())
    stamp = "2026-12-01T09:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO payments (uetr, debtor_agent, end_to_end_id, debtor_account,"
                " instructed, currency, mainland_fx, status, received_at, updated_at,"
                " instruction) VALUES (:u, :a, :e, 'GB00TEST', :i, 'GBP', false, :s, :t, :t,"
                " '{}')"
            ),
            {"u": uetr, "a": agent, "e": uetr[:35], "i": amount, "s": status, "t": stamp},
        )
    return uetr


def test_payments_count_settled_only_and_green_when_tagged(engine: Engine) -> None:
    green = _payment(engine, "ALBNGB2LXXX", "300.00", "settled")
    _payment(engine, "ALBNGB2LXXX", "700.00", "settled")
    for status in ("cancelled", "returned", "held", "queued", "rejected"):
        tagged = _payment(engine, "ALBNGB2LXXX", "5000.00", status)
        with engine.begin() as connection:  # a green tag on a payment that never settled
            repo.add_tags(connection, f"payment:{tagged}", [_green()])
    with engine.begin() as connection:
        repo.add_tags(connection, f"payment:{green}", [_green()])
    (row,) = [r for r in corridor_view(engine).rows if r["business"] == "payments"]
    assert (row["side"], row["total"], row["green"], row["green_share"]) == (
        "london",
        "1000.00",
        "300.00",
        "0.3000",
    )


def test_green_bond_lending_is_shown_as_an_amount_not_a_share(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    run_green_demo(engine, ledger, 1, tmp_path)
    view = corridor_view(engine)
    (lent,) = [r for r in view.rows if r["business"] == "green-bond lending"]
    assert (lent["side"], lent["currency"], lent["green"]) == ("luohu", "CNH", "150000000.00")
    assert lent["green_share"] is None
    assert any("green by construction" in note for note in view.notes)


def _green() -> Tag:
    return analyst_tag("icma-gbp", "renewable_energy", "aligned", "pays for solar panels", "ana")
