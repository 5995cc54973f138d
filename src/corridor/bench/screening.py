"""The screening benchmark: quality and speed on real lists and labelled name sets.

The UN and OFAC lists are loaded into a fresh SQLite database; the UN positives (noisy
and clean spellings of listed names) and the synthetic negatives (names on no list)
are screened; a name counts as flagged when its best candidate reaches the review tier.
The Chinese-name set Corridor ships is then screened pair by pair (its own small list),
with recall, precision and false-positive rate per category.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corridor.compliance.evaluation import evaluate_pairs, read_pairs
from corridor.compliance.lists import ListFormat, load_list
from corridor.compliance.matching import Tiers
from corridor.compliance.screening import load_index, screen_name
from corridor.store import make_engine, upgrade

Progress = Callable[[str, int, int], None]
POSITIVES = ("positives_un_treated.csv", "positives_un_untreated.csv")
NEGATIVES = "negatives_global.csv"


class BenchDataError(FileNotFoundError):
    """The benchmark reads the published lists and labelled sets from a data folder."""


def _names(path: Path, limit: int | None = None) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        names = [row["full_name"].strip() for row in csv.DictReader(f)]
    names = [n for n in names if n]
    return names[:limit] if limit else names


def run(data: Path, negatives: int = 50_000, progress: Progress | None = None) -> dict[str, Any]:
    """Measure recall, precision, false-positive rate and speed; returns the figures."""
    report = progress or (lambda _stage, _done, _total: None)
    needed = [
        data / "un" / "UN_consolidated.xml",
        data / "ofac" / "sdn.csv",
        *(data / "eval" / f for f in (*POSITIVES, NEGATIVES)),
    ]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise BenchDataError(f"benchmark data not found: {', '.join(missing)} (use --data)")
    tiers = Tiers()
    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as folder:
        engine = make_engine(f"sqlite:///{folder}/lists.db")
        upgrade(engine)
        load_list(engine, ListFormat.UN_XML, data / "un" / "UN_consolidated.xml")
        load_list(engine, ListFormat.OFAC_CSV, data / "ofac")
        index = load_index(engine)
        engine.dispose()
    positives = [n for f in POSITIVES for n in _names(data / "eval" / f)]
    negative_names = _names(data / "eval" / NEGATIVES, negatives)
    flagged = {"positives": 0, "negatives": 0}
    started = time.perf_counter()
    for label, names in (("positives", positives), ("negatives", negative_names)):
        for i, name in enumerate(names):
            if screen_name(index, name, tiers=tiers, limit=1)["decision"] != "pass":
                flagged[label] += 1
            if i % 500 == 0:
                report(label, i, len(names))
    elapsed = time.perf_counter() - started
    total = len(positives) + len(negative_names)
    chinese = evaluate_pairs(read_pairs(), tiers)["categories"]
    true_hits, false_hits = flagged["positives"], flagged["negatives"]
    return {
        "area": "screening",
        "list_entries": sum(v.entry_count for v in index.versions),
        "name_forms": len(index.forms),
        "names": total,
        "names_per_s": round(total / elapsed, 1),
        "recall": round(true_hits / len(positives), 4),
        "precision": round(true_hits / max(1, true_hits + false_hits), 4),
        "false_positive_rate": round(false_hits / max(1, len(negative_names)), 5),
        "threshold": tiers.review,
        "positives": len(positives),
        "negatives": len(negative_names),
        "chinese_recall": chinese["all"]["recall"],
        "chinese_precision": chinese["all"]["precision"],
        "chinese_pairs": chinese["all"]["pairs"],
        "chinese_by_category": chinese,
    }
