"""All SQL of corridor.funds: the fund register, NAVs and the unit register (orders).

Functions take the connection of the caller's unit of work and never commit. Holdings are
not stored apart from the orders: an investor's units are the units of their dealt
subscriptions less those of their dealt redemptions, so the register cannot disagree with
itself."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from corridor.funds.errors import FundTermsError, OrderError, UnknownShareClassError
from corridor.funds.model import Fund, Order, OrderKind, OrderStatus, ShareClass
from corridor.money import Money

_m = sa.MetaData()
funds_table = sa.Table(
    "funds",
    _m,
    sa.Column("fund_id", sa.String(35), primary_key=True),
    sa.Column("name", sa.String(140)),
    sa.Column("name_zh", sa.String(140)),
    sa.Column("domicile", sa.String(2)),
    sa.Column("structure", sa.String(140)),
    sa.Column("manager_bic", sa.String(11)),
    sa.Column("depositary_bic", sa.String(11)),
    sa.Column("taxonomy_aligned", sa.String(12)),
    sa.Column("aligned_basis", sa.Text),
)
classes_table = sa.Table(
    "fund_share_classes",
    _m,
    sa.Column("isin", sa.String(12), primary_key=True),
    sa.Column("fund_id", sa.String(35)),
    sa.Column("name", sa.String(140)),
    sa.Column("currency", sa.String(3)),
    sa.Column("account", sa.String(34)),
    sa.Column("unit_places", sa.Integer),
    sa.Column("nav_places", sa.Integer),
)
navs_table = sa.Table(
    "fund_navs",
    _m,
    sa.Column("isin", sa.String(12), primary_key=True),
    sa.Column("nav_date", sa.String(10), primary_key=True),
    sa.Column("nav", sa.String(40)),
    sa.Column("published_at", sa.String(32)),
)
orders_table = sa.Table(
    "fund_orders",
    _m,
    sa.Column("order_id", sa.String(35), primary_key=True),
    sa.Column("isin", sa.String(12)),
    sa.Column("kind", sa.String(12)),
    sa.Column("investor_bic", sa.String(11)),
    sa.Column("investor_account", sa.String(34)),
    sa.Column("investor_name", sa.String(140)),
    sa.Column("placed_on", sa.String(10)),
    sa.Column("placed_at", sa.String(32)),
    sa.Column("status", sa.String(8)),
    sa.Column("instructed_minor", sa.BigInteger),
    sa.Column("instructed_currency", sa.String(3)),
    sa.Column("amount_minor", sa.BigInteger),
    sa.Column("units", sa.BigInteger),
    sa.Column("uetr", sa.String(36)),
    sa.Column("nav_date", sa.String(10)),
    sa.Column("nav", sa.String(40)),
    sa.Column("residue", sa.String(40)),
    sa.Column("note", sa.Text),
)


def _fund_row(fund: Fund) -> dict[str, object]:
    return {
        "fund_id": fund.fund_id,
        "name": fund.name,
        "name_zh": fund.name_zh,
        "domicile": fund.domicile,
        "structure": fund.structure,
        "manager_bic": fund.manager_bic,
        "depositary_bic": fund.depositary_bic,
        "taxonomy_aligned": str(fund.taxonomy_aligned),
        "aligned_basis": fund.aligned_basis,
    }


def _class_row(share_class: ShareClass) -> dict[str, object]:
    return {
        "isin": share_class.isin,
        "fund_id": share_class.fund_id,
        "name": share_class.name,
        "currency": share_class.currency,
        "account": share_class.account,
        "unit_places": share_class.unit_places,
        "nav_places": share_class.nav_places,
    }


def _fund(row: sa.Row[tuple[object, ...]]) -> Fund:
    m = row._mapping
    return Fund(
        str(m["fund_id"]),
        str(m["name"]),
        str(m["domicile"]),
        str(m["structure"]),
        str(m["manager_bic"]),
        str(m["depositary_bic"]),
        Decimal(str(m["taxonomy_aligned"])),
        str(m["aligned_basis"]),
        str(m["name_zh"] or ""),
    )


def _class(row: sa.Row[tuple[object, ...]]) -> ShareClass:
    m = row._mapping
    return ShareClass(
        str(m["isin"]),
        str(m["fund_id"]),
        str(m["name"]),
        str(m["currency"]),
        str(m["account"]),
        int(m["unit_places"]),
        int(m["nav_places"]),
    )


def put_fund(connection: Connection, fund: Fund, classes: Iterable[ShareClass]) -> bool:
    """Register a fund and its share classes; True when new. The same terms again change
    nothing; other terms under a registered id or ISIN are refused."""
    created = False
    found = connection.execute(
        funds_table.select().where(funds_table.c.fund_id == fund.fund_id)
    ).first()
    if found is None:
        connection.execute(funds_table.insert().values(**_fund_row(fund)))
        created = True
    elif _fund(found) != fund:
        raise FundTermsError(f"fund {fund.fund_id!r} is registered with other terms")
    for share_class in classes:
        stored = connection.execute(
            classes_table.select().where(classes_table.c.isin == share_class.isin)
        ).first()
        if stored is None:
            connection.execute(classes_table.insert().values(**_class_row(share_class)))
            created = True
        elif _class(stored) != share_class:
            raise FundTermsError(f"share class {share_class.isin} is registered with other terms")
    return created


def all_funds(connection: Connection) -> list[Fund]:
    """Every registered fund, by id."""
    rows = connection.execute(funds_table.select().order_by(funds_table.c.fund_id))
    return [_fund(r) for r in rows]


def all_classes(connection: Connection) -> list[ShareClass]:
    """Every registered share class, by ISIN."""
    rows = connection.execute(classes_table.select().order_by(classes_table.c.isin))
    return [_class(r) for r in rows]


def funds_of(connection: Connection) -> dict[str, tuple[ShareClass, Fund]]:
    """ISIN → (share class, its fund), for every registered class."""
    funds = {f.fund_id: f for f in all_funds(connection)}
    return {c.isin: (c, funds[c.fund_id]) for c in all_classes(connection)}


def share_class(connection: Connection, isin: str) -> ShareClass:
    """The registered share class with this ISIN."""
    row = connection.execute(classes_table.select().where(classes_table.c.isin == isin)).first()
    if row is None:
        raise UnknownShareClassError(f"isin: no share class {isin!r} is registered")
    return _class(row)


def fund(connection: Connection, fund_id: str) -> Fund:
    """The registered fund with this id."""
    row = connection.execute(funds_table.select().where(funds_table.c.fund_id == fund_id)).first()
    if row is None:
        raise UnknownShareClassError(f"fund_id: no fund {fund_id!r} is registered")
    return _fund(row)


def lock_class(connection: Connection, isin: str) -> None:
    """Hold the share class for this transaction (a no-op write: the row lock on
    PostgreSQL, the database's write lock on SQLite), so that what is read of its units
    next stays true until commit."""
    connection.execute(
        classes_table.update().where(classes_table.c.isin == isin).values(isin=classes_table.c.isin)
    )


def stored_nav(connection: Connection, isin: str, on: date) -> tuple[Decimal, datetime] | None:
    """The NAV per unit published for `on` and when it was published, if it was."""
    c = navs_table.c
    row = connection.execute(
        sa.select(c.nav, c.published_at).where(c.isin == isin, c.nav_date == on.isoformat())
    ).first()
    return None if row is None else (Decimal(str(row[0])), datetime.fromisoformat(str(row[1])))


def insert_nav(connection: Connection, isin: str, on: date, nav: Decimal, at: datetime) -> None:
    """Record a NAV per unit for a dealing day, published at `at` (the caller checked it
    is new)."""
    connection.execute(
        navs_table.insert().values(
            isin=isin, nav_date=on.isoformat(), nav=str(nav), published_at=_stamp(at)
        )
    )


def _stamp(at: datetime) -> str:
    """A moment as stored: UTC, ISO 8601 to the microsecond (so text order is time order)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def latest_navs(connection: Connection, on: date) -> dict[str, tuple[date, Decimal]]:
    """Each class's newest NAV on or before `on`: ISIN → (its date, NAV per unit)."""
    c = navs_table.c
    newest = (
        sa.select(c.isin, sa.func.max(c.nav_date).label("nav_date"))
        .where(c.nav_date <= on.isoformat())
        .group_by(c.isin)
        .subquery()
    )
    rows = connection.execute(
        sa.select(c.isin, c.nav_date, c.nav).join(
            newest, sa.and_(c.isin == newest.c.isin, c.nav_date == newest.c.nav_date)
        )
    )
    return {str(i): (date.fromisoformat(str(d)), Decimal(str(n))) for i, d, n in rows}


def _order_row(order: Order) -> dict[str, object]:
    return {
        "order_id": order.order_id,
        "isin": order.isin,
        "kind": order.kind.value,
        "investor_bic": order.investor_bic,
        "investor_account": order.investor_account,
        "investor_name": order.investor_name,
        "placed_on": order.placed_on.isoformat(),
        "placed_at": _stamp(order.placed_at),
        "status": order.status.value,
        "instructed_minor": order.instructed.to_minor_units()
        if order.instructed is not None
        else None,
        "instructed_currency": order.instructed.currency.code
        if order.instructed is not None
        else None,
        "amount_minor": order.amount_minor,
        "units": order.units,
        "uetr": order.uetr,
        "nav_date": order.nav_date.isoformat() if order.nav_date else None,
        "nav": None if order.nav is None else str(order.nav),
        "residue": f"{order.residue.normalize():f}",
        "note": order.note,
    }


def _order(row: sa.Row[tuple[object, ...]]) -> Order:
    m = row._mapping
    return Order(
        str(m["order_id"]),
        str(m["isin"]),
        OrderKind(m["kind"]),
        str(m["investor_bic"]),
        str(m["investor_account"]),
        str(m["investor_name"]),
        date.fromisoformat(str(m["placed_on"])),
        datetime.fromisoformat(str(m["placed_at"])),
        OrderStatus(m["status"]),
        (
            Money.from_minor_units(int(m["instructed_minor"]), str(m["instructed_currency"]))
            if m["instructed_currency"]
            else None
        ),
        int(m["amount_minor"]),
        int(m["units"]),
        str(m["uetr"] or ""),
        date.fromisoformat(str(m["nav_date"])) if m["nav_date"] else None,
        None if m["nav"] is None else Decimal(str(m["nav"])),
        Decimal(str(m["residue"])),
        str(m["note"] or ""),
    )


def _terms(order: Order) -> tuple[object, ...]:
    """What makes an order the same order: placed again, it is a repeat, not a new one."""
    return (
        order.isin,
        order.kind,
        order.investor_bic,
        order.investor_account,
        order.instructed if order.kind is OrderKind.SUBSCRIPTION else order.units,
    )


def take_order(connection: Connection, order: Order) -> tuple[Order, bool]:
    """Store a new order, or find the one placed before under its id: (the stored order,
    created). The same id with other terms is refused. Two callers placing the same new
    id at once: one stores it, the other finds it (a conflicting insert does nothing)."""
    found = stored_order(connection, order.order_id)
    if found is None:
        insert = (
            postgresql.insert(orders_table)
            if connection.dialect.name == "postgresql"
            else sqlite.insert(orders_table)
        )
        stored = connection.execute(
            insert.values(**_order_row(order)).on_conflict_do_nothing(index_elements=["order_id"])
        )
        if stored.rowcount == 1:
            return order, True
        found = stored_order(connection, order.order_id)
        assert found is not None  # the other caller's, committed before our insert
    if _terms(found) != _terms(order):
        raise OrderError(f"order_id: {order.order_id!r} names another order already placed")
    return found, False


def stored_order(connection: Connection, order_id: str) -> Order | None:
    """The order placed under this id, if any."""
    row = connection.execute(
        orders_table.select().where(orders_table.c.order_id == order_id)
    ).first()
    return None if row is None else _order(row)


def update_order(connection: Connection, order: Order, *, was: OrderStatus | None = None) -> bool:
    """Store what dealing decided for an order (its status, units, NAV, cash, payment);
    with `was`, only if the stored order still has that status (a racing dealing run
    that got there first wins). True when stored."""
    c = orders_table.c
    where = c.order_id == order.order_id
    if was is not None:
        where = sa.and_(where, c.status == was.value)
    done = connection.execute(orders_table.update().where(where).values(**_order_row(order)))
    return done.rowcount == 1


@dataclass(frozen=True, slots=True)
class Visible:
    """Which orders and holdings a reader may see: those of investors banking with
    `investor_bic` (only `accounts` of them, when given), and every one in `isins` (the
    classes of funds the reader keeps or manages)."""

    investor_bic: str
    accounts: tuple[str, ...] | None = None
    isins: tuple[str, ...] = ()


def _visible(visible: Visible | None) -> sa.ColumnElement[bool]:
    c = orders_table.c
    if visible is None:
        return sa.true()
    theirs = c.investor_bic == visible.investor_bic
    if visible.accounts is not None:
        theirs = sa.and_(theirs, c.investor_account.in_(visible.accounts))
    return sa.or_(theirs, c.isin.in_(visible.isins)) if visible.isins else theirs


def orders(
    connection: Connection,
    *,
    status: OrderStatus | None = None,
    isin: str | None = None,
    visible: Visible | None = None,
) -> list[Order]:
    """Orders in the order they were placed (by day, then id), optionally of one status or
    class, and only those `visible` to a reader when given."""
    c = orders_table.c
    query = orders_table.select().where(_visible(visible)).order_by(c.placed_on, c.order_id)
    if status is not None:
        query = query.where(c.status == status.value)
    if isin is not None:
        query = query.where(c.isin == isin)
    return [_order(r) for r in connection.execute(query)]


def _signed_units() -> sa.ColumnElement[int]:
    c = orders_table.c
    return sa.case((c.kind == OrderKind.REDEMPTION.value, -c.units), else_=c.units)


def units_free(connection: Connection, isin: str, bic: str, account: str) -> int:
    """The units an investor can still redeem: dealt subscriptions less dealt and placed
    redemptions (in unit steps)."""
    c = orders_table.c
    counted = sa.or_(
        c.status == OrderStatus.DEALT.value,
        sa.and_(c.status == OrderStatus.PLACED.value, c.kind == OrderKind.REDEMPTION.value),
    )
    total = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(_signed_units()), 0)).where(
            c.isin == isin, c.investor_bic == bic, c.investor_account == account, counted
        )
    ).scalar()
    return int(total or 0)


def unit_register(
    connection: Connection, on: date = date.max, visible: Visible | None = None
) -> list[tuple[str, str, str, str, int]]:
    """Every investor's units per class from the orders dealt at NAVs of `on` or before:
    (ISIN, bank BIC, account, name, units), investors with none left out; only those
    `visible` to a reader when given."""
    c = orders_table.c
    units = sa.func.sum(_signed_units())
    rows = connection.execute(
        sa.select(c.isin, c.investor_bic, c.investor_account, sa.func.max(c.investor_name), units)
        .where(c.status == OrderStatus.DEALT.value, c.nav_date <= on.isoformat())
        .where(_visible(visible))
        .group_by(c.isin, c.investor_bic, c.investor_account)
        .having(units != 0)
        .order_by(c.isin, c.investor_bic, c.investor_account)
    )
    return [(str(i), str(b), str(a), str(n), int(u)) for i, b, a, n, u in rows]
