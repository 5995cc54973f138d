"""Screening a name against every list in force, with a result a regulator can follow.

The result records the name as given, its normalised forms, the list versions used, the
matcher's version and tiers, and every candidate with its score and explanation.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.engine import Engine

from corridor.compliance.listed import EntityType
from corridor.compliance.lists import entries, versions_in_force
from corridor.compliance.matching import MATCHER_VERSION, ScreeningIndex, Tiers

REMEMBERED = 100_000
"""Screening results an index keeps at most (see `screen_name`'s `remember`)."""


def load_index(engine: Engine) -> ScreeningIndex:
    """Index the newest version of every list."""
    index = ScreeningIndex()
    for version in versions_in_force(engine):
        index.add(version, entries(engine, version.version))
    return index


def screen_name(
    index: ScreeningIndex,
    name: str,
    *,
    entity_type: EntityType | None = None,
    country: str = "",
    date_of_birth: str = "",
    tiers: Tiers | None = None,
    limit: int = 10,
    remember: bool = False,
) -> dict[str, Any]:
    """Screen one name; the whole record of what was screened, against what, and why.

    With `remember`, the result is kept with the index and given again (the same object:
    read it, do not change it) when the same name is screened with the same details
    against the same lists: payments name the same parties over and over. Measurements
    of screening itself leave it off.
    """
    tiers = tiers or Tiers()
    if remember:
        key = (name, entity_type, country, date_of_birth, tiers, limit)
        found = index.remembered.get(key)
        if found is None:
            if len(index.remembered) >= REMEMBERED:
                index.remembered.clear()  # bounded memory; the busy names come back soon
            found = screen_name(
                index,
                name,
                entity_type=entity_type,
                country=country,
                date_of_birth=date_of_birth,
                tiers=tiers,
                limit=limit,
            )
            index.remembered[key] = found
        return found
    forms, candidates = index.screen(
        name, entity_type=entity_type, country=country, year_of_birth=date_of_birth[:4]
    )
    shown = candidates[:limit]
    top = shown[0].score if shown else 0.0
    return {
        "name": name,
        "forms": list(forms),
        "entity_type": entity_type.value if entity_type else None,
        "country": country or None,
        "date_of_birth": date_of_birth or None,
        "lists": index.versions_json(),
        "matcher": {"version": MATCHER_VERSION, "block_at": tiers.block, "review_at": tiers.review},
        "decision": tiers.decide(top),
        "candidates": [asdict(c) for c in shown],
    }
