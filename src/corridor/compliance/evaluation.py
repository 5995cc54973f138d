"""Measuring screening on labelled pairs: recall, precision and false-positive rate by
category.

A labelled pair is a listed name, the name as it arrives on a payment, and whether they
are the same party. Every listed name of a set becomes one entry of a small list; each
query is screened against the whole list, and a pair counts as flagged when its own
listed entry reaches the review tier. The Chinese-name set shipped with Corridor
(`eval/chinese_names.csv`) covers characters, pinyin, Cantonese and Wade-Giles spellings,
order swaps, initials, typos, company forms and hard non-matches.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from corridor.compliance.listed import EntityType, ListedEntry, ListedName, NameKind
from corridor.compliance.lists import ListVersion
from corridor.compliance.matching import ScreeningIndex, Tiers

CHINESE_NAMES = "eval/chinese_names.csv"


@dataclass(frozen=True, slots=True)
class LabelledPair:
    """A listed name and a query name, labelled the same party or not."""

    pair_id: str
    category: str
    listed_name: str
    listed_type: EntityType
    query: str
    same_party: bool


def read_pairs(path: Path | None = None) -> list[LabelledPair]:
    """The labelled pairs in `path` (default: the Chinese-name set Corridor ships)."""
    source = path or files("corridor.compliance").joinpath(CHINESE_NAMES)
    text = source.read_text(encoding="utf-8")
    return [
        LabelledPair(
            row["pair_id"],
            row["category"],
            row["listed_name"],
            EntityType(row["listed_type"]),
            row["query"],
            row["label"] == "match",
        )
        for row in csv.DictReader(text.splitlines())
    ]


def _index(pairs: list[LabelledPair]) -> tuple[ScreeningIndex, dict[tuple[str, EntityType], str]]:
    ids: dict[tuple[str, EntityType], str] = {}
    for pair in pairs:
        ids.setdefault((pair.listed_name, pair.listed_type), f"L{len(ids) + 1}")
    entries = [
        ListedEntry(entry_id, kind, (ListedName(name, NameKind.PRIMARY),))
        for (name, kind), entry_id in ids.items()
    ]
    version = ListVersion(1, "labelled", "", "", (), len(entries), "")
    index = ScreeningIndex()
    index.add(version, entries)
    return index, ids


def evaluate_pairs(pairs: list[LabelledPair], tiers: Tiers | None = None) -> dict[str, Any]:
    """Recall, precision and false-positive rate per category and overall, with the pairs
    the screener got wrong."""
    tiers = tiers or Tiers()
    index, ids = _index(pairs)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wrong: list[dict[str, Any]] = []
    for pair in pairs:
        _forms, candidates = index.screen(pair.query)
        own = ids[(pair.listed_name, pair.listed_type)]
        score = max((c.score for c in candidates if c.entry_id == own), default=0.0)
        flagged = score >= tiers.review
        for key in (pair.category, "all"):
            tally = counts[key]
            tally["pairs"] += 1
            tally["same_party" if pair.same_party else "different_party"] += 1
            if flagged:
                tally["true_hits" if pair.same_party else "false_hits"] += 1
        if flagged != pair.same_party:
            wrong.append(
                {
                    "pair_id": pair.pair_id,
                    "query": pair.query,
                    "listed": pair.listed_name,
                    "score": score,
                }
            )
    return {
        "threshold": tiers.review,
        "categories": {name: _rates(tally) for name, tally in sorted(counts.items())},
        "wrong": wrong,
    }


def _rates(tally: dict[str, int]) -> dict[str, Any]:
    same, different = tally["same_party"], tally["different_party"]
    true_hits, false_hits = tally["true_hits"], tally["false_hits"]
    return {
        "pairs": tally["pairs"],
        "recall": round(true_hits / same, 4) if same else None,
        "precision": round(true_hits / (true_hits + false_hits), 4)
        if true_hits + false_hits
        else None,
        "false_positive_rate": round(false_hits / different, 4) if different else None,
    }
