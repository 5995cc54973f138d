"""OFAC's SDN list, parsed from the real published CSV files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corridor.compliance import EntityType, ListFormatError, NameKind, parse_ofac_csv
from corridor.compliance.ofac import date_of_birth

OFAC = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "ofac"


@pytest.fixture(scope="module")
def sdn() -> dict[str, object]:
    """The real list, parsed once, by entry number."""
    parsed = parse_ofac_csv(OFAC)
    return {"list": parsed, **{e.entry_id: e for e in parsed.entries}}


def test_every_sdn_row_becomes_an_entry(sdn: dict[str, object]) -> None:
    """7,379 entries of the four kinds, each with a fingerprint of the files."""
    parsed = sdn["list"]
    assert len(parsed.entries) == 7379  # type: ignore[attr-defined]
    kinds = {e.entity_type for e in parsed.entries}  # type: ignore[attr-defined]
    assert kinds == {EntityType.PERSON, EntityType.ENTITY, EntityType.VESSEL, EntityType.AIRCRAFT}
    assert parsed.source == "ofac-sdn"  # type: ignore[attr-defined]
    assert len(parsed.checksum) == 64  # type: ignore[attr-defined]
    assert parse_ofac_csv(OFAC).checksum == parsed.checksum  # type: ignore[attr-defined]


def test_an_entity_with_its_alias_addresses_and_programme(sdn: dict[str, object]) -> None:
    """Banco Nacional de Cuba: primary name, its a.k.a., the countries of its addresses."""
    bank = sdn["306"]
    assert [(n.name, n.kind) for n in bank.names] == [  # type: ignore[attr-defined]
        ("BANCO NACIONAL DE CUBA", NameKind.PRIMARY),
        ("NATIONAL BANK OF CUBA", NameKind.ALIAS),
    ]
    assert bank.entity_type is EntityType.ENTITY  # type: ignore[attr-defined]
    assert bank.programmes == ("CUBA",)  # type: ignore[attr-defined]
    assert "Switzerland" in bank.countries  # type: ignore[attr-defined]


def test_individuals_carry_dates_of_birth_from_the_remarks(sdn: dict[str, object]) -> None:
    """'DOB …' in the remarks becomes ISO dates; the names keep OFAC's 'FAMILY, Given'."""
    people = [e for k, e in sdn.items() if k != "list" and e.entity_type is EntityType.PERSON]  # type: ignore[attr-defined]
    with_dob = [p for p in people if p.dates_of_birth]  # type: ignore[attr-defined]
    assert len(with_dob) > 1000
    assert all(d[:4].isdigit() for p in with_dob for d in p.dates_of_birth)  # type: ignore[attr-defined]
    assert sdn["587"].primary_name == "CRUZ, Juan M. de la"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("10 Aug 1963", "1963-08-10"),
        ("Aug 1963", "1963-08"),
        ("circa 1956", "1956"),
        ("1951 to 1953", "1951..1953"),
        ("01 Jan 1973 to 31 Dec 1973", "1973-01-01..1973-12-31"),
        ("circa 07 Jul 1966", "1966-07-07"),
        ("unknown", "unknown"),
    ],
)
def test_dates_of_birth_as_ofac_writes_them(written: str, iso: str) -> None:
    """Every form of date OFAC uses, read into one shape."""
    assert date_of_birth(written) == iso


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ofac"
    folder.mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        shutil.copy(OFAC / name, folder / name)
    return folder


def test_a_broken_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    """A row with a missing field stops the parse at that file and line."""
    folder = _copy(tmp_path)
    lines = (folder / "alt.csv").read_text(encoding="utf-8").splitlines()
    lines[41] = '36,9999,"aka"'
    (folder / "alt.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match=r"alt\.csv: line 42: expected 5 fields, found 3"):
        parse_ofac_csv(folder)


def test_an_alias_of_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    """alt.csv may only name entries that sdn.csv lists."""
    folder = _copy(tmp_path)
    with (folder / "alt.csv").open("a", encoding="utf-8") as f:
        f.write('\n999999999,1,"aka","NOBODY",-0- \n')
    with pytest.raises(ListFormatError, match="alias of unknown entry 999999999"):
        parse_ofac_csv(folder)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    """The three files travel together."""
    folder = _copy(tmp_path)
    (folder / "add.csv").unlink()
    with pytest.raises(ListFormatError, match=r"add\.csv: file: missing"):
        parse_ofac_csv(folder)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    """Bytes that are not text are a format error, not a crash."""
    folder = _copy(tmp_path)
    (folder / "sdn.csv").write_bytes(b'36,"\xff\xfe",-0- ,"CUBA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n')
    with pytest.raises(ListFormatError, match="not UTF-8"):
        parse_ofac_csv(folder)
