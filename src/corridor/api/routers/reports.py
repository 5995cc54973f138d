"""`/reports`: the dashboard's figures."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from corridor.api.reports import dashboard
from corridor.api.schemas import DashboardOut
from corridor.api.security import CallerDep, OpsDep

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/dashboard", response_model=DashboardOut)
def day(caller: CallerDep, ops: OpsDep, day: date | None = None) -> dict[str, object]:
    """Volumes per corridor and currency, settlement status, liquidity per settlement
    or nostro account and FX rates for a business day (default: the latest with
    payments)."""
    return dashboard(ops, caller, day)
