"""Dealing: subscriptions paid in and redemptions paid out through the payments engine, at
the NAV of the dealing day (forward pricing: an order placed before the day's valuation
point is dealt at that day's NAV, never at one already known).

A subscription is a cross-border payment from the investor's account into the share
class's account at the fund's depositary (charge bearer DEBT: the fund receives the whole
subscription). It is dealt once that payment has settled, on what the fund was credited:
units = cash / NAV, ROUND_DOWN to the class's unit step, so the fund never issues more than
the cash buys; the cash the units do not account for (less than one unit step's worth) is
the order's residue, kept in the fund for its holders and recorded on the order. A
subscription whose payment is rejected, cancelled or returned before dealing is void.

A redemption takes units the investor holds (counting redemptions placed and not yet
dealt, under a lock on the share class, so two racing redemptions cannot both take the
last units). It is dealt at the NAV: proceeds = units × NAV, ROUND_DOWN to the minor unit
(the fund pays no more than the units are worth), the fraction of a minor unit left being
its residue; the proceeds go out as a payment from the class's account (charge bearer
SHAR). The dealt redemption is committed before its payout is submitted; a payout a crash
kept from going is submitted by the next dealing run (it is idempotent: the payment is
known by the order's id as its end-to-end id).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal

from schwifty import BIC
from sqlalchemy.engine import Engine
from stdnum import isin as isin_number

from corridor.funds import register
from corridor.funds.errors import FundTermsError, InsufficientUnitsError, NavError, OrderError
from corridor.funds.model import Fund, Order, OrderKind, OrderStatus, ShareClass
from corridor.money import Money, MoneyError, currency
from corridor.payments.accounts import client_account
from corridor.payments.engine import PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Party, Payment
from corridor.payments.planning import plan_of
from corridor.payments.reference import UnknownClientError, bic11
from corridor.payments.repository import PaymentRecord

PURPOSE = "INVS"
"""ISO 20022 ExternalPurpose1Code for investment and securities: subscriptions and
redemption proceeds (the mainland asks a purpose for CNY credited there)."""
ALIGNED_PLACES = 6
"""A fund's disclosed taxonomy-aligned share is kept to six decimal places at most."""
UNSETTLED_FOR_GOOD = (PaymentStatus.REJECTED, PaymentStatus.CANCELLED, PaymentStatus.RETURNED)


def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def units_for(cash: Money, nav: Decimal, share_class: ShareClass) -> tuple[int, Decimal]:
    """(units in unit steps, residue) for `cash` at `nav` per unit: ROUND_DOWN to the unit
    step, computed on integers so no Decimal context precision can round it up. Cash =
    units × NAV + residue exactly, 0 ≤ residue < one unit step × NAV."""
    minor = cash.currency.minor_unit
    cash_minor = cash.to_minor_units()
    nav_int = int(nav.scaleb(share_class.nav_places))
    units = (
        cash_minor
        * 10 ** (share_class.unit_places + share_class.nav_places)
        // (nav_int * 10**minor)
    )
    worth = Decimal(units * nav_int).scaleb(-(share_class.unit_places + share_class.nav_places))
    return units, cash.amount - worth


def _worth(units: int, nav: Decimal, share_class: ShareClass) -> tuple[int, int]:
    """units × NAV as an exact fraction of minor units: (numerator, denominator), both
    integers, so no Decimal context precision enters however large the holding."""
    minor = currency(share_class.currency).minor_unit
    places = share_class.unit_places + share_class.nav_places
    nav_int = int(nav.scaleb(share_class.nav_places))
    return units * nav_int * 10**minor, 10**places


def proceeds_for(units: int, nav: Decimal, share_class: ShareClass) -> tuple[Money, Decimal]:
    """(proceeds, residue) for redeeming `units` (unit steps) at `nav`: units × NAV,
    ROUND_DOWN to the minor unit (integer division); the residue is the fraction of a
    minor unit left, exact."""
    ccy = currency(share_class.currency)
    numerator, denominator = _worth(units, nav, share_class)
    paid, left = divmod(numerator, denominator)
    places = share_class.unit_places + share_class.nav_places
    residue = Decimal(left).scaleb(-(places + ccy.minor_unit))
    return Money.from_minor_units(paid, ccy), residue


def value_of(units: int, nav: Decimal, share_class: ShareClass) -> Money:
    """What `units` are worth at `nav`: ROUND_HALF_EVEN to the minor unit, on integers (a
    valuation: nothing is booked, so there is no residue to keep)."""
    ccy = currency(share_class.currency)
    numerator, denominator = _worth(units, nav, share_class)
    whole, left = divmod(numerator, denominator)
    if 2 * left > denominator or (2 * left == denominator and whole % 2 == 1):
        whole += 1  # ROUND_HALF_EVEN
    return Money.from_minor_units(whole, ccy)


def _check_terms(fund: Fund, classes: Sequence[ShareClass]) -> None:
    problems = []
    for bic_field in ("manager_bic", "depositary_bic"):
        try:
            BIC(getattr(fund, bic_field))
        except ValueError as exc:
            problems.append(f"{bic_field}: {exc}")
    if len(fund.domicile) != 2 or not fund.domicile.isalpha() or not fund.domicile.isupper():
        problems.append(f"domicile: {fund.domicile!r} is not an ISO 3166 alpha-2 country")
    if not Decimal(0) <= fund.taxonomy_aligned <= Decimal(1):
        problems.append(f"taxonomy_aligned: {fund.taxonomy_aligned} is not between 0 and 1")
    elif fund.taxonomy_aligned.as_tuple().exponent < -ALIGNED_PLACES:  # type: ignore[operator]
        problems.append(
            f"taxonomy_aligned: {fund.taxonomy_aligned} has more than {ALIGNED_PLACES} decimals"
        )
    for name, limit in (("fund_id", 35), ("name", 140), ("name_zh", 140), ("structure", 140)):
        text = getattr(fund, name)
        if len(text) > limit or (name != "name_zh" and not text.strip()):
            problems.append(f"{name}: {text!r} is not 1 to {limit} characters")
    if not fund.aligned_basis.strip():
        problems.append("aligned_basis: say which taxonomy and disclosure the share is from")
    if not classes:
        problems.append("share_classes: a fund has at least one")
    for i, share_class in enumerate(classes):
        where = f"share_classes[{i}]"
        if not isin_number.is_valid(share_class.isin):
            problems.append(f"{where}.isin: {share_class.isin!r} is not a valid ISIN")
        if share_class.fund_id != fund.fund_id:
            problems.append(f"{where}.fund_id: {share_class.fund_id!r} is not {fund.fund_id!r}")
        try:
            currency(share_class.currency)
        except MoneyError as exc:
            problems.append(f"{where}.currency: {exc}")
        if not (0 <= share_class.unit_places <= 6 and 0 <= share_class.nav_places <= 8):
            problems.append(f"{where}: unit places 0-6 and NAV places 0-8")
        if not re.fullmatch(r"[A-Z0-9]{1,34}", share_class.account):
            problems.append(
                f"{where}.account: {share_class.account!r} is not an IBAN or account number"
                " written compact (capitals and digits, no spaces, at most 34)"
            )
        if not 1 <= len(share_class.name) <= 140:
            problems.append(f"{where}.name: is not 1 to 140 characters")
    if problems:
        raise FundTermsError(f"fund {fund.fund_id!r}: " + "; ".join(problems))


def register_fund(engine: Engine, fund: Fund, classes: Sequence[ShareClass]) -> bool:
    """Register a fund and its share classes (True when anything was new); refused whole,
    naming every problem, when a term is invalid. The manager's and depositary's BICs are
    kept as BIC11 (the institutions' tenant keys)."""
    _check_terms(fund, classes)
    fund = replace(
        fund, manager_bic=bic11(fund.manager_bic), depositary_bic=bic11(fund.depositary_bic)
    )
    with engine.begin() as connection:
        return register.put_fund(connection, fund, classes)


def publish_nav(
    engine: Engine, isin: str, on: date, nav: Decimal | str, *, at: datetime | None = None
) -> bool:
    """Publish a share class's NAV per unit for dealing day `on`, at `at` (default: now):
    True when new, False when the same NAV was published before; another NAV for a day
    already published is refused (dealt orders were priced on it). Orders placed from `at`
    on wait for the next NAV (forward pricing: no order is dealt at a price known when it
    was placed)."""
    try:
        price = Decimal(nav)
    except ArithmeticError:
        raise NavError(f"nav: {nav!r} is not a number") from None
    with engine.begin() as connection:
        share_class = register.share_class(connection, isin)
        if not price.is_finite() or price <= 0:
            raise NavError(f"nav: {nav} for {isin} on {on} is not a positive number")
        if price != price.quantize(_step(share_class.nav_places), rounding=ROUND_DOWN):
            raise NavError(
                f"nav: {nav} for {isin} has more than {share_class.nav_places} decimal places"
            )
        published = register.stored_nav(connection, isin, on)
        if published is not None:
            if published[0] != price:
                raise NavError(f"nav: {isin} on {on} was published at {published[0]}, not {nav}")
            return False
        register.insert_nav(connection, isin, on, price, at or datetime.now(UTC))
        return True


@dataclass
class DealingResult:
    """What one dealing run did, order by order."""

    dealt: list[Order] = field(default_factory=list)
    void: list[Order] = field(default_factory=list)
    waiting: list[tuple[Order, str]] = field(default_factory=list)
    """Orders left for a later run, with why (no NAV yet, the cash not settled yet)."""
    payouts: list[PaymentRecord] = field(default_factory=list)


class FundDesk:
    """A transfer agent's dealing desk: takes orders, deals them at NAV, and moves their
    cash through the payments engine."""

    def __init__(self, engine: Engine, payments: PaymentEngine) -> None:
        self.engine = engine
        self.payments = payments

    def _investor(self, account: str) -> tuple[str, str, str, str]:
        """(bank BIC, account identifier, name, currency) of the client holding `account`."""
        try:
            client, held = self.payments.corridor.directory.account_holder(account)
        except UnknownClientError:
            raise OrderError(f"investor_account: no client holds the account {account!r}") from None
        return held.servicer_bic, held.identifier, client.name, str(held.currency)

    def _class_and_fund(self, isin: str) -> tuple[ShareClass, Fund]:
        with self.engine.connect() as connection:
            share_class = register.share_class(connection, isin)
            return share_class, register.fund(connection, share_class.fund_id)

    def subscribe(
        self,
        order_id: str,
        isin: str,
        investor_account: str,
        cash: Money,
        on: date,
        *,
        individual: bool = False,
    ) -> tuple[Order, PaymentRecord]:
        """Place a subscription of `cash`, in the currency of the investor's account (the
        payment converts it to the class currency on the way when they differ), and send its
        payment. The same order again (same id and terms) changes nothing and answers the
        first."""
        share_class, fund = self._class_and_fund(isin)
        if not order_id or len(order_id) > 35:
            raise OrderError(f"order_id: {order_id!r} is not an id of 1 to 35 characters")
        bic, account, name, held = self._investor(investor_account)
        if cash.currency.code != held or cash.amount <= 0:
            raise OrderError(
                f"amount: {cash} is not a positive amount in {held}, {account}'s currency"
            )
        wanted = Order(
            order_id,
            isin,
            OrderKind.SUBSCRIPTION,
            bic,
            account,
            name,
            on,
            self.payments.clock(),
            instructed=cash,
            uetr=str(uuid.uuid4()),
        )
        with self.engine.begin() as connection:
            order, _created = register.take_order(connection, wanted)
        payment = Payment(
            uetr=order.uetr,
            end_to_end_id=order.order_id,
            instruction_id=order.order_id,
            debtor=Party(name, account, bic[4:6], individual),
            debtor_agent=bic,
            creditor_agent=fund.depositary_bic,
            creditor=Party(fund.name, share_class.account, fund.domicile),
            instructed_amount=cash if order.instructed is None else order.instructed,
            settlement_currency=share_class.currency,
            charge_bearer=ChargeBearer.DEBT,
            # Sent again after a crash on a later day, it asks for today, never the past.
            requested_execution_date=max(order.placed_on, self._today()),
            purpose_code=PURPOSE,
            remittance=f"Subscription {order.order_id} {isin}",
        )
        record = self.payments.submit(payment).record
        if record.payment.uetr != order.uetr:
            # The bank sent another payment under this end-to-end id: not the order's cash.
            void = replace(
                order,
                status=OrderStatus.VOID,
                note=f"order id clashes with payment {record.payment.uetr}'s end-to-end id",
            )
            with self.engine.begin() as connection:
                register.update_order(connection, void, was=OrderStatus.PLACED)
            raise OrderError(
                f"order_id: {order.order_id!r} is the end-to-end id of payment"
                f" {record.payment.uetr} from {bic}; place the order under another id"
            )
        if order.status is OrderStatus.PLACED and record.status in UNSETTLED_FOR_GOOD:
            order = self._void(order, record)
        return order, record

    def _today(self) -> date:
        return self.payments.clock().date()

    def _void(self, order: Order, record: PaymentRecord) -> Order:
        last = record.lifecycle.events[-1]
        note = f"payment {record.status.value}" + (f" ({last.reason})" if last.reason else "")
        void = replace(order, status=OrderStatus.VOID, note=note)
        with self.engine.begin() as connection:
            register.update_order(connection, void, was=OrderStatus.PLACED)
        return void

    def redeem(
        self, order_id: str, isin: str, investor_account: str, units: Decimal | str, on: date
    ) -> Order:
        """Place a redemption of `units` (at most the class's unit places), refused when the
        investor holds fewer units free; the same order again answers the first."""
        share_class, _fund = self._class_and_fund(isin)
        if not order_id or len(order_id) > 35:
            raise OrderError(f"order_id: {order_id!r} is not an id of 1 to 35 characters")
        try:
            asked = Decimal(units)
        except ArithmeticError:
            raise OrderError(f"units: {units!r} is not a number") from None
        steps = asked.scaleb(share_class.unit_places) if asked.is_finite() else asked
        if not asked.is_finite() or asked <= 0 or steps != steps.to_integral_value():
            raise OrderError(
                f"units: {units} is not a positive number of units with at most "
                f"{share_class.unit_places} decimal places"
            )
        bic, account, name, _currency = self._investor(investor_account)
        wanted = Order(
            order_id,
            isin,
            OrderKind.REDEMPTION,
            bic,
            account,
            name,
            on,
            self.payments.clock(),
            units=int(steps),
        )
        with self.engine.begin() as connection:
            register.lock_class(connection, isin)
            found = register.stored_order(connection, order_id)
            if found is None:
                free = register.units_free(connection, isin, bic, account)
                if int(steps) > free:
                    held = Decimal(free).scaleb(-share_class.unit_places)
                    raise InsufficientUnitsError(
                        f"units: {asked} asked of {isin}; {account} holds {held} free"
                    )
            order, _created = register.take_order(connection, wanted)
        return order

    def deal(self, on: date) -> DealingResult:
        """Deal every order placed by `on` whose class has a NAV for `on`: subscriptions
        whose cash has settled, every redemption; then send the redemptions' proceeds
        (and any a crash kept from going)."""
        result = DealingResult()
        with self.engine.connect() as connection:
            placed = [
                o
                for o in register.orders(connection, status=OrderStatus.PLACED)
                if o.placed_on <= on
            ]
            classes = register.funds_of(connection)
            navs = {i: register.stored_nav(connection, i, on) for i in {o.isin for o in placed}}
        subscriptions = [o for o in placed if o.kind is OrderKind.SUBSCRIPTION]
        cash = {r.payment.uetr: r for r in self.payments.get_many([o.uetr for o in subscriptions])}
        decided: list[Order] = []
        for order in placed:
            nav, (share_class, fund) = navs[order.isin], classes[order.isin]
            record = cash.get(order.uetr)
            if order.kind is OrderKind.SUBSCRIPTION:
                if record is None:
                    why = "its payment is not in the store: place the order again"
                    result.waiting.append((order, why))
                    continue
                if record.status in UNSETTLED_FOR_GOOD:
                    result.void.append(self._void(order, record))
                    continue
                if record.status is not PaymentStatus.SETTLED:
                    why = f"its cash has not settled yet (payment {record.status.value})"
                    result.waiting.append((order, why))
                    continue
            if nav is None:
                result.waiting.append((order, f"no NAV of {order.isin} for {on}"))
                continue
            price, published = nav
            if order.placed_at >= published:
                why = f"placed after {order.isin}'s NAV for {on} was published: the next NAV"
                result.waiting.append((order, why))
                continue
            if order.kind is OrderKind.SUBSCRIPTION:
                assert record is not None
                credited = credited_to_class(record, share_class, fund)
                units, residue = units_for(credited, price, share_class)
                decided.append(
                    replace(
                        order,
                        status=OrderStatus.DEALT,
                        amount_minor=credited.to_minor_units(),
                        units=units,
                        nav_date=on,
                        nav=price,
                        residue=residue,
                    )
                )
            else:
                proceeds, residue = proceeds_for(order.units, price, share_class)
                decided.append(
                    replace(
                        order,
                        status=OrderStatus.DEALT,
                        amount_minor=proceeds.to_minor_units(),
                        nav_date=on,
                        nav=price,
                        residue=residue,
                        uetr=payout_uetr(order.order_id),
                    )
                )
        with self.engine.begin() as connection:
            # A dealing run racing this one may have dealt some first: those are its.
            result.dealt = [
                o for o in decided if register.update_order(connection, o, was=OrderStatus.PLACED)
            ]
        result.payouts = self._pay_out(result.waiting)
        return result

    def _account_currency(self, account: str) -> str:
        return self._investor(account)[3]

    def _pay_out(self, blocked: list[tuple[Order, str]]) -> list[PaymentRecord]:
        """Submit the proceeds of every dealt redemption not yet paid (the engine answers
        a payout sent before with its payment: nothing goes twice); one that cannot be
        sent is added to `blocked` with why. A payout the engine rejected stays rejected
        (it is on the order's tracker for an operator), it is not sent again by itself."""
        with self.engine.connect() as connection:
            dealt = [
                o
                for o in register.orders(connection, status=OrderStatus.DEALT)
                if o.kind is OrderKind.REDEMPTION and o.amount_minor > 0
            ]
            known = {r.payment.uetr for r in self.payments.get_many([o.uetr for o in dealt])}
            due = [o for o in dealt if o.uetr not in known]
            classes = register.funds_of(connection)
            payouts = []
            for order in due:
                share_class, fund = classes[order.isin]
                try:
                    to_currency = self._account_currency(order.investor_account)
                except OrderError as exc:
                    # The investor's account is gone: the proceeds wait for an operator,
                    # and the other payouts go.
                    blocked.append((order, f"payout not sent: {exc}"))
                    continue
                payouts.append(
                    Payment(
                        uetr=order.uetr,
                        end_to_end_id=order.order_id,
                        instruction_id=order.order_id,
                        debtor=Party(fund.name, share_class.account, fund.domicile),
                        debtor_agent=fund.depositary_bic,
                        creditor_agent=order.investor_bic,
                        creditor=Party(
                            order.investor_name, order.investor_account, order.investor_bic[4:6]
                        ),
                        instructed_amount=Money.from_minor_units(
                            order.amount_minor, share_class.currency
                        ),
                        settlement_currency=to_currency,
                        charge_bearer=ChargeBearer.SHAR,
                        requested_execution_date=max(
                            order.nav_date or order.placed_on, self._today()
                        ),
                        purpose_code=PURPOSE,
                        remittance=f"Redemption {order.order_id} {order.isin}",
                    )
                )
        if not payouts:
            return []
        return [s.record for s in self.payments.submit_batch(payouts)]


def payout_uetr(order_id: str) -> str:
    """The UETR of a redemption's payout: a UUIDv4-shaped id drawn from the order id, so
    any dealing run that deals the order names the same payment."""
    digest = hashlib.sha256(f"corridor-fund-payout:{order_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def credited_to_class(record: PaymentRecord, share_class: ShareClass, fund: Fund) -> Money:
    """What the settled payment credited to the class's account at the fund's depositary:
    the legs of its plan into that ledger account (after any fees taken on the way)."""
    account = client_account(fund.depositary_bic, share_class.currency, share_class.account)
    units = sum(leg.amount for leg in plan_of(record).legs if leg.credit == account)
    return Money.from_minor_units(units, share_class.currency)
