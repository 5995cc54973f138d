"""FX quotes a bank offers its clients ahead of a payment, and dealing on them once.

A client asks its bank for a rate (`offer_quote`): the quote is kept with its id, rate,
ECB fixing and expiry. A payment that names it (`Payment.fx_quote_id`, pain.001's
`XchgRateInf/CtrctId`) converts at that rate, provided the quote was made by the
debtor's bank for the payment's currencies and amount, has not expired, and has not been
dealt by another payment; the engine marks it dealt in the transaction that records the
payment. What is wrong with a quote is a `HeldQuoteError`: the payment is rejected,
naming why, and books nothing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Engine

from corridor.fx import FxDesk, FxError, Quote
from corridor.money import Money
from corridor.payments import repository
from corridor.payments.payment import Payment
from corridor.payments.reference import bic11


class HeldQuoteError(FxError):
    """A payment deals on a quote its debtor's bank made for the payment's currencies,
    covering the amount converted, before the quote expires, and only once."""


def offer_quote(
    engine: Engine,
    desk: FxDesk,
    institution: str,
    sell: Money,
    buy_currency: str,
    at: datetime,
) -> Quote:
    """A dealable quote for `institution`'s client selling `sell`, kept so a payment can
    name it. Raises FxError when the desk cannot quote."""
    quote = desk.quote(institution, sell, buy_currency, at)
    with engine.begin() as connection:
        repository.insert_quote(connection, _row(quote))
    return quote


def contract_id(quote: Quote) -> str:
    """The id a payment names a quote by: its UUID in 32 hex digits, which fits ISO
    20022's Max35Text (`XchgRateInf/CtrctId`) where the hyphenated form does not."""
    return quote.quote_id.hex


def quote_key(named: str) -> str:
    """The stored key of the quote a payment names (hyphenated or not, any case)."""
    try:
        return UUID(named).hex
    except ValueError:
        return named


def _row(quote: Quote) -> dict[str, Any]:
    return {
        "quote_id": contract_id(quote),
        "institution": quote.institution,
        "sell_currency": quote.sell.currency.code,
        "sell_minor": quote.sell.to_minor_units(),
        "buy_currency": quote.buy_currency.code,
        "bought_minor": quote.bought.to_minor_units(),
        "customer_rate": str(quote.customer_rate),
        "reference_rate": str(quote.reference.rate),
        "rate_date": quote.reference.rate_date.isoformat(),
        "spread_bps": str(quote.spread_bps),
        "rounding": quote.rounding,
        "quoted_at": quote.quoted_at.isoformat(),
        "expires_at": quote.expires_at.isoformat(),
        "dealt_by": None,
    }


def held_quote(row: dict[str, Any] | None, payment: Payment, desk: FxDesk) -> Quote:
    """The stored quote `payment` names, checked against it; HeldQuoteError if it is not
    one the payment may deal on (the expiry and amount are checked when converting)."""
    named = payment.fx_quote_id
    if row is None:
        raise HeldQuoteError(f"fx_quote_id: no quote {named!r} was offered")
    if row["dealt_by"] not in (None, payment.uetr):
        raise HeldQuoteError(f"fx_quote_id: quote {named} was dealt by payment {row['dealt_by']}")
    if bic11(row["institution"]) != bic11(payment.debtor_agent):
        raise HeldQuoteError(
            f"fx_quote_id: quote {named} was made for {row['institution']},"
            f" not the debtor's bank {payment.debtor_agent}"
        )
    pair = (row["sell_currency"], row["buy_currency"])
    wanted = (payment.instructed_amount.currency.code, payment.settlement_currency)
    if pair != wanted:
        raise HeldQuoteError(
            f"fx_quote_id: quote {named} sells {pair[0]} for {pair[1]},"
            f" the payment {wanted[0]} for {wanted[1]}"
        )
    return desk.restore(
        quote_id=UUID(hex=row["quote_id"]),
        institution=row["institution"],
        sell=Money.from_minor_units(int(row["sell_minor"]), row["sell_currency"]),
        buy_currency=row["buy_currency"],
        reference_rate=Decimal(row["reference_rate"]),
        spread_bps=Decimal(row["spread_bps"]),
        customer_rate=Decimal(row["customer_rate"]),
        rounding=row["rounding"],
        quoted_at=datetime.fromisoformat(row["quoted_at"]),
        expires_at=datetime.fromisoformat(row["expires_at"]),
    )
