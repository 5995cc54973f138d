"""`/institutions` and `/clients`: the directory, the caller's clients, their accounts
and balances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from corridor.api.schemas import ClientOut, InstitutionOut, OwnInstitutionOut
from corridor.api.security import CallerDep, OpsDep

router = APIRouter(tags=["institutions and clients"])


@router.get("/institutions", response_model=list[InstitutionOut])
def institutions(caller: CallerDep, ops: OpsDep) -> list[dict[str, object]]:
    """The corridor's institutions (directory data every member sees)."""
    return ops.institutions(caller)


@router.get("/institutions/me", response_model=OwnInstitutionOut)
def own_institution(caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """The caller's institution: its correspondent accounts and fee schedules."""
    return ops.own_institution(caller)


@router.get("/clients", response_model=list[ClientOut])
def clients(
    caller: CallerDep,
    ops: OpsDep,
    name: Annotated[str | None, Query(max_length=140)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, object]]:
    """The caller's institution's clients (a client-bound user: their own)."""
    return ops.clients(caller, name=name, offset=offset, limit=limit)


@router.get("/clients/{client_id}", response_model=ClientOut)
def client(client_id: str, caller: CallerDep, ops: OpsDep) -> dict[str, object]:
    """One client with its accounts and their balances on the ledger."""
    return ops.client(caller, client_id)
