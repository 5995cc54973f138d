"""The schema's own defences, on both stores: rows that bypass the ledger's rules."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.ledger import Account, AccountFlags, Ledger, Transfer
from corridor.store import StoreError, backend_of, display_url, make_engine, upgrade

# Integrity errors as each driver raises them, through SQLAlchemy.
REFUSED = (sa.exc.IntegrityError, sa.exc.InternalError)


def _keys(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT ledger, code, timestamp FROM accounts")).all()
    return {f"{ledger}{code}": key for ledger, code, key in rows}


@pytest.fixture
def books(ledger: Ledger, engine: Engine) -> dict[str, int]:
    """Two GBP accounts (one guarded) and one HKD account, with one transfer booked."""
    guarded = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    assert (
        ledger.create_accounts(
            [Account(1, "GBP", 1, flags=guarded), Account(2, "GBP", 2), Account(3, "HKD", 3)]
        )
        == ["ok"] * 3
    )
    assert ledger.create_transfers([Transfer(10, 2, 1, 500, "GBP", 1)]) == ["ok"]
    return _keys(engine)


def _insert_transfer(engine: Engine, ts: int, dr: int, cr: int, amount: int, ledger: str) -> None:
    id_value = f"'{ts:032x}'" if engine.dialect.name == "postgresql" else f"x'{ts:032x}'"
    with engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO transfers (timestamp, id, debit_account, credit_account, amount,"
                " ledger, code, flags, timeout, user_data_64, user_data_32,"
                " debit_prev, credit_prev)"
                f" VALUES ({ts}, {id_value}, {dr}, {cr}, {amount}, '{ledger}', 1, 0, 0, 0, 0, 0, 0)"
            )
        )


def test_migrations_are_idempotent(engine: Engine) -> None:
    """Upgrading an up-to-date database changes nothing."""
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0011"


def test_the_database_refuses_a_non_positive_amount(books: dict[str, int], engine: Engine) -> None:
    """CHECK (amount > 0) holds for rows that never went through the ledger."""
    with pytest.raises(REFUSED):
        _insert_transfer(engine, 2**62, books["GBP2"], books["GBP1"], 0, "GBP")


def test_the_database_refuses_two_currencies_in_one_transfer(
    books: dict[str, int], engine: Engine
) -> None:
    """A GBP transfer into an HKD account is refused by the store itself."""
    with pytest.raises(REFUSED):
        _insert_transfer(engine, 2**62, books["GBP2"], books["HKD3"], 100, "GBP")
    with pytest.raises(REFUSED):
        _insert_transfer(engine, 2**62, books["GBP2"], books["GBP1"], 100, "HKD")


def test_the_database_accepts_a_sound_row(books: dict[str, int], engine: Engine) -> None:
    """The defences refuse only what is wrong (so the two tests above can fail)."""
    _insert_transfer(engine, 2**62, books["GBP2"], books["GBP1"], 100, "GBP")


def test_the_database_refuses_a_broken_balance_guard(books: dict[str, int], engine: Engine) -> None:
    """A guarded account cannot be written with debits above its credits."""
    with pytest.raises(REFUSED), engine.begin() as c:
        c.execute(
            sa.text(
                "UPDATE accounts SET debits_posted = credits_posted + 1"
                f" WHERE timestamp = {books['GBP1']}"
            )
        )


def test_the_database_refuses_negative_balances(books: dict[str, int], engine: Engine) -> None:
    """Balances are counters: never below zero."""
    with pytest.raises(REFUSED), engine.begin() as c:
        c.execute(
            sa.text(f"UPDATE accounts SET debits_pending = -1 WHERE timestamp = {books['GBP2']}")
        )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("not a url", "is not a database URL"),
    ],
)
def test_unusable_urls_are_refused(url: str, message: str) -> None:
    """Only SQLite and PostgreSQL URLs are accepted, with a message that says why."""
    with pytest.raises(StoreError, match=message):
        backend_of(url)


def test_sqlite_creates_the_folder_for_its_file(tmp_path: object) -> None:
    """A SQLite URL in a folder that does not exist yet still works."""
    engine = make_engine(f"sqlite:///{tmp_path}/new/folder/books.db")
    upgrade(engine)
    engine.dispose()


def test_passwords_are_never_shown() -> None:
    """What the commands print of the database URL hides its password."""
    shown = display_url("postgresql://teller:s3cret@db.example:5432/books")
    assert "s3cret" not in shown
    assert "teller" in shown
    with pytest.raises(StoreError) as refused:
        backend_of("mysql://teller:s3cret@db.example/books")
    assert "s3cret" not in str(refused.value)
