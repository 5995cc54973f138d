"""The UN Security Council consolidated list, parsed from the real published XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.compliance import EntityType, ListFormatError, NameKind, parse_un_xml

UN = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "un" / "UN_consolidated.xml"


@pytest.fixture(scope="module")
def un() -> object:
    """The real list, parsed once."""
    return parse_un_xml(UN)


def test_every_individual_and_entity_becomes_an_entry(un: object) -> None:
    """730 individuals and 273 entities, with the list's own publication stamp."""
    entries = un.entries  # type: ignore[attr-defined]
    assert sum(e.entity_type is EntityType.PERSON for e in entries) == 730
    assert sum(e.entity_type is EntityType.ENTITY for e in entries) == 273
    assert un.published == "2026-02-27T00:00:09.554Z"  # type: ignore[attr-defined]
    assert len({e.entry_id for e in entries}) == len(entries)


def test_an_individual_with_date_of_birth_and_countries(un: object) -> None:
    """Eric Badege: DATAID, reference, programme, year of birth, nationality and address."""
    badege = next(e for e in un.entries if e.entry_id == "6907993")  # type: ignore[attr-defined]
    assert badege.primary_name == "ERIC BADEGE"
    assert badege.reference == "CDi.001"
    assert badege.programmes == ("DRC",)
    assert badege.dates_of_birth == ("1971",)
    assert badege.countries == ("Democratic Republic of the Congo", "Rwanda")


def test_alias_quality_and_original_script_are_kept(un: object) -> None:
    """Low-quality aliases are weak; names in their own script are kept as such."""
    kinds = [n.kind for e in un.entries for n in e.names]  # type: ignore[attr-defined]
    assert kinds.count(NameKind.WEAK_ALIAS) == 615
    assert kinds.count(NameKind.ORIGINAL_SCRIPT) == 378
    arabic = [
        n.name
        for e in un.entries
        for n in e.names  # type: ignore[attr-defined]
        if n.kind is NameKind.ORIGINAL_SCRIPT
    ]
    assert "صدام حسين التكريتي" in arabic


def test_an_xxe_file_is_refused_and_leaks_nothing(tmp_path: Path) -> None:
    """An external entity is never resolved: the file is refused for its DOCTYPE."""
    hostile = tmp_path / "xxe.xml"
    hostile.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID>"
        "<FIRST_NAME>&x;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    with pytest.raises(ListFormatError, match="DOCTYPE is not allowed") as refused:
        parse_un_xml(hostile)
    assert "root:" not in str(refused.value)


def test_a_billion_laughs_file_is_refused(tmp_path: Path) -> None:
    """Nested entities are not expanded; the file is refused."""
    entities = ['<!ENTITY l0 "ha">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ]
    laughs = "".join(entities)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE d [{laughs}]>\n<CONSOLIDATED_LIST>&l9;'
        "</CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    with pytest.raises(ListFormatError):
        parse_un_xml(bomb)


def test_broken_xml_is_named_by_line(tmp_path: Path) -> None:
    """A file cut short is not well-formed: the error gives the line."""
    broken = tmp_path / "broken.xml"
    broken.write_text(UN.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(ListFormatError, match=r"line \d+: not well-formed XML"):
        parse_un_xml(broken)


def test_an_entry_without_an_id_is_named_by_line_and_element(tmp_path: Path) -> None:
    """A missing DATAID names where the entry is."""
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<?xml version="1.0"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n<INDIVIDUAL>\n'
        "<FIRST_NAME>NO ID</FIRST_NAME>\n</INDIVIDUAL>\n</INDIVIDUALS>\n</CONSOLIDATED_LIST>\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ListFormatError, match=r"line 4, /CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL: DATAID"
    ):
        parse_un_xml(bad)
