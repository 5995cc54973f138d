"""The labelled evaluations, run in the test suite: quality is a requirement, not a hope.

The UN list is loaded; the noisy and clean UN spellings are the positives and 50,000
synthetic names the negatives. The Chinese-name set (characters, pinyin, Cantonese,
Wade-Giles, order swaps, initials, typos, company forms, hard non-matches) is screened
pair by pair. Each test prints its figures per category (shown with `pytest -s`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from corridor.compliance.evaluation import evaluate_pairs, read_pairs
from corridor.compliance.lists import ListFormat, load_list
from corridor.compliance.screening import load_index, screen_name
from corridor.store import make_engine, upgrade

EVAL = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "eval"
UN = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "un" / "UN_consolidated.xml"


def test_the_chinese_name_set_is_labelled_and_large_enough() -> None:
    """At least 300 pairs, every category of the issue present, both labels."""
    pairs = read_pairs()
    categories = {p.category for p in pairs}
    assert len(pairs) >= 300
    assert len({p.pair_id for p in pairs}) == len(pairs)
    assert {
        "characters_to_pinyin",
        "cantonese",
        "wade_giles",
        "traditional_simplified",
        "order_swap",
        "initials",
        "typo",
        "company_form",
        "hard_non_match",
    } <= categories
    assert sum(not p.same_party for p in pairs) >= 60


def test_chinese_names_recall_and_precision_per_category() -> None:
    """Recall ≥ 0.95 on the Chinese spellings, ≥ 0.9 in every category of spellings;
    the hard non-matches (same family name, another person) mostly pass."""
    report = evaluate_pairs(read_pairs())
    print(json.dumps(report["categories"], indent=1))
    categories = report["categories"]
    assert categories["all"]["recall"] >= 0.95
    for name, figures in categories.items():
        if figures["recall"] is not None:
            assert figures["recall"] >= 0.9, name
    assert categories["hard_non_match"]["false_positive_rate"] <= 0.15
    assert categories["unrelated_non_match"]["false_positive_rate"] == 0.0


@pytest.fixture(scope="module")
def un_index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('eval')}/lists.db")
    upgrade(engine)
    load_list(engine, ListFormat.UN_XML, UN)
    index = load_index(engine)
    engine.dispose()
    return index


def _names(file: str) -> list[str]:
    with (EVAL / file).open(encoding="utf-8", newline="") as f:
        return [row["full_name"].strip() for row in csv.DictReader(f) if row["full_name"].strip()]


def test_un_positives_are_found(un_index) -> None:  # type: ignore[no-untyped-def]
    """Recall ≥ 0.99 on the clean and noisy spellings of UN-listed names together."""
    found = total = 0
    for file in ("positives_un_untreated.csv", "positives_un_treated.csv"):
        names = _names(file)
        hits = sum(screen_name(un_index, n, limit=1)["decision"] != "pass" for n in names)
        print(f"{file}: recall {hits / len(names):.4f} ({hits}/{len(names)})")
        found, total = found + hits, total + len(names)
    assert found / total >= 0.99


def test_synthetic_negatives_rarely_alert(un_index) -> None:  # type: ignore[no-untyped-def]
    """A false-positive rate ≤ 0.1 % on the 50,000 synthetic names of no list."""
    names = _names("negatives_global.csv")
    assert len(names) == 50_000
    alerts = [n for n in names if screen_name(un_index, n, limit=1)["decision"] != "pass"]
    print(f"negatives: {len(alerts)} alerts, rate {len(alerts) / len(names):.5f}: {alerts[:20]}")
    assert len(alerts) / len(names) <= 0.001
