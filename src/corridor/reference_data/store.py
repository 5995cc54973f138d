"""Reference data in the store: institutions (the tenants), their correspondent accounts,
clients with their accounts and optional limits, fee schedules and FX spreads.

All SQL of reference data is here. `save_corridor` writes what the payments engine runs
on (a Directory, a FeeTable, an FxDesk's spreads); `load_corridor` builds the engine's
`Corridor` back from the store. The rules stay in `corridor.payments.reference`,
`corridor.payments.fees` and `corridor.fx`: every row read back is made into their value
types, which check it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.compliance.limits import ClientLimits
from corridor.compliance.matching import ScreeningIndex
from corridor.fx import EcbRates, FxDesk, SpreadSchedule
from corridor.money import Money
from corridor.payments.engine import Corridor
from corridor.payments.fees import FeeSchedule, FeeTable
from corridor.payments.reference import (
    Client,
    ClientAccount,
    CnAccount,
    Correspondent,
    Directory,
    GbAccount,
    HkAccount,
    Institution,
    LimitKind,
    bic11,
)

STALE_RATES = timedelta(days=90)
"""How old an ECB fixing the desk deals on: the history shipped offline ends on the day
the package was built (as in the demo's desk); every quote names the fixing it used."""
DEFAULT = "*"
"""The pair of an institution's default spread (and the institution of the desk's)."""
_metadata = sa.MetaData()
institutions_table = sa.Table(
    "institutions",
    _metadata,
    sa.Column("bic", sa.String(11), primary_key=True),
    sa.Column("name", sa.String(140)),
    sa.Column("city", sa.String(64)),
    sa.Column("currencies", sa.Text),
    sa.Column("roles", sa.Text),
)
correspondents_table = sa.Table(
    "correspondent_accounts",
    _metadata,
    sa.Column("servicer_bic", sa.String(11), primary_key=True),
    sa.Column("owner_bic", sa.String(11), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("limit_minor", sa.BigInteger),
    sa.Column("limit_kind", sa.String(16)),
)
clients_table = sa.Table(
    "clients",
    _metadata,
    sa.Column("client_id", sa.String(35), primary_key=True),
    sa.Column("institution", sa.String(11)),
    sa.Column("name", sa.String(140)),
    sa.Column("individual", sa.Boolean),
    sa.Column("limit_currency", sa.String(3)),
    sa.Column("daily_limit_minor", sa.BigInteger),
    sa.Column("annual_limit_minor", sa.BigInteger),
    sa.Column("limit_zone", sa.String(64)),
)
client_accounts_table = sa.Table(
    "client_accounts",
    _metadata,
    sa.Column("identifier", sa.String(34), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("client_id", sa.String(35)),
    sa.Column("institution", sa.String(11)),
    sa.Column("scheme", sa.String(2)),
    sa.Column("cnaps_code", sa.String(12)),
    sa.Column("position", sa.Integer),
)
fees_table = sa.Table(
    "fee_schedules",
    _metadata,
    sa.Column("institution", sa.String(11), primary_key=True),
    sa.Column("from_country", sa.String(2), primary_key=True),
    sa.Column("to_country", sa.String(2), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("fixed_minor", sa.BigInteger),
    sa.Column("basis_points", sa.String(20)),
    sa.Column("minimum_minor", sa.BigInteger),
    sa.Column("maximum_minor", sa.BigInteger),
    sa.Column("rounding", sa.String(20)),
)
spreads_table = sa.Table(
    "fx_spreads",
    _metadata,
    sa.Column("institution", sa.String(11), primary_key=True),
    sa.Column("pair", sa.String(7), primary_key=True),
    sa.Column("basis_points", sa.String(20)),
)


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A client as the store holds it: whose client, who, and its limits."""

    client_id: str
    institution: str
    name: str
    individual: bool
    limits: ClientLimits | None


# -- writing -------------------------------------------------------------------------------


def _scheme(account: ClientAccount) -> tuple[str, str]:
    if isinstance(account, GbAccount):
        return "gb", ""
    if isinstance(account, HkAccount):
        return "hk", ""
    return "cn", account.cnaps_code


def limits_row(limits: ClientLimits | None) -> dict[str, Any]:
    """A client's limits as the store's columns (all empty for none)."""
    if limits is None or (limits.daily is None and limits.annual is None):
        return {
            "limit_currency": None,
            "daily_limit_minor": None,
            "annual_limit_minor": None,
            "limit_zone": "UTC",
        }
    set_ = limits.daily if limits.daily is not None else limits.annual
    assert set_ is not None
    return {
        "limit_currency": set_.currency.code,
        "daily_limit_minor": None if limits.daily is None else limits.daily.to_minor_units(),
        "annual_limit_minor": None if limits.annual is None else limits.annual.to_minor_units(),
        "limit_zone": str(getattr(limits.zone, "key", "UTC")),
    }


def _limits(row: Any) -> ClientLimits | None:
    if row.limit_currency is None:
        return None
    ccy = row.limit_currency
    return ClientLimits(
        daily=None
        if row.daily_limit_minor is None
        else Money.from_minor_units(int(row.daily_limit_minor), ccy),
        annual=None
        if row.annual_limit_minor is None
        else Money.from_minor_units(int(row.annual_limit_minor), ccy),
        zone=ZoneInfo(row.limit_zone),
    )


def fee_row(schedule: FeeSchedule) -> dict[str, Any]:
    """A fee schedule as the store's columns."""
    bank, origin, destination, ccy = schedule.key
    return {
        "institution": bank,
        "from_country": origin,
        "to_country": destination,
        "currency": ccy,
        "fixed_minor": schedule.fixed.to_minor_units(),
        "basis_points": str(schedule.basis_points),
        "minimum_minor": schedule.minimum.to_minor_units(),
        "maximum_minor": None if schedule.maximum is None else schedule.maximum.to_minor_units(),
        "rounding": schedule.rounding,
    }


def fee_schedule(row: Any) -> FeeSchedule:
    """The fee schedule a row of the store holds (checked again on the way)."""
    values: dict[str, Any] = dict(row) if isinstance(row, dict) else dict(row._mapping)
    ccy = values["currency"]

    def get(name: str) -> Any:
        return values[name]

    return FeeSchedule(
        get("institution"),
        get("from_country"),
        get("to_country"),
        fixed=Money.from_minor_units(int(get("fixed_minor")), ccy),
        basis_points=Decimal(get("basis_points")),
        minimum=Money.from_minor_units(int(get("minimum_minor")), ccy),
        maximum=None
        if get("maximum_minor") is None
        else Money.from_minor_units(int(get("maximum_minor")), ccy),
        rounding=get("rounding"),
    )


def save_corridor(
    engine: Engine,
    directory: Directory,
    fees: FeeTable,
    desk: FxDesk,
    *,
    cities: dict[str, str] | None = None,
    individuals: Iterable[str] = (),
    clients: Iterable[Client] = (),
) -> None:
    """Store a whole corridor's reference data in one transaction (an empty store only).

    `clients` are the directory's clients (which it does not list); `individuals` the
    ids of those who are natural persons.
    """
    people = set(individuals)
    cities = cities or {}
    with engine.begin() as connection:
        connection.execute(
            institutions_table.insert(),
            [
                {
                    "bic": i.bic11,
                    "name": i.name,
                    "city": cities.get(i.bic11, ""),
                    "currencies": json.dumps(sorted(c.code for c in i.currencies)),
                    "roles": json.dumps(sorted(r.value for r in i.roles)),
                }
                for i in directory.institutions
            ],
        )
        accounts = [
            {
                "servicer_bic": bic11(a.servicer_bic),
                "owner_bic": bic11(a.owner_bic),
                "currency": a.currency.code,
                "limit_minor": a.limit.to_minor_units(),
                "limit_kind": a.limit_kind.value,
            }
            for a in directory.correspondents
        ]
        if accounts:
            connection.execute(correspondents_table.insert(), accounts)
        client_rows, account_rows = [], []
        for client in clients:
            bank = bic11(client.accounts[0].servicer_bic)
            client_rows.append(
                {
                    "client_id": client.client_id,
                    "institution": bank,
                    "name": client.name,
                    "individual": client.client_id in people,
                    **limits_row(client.limits),
                }
            )
            for position, account in enumerate(client.accounts):
                scheme, cnaps = _scheme(account)
                account_rows.append(
                    {
                        "identifier": account.identifier,
                        "currency": account.currency.code,
                        "client_id": client.client_id,
                        "institution": bic11(account.servicer_bic),
                        "scheme": scheme,
                        "cnaps_code": cnaps,
                        "position": position,
                    }
                )
        if client_rows:
            connection.execute(clients_table.insert(), client_rows)
            connection.execute(client_accounts_table.insert(), account_rows)
        schedules = [fee_row(s) for s in fees.schedules()]
        if schedules:
            connection.execute(fees_table.insert(), schedules)
        spreads = []
        for bank, schedule in desk.spreads.items():
            spreads.append(
                {"institution": bank, "pair": DEFAULT, "basis_points": str(schedule.default_bps)}
            )
            spreads += [
                {"institution": bank, "pair": pair, "basis_points": str(bps)}
                for pair, bps in schedule.pairs.items()
            ]
        if desk.default is not None:
            spreads.append(
                {
                    "institution": DEFAULT,
                    "pair": DEFAULT,
                    "basis_points": str(desk.default.default_bps),
                }
            )
        if spreads:
            connection.execute(spreads_table.insert(), spreads)


def has_reference_data(engine: Engine) -> bool:
    """Whether any institution is stored."""
    with engine.connect() as connection:
        return connection.execute(sa.select(institutions_table.c.bic).limit(1)).first() is not None


# -- reading -------------------------------------------------------------------------------


def institution_rows(connection: Connection, bic: str | None = None) -> list[dict[str, Any]]:
    """Stored institutions (one, when `bic` is given) as plain rows."""
    query = sa.select(institutions_table).order_by(institutions_table.c.bic)
    if bic is not None:
        query = query.where(institutions_table.c.bic == bic)
    return [
        {
            "bic": r.bic,
            "name": r.name,
            "city": r.city,
            "currencies": json.loads(r.currencies),
            "roles": json.loads(r.roles),
        }
        for r in connection.execute(query)
    ]


def _account(row: Any) -> ClientAccount:
    if row.scheme == "gb":
        return GbAccount(row.identifier, row.institution, row.currency)
    if row.scheme == "hk":
        return HkAccount(row.identifier, row.institution, row.currency)
    return CnAccount(row.identifier, row.cnaps_code, row.institution, row.currency)


def clients_of(
    connection: Connection,
    institution: str,
    *,
    client_id: str | None = None,
    name_contains: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ClientRecord]:
    """One institution's clients (by id), optionally one of them or those whose name
    contains some text."""
    query = (
        sa.select(clients_table)
        .where(clients_table.c.institution == institution)
        .order_by(clients_table.c.client_id)
        .offset(offset)
        .limit(limit)
    )
    if client_id is not None:
        query = query.where(clients_table.c.client_id == client_id)
    if name_contains:
        query = query.where(clients_table.c.name.ilike(f"%{_like(name_contains)}%", escape="\\"))
    return [
        ClientRecord(r.client_id, r.institution, r.name, bool(r.individual), _limits(r))
        for r in connection.execute(query)
    ]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def accounts_of(connection: Connection, client_ids: list[str]) -> dict[str, list[ClientAccount]]:
    """Each client's accounts, in the order they were registered."""
    found: dict[str, list[ClientAccount]] = {c: [] for c in client_ids}
    if not client_ids:
        return found
    query = (
        sa.select(client_accounts_table)
        .where(client_accounts_table.c.client_id.in_(client_ids))
        .order_by(client_accounts_table.c.client_id, client_accounts_table.c.position)
    )
    for row in connection.execute(query):
        found[row.client_id].append(_account(row))
    return found


def account_owner(connection: Connection, identifier: str) -> tuple[str, str] | None:
    """(client id, institution) of the client holding an account, or None."""
    row = connection.execute(
        sa.select(client_accounts_table.c.client_id, client_accounts_table.c.institution)
        .where(client_accounts_table.c.identifier == identifier)
        .limit(1)
    ).first()
    return None if row is None else (str(row.client_id), str(row.institution))


def fee_schedules_of(connection: Connection, institution: str) -> list[FeeSchedule]:
    """One institution's fee schedules."""
    query = (
        sa.select(fees_table)
        .where(fees_table.c.institution == institution)
        .order_by(fees_table.c.from_country, fees_table.c.to_country, fees_table.c.currency)
    )
    return [fee_schedule(r) for r in connection.execute(query)]


def correspondents_of(connection: Connection, institution: str) -> list[dict[str, Any]]:
    """The correspondent accounts an institution owns (its nostros) or services."""
    query = (
        sa.select(correspondents_table)
        .where(
            sa.or_(
                correspondents_table.c.owner_bic == institution,
                correspondents_table.c.servicer_bic == institution,
            )
        )
        .order_by(correspondents_table.c.currency, correspondents_table.c.servicer_bic)
    )
    return [dict(r._mapping) for r in connection.execute(query)]


def load_corridor(
    engine: Engine, *, screening: ScreeningIndex | None = None, rates: EcbRates | None = None
) -> Corridor:
    """The payments engine's Corridor, built from the stored reference data."""
    with engine.connect() as connection:
        banks = connection.execute(sa.select(institutions_table)).all()
        accounts = connection.execute(sa.select(correspondents_table)).all()
        clients = connection.execute(sa.select(clients_table)).all()
        held = connection.execute(
            sa.select(client_accounts_table).order_by(
                client_accounts_table.c.client_id, client_accounts_table.c.position
            )
        ).all()
        fees = connection.execute(sa.select(fees_table)).all()
        spreads = connection.execute(sa.select(spreads_table)).all()
    directory = Directory(
        Institution.of(r.bic, r.name, json.loads(r.currencies), json.loads(r.roles)) for r in banks
    )
    for r in accounts:
        directory.add_correspondent(
            Correspondent(
                r.servicer_bic,
                r.owner_bic,
                Money.from_minor_units(int(r.limit_minor), r.currency),
                LimitKind(r.limit_kind),
            )
        )
    by_client: dict[str, list[ClientAccount]] = {}
    for r in held:
        by_client.setdefault(r.client_id, []).append(_account(r))
    for r in sorted(clients, key=lambda c: c.client_id):
        directory.add_client(
            Client(r.client_id, r.name, tuple(by_client.get(r.client_id, ())), _limits(r))
        )
    table = FeeTable(fee_schedule(r) for r in fees)
    pairs: dict[str, dict[str, str]] = {}
    for r in spreads:
        pairs.setdefault(r.institution, {})[r.pair] = r.basis_points
    schedules = {
        bank: SpreadSchedule(
            named.get(DEFAULT, "0"), {p: b for p, b in named.items() if p != DEFAULT}
        )
        for bank, named in pairs.items()
        if bank != DEFAULT
    }
    default = pairs.get(DEFAULT, {}).get(DEFAULT)
    desk = FxDesk(
        schedules,
        default=None if default is None else SpreadSchedule(default),
        rates=rates or EcbRates(max_fallback=STALE_RATES),
    )
    return Corridor(directory, table, desk, screening=screening)


# -- changes (applied by a four-eyes approval) ---------------------------------------------


def put_fee_schedule(connection: Connection, schedule: FeeSchedule) -> None:
    """Store a fee schedule, replacing the one of its bank, corridor and currency."""
    row = fee_row(schedule)
    key = [
        fees_table.c[k] == row[k] for k in ("institution", "from_country", "to_country", "currency")
    ]
    connection.execute(fees_table.delete().where(*key))
    connection.execute(fees_table.insert(), [row])


def put_client_limits(connection: Connection, client_id: str, limits: ClientLimits | None) -> None:
    """Set (or clear, with None) a client's limits."""
    connection.execute(
        clients_table.update()
        .where(clients_table.c.client_id == client_id)
        .values(**limits_row(limits))
    )
