"""The console's pages: dashboard, payments (search, new, tracker), the review queue,
ISO 20022 upload, statements, funds, approvals and the audit log. Each calls the same service
function as the API does; a refusal is shown as a page with the rule's message."""

from __future__ import annotations

import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from corridor.api import administration as admin
from corridor.api.errors import DOMAIN_ERRORS
from corridor.api.funds import fund_holdings, fund_list, fund_orders
from corridor.api.iso_upload import spool_to
from corridor.api.reports import dashboard
from corridor.api.schemas import PartyIn, PaymentIn
from corridor.api.security import ops_of
from corridor.api.services import IdempotencyConflictError, NotFoundError, UploadTooLargeError
from corridor.api.views import case_view, payment_of, payment_view, validation_view
from corridor.auth.approvals import ApprovalStatus
from corridor.auth.permissions import Action
from corridor.compliance.cases import CaseStatus
from corridor.money import Money
from corridor.payments.lifecycle import FINAL, PaymentStatus
from corridor.web.charts import Bar, bar_chart, status_strip
from corridor.web.console import check_csrf, console_caller, problem_page, render

router = APIRouter(include_in_schema=False)
REFUSALS: tuple[type[Exception], ...] = (
    *DOMAIN_ERRORS,
    NotFoundError,
    IdempotencyConflictError,
    UploadTooLargeError,
)
TRACKER_REFRESH_SECONDS = 5
"""How often an open tracker of a payment still on its way asks for news (with htmx)."""
QUEUE_REFRESH_SECONDS = 10
"""How often the open review queue asks for new holds (with htmx)."""
AT_REST = frozenset({*FINAL, PaymentStatus.SETTLED})
"""A tracker stops asking for news here: settled waits for a user's return, not news."""


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, day: date | None = None) -> Response:
    """Today's volumes per corridor and currency, settlement status, liquidity, FX."""
    caller = console_caller(request)
    ops = ops_of(request)
    figures = dashboard(ops, caller, day)
    volume_bars = [
        Bar(
            f"{v['corridor']} {v['currency']}",
            int(v["instructed_minor"]),
            f"{Money.of(v['instructed'], v['currency']).amount:,} ({v['count']:,})",
        )
        for v in figures["volumes"]
    ]
    # Each account's chart compares what is free with what is held, in its own currency.
    liquidity_charts = [
        (
            f"{row['currency']} · {row['account']}",
            bar_chart(
                [
                    Bar(
                        "available",
                        int(row["available_minor"]),
                        f"{Money.of(row['available'], row['currency']).amount:,}",
                        "bar-liquidity",
                    ),
                    Bar(
                        "on hold",
                        Money.of(row["on_hold"], row["currency"]).to_minor_units(),
                        f"{Money.of(row['on_hold'], row['currency']).amount:,}",
                    ),
                ],
                title=f"{row['currency']} liquidity",
            ),
        )
        for row in figures["liquidity"]
    ]
    # Bars compare only within a currency; volumes of different currencies get a chart
    # each, so no GBP bar is ever set against a CNY one.
    by_currency: dict[str, list[Bar]] = {}
    for bar in volume_bars:
        by_currency.setdefault(bar.label.rsplit(" ", 1)[1], []).append(bar)
    return render(
        request,
        "dashboard.html",
        caller,
        figures=figures,
        volume_charts=[
            (ccy, bar_chart(bars, title=f"Volumes in {ccy} by corridor"))
            for ccy, bars in sorted(by_currency.items())
        ],
        status_chart=status_strip(figures["statuses"], title="Payments by status"),
        liquidity_charts=liquidity_charts,
    )


@router.get("/payments", response_class=HTMLResponse)
def payments_page(
    request: Request,
    status: Annotated[str, Query(max_length=16)] = "",
    currency: Annotated[str, Query(max_length=3)] = "",
    end_to_end_id: Annotated[str, Query(max_length=35)] = "",
    account: Annotated[str, Query(max_length=34)] = "",
    uetr: Annotated[str, Query(max_length=40)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Search the caller's payments; a UETR goes straight to its tracker."""
    caller = console_caller(request)
    if uetr.strip():
        return RedirectResponse(f"/payments/{uetr.strip().lower()}", status_code=303)
    ops = ops_of(request)
    known = {s.value for s in PaymentStatus}
    records, next_offset = ops.payments(
        caller,
        status=status if status in known else None,
        currency=currency.upper() if len(currency) == 3 and currency.isalpha() else None,
        end_to_end_id=end_to_end_id or None,
        account=account.replace(" ", "").upper() or None,
        offset=offset,
        limit=50,
    )
    query = {
        "status": status,
        "currency": currency,
        "end_to_end_id": end_to_end_id,
        "account": account,
    }
    return render(
        request,
        "payments.html",
        caller,
        payments=[payment_view(r) for r in records],
        statuses=sorted(known),
        query=query,
        offset=offset,
        next_offset=next_offset,
    )


def _new_payment_form(request: Request, **context: Any) -> Response:
    caller = console_caller(request)
    ops = ops_of(request)
    clients = ops.clients(caller, limit=200)
    accounts = [
        (a["identifier"], f"{c['name']} — {a['formatted']} ({a['currency']})")
        for c in clients
        for a in c["accounts"]
    ]
    return render(
        request,
        "payment_new.html",
        caller,
        accounts=accounts,
        institutions=[i for i in ops.institutions(caller) if i["bic"] != caller.institution],
        idempotency_key=uuid.uuid4().hex,
        end_to_end_id=f"WEB-{uuid.uuid4().hex[:12].upper()}",
        form=context.pop("form", {}),
        **context,
    )


@router.get("/payments/new", response_class=HTMLResponse)
def new_payment_page(request: Request) -> Response:
    """The form for a new payment from one of the caller's clients."""
    console_caller(request).require(Action.PAY)
    return _new_payment_form(request)


@router.post("/payments/new", response_class=HTMLResponse)
def create_payment(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    idempotency_key: Annotated[str, Form(max_length=64)] = "",
    debtor_account: Annotated[str, Form(max_length=34)] = "",
    creditor_name: Annotated[str, Form(max_length=140)] = "",
    creditor_account: Annotated[str, Form(max_length=34)] = "",
    creditor_country: Annotated[str, Form(max_length=2)] = "",
    creditor_agent: Annotated[str, Form(max_length=11)] = "",
    amount: Annotated[str, Form(max_length=24)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    settlement_currency: Annotated[str, Form(max_length=3)] = "",
    charge_bearer: Annotated[str, Form(max_length=4)] = "SHAR",
    purpose_code: Annotated[str, Form(max_length=4)] = "",
    remittance: Annotated[str, Form(max_length=140)] = "",
    end_to_end_id: Annotated[str, Form(max_length=35)] = "",
) -> Response:
    """Make the payment; show its tracker (or the form again with what is wrong)."""
    caller = check_csrf(request, csrf_token)
    ops = ops_of(request)
    form = {
        "debtor_account": debtor_account,
        "creditor_name": creditor_name,
        "creditor_account": creditor_account,
        "creditor_country": creditor_country,
        "creditor_agent": creditor_agent,
        "amount": amount,
        "currency": currency,
        "settlement_currency": settlement_currency,
        "charge_bearer": charge_bearer,
        "purpose_code": purpose_code,
        "remittance": remittance,
    }
    try:
        holder, account = ops.corridor.directory.account_holder(debtor_account)
        client = ops.client(caller, holder.client_id)  # the caller's client, or refused
        body = PaymentIn(
            end_to_end_id=end_to_end_id or f"WEB-{uuid.uuid4().hex[:12].upper()}",
            debtor=PartyIn(
                name=holder.name,
                account=account.identifier,
                country=account.country,
                individual=bool(client["individual"]),
            ),
            creditor=PartyIn(
                name=creditor_name.strip(),
                account=creditor_account.replace(" ", "").upper(),
                country=creditor_country.strip().upper(),
            ),
            creditor_agent=creditor_agent.strip().upper(),
            amount=amount.strip().replace(",", ""),
            currency=currency.strip().upper(),
            settlement_currency=(settlement_currency or currency).strip().upper(),
            charge_bearer=charge_bearer,  # type: ignore[arg-type]
            purpose_code=purpose_code.strip().upper(),
            remittance=remittance.strip(),
        )
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return _new_payment_form(request, form=form, errors=problems)
    except REFUSALS as exc:
        return _new_payment_form(request, form=form, errors=[str(exc)])
    payment = payment_of(body, caller.institution, ops.clock().date())
    try:
        created = ops.create_payment(caller, payment, idempotency_key or None)
    except REFUSALS as exc:
        return _new_payment_form(request, form=form, errors=[str(exc)])
    return RedirectResponse(f"/payments/{created.record.payment.uetr}", status_code=303)


@router.get("/payments/{uetr}", response_class=HTMLResponse)
def tracker_page(request: Request, uetr: str) -> Response:
    """The UETR tracker: the payment's timeline, route, fees and FX."""
    caller = console_caller(request)
    ops = ops_of(request)
    try:
        record = ops.payment(caller, uetr)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    view = payment_view(record)
    cases = []
    if caller.may(Action.REVIEW):
        cases = [c for c, _ in ops.cases(caller) if c.payment_ref == record.payment.uetr]
    return render(
        request,
        "tracker.html",
        caller,
        payment=view,
        cases=cases,
        live=record.lifecycle.status not in AT_REST,
        refresh_seconds=TRACKER_REFRESH_SECONDS,
        can_cancel=caller.may(Action.PAY)
        and record.lifecycle.can(PaymentStatus.CANCELLED)
        and view["debtor_agent"][:8] == caller.institution[:8],
        can_return=caller.may(Action.PAY)
        and record.lifecycle.can(PaymentStatus.RETURNED)
        and view["creditor_agent"][:8] == caller.institution[:8],
    )


@router.post("/payments/{uetr}/{action}", response_class=HTMLResponse)
def payment_action(
    request: Request,
    uetr: str,
    action: str,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    reason: Annotated[str, Form(max_length=4)] = "CUST",
) -> Response:
    """Cancel or return a payment from its tracker page."""
    caller = check_csrf(request, csrf_token)
    ops = ops_of(request)
    try:
        if action == "cancel":
            ops.cancel(caller, uetr, reason or "CUST")
        elif action == "return":
            ops.return_payment(caller, uetr, reason or "CUST")
        else:
            raise NotFoundError(f"no action {action!r}")
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    return RedirectResponse(f"/payments/{uetr}", status_code=303)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, status: Annotated[str, Query(max_length=16)] = "open") -> Response:
    """The compliance review queue."""
    caller = console_caller(request)
    ops = ops_of(request)
    wanted = {
        "open": [CaseStatus.OPEN, CaseStatus.PROPOSED],
        "closed": [CaseStatus.RELEASED, CaseStatus.REJECTED],
    }.get(status)
    try:
        found = ops.cases(caller, wanted)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    return render(
        request,
        "cases.html",
        caller,
        cases=[case_view(c, r) for c, r in found],
        status=status,
        refresh_seconds=QUEUE_REFRESH_SECONDS,
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str) -> Response:
    """One case: the payment's parties side by side with what they matched."""
    caller = console_caller(request)
    ops = ops_of(request)
    try:
        case, record = ops.case(caller, case_id)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    view = case_view(case, record)
    payment = record.payment
    parties = {
        "debtor": (payment.debtor.name, payment.debtor.country),
        "creditor": (payment.creditor.name, payment.creditor.country),
        "debtor_agent": (payment.debtor_agent, ""),
        "creditor_agent": (payment.creditor_agent, ""),
        "remittance": (payment.remittance, ""),
    }
    return render(
        request,
        "case.html",
        caller,
        case=view,
        parties=parties,
        can_decide=caller.may(Action.DECIDE) and not case.status.closed,
    )


@router.post("/cases/{case_id}/decide", response_class=HTMLResponse)
def decide_case(
    request: Request,
    case_id: str,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    decision: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A compliance user's decision (four-eyes)."""
    caller = check_csrf(request, csrf_token)
    ops = ops_of(request)
    try:
        ops.decide(caller, case_id, decision, reason)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/iso/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> Response:
    """The pain.001 upload form."""
    caller = console_caller(request)
    caller.require(Action.VALIDATE)
    return render(request, "upload.html", caller, result=None)


@router.post("/iso/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    file: UploadFile,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    mode: Annotated[str, Form(max_length=16)] = "validate",
    accept_valid: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Validate (or import) an uploaded pain.001 and show every error with its path."""
    caller = check_csrf(request, csrf_token)
    ops = ops_of(request)
    with tempfile.TemporaryDirectory(prefix="corridor-upload-") as folder:
        try:
            path = await spool_to(file, Path(folder))
            if mode == "import":
                result, status_report = ops.import_upload(
                    caller, path, accept_valid=accept_valid == "yes"
                )
                view = {
                    **validation_view(result.report),
                    "status": result.status,
                    "booked": result.booked,
                    "statuses": dict(result.statuses),
                    "status_report_xml": status_report.decode("utf-8"),
                }
            else:
                view = {**validation_view(ops.validate_upload(caller, path)), "status": None}
        except REFUSALS as exc:
            return problem_page(request, caller, exc)
    return render(request, "upload.html", caller, result=view, filename=file.filename)


@router.get("/statements", response_class=HTMLResponse)
def statements_page(request: Request) -> Response:
    """Statements (camt.053 / camt.054) of the caller's accounts to download."""
    caller = console_caller(request)
    ops = ops_of(request)
    clients = ops.clients(caller, limit=200)
    own = []
    if caller.user.client_id is None:
        own = [f"{caller.institution}/{c}" for c in ops.own_institution(caller)["currencies"]]
    accounts = own + [f"{a['identifier']}" for c in clients for a in c["accounts"]]
    return render(
        request, "statements.html", caller, accounts=accounts, today=ops.clock().date().isoformat()
    )


@router.get("/funds", response_class=HTMLResponse)
def funds_page(request: Request) -> Response:
    """The corridor's funds and NAVs, and the caller's part of the unit register: holdings
    (charted per currency and fund) and dealing orders."""
    caller = console_caller(request)
    ops = ops_of(request)
    held = fund_holdings(ops, caller)
    by_fund: dict[tuple[str, str], int] = {}
    for h in held:
        if h["value"] is not None:
            key = (h["currency"], h["fund"])
            by_fund[key] = (
                by_fund.get(key, 0) + Money.of(h["value"], h["currency"]).to_minor_units()
            )
    charts: dict[str, list[Bar]] = {}
    for (ccy, fund), minor in sorted(by_fund.items()):
        shown = f"{Money.from_minor_units(minor, ccy).amount:,}"
        charts.setdefault(ccy, []).append(Bar(fund, minor, shown))
    return render(
        request,
        "funds.html",
        caller,
        funds=fund_list(ops, caller),
        holdings=held,
        orders=fund_orders(ops, caller),
        holding_charts=[
            (ccy, bar_chart(bars, title=f"Holdings in {ccy} by fund"))
            for ccy, bars in charts.items()
        ],
    )


@router.get("/statements/download")
def statement_download(
    request: Request,
    account: Annotated[str, Query(max_length=40)],
    day: date,
    kind: Annotated[str, Query(max_length=8)] = "camt.053",
) -> Response:
    """The statement file itself."""
    caller = console_caller(request)
    ops = ops_of(request)
    try:
        name, xml = ops.statement(caller, account, day, kind)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request) -> Response:
    """The institution's four-eyes changes, pending first, with decision forms."""
    caller = console_caller(request)
    ops = ops_of(request)
    try:
        found = admin.approvals(ops, caller, None)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    pending = [a.as_dict() for a in found if a.status is ApprovalStatus.PENDING]
    decided = [a.as_dict() for a in found if a.status is not ApprovalStatus.PENDING]
    return render(request, "approvals.html", caller, pending=pending, decided=decided)


@router.post("/approvals/{approval_id}", response_class=HTMLResponse)
def decide_approval(
    request: Request,
    approval_id: str,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    decision: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve or reject a pending change."""
    caller = check_csrf(request, csrf_token)
    ops = ops_of(request)
    try:
        admin.decide_approval(
            ops, caller, approval_id, approve=decision == "approve", reason=reason
        )
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    return RedirectResponse("/approvals", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    before_seq: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    action: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The audit log for auditors: entries newest first, and whether the chain holds."""
    caller = console_caller(request)
    ops = ops_of(request)
    try:
        entries = ops.audit_entries(caller, before_seq=before_seq, action=action or None, limit=100)
        chain = ops.audit_chain(caller)
    except REFUSALS as exc:
        return problem_page(request, caller, exc)
    return render(
        request,
        "audit.html",
        caller,
        entries=[e.as_dict() for e in entries],
        chain=chain,
        action=action,
        next_before=entries[-1].seq if len(entries) == 100 else None,
    )
