"""The operations centre's service functions: what the HTTP API and the web console call.

Each function takes the `Caller` (a user of one institution, in one role, maybe through
an API key), checks what the caller may do, scopes every read to the caller's
institution, calls the domain package that holds the rule (payments, compliance,
ISO 20022, FX, reference data, auth) and records the action in the audit log. None of
the domain's rules is written again here. Something a caller may not see answers as if
it did not exist (404), so ids cannot be probed across tenants.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from corridor.api import queries
from corridor.api.desk import PaymentDesk
from corridor.api.queries import Tenant
from corridor.auth import audit
from corridor.auth.permissions import Action, Caller, ForbiddenError
from corridor.compliance.cases import Case, CaseStatus, decide_case, get_case, list_cases
from corridor.compliance.screening import load_index
from corridor.iso20022.export import export_statement, payment_documents
from corridor.iso20022.importer import ImportResult, import_pain001
from corridor.iso20022.validation import ValidationReport, validate_pain001
from corridor.iso20022.xmlwrite import to_bytes
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.accounts import client_account
from corridor.payments.dealing import contract_id, offer_quote
from corridor.payments.engine import Corridor, PaymentEngine, PaymentNotFoundError
from corridor.payments.lifecycle import PaymentStatus
from corridor.payments.payment import Payment
from corridor.payments.reference import bic11
from corridor.payments.repository import PaymentRecord
from corridor.reference_data import store as reference
from corridor.reference_data.store import load_corridor

MAX_UPLOAD = 20 * 1024 * 1024
"""The largest pain.001 the console and API take in one upload (bytes)."""


class NotFoundError(LookupError):
    """A thing is found only by a caller whose institution it belongs to."""

    status_code = 404


class IdempotencyConflictError(ValueError):
    """An Idempotency-Key (or an end-to-end id) names one instruction: sent again with
    different content, it is refused, not taken for the first."""

    status_code = 409


class UploadTooLargeError(ValueError):
    """An upload is at most MAX_UPLOAD bytes."""

    status_code = 413


@dataclass(frozen=True, slots=True)
class Created:
    """What a creation led to: the payment, and whether this request made it."""

    record: PaymentRecord
    created: bool


def _now() -> datetime:
    return datetime.now(UTC)


def fingerprint(payment: Payment) -> tuple[Any, ...]:
    """What makes two instructions the same one (for idempotent replays)."""
    return (
        payment.end_to_end_id,
        str(payment.instructed_amount.amount),
        payment.instructed_amount.currency.code,
        payment.settlement_currency,
        payment.debtor.account,
        payment.creditor.account,
        bic11(payment.creditor_agent),
        payment.charge_bearer.value,
    )


class Operations:
    """The service layer over one store: engine, ledger (through the desk) and the
    reference data loaded from the store."""

    def __init__(self, engine: Engine, *, clock: Any = _now) -> None:
        self.engine = engine
        self.clock = clock
        self._corridor: Corridor | None = None
        self._reader_lock = threading.Lock()
        self._reader: Ledger | None = None
        self.desk = PaymentDesk(self._make_engine, self._audit_created)

    # -- life -------------------------------------------------------------------------------

    def _make_engine(self) -> PaymentEngine:
        return PaymentEngine(
            self.engine, Ledger(self.engine), self.corridor, clock=self.clock, actor="engine"
        )

    def start(self) -> None:
        """Load the reference data and start the payment desk."""
        self.reload()
        self.desk.start()

    def stop(self) -> None:
        """Finish queued work and close the ledger connections."""
        self.desk.stop()
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    @property
    def corridor(self) -> Corridor:
        """The Corridor the engine runs on, as the store holds it."""
        if self._corridor is None:
            self.reload()
        assert self._corridor is not None
        return self._corridor

    def reload(self) -> None:
        """Build the Corridor again from the store (after an approved change)."""
        corridor = load_corridor(self.engine, screening=load_index(self.engine))
        self._corridor = corridor

        def swap(engine: PaymentEngine) -> None:
            engine.corridor = corridor

        if self.desk._engine is not None:  # the running engine takes it between batches
            self.desk.run(swap)

    @contextmanager
    def reading_ledger(self) -> Iterator[Ledger]:
        """The ledger connection for reads outside the desk (one at a time)."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = Ledger(self.engine)
            yield self._reader

    # -- tenancy ------------------------------------------------------------------------------

    def tenant(self, caller: Caller) -> Tenant:
        """The caller's view: the institution, or one client's accounts there."""
        client_id = caller.user.client_id
        if client_id is None:
            return Tenant(caller.institution)
        with self.engine.connect() as connection:
            accounts = reference.accounts_of(connection, [client_id])[client_id]
        return Tenant(caller.institution, frozenset(a.identifier for a in accounts))

    def _audit_created(self, batch: list[tuple[Any, Any]]) -> None:
        """One audit entry per payment a batch created, in one transaction."""
        made = [(caller, answer.record) for caller, answer in batch if answer.created and caller]
        if not made:
            return
        audit.record_all(
            self.engine,
            [
                {
                    "institution": caller.institution,
                    "actor": caller.user.username,
                    "action": "create payment",
                    "target": f"payment:{record.payment.uetr}",
                    "after": {
                        "status": record.status.value,
                        "amount": str(record.payment.instructed_amount),
                    },
                }
                for caller, record in made
            ],
        )

    def _audit(self, caller: Caller, action: str, target: str, **fields: Any) -> None:
        audit.record(
            self.engine,
            institution=caller.institution,
            actor=caller.user.username,
            action=action,
            target=target,
            **fields,
        )

    # -- the directory and clients --------------------------------------------------------------

    def institutions(self, caller: Caller) -> list[dict[str, Any]]:
        """The corridor's institutions (public directory data: BIC, name, currencies)."""
        caller.require(Action.READ)
        with self.engine.connect() as connection:
            return reference.institution_rows(connection)

    def own_institution(self, caller: Caller) -> dict[str, Any]:
        """The caller's institution with its correspondent accounts and fee schedules."""
        caller.require(Action.READ)
        with self.engine.connect() as connection:
            rows = reference.institution_rows(connection, caller.institution)
            if not rows:
                raise NotFoundError(f"institution {caller.institution} is not in the directory")
            accounts = reference.correspondents_of(connection, caller.institution)
            fees = reference.fee_schedules_of(connection, caller.institution)
        return {
            **rows[0],
            "correspondent_accounts": [
                {
                    "servicer_bic": a["servicer_bic"],
                    "owner_bic": a["owner_bic"],
                    "currency": a["currency"],
                    "limit": str(Money.from_minor_units(a["limit_minor"], a["currency"]).amount),
                    "limit_kind": a["limit_kind"],
                }
                for a in accounts
            ],
            "fee_schedules": [fee_view(s) for s in fees],
        }

    def clients(
        self, caller: Caller, *, name: str | None = None, offset: int = 0, limit: int = 50
    ) -> list[dict[str, Any]]:
        """A page of the caller's institution's clients (a client-bound user: theirs)."""
        caller.require(Action.READ)
        limit = max(1, min(limit, queries.MAX_PAGE))
        with self.engine.connect() as connection:
            found = reference.clients_of(
                connection,
                caller.institution,
                client_id=caller.user.client_id,
                name_contains=name,
                offset=max(0, offset),
                limit=limit,
            )
            accounts = reference.accounts_of(connection, [c.client_id for c in found])
        return [client_view(c, accounts[c.client_id]) for c in found]

    def client(self, caller: Caller, client_id: str) -> dict[str, Any]:
        """One client of the caller's institution, with its accounts and their balances."""
        caller.require(Action.READ)
        if caller.user.client_id not in (None, client_id):
            raise NotFoundError(f"no client {client_id!r}")
        with self.engine.connect() as connection:
            found = reference.clients_of(connection, caller.institution, client_id=client_id)
            if not found:
                raise NotFoundError(f"no client {client_id!r}")
            accounts = reference.accounts_of(connection, [client_id])[client_id]
        view = client_view(found[0], accounts)
        ids = [
            client_ledger_id(caller.institution, a.currency.code, a.identifier) for a in accounts
        ]
        with self.reading_ledger() as ledger:
            booked = {a.id: a for a in ledger.lookup_accounts(ids)}
        for row, ledger_id in zip(view["accounts"], ids, strict=True):
            account = booked.get(ledger_id)
            ccy = row["currency"]
            if account is None:
                row["balance"], row["on_hold"] = None, None
                continue
            row["balance"] = str(
                Money.from_minor_units(account.credits_posted - account.debits_posted, ccy).amount
            )
            row["on_hold"] = str(Money.from_minor_units(account.debits_pending, ccy).amount)
        return view

    # -- payments -------------------------------------------------------------------------------

    def check_new_payment(self, caller: Caller, payment: Payment) -> None:
        """A caller creates payments only from their own institution."""
        caller.require(Action.PAY)
        if bic11(payment.debtor_agent) != caller.institution:
            raise ForbiddenError(
                f"debtor_agent: {payment.debtor_agent} is not your institution"
                f" ({caller.institution})"
            )

    def idempotency_key(self, caller: Caller, key: str | None) -> str | None:
        """The engine's key for a caller's Idempotency-Key: one namespace per tenant."""
        return None if key is None else f"{caller.institution}:{key}"

    def created(self, caller: Caller, payment: Payment, created: Created) -> Created:
        """Check a creation's answer: a replay must be the same instruction."""
        record = created.record
        if created.created:
            return created  # a new payment was audited with its batch (`_audit_created`)
        ours = queries.sees(Tenant(caller.institution), record.payment)
        if not ours or fingerprint(record.payment) != fingerprint(payment):
            # Another tenant's payment is never named, not even by its UETR.
            named = f" (payment {record.payment.uetr})" if ours else ""
            raise IdempotencyConflictError(
                f"this Idempotency-Key or end_to_end_id was used for a different instruction{named}"
            )
        return created

    def create_payment(self, caller: Caller, payment: Payment, key: str | None) -> Created:
        """Submit a new instruction (waiting for the desk's batch), as `POST /payments`."""
        self.check_new_payment(caller, payment)
        answer = self.desk.create(payment, self.idempotency_key(caller, key), caller).result()
        return self.created(caller, payment, Created(answer.record, answer.created))

    def payment(self, caller: Caller, uetr: str) -> PaymentRecord:
        """The caller's payment with this UETR."""
        caller.require(Action.READ)
        with self.engine.connect() as connection:
            found = queries.visible(connection, self.tenant(caller), [uetr.strip().lower()])
        if not found:
            raise NotFoundError(f"no payment with UETR {uetr}")
        return next(iter(found.values()))

    def payments(self, caller: Caller, **filters: Any) -> tuple[list[PaymentRecord], int | None]:
        """A page of the caller's payments (see `queries.search` for the filters)."""
        caller.require(Action.READ)
        with self.engine.connect() as connection:
            return queries.search(connection, self.tenant(caller), **filters)

    def cancel(self, caller: Caller, uetr: str, reason: str) -> PaymentRecord:
        """Cancel a payment the caller's institution sent, not yet settled."""
        caller.require(Action.PAY)
        record = self.payment(caller, uetr)
        if bic11(record.payment.debtor_agent) != caller.institution:
            raise ForbiddenError("only the debtor's bank cancels a payment")
        done = self.desk.run(
            lambda e: e.cancel(record.payment.uetr, reason=reason, actor=caller.user.username)
        )
        self._audit(
            caller,
            "cancel payment",
            f"payment:{record.payment.uetr}",
            before={"status": record.status.value},
            after={"status": done.status.value, "reason": reason},
        )
        return done

    def return_payment(self, caller: Caller, uetr: str, reason: str) -> PaymentRecord:
        """Return a settled payment the caller's institution received."""
        caller.require(Action.PAY)
        record = self.payment(caller, uetr)
        if bic11(record.payment.creditor_agent) != caller.institution:
            raise ForbiddenError("only the creditor's bank returns a payment")
        done = self.desk.run(
            lambda e: e.return_payment(
                record.payment.uetr, reason=reason, actor=caller.user.username
            )
        )
        self._audit(
            caller,
            "return payment",
            f"payment:{record.payment.uetr}",
            before={"status": record.status.value},
            after={"status": done.status.value, "reason": reason},
        )
        return done

    def payment_messages(self, caller: Caller, uetr: str, kind: str) -> list[tuple[str, bytes]]:
        """(file name, XML) of each pacs.008, pacs.002 or pacs.004 of the caller's payment."""
        record = self.payment(caller, uetr)
        return [(name, to_bytes(doc)) for name, doc in payment_documents(record, kind, _now())]

    # -- FX -----------------------------------------------------------------------------------

    def quote(self, caller: Caller, sell: Money, buy_currency: str) -> dict[str, Any]:
        """A dealable quote for the caller's institution's client (`offer_quote`)."""
        caller.require(Action.QUOTE)
        quote = offer_quote(
            self.engine, self.corridor.desk, caller.institution, sell, buy_currency, self.clock()
        )
        view = {
            "quote_id": contract_id(quote),
            "institution": quote.institution,
            "sell": str(quote.sell.amount),
            "sell_currency": quote.sell.currency.code,
            "buy_currency": quote.buy_currency.code,
            "bought": str(quote.bought.amount),
            "customer_rate": str(quote.customer_rate),
            "reference_rate": str(quote.reference.rate),
            "rate_date": quote.reference.rate_date.isoformat(),
            "spread_bps": str(quote.spread_bps),
            "quoted_at": quote.quoted_at.isoformat(),
            "expires_at": quote.expires_at.isoformat(),
        }
        self._audit(caller, "fx quote", f"quote:{view['quote_id']}", after=view)
        return view

    # -- ISO 20022 --------------------------------------------------------------------------------

    def _own_file(self, caller: Caller, report: ValidationReport) -> None:
        for info in report.payment_informations:
            agent = info.debtor_agent
            if agent and bic11(agent) != caller.institution:
                raise ForbiddenError(
                    f"PmtInf {info.index} ({info.pmt_inf_id}): debtor agent {agent} is not your"
                    f" institution ({caller.institution}); a bank imports its own clients' files"
                )

    def validate_upload(self, caller: Caller, path: Path) -> ValidationReport:
        """Validate an uploaded pain.001 (both layers, nothing booked)."""
        caller.require(Action.VALIDATE)
        report = validate_pain001(path, today=self.clock().date())
        self._own_file(caller, report)
        return report

    def import_upload(
        self, caller: Caller, path: Path, *, accept_valid: bool
    ) -> tuple[ImportResult, bytes]:
        """Import an uploaded pain.001 through the engine; (result, the pain.002)."""
        caller.require(Action.IMPORT)
        self._own_file(caller, validate_pain001(path, today=self.clock().date()))
        with tempfile.TemporaryDirectory(prefix="corridor-pain002-") as folder:
            target = Path(folder) / "pain002.xml"
            result = self.desk.run(
                lambda e: import_pain001(path, e, accept_valid=accept_valid, status_report=target)
            )
            status_report = target.read_bytes()
        self._audit(
            caller,
            "import pain.001",
            f"message:{result.report.msg_id}",
            after={
                "status": result.status,
                "booked": result.booked,
                "sha256": result.report.checksum,
            },
        )
        return result, status_report

    def statement(self, caller: Caller, account: str, day: date, kind: str) -> tuple[str, bytes]:
        """(file name, XML) of a camt.053/camt.054 of one of the caller's accounts: a
        client's account, or the institution's own money as `BIC/CCY`."""
        caller.require(Action.READ)
        text = account.strip()
        if "/" in text:
            bank = text.split("/", 1)[0].strip().upper()
            if caller.user.client_id is not None or bic11(bank) != caller.institution:
                raise NotFoundError(f"no account {account!r}")
        else:
            with self.engine.connect() as connection:
                owner = reference.account_owner(connection, text.replace(" ", "").upper())
            if owner is None or owner[1] != caller.institution:
                raise NotFoundError(f"no account {account!r}")
            if caller.user.client_id not in (None, owner[0]):
                raise NotFoundError(f"no account {account!r}")
        with tempfile.TemporaryDirectory(prefix="corridor-camt-") as folder:
            directory = self.corridor.directory
            path = self.desk.run(
                lambda e: export_statement(
                    self.engine, e.ledger, directory, kind, text, day, Path(folder)
                )
            )
            return path.name, path.read_bytes()

    # -- screening cases -----------------------------------------------------------------------

    def cases(
        self, caller: Caller, statuses: list[CaseStatus] | None = None
    ) -> list[tuple[Case, PaymentRecord]]:
        """The review queue: cases of the caller's payments (oldest first)."""
        caller.require(Action.REVIEW)
        found = list_cases(self.engine, statuses)
        with self.engine.connect() as connection:
            mine = queries.visible(
                connection, Tenant(caller.institution), [c.payment_ref for c in found]
            )
        return [(c, mine[c.payment_ref]) for c in found if c.payment_ref in mine]

    def case(self, caller: Caller, case_id: str) -> tuple[Case, PaymentRecord]:
        """One case of the caller's payments, with its payment."""
        caller.require(Action.REVIEW)
        try:
            case = get_case(self.engine, case_id)
        except LookupError:
            raise NotFoundError(f"no case {case_id!r}") from None
        except Exception as exc:
            if getattr(exc, "status_code", None) == 404:
                raise NotFoundError(f"no case {case_id!r}") from None
            raise
        with self.engine.connect() as connection:
            mine = queries.visible(connection, Tenant(caller.institution), [case.payment_ref])
        if not mine:
            raise NotFoundError(f"no case {case_id!r}")
        return case, mine[case.payment_ref]

    def decide(
        self, caller: Caller, case_id: str, decision: str, reason: str
    ) -> tuple[Case, PaymentRecord]:
        """One compliance user's decision (four-eyes, `decide_case`); when it closes the
        case, the held payment carries on (released) or is rejected (RR04)."""
        caller.require(Action.DECIDE)
        before, record = self.case(caller, case_id)
        case = decide_case(self.engine, case_id, caller.user, decision, reason)
        if case.status.closed and record.status is PaymentStatus.HELD:
            uetr = record.payment.uetr
            if case.status is CaseStatus.RELEASED:
                record = self.desk.run(lambda e: e.release(uetr, actor=caller.user.username))
            else:
                record = self.desk.run(
                    lambda e: e.reject(
                        uetr, "RR04", actor=caller.user.username, detail=f"case {case_id}"
                    )
                )
        self._audit(
            caller,
            "decide case",
            f"case:{case_id}",
            before={"status": before.status.value, "proposed": before.proposed_decision},
            after={
                "status": case.status.value,
                "decision": decision,
                "reason": reason,
                "payment": record.payment.uetr,
                "payment_status": record.status.value,
            },
        )
        return case, record

    # -- audit ----------------------------------------------------------------------------------

    def audit_entries(self, caller: Caller, **filters: Any) -> list[audit.AuditEntry]:
        """The caller's institution's audit entries, newest first."""
        caller.require(Action.AUDIT)
        return audit.entries(self.engine, institution=caller.institution, **filters)

    def audit_chain(self, caller: Caller) -> dict[str, Any]:
        """Whether the whole chain holds, its head, and the first broken link if any."""
        caller.require(Action.AUDIT)
        broken = audit.first_broken_link(self.engine)
        seq, digest = audit.head(self.engine)
        return {
            "holds": broken is None,
            "entries": seq,
            "head_sha256": digest,
            "first_broken_seq": None if broken is None else broken[0],
            "problem": None if broken is None else broken[1],
        }


def client_ledger_id(bic: str, currency: str, identifier: str) -> int:
    """The ledger account of a client's account."""
    return client_account(bic, currency, identifier)


def fee_view(schedule: Any) -> dict[str, Any]:
    """A fee schedule as JSON-ready data (amounts exact, as decimal strings)."""
    bank, origin, destination, ccy = schedule.key
    return {
        "institution": bank,
        "from_country": origin,
        "to_country": destination,
        "currency": ccy,
        "fixed": str(schedule.fixed.amount),
        "basis_points": str(schedule.basis_points),
        "minimum": str(schedule.minimum.amount),
        "maximum": None if schedule.maximum is None else str(schedule.maximum.amount),
        "rounding": schedule.rounding,
    }


def client_view(client: reference.ClientRecord, accounts: list[Any]) -> dict[str, Any]:
    """A client as JSON-ready data, its limits exact."""
    limits = client.limits
    first = (
        None if limits is None else (limits.daily if limits.daily is not None else limits.annual)
    )
    return {
        "client_id": client.client_id,
        "institution": client.institution,
        "name": client.name,
        "individual": client.individual,
        "limits": None
        if limits is None
        else {
            "daily": None if limits.daily is None else str(limits.daily.amount),
            "annual": None if limits.annual is None else str(limits.annual.amount),
            "currency": None if first is None else first.currency.code,
            "zone": str(getattr(limits.zone, "key", "UTC")),
        },
        "accounts": [
            {
                "identifier": a.identifier,
                "formatted": a.formatted,
                "currency": a.currency.code,
                "country": a.country,
            }
            for a in accounts
        ],
    }


__all__ = [
    "Created",
    "IdempotencyConflictError",
    "NotFoundError",
    "Operations",
    "PaymentNotFoundError",
]
