"""Planning a payment's settlement: the route, the FX deal, the fees by charge bearer,
and the legs of its chain; and the legs of a return.

Fees: the debtor's bank's fee is in the instructed currency; every other bank's is in the
settlement currency, on the amount reaching it. DEBT bills every fee to the debtor (the
other banks' converted at the dealt rate, rounded up); SHAR bills the debtor's bank's and
deducts the others on the way; CRED deducts them all. A conversion is made by the
debtor's bank: the debtor pays into its FX position, and its settlement (nostro) account
pays the settlement currency out, so a bank short of the currency cannot send it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal
from functools import lru_cache
from typing import Any

from corridor.calendar import CalendarError, next_business_day_everywhere, value_date
from corridor.fx import FxDesk, Quote
from corridor.money import Money
from corridor.payments.accounts import TransferCode, client_account
from corridor.payments.fees import ChargeBearer, FeeTable, apply_charges
from corridor.payments.payment import Payment
from corridor.payments.reference import Directory, route_agents
from corridor.payments.repository import PaymentRecord
from corridor.payments.settlement import Leg, Plan, fee_income, fx_position, settlement

EQUIVALENT_ROUNDING = ROUND_UP
"""A fee billed in another currency is converted up: the payer covers it in full."""
RETURN_ROUNDING = ROUND_HALF_EVEN
"""A returned amount converted back is rounded half-even; the residue is recorded."""


def plan_payment(
    payment: Payment,
    directory: Directory,
    fees: FeeTable,
    desk: FxDesk,
    now: datetime,
    *,
    held: Quote | None = None,
) -> tuple[Plan, dict[str, Any]]:
    """The legs that settle `payment` and what the tracker shows of them: the route, the
    FX deal, every fee by hop, the amounts debited and credited, the value date.

    A cross-currency payment converts on `held`, the quote its debtor dealt on
    beforehand, when it names one; else on a quote the desk makes now.
    Raises FxError, FeeError or ReferenceDataError when it cannot be priced.
    """

    sold, bought_ccy = payment.instructed_amount, payment.settlement_currency
    hops = directory.route(payment.debtor_agent, payment.creditor_agent, bought_ccy)
    first = directory.institution(payment.debtor_agent)
    agents = [a.bic11 for a in route_agents(hops)] if hops else [first.bic11]
    origin, destination = first.country, directory.institution(payment.creditor_agent).country
    debtor = client_account(
        agents[0], sold.currency.code, _identifier(directory, payment.debtor.account)
    )
    creditor = client_account(
        agents[-1], bought_ccy, _identifier(directory, payment.creditor.account)
    )
    bearer = payment.charge_bearer
    legs: list[Leg] = []
    info: dict[str, Any] = {"route": agents}
    if sold.currency.code == bought_ccy:
        schedules = fees.for_chain(agents, origin, destination, bought_ccy)
        charges = apply_charges(sold, bearer, schedules)
        legs.append(
            Leg(
                debtor,
                settlement(agents[0], bought_ccy),
                _units(sold),
                bought_ccy,
                TransferCode.PAYMENT,
                "principal",
                0,
            )
        )
        flowing = charges
        on_top_from = debtor
    else:
        own = fees.schedule(agents[0], origin, destination, sold.currency.code)
        own_fee = own.fee_for(sold)
        principal = sold - own_fee if bearer is ChargeBearer.CRED else sold
        quote = held if held is not None else desk.quote(agents[0], principal, bought_ccy, now)
        conversion = quote.convert(principal, now)
        downstream = fees.for_chain(agents[1:], origin, destination, bought_ccy)
        flowing = apply_charges(
            conversion.bought,
            ChargeBearer.DEBT if bearer is ChargeBearer.DEBT else ChargeBearer.CRED,
            downstream,
        )
        code = TransferCode.FX_PAYMENT
        legs.append(
            Leg(
                debtor,
                fx_position(agents[0], sold.currency.code),
                _units(principal),
                sold.currency.code,
                code,
                "principal, bought by the debtor's bank",
                0,
            )
        )
        legs.append(
            Leg(
                debtor,
                fee_income(agents[0], sold.currency.code),
                _units(own_fee),
                sold.currency.code,
                TransferCode.FEE,
                f"fee of {agents[0]}",
                0,
            )
        )
        on_top = flowing.charged_on_top
        equivalent = Money.of(0, sold.currency)
        if on_top.is_positive():
            exact = on_top.amount / conversion.rate
            equivalent = Money.of(
                exact.quantize(
                    Decimal(1).scaleb(-sold.currency.minor_unit), rounding=EQUIVALENT_ROUNDING
                ),
                sold.currency,
            )
            legs.append(
                Leg(
                    debtor,
                    fx_position(agents[0], sold.currency.code),
                    _units(equivalent),
                    sold.currency.code,
                    TransferCode.FEE,
                    "the other banks' fees, bought by the debtor's bank",
                    0,
                )
            )
        info["fx"] = {
            "quote_id": str(quote.quote_id),
            "sold": str(principal),
            "bought": str(conversion.bought),
            "residue": str(conversion.residue),
            "customer_rate": str(conversion.rate),
            "reference_rate": str(quote.reference.rate),
            "rate_date": quote.reference.rate_date.isoformat(),
            "spread_bps": str(quote.spread_bps),
            "quoted": "held by the debtor" if held is not None else "dealt on receipt",
        }
        info["debited"] = str(
            sold
            + (own_fee if bearer is not ChargeBearer.CRED else Money.of(0, sold.currency))
            + equivalent
        )
        info["fees"] = [
            {
                "hop": 0,
                "bank": agents[0],
                "fee": str(own_fee),
                "deducted": bearer is ChargeBearer.CRED,
            }
        ]
        on_top_from = None  # the debtor's bank pays the other banks' fees in their currency
    # The settlement currency travels bank to bank; each bank takes its fee.
    hop_agents = agents if sold.currency.code == bought_ccy else agents[1:]
    offset = 0 if sold.currency.code == bought_ccy else 1
    source = settlement(agents[0], bought_ccy)
    for charge in flowing.charges:
        bank = hop_agents[charge.hop]
        hop = charge.hop + offset
        if hop > 0:
            incoming = flowing.instructed if charge.hop == 0 else flowing.passed_on[charge.hop - 1]
            legs.append(
                Leg(
                    source,
                    settlement(bank, bought_ccy),
                    _units(incoming),
                    bought_ccy,
                    TransferCode.PAYMENT,
                    f"interbank {agents[hop - 1]} → {bank}",
                    hop,
                )
            )
            source = settlement(bank, bought_ccy)
        if charge.deducted:
            legs.append(
                Leg(
                    settlement(bank, bought_ccy),
                    fee_income(bank, bought_ccy),
                    _units(charge.amount),
                    bought_ccy,
                    TransferCode.FEE,
                    f"fee of {bank}",
                    hop,
                )
            )
    legs.append(
        Leg(
            source,
            creditor,
            _units(flowing.credited),
            bought_ccy,
            TransferCode.PAYMENT,
            "to the creditor",
            len(agents) - 1,
        )
    )
    for charge in flowing.charges:
        if not charge.deducted:
            bank = hop_agents[charge.hop]
            payer = on_top_from if on_top_from is not None else settlement(agents[0], bought_ccy)
            legs.append(
                Leg(
                    payer,
                    fee_income(bank, bought_ccy),
                    _units(charge.amount),
                    bought_ccy,
                    TransferCode.FEE,
                    f"fee of {bank}",
                    charge.hop + offset,
                )
            )
    fees_shown = [
        {
            "hop": c.hop + offset,
            "bank": hop_agents[c.hop],
            "fee": str(c.amount),
            "deducted": c.deducted,
        }
        for c in flowing.charges
    ]
    info["fees"] = info.get("fees", []) + fees_shown
    info.setdefault("debited", str(flowing.debited))
    info["credited"] = str(flowing.credited)
    try:
        countries = tuple(sorted({origin, destination}))
        due = _value_date(now, bought_ccy, countries)
        if payment.requested_execution_date > due:  # asked for a later day: that day
            due = next_business_day_everywhere(countries, payment.requested_execution_date)
        info["value_date"] = due.isoformat()
    except CalendarError as exc:
        info["value_date_note"] = str(exc)
    return Plan(tuple(legs)), info


@lru_cache(maxsize=1024)
def _value_date(now: datetime, currency: str, countries: tuple[str, ...]) -> date:
    """`value_date`, remembered: a batch prices many payments at one instant."""
    return value_date(now, currency, countries)


def _identifier(directory: Directory, account: str) -> str:
    return directory.account_holder(account)[1].identifier


def _units(amount: Money) -> int:
    return amount.to_minor_units()


def plan_json(plan: Plan) -> list[dict[str, Any]]:
    """A plan as stored with the payment."""
    return [
        {
            "debit": str(leg.debit),
            "credit": str(leg.credit),
            "amount": leg.amount,
            "currency": leg.currency,
            "code": int(leg.code),
            "what": leg.what,
            "hop": leg.hop,
        }
        for leg in plan.legs
    ]


def plan_of(record: PaymentRecord) -> Plan:
    """The plan stored with a priced payment."""
    return Plan(
        tuple(
            Leg(
                int(leg["debit"]),
                int(leg["credit"]),
                int(leg["amount"]),
                leg["currency"],
                TransferCode(leg["code"]),
                leg["what"],
                leg["hop"],
            )
            for leg in record.settlement["plan"]
        )
    )


def return_value_date(route: Sequence[str], currency: str, at: datetime) -> str | None:
    """The day a return in `currency` along `route` (BICs), received at `at`, settles
    between the banks (its pacs.004's IntrBkSttlmDt): the currency's cut-off in its own
    zone, then the next day that is a business day at both ends, as for the payment. The
    ledger books the return at once; only its interbank date rolls. None where the
    calendars do not reach (the tracker then has no return value date)."""
    ends = tuple(sorted({route[0][4:6], route[-1][4:6]}))
    try:
        return _value_date(at, currency, ends).isoformat()
    except CalendarError:
        return None


def return_legs(record: PaymentRecord) -> tuple[tuple[Leg, ...], dict[str, str]]:
    """What the creditor received, back along the route to the debtor."""
    plan = plan_of(record)
    forward = [leg for leg in plan.legs if leg.code is not TransferCode.FEE]
    to_creditor = forward[-1]
    amount, ccy = to_creditor.amount, to_creditor.currency
    legs = [
        Leg(
            to_creditor.credit,
            to_creditor.debit,
            amount,
            ccy,
            TransferCode.RETURN,
            "back from the creditor",
            to_creditor.hop,
        )
    ]
    for leg in reversed([leg for leg in forward if leg.what.startswith("interbank")]):
        legs.append(
            Leg(
                leg.credit,
                leg.debit,
                amount,
                ccy,
                TransferCode.RETURN,
                f"back over {leg.what}",
                leg.hop,
            )
        )
    principal = forward[0]
    fx = record.settlement.get("fx")
    if fx is None:
        legs.append(
            Leg(
                principal.credit,
                principal.debit,
                amount,
                ccy,
                TransferCode.RETURN,
                "back to the debtor",
                0,
            )
        )
        back = Money.from_minor_units(amount, ccy)
        return tuple(legs), {"from_creditor": str(back), "to_debtor": str(back)}
    # Converted back at the rate dealt: the debtor's bank sells back what it bought.
    sold_ccy = principal.currency
    returned = Money.from_minor_units(amount, ccy)
    exact = returned.amount / Decimal(fx["customer_rate"])
    minor = Decimal(1).scaleb(-Money.of(0, sold_ccy).currency.minor_unit)
    back = Money.of(exact.quantize(minor, rounding=RETURN_ROUNDING), sold_ccy)
    bank = record.settlement["route"][0]
    legs.append(
        Leg(
            settlement(bank, ccy),
            fx_position(bank, ccy),
            amount,
            ccy,
            TransferCode.RETURN,
            "bought back by the debtor's bank",
            0,
        )
    )
    legs.append(
        Leg(
            fx_position(bank, sold_ccy),
            principal.debit,
            _units(back),
            sold_ccy,
            TransferCode.RETURN,
            "back to the debtor",
            0,
        )
    )
    residue = exact - back.amount  # kept by the debtor's bank's FX position
    return tuple(legs), {
        "from_creditor": str(returned),
        "to_debtor": str(back),
        "rate": fx["customer_rate"],
        "residue": f"{residue:f} {sold_ccy}",
    }
