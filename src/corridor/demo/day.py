"""A business day of corridor traffic, generated deterministically from the day's number.

The day is a list of stages; each stage is a list of linked chains (a chain succeeds or
fails as a whole). Some instructions are refused on purpose, so that the day shows the
ledger naming what it refuses and changing nothing for it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from corridor.demo.corridor import (
    INSTITUTIONS,
    RATES,
    RESERVE_SYSTEMS,
    SPREAD,
    Institution,
    account_id,
    demo_id,
)
from corridor.ledger import BATCH_MAX, Transfer, TransferFlags
from corridor.money import Money
from corridor.payments.accounts import AccountCode, TransferCode

Chain = list[Transfer]


@dataclass
class Stage:
    """One part of the day, booked as batches of whole chains."""

    name: str
    chains: list[Chain] = field(default_factory=list)

    def batches(self) -> Iterator[list[Transfer]]:
        """The stage's transfers in batches of at most BATCH_MAX, never splitting a chain."""
        batch: list[Transfer] = []
        for chain in self.chains:
            if len(batch) + len(chain) > BATCH_MAX:
                yield batch
                batch = []
            batch.extend(chain)
        if batch:
            yield batch


def units(amount: str | Decimal, currency: str) -> int:
    """An exact amount in minor units (refuses amounts finer than the currency allows)."""
    return Money.of(amount, currency).to_minor_units()


def rate(sell: str, buy: str) -> Decimal:
    """Units of `buy` per unit of `sell` at the day's mid rate (crossed through GBP if need be)."""
    if (sell, buy) in RATES:
        return RATES[(sell, buy)]
    if (buy, sell) in RATES:
        return 1 / RATES[(buy, sell)]
    return rate(sell, "GBP") * rate("GBP", buy)


def convert(amount_units: int, sell: str, buy: str) -> int:
    """What the payee gets, in `buy` minor units: mid rate less spread, rounded half-even."""
    sold = Money.from_minor_units(amount_units, sell)
    bought = Money.of(sold.amount * rate(sell, buy) * (1 - SPREAD), buy)
    return bought.to_minor_units(rounding=ROUND_HALF_EVEN)


def _chain(*legs: Transfer) -> Chain:
    """Link the legs: every leg but the last carries the `linked` flag."""
    return [
        leg if i == len(legs) - 1 else replace(leg, flags=leg.flags | TransferFlags.LINKED)
        for i, leg in enumerate(legs)
    ]


class DayBuilder:
    """Builds one day's stages; ids are derived from the day, so a day is booked once."""

    def __init__(self, day: int) -> None:
        self.day = day
        self.rng = random.Random(f"corridor-demo-day-{day}")  # noqa: S311 - a demo, not crypto
        self.sequence = 0

    def transfer(
        self, debit: int, credit: int, amount: int, ledger: str, code: int, **fields: Any
    ) -> Transfer:
        """A transfer with the next id of the day."""
        self.sequence += 1
        return Transfer(
            demo_id("transfer", self.day, self.sequence),
            debit,
            credit,
            amount,
            ledger,
            code,
            **fields,
        )

    def opening(self) -> Stage:
        """Reserves into each bank's settlement accounts; each client's deposits arrive."""
        stage = Stage("opening balances")
        for bank in INSTITUTIONS:
            for ccy in bank.currencies:
                settlement = account_id(AccountCode.SETTLEMENT, ccy, bank.number)
                legs = [
                    self.transfer(
                        account_id(AccountCode.RESERVE, ccy),
                        settlement,
                        units("25000000", ccy),
                        ccy,
                        TransferCode.FUNDING,
                    )
                ]
                for n in range(1, len(bank.clients) + 1):
                    deposit = units(Decimal(self.rng.randrange(20_000, 400_000)), ccy)
                    legs.append(
                        self.transfer(
                            settlement,
                            account_id(AccountCode.CLIENT, ccy, bank.number, n),
                            deposit,
                            ccy,
                            TransferCode.FUNDING,
                        )
                    )
                stage.chains.append(_chain(*legs))
        return stage

    def _client(self, ccy: str) -> tuple[Institution, int]:
        bank = self.rng.choice([b for b in INSTITUTIONS if ccy in b.currencies])
        return bank, self.rng.randrange(1, len(bank.clients) + 1)

    def _amount(self, ccy: str, low: int, high: int) -> int:
        return units(Decimal(self.rng.randrange(low * 100, high * 100)) / 100, ccy)

    def _delivery(
        self,
        payer_bank: Institution,
        payee: tuple[Institution, int],
        ccy: str,
        amount: int,
        code: TransferCode,
    ) -> list[Transfer]:
        """From the paying bank's settlement account to the payee's client account."""
        payee_bank, payee_client = payee
        legs = []
        source = account_id(AccountCode.SETTLEMENT, ccy, payer_bank.number)
        if payee_bank is not payer_bank:
            target = account_id(AccountCode.SETTLEMENT, ccy, payee_bank.number)
            legs.append(self.transfer(source, target, amount, ccy, code))
            source = target
        legs.append(
            self.transfer(
                source,
                account_id(AccountCode.CLIENT, ccy, payee_bank.number, payee_client),
                amount,
                ccy,
                code,
            )
        )
        return legs

    def payments(self, count: int) -> Stage:
        """Same-currency client payments across the corridor, each with its fee."""
        stage = Stage("payments in one currency")
        for _ in range(count):
            ccy = self.rng.choice(list(RESERVE_SYSTEMS))
            payer_bank, payer = self._client(ccy)
            # One in twenty asks for more than any client holds: refused whole.
            amount = self._amount(ccy, 50, 9_000 if self.rng.random() > 0.05 else 900_000)
            payer_account = account_id(AccountCode.CLIENT, ccy, payer_bank.number, payer)
            fee = self.transfer(
                payer_account,
                account_id(AccountCode.FEE_INCOME, ccy, payer_bank.number),
                units("2.50", ccy),
                ccy,
                TransferCode.FEE,
            )
            first = self.transfer(
                payer_account,
                account_id(AccountCode.SETTLEMENT, ccy, payer_bank.number),
                amount,
                ccy,
                TransferCode.PAYMENT,
            )
            rest = self._delivery(payer_bank, self._client(ccy), ccy, amount, TransferCode.PAYMENT)
            stage.chains.append(_chain(first, *rest, fee))
        return stage

    def fx_payments(self, count: int) -> Stage:
        """Cross-currency payments: the payer's bank converts through its FX positions."""
        stage = Stage("cross-currency payments")
        banks = [b for b in INSTITUTIONS if len(b.currencies) > 1]
        for _ in range(count):
            bank = self.rng.choice(banks)
            sell, buy = self.rng.sample(bank.currencies, 2)
            payer = self.rng.randrange(1, len(bank.clients) + 1)
            amount = self._amount(sell, 100, 12_000)
            bought = convert(amount, sell, buy)
            payer_account = account_id(AccountCode.CLIENT, sell, bank.number, payer)
            legs = [
                self.transfer(
                    payer_account,
                    account_id(AccountCode.FX_POSITION, sell, bank.number),
                    amount,
                    sell,
                    TransferCode.FX_PAYMENT,
                ),
                self.transfer(
                    account_id(AccountCode.FX_POSITION, buy, bank.number),
                    account_id(AccountCode.SETTLEMENT, buy, bank.number),
                    bought,
                    buy,
                    TransferCode.FX_PAYMENT,
                ),
                *self._delivery(bank, self._client(buy), buy, bought, TransferCode.FX_PAYMENT),
                self.transfer(
                    payer_account,
                    account_id(AccountCode.FEE_INCOME, sell, bank.number),
                    units("5", sell),
                    sell,
                    TransferCode.FEE,
                ),
            ]
            stage.chains.append(_chain(*legs))
        return stage

    def holds(self, count: int) -> tuple[Stage, Stage]:
        """Large payments held pending review, then released, partly released or voided."""
        opened = Stage("holds pending review")
        settled = Stage("holds decided")
        for i in range(count):
            ccy = self.rng.choice(list(RESERVE_SYSTEMS))
            bank, client = self._client(ccy)
            amount = self._amount(ccy, 5_000, 15_000)
            hold = self.transfer(
                account_id(AccountCode.CLIENT, ccy, bank.number, client),
                account_id(AccountCode.SETTLEMENT, ccy, bank.number),
                amount,
                ccy,
                TransferCode.HOLD,
                flags=TransferFlags.PENDING,
                timeout=86_400,
            )
            opened.chains.append([hold])
            if i % 5 == 4:  # the review refuses one in five: the hold is voided
                decision = self.transfer(
                    0, 0, 0, "", 0, pending_id=hold.id, flags=TransferFlags.VOID_PENDING_TRANSFER
                )
            elif i % 5 == 3:  # one in five is released in part (the rest returns to the client)
                decision = self.transfer(
                    0,
                    0,
                    amount // 2,
                    "",
                    0,
                    pending_id=hold.id,
                    flags=TransferFlags.POST_PENDING_TRANSFER,
                )
            else:
                decision = self.transfer(
                    0, 0, 0, "", 0, pending_id=hold.id, flags=TransferFlags.POST_PENDING_TRANSFER
                )
            settled.chains.append([decision])
        return opened, settled

    def refused(self, earlier: Transfer) -> Stage:
        """Instructions the ledger must refuse, each for its own named reason."""
        gbp_client = account_id(AccountCode.CLIENT, "GBP", 1, 1)
        return Stage(
            "instructions refused on purpose",
            [
                # A client pays more than it holds.
                [
                    self.transfer(
                        gbp_client,
                        account_id(AccountCode.SETTLEMENT, "GBP", 1),
                        units("10000000", "GBP"),
                        "GBP",
                        TransferCode.PAYMENT,
                    )
                ],
                # GBP debited, CNY credited in one transfer: currencies never mix.
                [
                    self.transfer(
                        gbp_client,
                        account_id(AccountCode.CLIENT, "CNY", 4, 1),
                        units("100", "GBP"),
                        "GBP",
                        TransferCode.PAYMENT,
                    )
                ],
                # A retried instruction: applied once already, answered `exists`.
                [earlier],
                # Zero is not an amount.
                [
                    self.transfer(
                        gbp_client,
                        account_id(AccountCode.SETTLEMENT, "GBP", 1),
                        0,
                        "GBP",
                        TransferCode.PAYMENT,
                    )
                ],
            ],
        )


def business_day(day: int) -> list[Stage]:
    """Every stage of business day `day`, in booking order."""
    builder = DayBuilder(day)
    opening = builder.opening()
    payments = builder.payments(240)
    fx = builder.fx_payments(160)
    held, decided = builder.holds(25)
    refused = builder.refused(opening.chains[0][-1])
    return [opening, payments, fx, held, decided, refused]


def day_marker(day: int) -> int:
    """The id of the day's first transfer: stored once the day has been booked."""
    return demo_id("transfer", day, 1)
