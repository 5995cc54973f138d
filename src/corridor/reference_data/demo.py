"""The demo's reference data and its users: the demo network stored, and one user per
role per institution (two admins and two compliance officers each, so four-eyes changes
and case decisions can be made), with demo passwords printed by `corridor demo`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from corridor.auth.users import Role, UnknownUserError, add_user, get_user
from corridor.demo import network
from corridor.reference_data.store import has_reference_data, save_corridor

SHORT_NAMES = {
    network.ALBION: "albion",
    network.THREADNEEDLE: "threadneedle",
    network.HARBOUR: "harbour",
    network.LUOHU: "luohu",
}
"""The name each demo bank's users are known by (`operator@albion`)."""
ROLES = (
    ("admin", Role.ADMIN),
    ("admin2", Role.ADMIN),
    ("operator", Role.OPERATOR),
    ("compliance", Role.COMPLIANCE),
    ("compliance2", Role.COMPLIANCE),
    ("auditor", Role.AUDITOR),
    ("readonly", Role.READ_ONLY),
)


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user and the demo password to log in with (demo only: never in production)."""

    username: str
    password: str
    role: Role
    institution: str
    institution_name: str


def demo_logins() -> list[DemoLogin]:
    """Every demo user, by institution then role."""
    return [
        DemoLogin(
            f"{name}@{short}",
            f"{short}-{name}-demo",
            role,
            bic,
            network.BANKS[bic][0],
        )
        for bic, short in SHORT_NAMES.items()
        for name, role in ROLES
    ]


def seed_demo_reference_data(engine: Engine) -> list[DemoLogin]:
    """Store the demo network's reference data and users, unless stored already (a later
    demo day keeps what the first one stored, and any four-eyes changes made since)."""
    if not has_reference_data(engine):
        directory = network.directory()
        everyone = [*network.CLIENTS.values(), *network.FUND_CLIENTS.values()]
        clients = [directory.client(c.client_id) for cs in everyone for c in cs]
        individuals = [c.client_id for cs in network.CLIENTS.values() for c in cs if c.individual]
        save_corridor(
            engine,
            directory,
            network.fee_table(),
            network.fx_desk(),
            cities=network.CITIES,
            individuals=individuals,
            clients=clients,
        )
    logins = demo_logins()
    for login in logins:
        try:
            get_user(engine, login.username)
        except UnknownUserError:
            add_user(
                engine,
                login.username,
                role=login.role,
                institution=login.institution,
                password=login.password,
            )
    return logins
