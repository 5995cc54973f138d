"""An account's day on the ledger, as a statement shows it: opening and closing booked
balances and every booked entry, each tied to the payment (and the leg) that made it.

Balances come from the ledger to the minor unit: the closing balance is the account's
posted balance now less what was booked after the day; the opening balance is the closing
one less the day's entries. For an account that keeps history (banks' settlement and
nostro accounts), both are checked against `Ledger.get_account_balance` as of the day's
bounds, and a difference is an error, never a silent figure. The day is the account
servicer's calendar day (London, Hong Kong or Shanghai time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from corridor.iso20022 import repository
from corridor.iso20022.errors import ExportError
from corridor.ledger import Ledger, Transfer, TransferFlags
from corridor.money import Money
from corridor.payments import repository as payments_store
from corridor.payments.accounts import TransferCode, client_account
from corridor.payments.planning import plan_of, return_legs
from corridor.payments.reference import Directory, ReferenceDataError
from corridor.payments.repository import PaymentRecord
from corridor.payments.settlement import leg_id, settlement

ZONES = {"GB": "Europe/London", "HK": "Asia/Hong_Kong", "CN": "Asia/Shanghai"}
"""Where a statement's day runs, by the servicer's country (UTC elsewhere)."""
PAGE = 1000


def bank_zone(bic: str) -> ZoneInfo:
    """The time zone a bank keeps its books in, by its BIC's country (UTC elsewhere)."""
    return ZoneInfo(ZONES.get(bic[4:6], "UTC"))


class StatementMismatchError(RuntimeError):
    """A statement's balances are the ledger's: a history account's balance as of the
    day's bounds must equal what its transfers add up to."""


@dataclass(frozen=True, slots=True)
class StatementAccount:
    """The account a statement is for."""

    ledger_id: int
    currency: str
    identifier: str
    """IBAN or account number; for a bank's own money, "BIC/CCY"."""
    owner: str
    servicer_bic: str
    iban: bool

    @property
    def zone(self) -> ZoneInfo:
        """The servicer's time zone."""
        return bank_zone(self.servicer_bic)


@dataclass(frozen=True, slots=True)
class Entry:
    """One booked entry of the account."""

    transfer: Transfer
    amount: Money
    credit: bool
    booked_at: datetime
    code: TransferCode | None
    record: PaymentRecord | None = None
    what: str = ""
    """The leg's description ("principal", "fee of …", "back from the creditor" …)."""
    step: str = ""
    """post or return: which chain of the payment booked it."""


@dataclass
class AccountDay:
    """An account's booked day: balances at its bounds and its entries, oldest first."""

    account: StatementAccount
    day: date
    start: datetime
    end: datetime
    opening: Money
    closing: Money
    entries: list[Entry] = field(default_factory=list)

    @property
    def credits(self) -> Money:
        """The sum of the day's credit entries."""
        return _sum((e.amount for e in self.entries if e.credit), self.opening.currency.code)

    @property
    def debits(self) -> Money:
        """The sum of the day's debit entries."""
        return _sum((e.amount for e in self.entries if not e.credit), self.opening.currency.code)


def _sum(amounts: object, code: str) -> Money:
    total = Money.of(0, code)
    for amount in amounts:  # type: ignore[attr-defined]
        total = total + amount
    return total


def resolve_account(directory: Directory, text: str) -> StatementAccount:
    """The account a user names: a client's IBAN or account number, or a bank's money in a
    currency as "BIC/CCY" (its settlement account at home, its nostro abroad)."""
    if "/" in text:
        bic, code = (part.strip() for part in text.split("/", 1))
        try:
            bank = directory.institution(bic, field="account")
        except ReferenceDataError as exc:
            raise ExportError(str(exc)) from None
        if code.upper() not in {c.code for c in bank.currencies}:
            raise ExportError(f"account: {bank.bic11} holds no {code.upper()}")
        return StatementAccount(
            settlement(bank.bic11, code.upper()),
            code.upper(),
            f"{bank.bic11}/{code.upper()}",
            bank.name,
            bank.bic11,
            iban=False,
        )
    try:
        client, account = directory.account_holder(text)
        servicer = directory.institution(account.servicer_bic).bic11
    except ReferenceDataError as exc:
        raise ExportError(str(exc)) from None
    identifier = account.identifier
    return StatementAccount(
        client_account(servicer, account.currency.code, identifier),
        account.currency.code,
        identifier,
        client.name,
        servicer,
        iban=identifier[:2].isalpha() and identifier[2:4].isdigit(),
    )


def account_day(engine: Engine, ledger: Ledger, account: StatementAccount, day: date) -> AccountDay:
    """The account's booked day `day` (in the servicer's zone), from the ledger."""
    found = ledger.lookup_accounts([account.ledger_id])
    if not found:
        raise ExportError(
            f"account {account.identifier}: not on the ledger (is the corridor set up?)"
        )
    stored = found[0]
    zone = account.zone
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    start_ns, end_ns = _ns(start), _ns(end)
    code = account.currency
    later = 0
    booked: list[Transfer] = []
    before: int | None = None
    while True:
        page = ledger.get_account_transfers(
            account.ledger_id, before=before, since=start_ns - 1, limit=PAGE
        )
        for transfer in page.transfers:
            effect = _effect(transfer, account.ledger_id)
            if transfer.timestamp >= end_ns:
                later += effect
            elif effect or _posted(transfer):
                booked.append(transfer)
        if page.next_before is None:
            break
        before = page.next_before
    closing_units = stored.credits_posted - stored.debits_posted - later
    opening_units = closing_units - sum(_effect(t, account.ledger_id) for t in booked)
    _check_history(ledger, account, start_ns, end_ns, opening_units, closing_units)
    references = _references(engine, account, start, end)
    entries = []
    for transfer in reversed(booked):  # oldest first
        record, what, step = references.get(transfer.id, (None, "", ""))
        entries.append(
            Entry(
                transfer,
                Money.from_minor_units(transfer.amount, code),
                transfer.credit_account_id == account.ledger_id,
                datetime.fromtimestamp(transfer.timestamp / 1e9, UTC).astimezone(zone),
                _code(transfer.code),
                record,
                what,
                step,
            )
        )
    return AccountDay(
        account,
        day,
        start,
        end,
        Money.from_minor_units(opening_units, code),
        Money.from_minor_units(closing_units, code),
        entries,
    )


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000


def _posted(transfer: Transfer) -> bool:
    return not transfer.flags & (TransferFlags.PENDING | TransferFlags.VOID_PENDING_TRANSFER)


def _effect(transfer: Transfer, account_id: int) -> int:
    """What a transfer did to the account's posted balance (credits − debits)."""
    if not _posted(transfer):
        return 0
    if transfer.credit_account_id == account_id:
        return transfer.amount
    if transfer.debit_account_id == account_id:
        return -transfer.amount
    return 0


def _code(value: int) -> TransferCode | None:
    try:
        return TransferCode(value)
    except ValueError:
        return None


def _check_history(
    ledger: Ledger,
    account: StatementAccount,
    start_ns: int,
    end_ns: int,
    opening: int,
    closing: int,
) -> None:
    for moment, expected, which in (
        (start_ns - 1, opening, "opening"),
        (end_ns - 1, closing, "closing"),
    ):
        kept = ledger.get_account_balance(account.ledger_id, moment)
        if kept is None:
            return  # no history kept (client accounts), or the account did not exist yet
        balance = kept.credits_posted - kept.debits_posted
        if balance != expected:
            raise StatementMismatchError(
                f"{account.identifier}: {which} balance {expected} from its transfers, but the"
                f" ledger's history says {balance} (minor units)"
            )


def _references(
    engine: Engine, account: StatementAccount, start: datetime, end: datetime
) -> dict[int, tuple[PaymentRecord, str, str]]:
    """Ledger transfer id → (payment, leg, step), for the payments that may have booked on
    the account in the day (their leg ids derive from the UETR)."""
    found: dict[int, tuple[PaymentRecord, str, str]] = {}
    with engine.connect() as connection:
        uetrs = repository.payments_updated_between(
            connection, start.astimezone(UTC), end.astimezone(UTC) + timedelta(days=1)
        )
        records = payments_store.load_many(connection, uetrs)
        for uetr in uetrs:
            record = records.get(uetr)
            if record is None or "plan" not in record.settlement:
                continue
            plan = plan_of(record)
            for i, leg in enumerate(plan.legs):
                if account.ledger_id in (leg.debit, leg.credit):
                    found[leg_id(uetr, "post", i)] = (record, leg.what, "post")
            if "returned" in record.settlement:
                legs, _ = return_legs(record)
                for i, leg in enumerate(legs):
                    if account.ledger_id in (leg.debit, leg.credit):
                        found[leg_id(uetr, "return", i)] = (record, leg.what, "return")
    return found
