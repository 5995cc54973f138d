"""The audit chain on both stores: entries chain by SHA-256, any edit of any field of
any entry is found at that entry, a missing entry is named, and writers racing for the
chain's head all get their entries in."""

from __future__ import annotations

import threading
from itertools import pairwise

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from corridor.auth import audit

FIELDS = ("at", "institution", "actor", "action", "target", "before", "after", "prev_sha256")


def _lift_guard(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_append_only"))
        else:
            connection.execute(
                sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            )


def _write(engine: Engine, n: int) -> list[audit.AuditEntry]:
    return [
        audit.record(
            engine,
            institution="ALBNGB2LXXX",
            actor=f"user{i}@albion",
            action="create payment",
            target=f"payment:{i}",
            before=None if i % 2 else {"status": "held"},
            after={"status": "settled", "amount": f"{i}.00 GBP"},
        )
        for i in range(n)
    ]


def test_entries_chain_and_verify(engine: Engine) -> None:
    written = _write(engine, 5)
    assert [e.seq for e in written] == [1, 2, 3, 4, 5]
    assert written[0].prev_sha256 == audit.GENESIS
    assert all(b.prev_sha256 == a.sha256 for a, b in pairwise(written))
    assert audit.first_broken_link(engine) is None
    assert audit.head(engine) == (5, written[-1].sha256)
    (result,) = audit.check_audit(engine)
    assert result.holds
    newest = audit.entries(engine, institution="ALBNGB2LXXX", limit=2)
    assert [e.seq for e in newest] == [5, 4]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seq=st.integers(1, 4),
    field=st.sampled_from(FIELDS),
    letter=st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"),
)
def test_any_edit_is_found_at_its_entry(engine: Engine, seq: int, field: str, letter: str) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log"))
    _lift_guard(engine)
    _write(engine, 4)
    with engine.begin() as connection:
        old = connection.execute(
            sa.text(f"SELECT {field} FROM audit_log WHERE seq = :seq"), {"seq": seq}
        ).scalar()
        # One character changed, the length kept (the columns have their widths).
        text = str(old) if old is not None else '"x"'
        new = text[:-1] + (letter if text[-1] != letter else "_")
        connection.execute(
            sa.text(f"UPDATE audit_log SET {field} = :value WHERE seq = :seq"),
            {"value": new, "seq": seq},
        )
    broken = audit.first_broken_link(engine)
    assert broken is not None
    assert broken[0] == seq


def test_a_missing_entry_is_named(engine: Engine) -> None:
    _write(engine, 3)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM audit_log WHERE seq = 2"))
    assert audit.first_broken_link(engine) == (3, "entry 2 is missing (the next is 3)")


def test_racing_writers_each_get_their_batches_in_whole(engine: Engine) -> None:
    """Two writers (as two server processes would be) append batches at once, each in a
    unit of work of its own and without retrying: the head is held by one at a time, so
    every entry lands and the chain holds."""
    batches, size = 15, 3
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        start.wait()
        try:
            for n in range(batches):
                with engine.begin() as connection:
                    audit.append_all(
                        connection,
                        [
                            {
                                "institution": "ALBNGB2LXXX",
                                "actor": f"{name}@albion",
                                "action": "create payment",
                                "target": f"payment:{name}-{n}-{i}",
                            }
                            for i in range(size)
                        ],
                    )
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert audit.head(engine)[0] == 2 * batches * size
    assert audit.first_broken_link(engine) is None


def test_an_entry_of_its_own_is_recorded_whole(engine: Engine) -> None:
    entries = audit.record_all(
        engine,
        [
            {"institution": "ALBNGB2LXXX", "actor": "a@albion", "action": "x", "target": "t1"},
            {"institution": "ALBNGB2LXXX", "actor": "a@albion", "action": "x", "target": "t2"},
        ],
    )
    assert [e.seq for e in entries] == [1, 2]
    assert entries[1].prev_sha256 == entries[0].sha256
    assert audit.first_broken_link(engine) is None


def test_an_entry_with_a_field_it_does_not_have_is_refused_and_nothing_written(
    engine: Engine,
) -> None:
    good = {"institution": "ALBNGB2LXXX", "actor": "a@albion", "action": "x", "target": "t1"}
    with pytest.raises(TypeError, match="'aftr'"):
        audit.record_all(engine, [good, {**good, "aftr": {"status": "settled"}}])
    assert audit.head(engine) == (0, audit.GENESIS)
