"""Screening names against lists: candidates, scores, tiers and the record of it all."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from corridor.compliance import (
    EntityType,
    ListedEntry,
    ListedName,
    NameInputError,
    NameKind,
)
from corridor.compliance.lists import ListFormat, ListVersion, load_list
from corridor.compliance.matching import ScreeningIndex, Tiers
from corridor.compliance.screening import load_index, screen_name

UN = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "un" / "UN_consolidated.xml"
VERSION = ListVersion(7, "internal", "", "0" * 64, ("watch.csv",), 3, "2026-11-25T00:00:00+00:00")


def _index() -> ScreeningIndex:
    index = ScreeningIndex()
    index.add(
        VERSION,
        [
            ListedEntry(
                "P1",
                EntityType.PERSON,
                (ListedName("ZHANG, Lei", NameKind.PRIMARY),),
                dates_of_birth=("1970-02-01",),
                countries=("China",),
            ),
            ListedEntry(
                "P2",
                EntityType.PERSON,
                (
                    ListedName("OUYANG, Nana", NameKind.PRIMARY),
                    ListedName("NANA THE SINGER", NameKind.WEAK_ALIAS),
                ),
            ),
            ListedEntry(
                "E1",
                EntityType.ENTITY,
                (ListedName("Kowloon Textiles Company Limited", NameKind.PRIMARY),),
            ),
        ],
    )
    return index


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("张磊", "P1"),
        ("Lei Zhang", "P1"),
        ("ZHANG LEI", "P1"),
        ("欧阳娜娜", "P2"),
        ("Kowloon Textiles Co", "E1"),
    ],
)
def test_a_name_in_another_script_or_order_is_found(name: str, entry: str) -> None:
    """Characters, reversed order and legal forms still reach the listed name: blocked."""
    result = screen_name(_index(), name)
    assert result["candidates"][0]["entry_id"] == entry
    assert result["candidates"][0]["score"] == 1.0
    assert result["decision"] == "block"


def test_the_result_records_what_was_screened_against_what() -> None:
    """Name as given, its forms, list versions, matcher and tiers, and each candidate's why."""
    result = screen_name(_index(), "张磊", tiers=Tiers(block=0.97, review=0.8))
    assert result["name"] == "张磊"
    assert "zhang lei" in result["forms"]
    assert result["lists"][0]["version"] == 7
    assert result["matcher"]["block_at"] == 0.97
    top = result["candidates"][0]
    assert {"score", "list", "list_version", "entry_id", "matched_name", "explanation"} <= set(top)
    assert top["matched_name"] == "ZHANG, Lei"
    assert top["explanation"]["listed_name_kind"] == "primary"


def test_supporting_and_contradicting_evidence() -> None:
    """A different year of birth or kind of party lowers the score, and says so."""
    index = _index()
    same = screen_name(index, "Zhang Lei", date_of_birth="1970-02-01", country="China")
    other = screen_name(index, "Zhang Lei", date_of_birth="1988-05-05")
    company = screen_name(index, "Zhang Lei", entity_type=EntityType.ENTITY)
    assert same["candidates"][0]["explanation"]["date_of_birth"] == "supports: same year"
    assert same["candidates"][0]["explanation"]["country"] == "supports"
    assert other["candidates"][0]["score"] < same["candidates"][0]["score"]
    assert "contradicts" in other["candidates"][0]["explanation"]["date_of_birth"]
    assert company["candidates"][0]["score"] < same["candidates"][0]["score"]


def test_a_weak_alias_counts_for_less() -> None:
    """Low-quality aliases are discounted, and the discount is named."""
    result = screen_name(_index(), "Nana the Singer")
    top = result["candidates"][0]
    assert top["entry_id"] == "P2"
    assert top["score"] == pytest.approx(0.9)
    assert top["explanation"]["weak_alias_factor"] == 0.9


def test_an_empty_name_is_refused() -> None:
    """Screening needs a name."""
    with pytest.raises(NameInputError, match="empty"):
        screen_name(_index(), "  ")


def test_screening_against_the_real_un_list(engine: Engine) -> None:
    """Loaded from the database: a listed name in Latin and in Arabic script is blocked."""
    load_list(engine, ListFormat.UN_XML, UN)
    index = load_index(engine)
    latin = screen_name(index, "Saddam Hussein Al-Tikriti")
    assert latin["candidates"][0]["entry_id"] == "6908048"
    assert latin["decision"] == "block"
    arabic = screen_name(index, "صدام حسين التكريتي")
    assert arabic["candidates"][0]["entry_id"] == "6908048"
    unrelated = screen_name(index, "Oliver Grant")
    assert unrelated["decision"] == "pass"


def test_the_screen_command(tmp_path: Path) -> None:
    """`corridor screen NAME --json` works on a fresh database; an empty name is an error."""
    corridor = shutil.which("corridor")
    assert corridor
    env = {**os.environ, "CORRIDOR_DATABASE_URL": f"sqlite:///{tmp_path}/books.db"}
    ok = subprocess.run(
        [corridor, "screen", "Zhang Wei", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout)
    assert (result["candidates"], result["decision"], result["lists"]) == ([], "pass", [])
    empty = subprocess.run(
        [corridor, "screen", "", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert empty.returncode == 1
    assert "the name is empty" in empty.stderr
    assert "Traceback" not in empty.stderr
