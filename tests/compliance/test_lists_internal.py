"""The institution's own watch list: its documented CSV, loaded like any published list."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.compliance import EntityType, ListFormatError, NameKind, ParsedList
from corridor.compliance.internal import parse_internal_csv
from corridor.compliance.lists import ListFormat, entries, load_list, versions_in_force
from corridor.compliance.screening import load_index, screen_name
from corridor_cli import run

WATCHLIST = Path(__file__).parent / "fixtures" / "internal" / "watchlist.csv"
HEADER = "id,name,type,aliases,date_of_birth,country,reason"
GOOD = "W1,John SMITH,person,Johnny Smith,1970-06-05,GB,Card fraud"


@pytest.fixture(scope="module")
def watchlist() -> ParsedList:
    """The fixture list, parsed once, in file order."""
    return parse_internal_csv(WATCHLIST)


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "watch.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_row_is_an_entry_and_comments_are_skipped(watchlist: ParsedList) -> None:
    """Five rows between four comment lines; no publication stamp of its own."""
    assert (watchlist.source, watchlist.published) == ("internal", "")
    assert watchlist.files == (str(WATCHLIST),)
    assert [e.entry_id for e in watchlist.entries] == [
        "INT-0001",
        "INT-0002",
        "INT-0003",
        "INT-0005",
        "INT-0006",
    ]
    assert len(watchlist.checksum) == 64


def test_a_person_with_aliases_date_of_birth_country_and_reason(watchlist: ParsedList) -> None:
    """The name leads, aliases follow in order; the reason is the remarks."""
    wang = watchlist.entries[0]
    assert wang.entity_type is EntityType.PERSON
    assert [(n.name, n.kind) for n in wang.names] == [
        ("WANG Xiaoming", NameKind.PRIMARY),
        ("王小明", NameKind.ALIAS),
        ("Xiao Ming WANG", NameKind.ALIAS),
        ("Wong Siu Ming", NameKind.ALIAS),
    ]
    assert (wang.dates_of_birth, wang.countries) == (("1979-04-02",), ("CN",))
    assert (
        wang.remarks == "Exited relationship: repeated structuring of cash deposits, SAR filed 2025"
    )
    assert (wang.programmes, wang.reference, wang.listed_on) == ((), "", "")


def test_optional_fields_and_normalised_values(watchlist: ParsedList) -> None:
    """A year alone; a lower-case country; empty aliases and a repeated one dropped."""
    by_id = {e.entry_id: e for e in watchlist.entries}
    kovalenko = by_id["INT-0003"]
    assert (kovalenko.names[0].name, kovalenko.dates_of_birth) == ("Olena Kovalenko", ("1985",))
    assert (len(kovalenko.names), kovalenko.countries) == (1, ("UA",))
    carbon = by_id["INT-0005"]
    assert carbon.entity_type is EntityType.ENTITY
    assert [n.name for n in carbon.names] == [
        "Greenfield Carbon Credits Plc",
        "Greenfield Carbon",
        "GCC",
    ]
    assert carbon.dates_of_birth == ()
    assert by_id["INT-0006"].primary_name == "MARTIN, Paul"
    assert by_id["INT-0006"].countries == ()


def test_columns_in_another_order_and_upper_case(tmp_path: Path) -> None:
    """The header names the columns; their order and case do not matter."""
    path = _write(
        tmp_path,
        "# a comment before the header",
        "REASON,Country,type,name,id,aliases,date_of_birth",
        "Card fraud,gb,Person,John SMITH,W1,,1970",
    )
    entry = parse_internal_csv(path).entries[0]
    assert (entry.entry_id, entry.primary_name, entry.entity_type) == (
        "W1",
        "John SMITH",
        EntityType.PERSON,
    )
    assert (entry.countries, entry.dates_of_birth, entry.remarks) == (
        ("GB",),
        ("1970",),
        "Card fraud",
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",John SMITH,person,,,,", r"watch\.csv: line 2, id: empty"),
        (f"{'W' * 65},John SMITH,person,,,,", r"line 2, id: longer than 64"),
        ("W1,,person,,,,", r"line 2, name: empty: entry W1 has no name"),
        ("W1,  ,person,,,,", r"line 2, name: empty"),
        ("W1,John SMITH,vessel,,,,", r"line 2, type: 'vessel' is not person or entity"),
        ("W1,John SMITH,,,,,", r"line 2, type: '' is not person or entity"),
        ("W1,John SMITH,person,,05/06/1970,,", r"line 2, date_of_birth: '05/06/1970' is not"),
        ("W1,John SMITH,person,,1970-02-30,,", r"line 2, date_of_birth: '1970-02-30'"),
        ("W1,John SMITH,person,,1970-2-3,,", r"line 2, date_of_birth: '1970-2-3'"),
        ("W1,John SMITH,person,,0000,,", r"line 2, date_of_birth: '0000'"),
        ("W1,John SMITH,person,,,GBR,", r"line 2, country: 'GBR' is not an ISO 3166 alpha-2"),
        ("W1,John SMITH,person,,,G1,", r"line 2, country: 'G1'"),
        ("W1,John SMITH,person,,,", r"line 2: expected 7 fields, found 6"),
        ("W1,John SMITH,person,,,,,", r"line 2: expected 7 fields, found 8"),
    ],
)
def test_a_bad_row_is_named_by_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    """Each broken field stops the parse at its line, naming the field."""
    with pytest.raises(ListFormatError, match=message):
        parse_internal_csv(_write(tmp_path, HEADER, row))


def test_a_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    """An id names one party; the second use is refused, with the line of the first."""
    path = _write(
        tmp_path, "# watch list", HEADER, GOOD, "# moved", GOOD.replace("SMITH", "SMYTHE")
    )
    with pytest.raises(ListFormatError, match=r"line 5, id: 'W1' is already the id of line 3"):
        parse_internal_csv(path)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "id,name,type,aliases,date_of_birth,country",
            r"line 1: the header has no 'reason' column",
        ),
        ("id,name,kind,aliases,date_of_birth,country,reason", r"line 1: unknown column 'kind'"),
        (HEADER + ",notes", r"line 1: unknown column 'notes'"),
        (HEADER + ",name", r"line 1: column 'name' appears twice"),
    ],
)
def test_missing_and_unknown_columns_name_the_header_line(
    tmp_path: Path, header: str, message: str
) -> None:
    """The header is exactly the documented columns, in any order."""
    with pytest.raises(ListFormatError, match=message):
        parse_internal_csv(_write(tmp_path, header, GOOD))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"line 1: the file is empty"),
        (b"# only a comment\n\n", r"line 1: the file is empty"),
        (HEADER.encode() + b"\n# nothing yet\n", r"line 1: no entries after the header row"),
        (
            f"{HEADER}\n{GOOD}\nW2,Jos\xe9,person,,,,\n".encode("latin-1"),
            r"watch\.csv: line 3: not UTF-8 text",
        ),
        (f'{HEADER}\nW1,"John SMITH,person,,,,\n'.encode(), r"line \d+: not valid CSV"),
    ],
)
def test_empty_undecodable_and_broken_files(tmp_path: Path, content: bytes, message: str) -> None:
    """Files that are not a watch list are refused with the line."""
    path = tmp_path / "watch.csv"
    path.write_bytes(content)
    with pytest.raises(ListFormatError, match=message):
        parse_internal_csv(path)


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """A list saved from a spreadsheet starts with a byte-order mark."""
    path = _write(tmp_path, HEADER, GOOD)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert parse_internal_csv(path).entries[0].entry_id == "W1"


def _entry_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM sanctions_entries")).scalar())


def test_loading_is_a_version_and_the_same_file_again_is_not(engine: Engine) -> None:
    """The watch list loads as source 'internal'; the same file again records nothing."""
    loaded, created = load_list(engine, ListFormat.INTERNAL_CSV, WATCHLIST)
    assert created
    assert (loaded.source, loaded.entry_count, loaded.published) == ("internal", 5, "")
    again, created = load_list(engine, ListFormat.INTERNAL_CSV, WATCHLIST)
    assert (again, created) == (loaded, False)
    assert versions_in_force(engine) == [loaded]
    stored = entries(engine, loaded.version)
    assert stored == sorted(parse_internal_csv(WATCHLIST).entries, key=lambda e: e.entry_id)


def test_a_failed_load_leaves_the_version_in_force(engine: Engine, tmp_path: Path) -> None:
    """A bad row writes nothing: the last good load stays in force."""
    good, _ = load_list(engine, ListFormat.INTERNAL_CSV, WATCHLIST)
    broken = tmp_path / "watchlist.csv"
    broken.write_text(
        WATCHLIST.read_text(encoding="utf-8").replace(",1985,", ",85,"), encoding="utf-8"
    )
    with pytest.raises(ListFormatError, match=r"line 7, date_of_birth: '85'"):
        load_list(engine, ListFormat.INTERNAL_CSV, broken)
    assert versions_in_force(engine) == [good]
    assert _entry_rows(engine) == 5


def test_a_changed_file_becomes_the_new_version(engine: Engine, tmp_path: Path) -> None:
    """An added party is a new version in force; the old one stays on record."""
    first, _ = load_list(engine, ListFormat.INTERNAL_CSV, WATCHLIST)
    changed = tmp_path / "watchlist.csv"
    shutil.copy(WATCHLIST, changed)
    with changed.open("a", encoding="utf-8") as f:
        f.write("INT-0007,Li Na,person,李娜,1982,CN,Mule account\n")
    second, created = load_list(engine, ListFormat.INTERNAL_CSV, changed)
    assert created
    assert (second.version > first.version, second.entry_count) == (True, 6)
    assert versions_in_force(engine) == [second]
    assert len(entries(engine, first.version)) == 5


def test_screening_finds_the_watch_list_beside_other_lists(engine: Engine) -> None:
    """A party on the internal list is found by its alias in characters and in pinyin."""
    load_list(engine, ListFormat.INTERNAL_CSV, WATCHLIST)
    index = load_index(engine)
    for query in ("Wang Xiaoming", "王小明", "Xiaoming Wang"):
        top = screen_name(index, query)["candidates"][0]
        assert (top["list"], top["entry_id"]) == ("internal", "INT-0001"), query
        assert top["score"] >= 0.95, query


def test_the_cli_loads_the_watch_list_and_names_a_broken_row(tmp_path: Path) -> None:
    """`corridor lists load --format internal-csv`: a summary, or one error line and exit 1."""

    def load(path: Path) -> subprocess.CompletedProcess[str]:
        return run(["lists", "load", "--format", "internal-csv", str(path)], tmp_path)

    loaded = load(WATCHLIST)
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded internal: 5 entries" in loaded.stdout
    broken = _write(tmp_path, HEADER, GOOD, "W2,Jane DOE,company,,,,")
    failed = load(broken)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        f"error: {broken}: line 3, type: 'company' is not person or entity"
    ]
    assert "Traceback" not in failed.stderr


def test_the_readme_example_is_a_valid_watch_list(tmp_path: Path) -> None:
    """The format the README documents is the format the parser reads."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "watch.csv"
    path.write_text(example, encoding="utf-8")
    parsed = parse_internal_csv(path)
    assert [e.entry_id for e in parsed.entries] == ["INT-0001", "INT-0002"]
    assert parsed.entries[0].names[1].name == "王小明"
