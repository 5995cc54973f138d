"""The unit register's invariants, reported by `corridor check` beside the ledger's: each
re-derived from the stored orders, NAVs and payments."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.engine import Connection, Engine

from corridor.funds import register
from corridor.funds.dealing import credited_to_class, proceeds_for, units_for
from corridor.funds.model import OrderKind, OrderStatus
from corridor.ledger.invariants import InvariantResult, check_in_one_read
from corridor.money import Money
from corridor.payments import repository as payments_repository
from corridor.payments.lifecycle import PaymentStatus


def no_investor_holds_negative_units(connection: Connection) -> list[str]:
    """No investor redeems more units of a class than its dealt subscriptions gave it."""
    problems = []
    for order in register.orders(connection, status=OrderStatus.PLACED):
        if order.kind is OrderKind.REDEMPTION:
            free = register.units_free(
                connection, order.isin, order.investor_bic, order.investor_account
            )
            if free < 0:
                problems.append(f"{order.investor_account} in {order.isin}: {free} unit steps")
    for isin, _bic, account, _name, units in register.unit_register(connection):
        if units < 0:
            problems.append(f"{account} in {isin}: {units} unit steps dealt")
    return problems


def dealt_orders_add_up(connection: Connection) -> list[str]:
    """Every dealt order's units, NAV, cash and residue agree, rounded as dealing rounds."""
    problems = []
    for order in register.orders(connection, status=OrderStatus.DEALT):
        share_class = register.share_class(connection, order.isin)
        if order.nav is None:
            problems.append(f"order {order.order_id}: dealt without a NAV")
            continue
        if order.kind is OrderKind.SUBSCRIPTION:
            cash = Money.from_minor_units(order.amount_minor, share_class.currency)
            expected: tuple[int, Decimal] = units_for(cash, order.nav, share_class)
            found: tuple[int, Decimal] = (order.units, order.residue)
        else:
            proceeds, residue = proceeds_for(order.units, order.nav, share_class)
            expected = (proceeds.to_minor_units(), residue)
            found = (order.amount_minor, order.residue)
        if expected != found:
            problems.append(f"order {order.order_id}: stored {found}, dealing gives {expected}")
    return problems


def dealt_subscriptions_were_paid(connection: Connection) -> list[str]:
    """Every dealt subscription's payment settled and credited the class's account the cash
    the units were issued for."""
    dealt = [
        o
        for o in register.orders(connection, status=OrderStatus.DEALT)
        if o.kind is OrderKind.SUBSCRIPTION
    ]
    records = payments_repository.load_many(connection, [o.uetr for o in dealt])
    classes = register.funds_of(connection)
    problems = []
    for order in dealt:
        record = records.get(order.uetr)
        if record is None:
            problems.append(f"order {order.order_id}: its payment {order.uetr} is not stored")
            continue
        if record.status is not PaymentStatus.SETTLED:
            problems.append(f"order {order.order_id}: its payment is {record.status.value}")
            continue
        share_class, fund = classes[order.isin]
        credited = credited_to_class(record, share_class, fund).to_minor_units()
        if credited != order.amount_minor:
            problems.append(
                f"order {order.order_id}: dealt on {order.amount_minor}, credited {credited}"
            )
    return problems


INVARIANTS: tuple[Callable[[Connection], list[str]], ...] = (
    no_investor_holds_negative_units,
    dealt_orders_add_up,
    dealt_subscriptions_were_paid,
)


def check_funds(engine: Engine) -> list[InvariantResult]:
    """Verify the unit register's invariants in one consistent read."""
    return check_in_one_read(engine, INVARIANTS)
