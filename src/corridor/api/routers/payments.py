"""`/payments`: create (with an Idempotency-Key), get, list, track, cancel, return, and
the ISO 20022 messages of a payment."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from corridor.api.errors import ApiError
from corridor.api.schemas import PaymentIn, PaymentOut, PaymentPage, ReasonIn
from corridor.api.security import CallerDep, OpsDep
from corridor.api.services import Created
from corridor.api.views import payment_of, payment_view
from corridor.payments.lifecycle import PaymentStatus

router = APIRouter(prefix="/payments", tags=["payments"])
KEY = r"^[\x21-\x7e]{1,200}$"


@router.post(
    "",
    status_code=201,
    response_model=PaymentOut,
    responses={200: {"model": PaymentOut, "description": "The same instruction again"}},
)
async def create_payment(
    body: PaymentIn,
    caller: CallerDep,
    ops: OpsDep,
    response: Response,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            pattern=KEY,
            description="Names the instruction: sent again, the first payment is answered.",
        ),
    ],
) -> dict[str, object]:
    """Take a new payment from one of the caller's clients as far as it goes now:
    settled, or held by screening, queued for liquidity, or rejected (with its ISO 20022
    reason). The same Idempotency-Key again answers the first payment (200)."""
    payment = payment_of(body, caller.institution, ops.clock().date())
    ops.check_new_payment(caller, payment)
    # Many requests wait here together; the desk takes them in one batch.
    future = ops.desk.create(payment, ops.idempotency_key(caller, idempotency_key), caller)
    answer = await asyncio.wrap_future(future)
    created = ops.created(caller, payment, Created(answer.record, answer.created))
    if not created.created:
        response.status_code = 200
    return payment_view(created.record)


@router.get("", response_model=PaymentPage)
def list_payments(
    caller: CallerDep,
    ops: OpsDep,
    status: PaymentStatus | None = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    end_to_end_id: Annotated[str | None, Query(max_length=35)] = None,
    account: Annotated[str | None, Query(max_length=34)] = None,
    direction: Literal["sent", "received"] | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, object]:
    """The caller's payments, newest first, with filters and paging."""
    records, next_offset = ops.payments(
        caller,
        status=None if status is None else status.value,
        currency=currency,
        end_to_end_id=end_to_end_id,
        account=account,
        direction=direction,
        received_from=received_from,
        received_to=received_to,
        offset=offset,
        limit=limit,
    )
    return {"payments": [payment_view(r) for r in records], "next_offset": next_offset}


@router.get("/{uetr}", response_model=PaymentOut)
def get_payment(uetr: str, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """One of the caller's payments, with its tracker timeline."""
    return payment_view(ops.payment(caller, uetr))


@router.get("/{uetr}/tracker", response_model=PaymentOut, tags=["tracker"])
def track_payment(uetr: str, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Track a payment by UETR: every hop and step, fees, FX and how long it took."""
    return payment_view(ops.payment(caller, uetr))


@router.post("/{uetr}/cancel", response_model=PaymentOut)
def cancel_payment(uetr: str, body: ReasonIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Cancel a payment the caller's institution sent and that has not settled."""
    return payment_view(ops.cancel(caller, uetr, body.reason))


@router.post("/{uetr}/return", response_model=PaymentOut)
def return_payment(uetr: str, body: ReasonIn, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Return a settled payment the caller's institution received."""
    return payment_view(ops.return_payment(caller, uetr, body.reason))


@router.get(
    "/{uetr}/messages/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
    tags=["iso20022"],
)
def payment_message(
    uetr: str,
    kind: Literal["pacs.008", "pacs.002", "pacs.004"],
    caller: CallerDep,
    ops: OpsDep,
    leg: Annotated[int, Query(ge=1, le=4)] = 1,
) -> Response:
    """The pacs.008, pacs.002 or pacs.004 of one interbank leg of the caller's payment."""
    documents = ops.payment_messages(caller, uetr, kind)
    if len(documents) < leg:
        raise ApiError(404, "no_message", f"payment {uetr} has no {kind} for leg {leg}")
    name, xml = documents[leg - 1]
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
