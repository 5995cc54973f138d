"""Shared helpers for the ISO 20022 tests: the demo network on a test store, payments of
the demo's mix, and validation of generated messages against their official XSD."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.demo.traffic import instruction_of
from corridor.iso20022.catalogue import BY_NAMESPACE, schema
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine
from corridor.payments.payment import Payment

SHARED = Path(__file__).parents[2] / ".." / "shared" / "iso20022"
SAMPLES = SHARED / "samples"


def assert_schema_valid(source: Path | etree._Element) -> None:
    """The message is valid to the official XSD of its namespace."""
    document = etree.parse(str(source)) if isinstance(source, Path) else source
    root = document.getroot() if hasattr(document, "getroot") else document
    message = BY_NAMESPACE[etree.QName(root).namespace]
    validator = schema(message)
    assert validator.validate(document), f"{message.name}: {validator.error_log}"


def demo_payments(count: int, *, seed: int = 7, today: date | None = None) -> list[Payment]:
    """Payments of the demo's mix (every flow and charge bearer), dated today."""
    rng = random.Random(seed)
    day = today or datetime.now(UTC).date()
    return [instruction_of(rng, 1, n, day) for n in range(count)]


@pytest.fixture
def payments(engine: Engine) -> Iterator[PaymentEngine]:
    """The payments engine on the demo network (funded, no screening lists), on the
    test's store."""
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
        ledger.create_transfers([network.liquidity(0, network.ALBION, "CNY", 500_000_000)])
        yield PaymentEngine(engine, ledger, network.demo_corridor())
