"""`/iso20022`: pain.001 upload (validate or import, answered with the pain.002) and
statements (camt.053 / camt.054) to download."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Response, UploadFile

from corridor.api.iso_upload import spool_to
from corridor.api.schemas import ImportOut, ValidationOut
from corridor.api.security import CallerDep, OpsDep
from corridor.api.views import validation_view

router = APIRouter(prefix="/iso20022", tags=["iso20022"])


@router.post("/pain001/validate", response_model=ValidationOut)
async def validate(file: UploadFile, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """Validate a pain.001 (schema, then business rules): every error with its element
    path and line. Nothing is booked."""
    with tempfile.TemporaryDirectory(prefix="corridor-upload-") as folder:
        path = await spool_to(file, Path(folder))
        report = ops.validate_upload(caller, path)
        return validation_view(report)


@router.post("/pain001/import", response_model=ImportOut)
async def import_file(
    file: UploadFile,
    caller: CallerDep,
    ops: OpsDep,
    accept_valid: Annotated[bool, Form()] = False,
) -> dict[str, object]:
    """Import a pain.001 of the caller's clients through the payments engine. A file
    with errors books nothing unless `accept_valid`; the pain.002 answers every file."""
    with tempfile.TemporaryDirectory(prefix="corridor-upload-") as folder:
        path = await spool_to(file, Path(folder))
        result, status_report = ops.import_upload(caller, path, accept_valid=accept_valid)
        return {
            **validation_view(result.report),
            "status": result.status,
            "booked": result.booked,
            "statuses": dict(result.statuses),
            "status_report_xml": status_report.decode("utf-8"),
        }


@router.get(
    "/statements",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def statement(
    caller: CallerDep,
    ops: OpsDep,
    account: Annotated[str, Query(min_length=1, max_length=40)],
    day: date,
    kind: Literal["camt.053", "camt.054"] = "camt.053",
) -> Response:
    """The camt.053 (or camt.054) of one of the caller's accounts for a day: a client's
    IBAN or account number, or the institution's own money as `BIC/CCY`."""
    name, xml = ops.statement(caller, account, day, kind)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
