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
) -> dict[str, Any]:
    """Screen one name; the whole record of what was screened, against what, and why."""
    tiers = tiers or Tiers()
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
        "lists": [asdict(v) for v in index.versions],
        "matcher": {"version": MATCHER_VERSION, "block_at": tiers.block, "review_at": tiers.review},
        "decision": tiers.decide(top),
        "candidates": [asdict(c) for c in shown],
    }
