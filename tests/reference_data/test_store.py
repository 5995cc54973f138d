"""Reference data in the store, on both stores: the demo network stored and loaded back
is the network the engine ran on (institutions, correspondent accounts, clients with
their accounts and limits, fee schedules, spreads); changes apply only through
four-eyes approval."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Engine

from corridor.compliance.limits import ClientLimits
from corridor.demo import network
from corridor.money import Money
from corridor.reference_data import store
from corridor.reference_data.store import load_corridor, save_corridor


def _save(engine: Engine) -> None:
    directory = network.directory()
    save_corridor(
        engine,
        directory,
        network.fee_table(),
        network.fx_desk(),
        cities=network.CITIES,
        individuals=[c.client_id for cs in network.CLIENTS.values() for c in cs if c.individual],
        clients=[directory.client(c.client_id) for cs in network.CLIENTS.values() for c in cs],
    )


def test_the_demo_network_round_trips(engine: Engine) -> None:
    _save(engine)
    loaded = load_corridor(engine)
    demo = network.demo_corridor()
    assert loaded.directory.institutions == demo.directory.institutions
    assert loaded.directory.correspondents == demo.directory.correspondents
    for bank in network.CLIENTS.values():
        for client in bank:
            assert loaded.directory.client(client.client_id) == demo.directory.client(
                client.client_id
            )
    assert loaded.fees.schedules() == demo.fees.schedules()
    assert loaded.desk.spreads == demo.desk.spreads
    assert loaded.desk.default == demo.desk.default
    sell = Money.of("1000.00", "GBP")
    assert loaded.desk.spread_bps(network.ALBION, "GBP", "CNY") == Decimal(40)
    assert loaded.fees.schedule(network.ALBION, "GB", "CN", "GBP").fee_for(
        sell
    ) == demo.fees.schedule(network.ALBION, "GB", "CN", "GBP").fee_for(sell)


def test_limits_round_trip(engine: Engine) -> None:
    _save(engine)
    limits = ClientLimits(daily=Money.of("5000.00", "GBP"), annual=None)
    with engine.begin() as connection:
        store.put_client_limits(connection, "ALBN-1", limits)
    with engine.connect() as connection:
        (found,) = store.clients_of(connection, network.ALBION, client_id="ALBN-1")
    assert found.limits is not None
    assert found.limits.daily == Money.of("5000.00", "GBP")
    assert found.limits.annual is None
    assert load_corridor(engine).directory.client("ALBN-1").limits == found.limits
