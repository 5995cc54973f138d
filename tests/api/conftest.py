"""One seeded corridor per test module and store (seeding hashes passwords with argon2,
which is slow on purpose)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ops_world import World, world


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def ops(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The module's corridor on each store."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    with world(
        str(request.param), f"corridor_ops_{module}", str(tmp_path_factory.mktemp(module))
    ) as w:
        yield w
