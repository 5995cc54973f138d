"""The UK Sanctions List (FCDO), parsed from its published CSV layout, loaded and screened."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.compliance import EntityType, ListedEntry, ListFormatError, NameKind, ParsedList
from corridor.compliance.lists import ListFormat, entries, load_list, versions_in_force
from corridor.compliance.screening import load_index, screen_name
from corridor.compliance.uk import date_of_birth, parse_uk_csv
from corridor_cli import run

UK = Path(__file__).parent / "fixtures" / "uk" / "UK_Sanctions_List.csv"
# The columns a small hand-made file carries (a real file has many more).
COLUMNS = (
    "Unique ID",
    "OFSI Group ID",
    "Name 6",
    "Name 1",
    "Name 2",
    "Name type",
    "Alias strength",
    "Name non-latin script",
    "Regime Name",
    "Designation Type",
    "Date Designated",
    "D.O.B",
    "Nationality(/ies)",
)
PERSON = {
    "Unique ID": "GBR0001",
    "Name 6": "SMITH",
    "Name 1": "John",
    "Name type": "Primary Name",
    "Regime Name": "Global Anti-Corruption",
    "Designation Type": "Individual",
    "Date Designated": "01/02/2026",
    "D.O.B": "05/06/1970",
    "Nationality(/ies)": "United Kingdom",
}


@pytest.fixture(scope="module")
def uk() -> ParsedList:
    """The fixture list, parsed once."""
    return parse_uk_csv(UK)


def _entry(parsed: ParsedList, entry_id: str) -> ListedEntry:
    return next(e for e in parsed.entries if e.entry_id == entry_id)


def _names(entry: ListedEntry) -> list[tuple[str, NameKind]]:
    return [(n.name, n.kind) for n in entry.names]


def _write(
    tmp_path: Path,
    *rows: dict[str, str],
    columns: tuple[str, ...] = COLUMNS,
    first: str = "Report Date: 24-Nov-2026",
) -> Path:
    """A small UK list file: the Report Date line, the header, one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    path = tmp_path / "uk.csv"
    path.write_text(f"{first}\n{out.getvalue()}", encoding="utf-8")
    return path


def test_every_unique_id_becomes_one_entry(uk: ParsedList) -> None:
    """36 name rows make 15 entries of three kinds, stamped with the Report Date."""
    assert (uk.source, uk.published, uk.files) == ("uk", "2026-11-24", (str(UK),))
    assert len(uk.entries) == 15
    assert len({e.entry_id for e in uk.entries}) == 15
    kinds = [e.entity_type for e in uk.entries]
    assert (kinds.count(EntityType.PERSON), kinds.count(EntityType.ENTITY)) == (9, 4)
    assert kinds.count(EntityType.VESSEL) == 2
    assert len(uk.checksum) == 64
    assert parse_uk_csv(UK).checksum == uk.checksum


def test_a_chinese_person_given_name_first_and_original_script(uk: ParsedList) -> None:
    """Name 1 then Name 6 (the family name, last); the characters are the original script."""
    zhang = _entry(uk, "CHN0001")
    assert zhang.entity_type is EntityType.PERSON
    assert zhang.primary_name == "Lei ZHANG"
    assert _names(zhang) == [
        ("Lei ZHANG", NameKind.PRIMARY),
        ("Lei CHANG", NameKind.ALIAS),
        ("张磊", NameKind.ORIGINAL_SCRIPT),
    ]
    assert zhang.dates_of_birth == ("1971-03-12",)
    assert zhang.countries == ("China",)
    assert (zhang.programmes, zhang.reference, zhang.listed_on) == (
        ("Russia",),
        "OFSI 17001",
        "2025-05-20",
    )
    assert zhang.remarks == "Director of Shenzhen Hengtong Electronics Co., Ltd."


def test_name_types_and_alias_strength(uk: ParsedList) -> None:
    """Primary Name leads; a variation and a good alias are aliases; a low-quality one weak."""
    petrov = _entry(uk, "RUS0101")
    assert _names(petrov) == [
        ("Sergei Ivanovich PETROV", NameKind.PRIMARY),
        ("Sergey Ivanovich PETROV", NameKind.ALIAS),
        ("Sergei PETROFF", NameKind.ALIAS),
        ("SERGO", NameKind.WEAK_ALIAS),
        ("Сергей Иванович ПЕТРОВ", NameKind.ORIGINAL_SCRIPT),
    ]
    assert petrov.countries == ("Russia", "Ukraine")
    # An alias with no strength given is an ordinary alias.
    assert ("Dmitriy SOKOLOV", NameKind.ALIAS) in _names(_entry(uk, "CYB0010"))


def test_a_name_repeated_on_several_rows_is_kept_once(uk: ParsedList) -> None:
    """Rows repeat the original-script name and sometimes an alias: each name appears once."""
    for entry in uk.entries:
        assert len({n.name for n in entry.names}) == len(entry.names), entry.entry_id
    assert [n.name for n in _entry(uk, "AQD0050").names].count("ABU YUSUF") == 1
    assert [n.name for n in _entry(uk, "CYB0010").names].count("Dmitriy SOKOLOV") == 1


def test_family_name_is_last_however_many_given_names(uk: ParsedList) -> None:
    """Name 1, Name 2 … then Name 6, even when the family name has two words."""
    assert _entry(uk, "GHR0030").primary_name == "Maria Elena TORRES VEGA"
    assert _entry(uk, "IRQ0045").primary_name == "Ahmed Hassan AL-TIKRITI"
    assert _entry(uk, "RUS1876").primary_name == "Wing Kei CHAN"


@pytest.mark.parametrize(
    ("entry_id", "dates"),
    [
        ("RUS0101", ("1962",)),  # 00/00/1962
        ("IRQ0045", ("1958",)),  # 00/07/1958
        ("AQD0050", ("1975", "1976")),  # two, separated by |
        ("RUS0102", ("1965-02-14", "1966-02-14")),  # two, on two lines of one cell
        ("DPR0020", ("1969-09-15",)),
        ("CHN0002", ()),  # an entity has none
    ],
)
def test_dates_of_birth(uk: ParsedList, entry_id: str, dates: tuple[str, ...]) -> None:
    """dd/mm/yyyy as ISO; an unknown (00) day or month leaves the year."""
    assert _entry(uk, entry_id).dates_of_birth == dates


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("12/03/1971", "1971-03-12"),
        ("1/2/1971", "1971-02-01"),
        ("00/00/1962", "1962"),
        ("00/07/1958", "1958"),
        ("15/00/1958", "1958"),
        ("1962", "1962"),
        ("1971-03-12", "1971-03-12"),
        ("31/02/1970", None),
        ("12/13/1970", None),
        ("00/00/0000", None),
        ("circa 1970", None),
        ("", None),
    ],
)
def test_date_of_birth_forms(written: str, iso: str | None) -> None:
    """Every form the UK list writes, read into the forms a ListedEntry allows."""
    assert date_of_birth(written) == iso


def test_countries_from_nationality_address_birth_and_flag(uk: ParsedList) -> None:
    """Nationalities, address countries and country of birth, each once, in order."""
    assert _entry(uk, "RUS1876").countries == ("China", "Hong Kong")
    assert _entry(uk, "IRQ0045").countries == ("Iraq", "Jordan")
    assert _entry(uk, "RUS0102").countries == ("Russia", "Cyprus")
    assert _entry(uk, "SYR0040").countries == ("Syria", "Lebanon")  # one address per row
    assert _entry(uk, "AQD0050").countries == ("Somalia", "Kenya")
    assert _entry(uk, "RUS0301").countries == ("Cameroon",)  # the ship's flag


def test_entities_and_ships_are_named_by_name_6(uk: ParsedList) -> None:
    """A company keeps its full name and its name in characters; a ship its former name."""
    company = _entry(uk, "CHN0002")
    assert company.entity_type is EntityType.ENTITY
    assert _names(company) == [
        ("Shenzhen Hengtong Electronics Co., Ltd", NameKind.PRIMARY),
        ("Hengtong Electronics", NameKind.ALIAS),
        ("深圳恒通电子有限公司", NameKind.ORIGINAL_SCRIPT),
    ]
    ship = _entry(uk, "RUS0301")
    assert ship.entity_type is EntityType.VESSEL
    assert _names(ship) == [("SEA EAGLE", NameKind.PRIMARY), ("OCEAN PRIDE", NameKind.ALIAS)]
    assert (ship.reference, ship.remarks) == ("", "Crude oil tanker of the shadow fleet.")


def test_un_designations_carry_both_references(uk: ParsedList) -> None:
    """The OFSI Group ID and the UN reference number, where there is one."""
    assert _entry(uk, "IRQ0045").reference == "OFSI 7891; UN IQi.099"
    assert _entry(uk, "DPR0031").reference == "UN KPe.071"
    assert _entry(uk, "AQD0050").programmes == ("ISIL (Da'esh) and Al-Qaida",)


def test_columns_are_found_by_name_in_any_order(uk: ParsedList, tmp_path: Path) -> None:
    """Reordered columns and a column the parser does not know change nothing."""
    lines = UK.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO("".join(lines[1:]), newline="")))
    order = list(reversed(range(len(rows[0]))))
    out = io.StringIO()
    writer = csv.writer(out)
    for number, row in enumerate(rows):
        writer.writerow(["Added in 2027" if number == 0 else "x", *(row[i] for i in order)])
    moved = tmp_path / "moved.csv"
    moved.write_text(lines[0] + out.getvalue(), encoding="utf-8")
    assert parse_uk_csv(moved).entries == uk.entries


@pytest.mark.parametrize(
    "first",
    ["Report Date,24/11/2026", "Report Date: 24/11/2026", '"Report Date: 24-Nov-2026",,,'],
)
def test_report_date_styles(tmp_path: Path, first: str) -> None:
    """Both ways the Report Date line is written become an ISO date."""
    assert parse_uk_csv(_write(tmp_path, PERSON, first=first)).published == "2026-11-24"


def test_an_unreadable_report_date_is_kept_as_written(tmp_path: Path) -> None:
    """The stamp identifies the version even when it is not a date Corridor can read."""
    parsed = parse_uk_csv(_write(tmp_path, PERSON, first="Report Date: Monday 24th"))
    assert parsed.published == "Monday 24th"


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """Spreadsheet tools save UTF-8 with a byte-order mark."""
    path = _write(tmp_path, PERSON)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    parsed = parse_uk_csv(path)
    assert (parsed.published, parsed.entries[0].primary_name) == ("2026-11-24", "John SMITH")


def test_a_row_with_only_an_original_script_name(tmp_path: Path) -> None:
    """A name in its own script alone is a name."""
    path = _write(
        tmp_path,
        PERSON,
        {**PERSON, "Name 6": "", "Name 1": "", "Name type": "", "Name non-latin script": "约翰"},
    )
    assert _names(parse_uk_csv(path).entries[0]) == [
        ("John SMITH", NameKind.PRIMARY),
        ("约翰", NameKind.ORIGINAL_SCRIPT),
    ]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{**PERSON, "Unique ID": ""}], r"uk\.csv: line 3, Unique ID: empty"),
        ([{**PERSON, "Unique ID": "X" * 65}], r"line 3, Unique ID: longer than 64"),
        ([PERSON, {**PERSON, "Name 6": "", "Name 1": ""}], r"line 4, Name 1 to Name 6: .*no name"),
        (
            [{**PERSON, "Designation Type": "Aircraft"}],
            r"line 3, Designation Type: 'Aircraft' is not Individual, Entity or Ship",
        ),
        ([{**PERSON, "Designation Type": ""}], r"line 3, Designation Type: '' is not"),
        (
            [PERSON, {**PERSON, "Designation Type": "Entity"}],
            r"line 4, Designation Type: 'Entity', but line 3 lists GBR0001 as person",
        ),
        ([{**PERSON, "Name type": "Nickname"}], r"line 3, Name type: 'Nickname' is not"),
        ([{**PERSON, "Name type": ""}], r"line 3, Name type: '' is not Primary Name"),
        ([{**PERSON, "D.O.B": "31/02/1970"}], r"line 3, D\.O\.B: '31/02/1970' is not a date"),
        ([{**PERSON, "D.O.B": "05/06/1970|about 1971"}], r"line 3, D\.O\.B: 'about 1971'"),
        (
            [{**PERSON, "Date Designated": "2026/02/30"}],
            r"line 3, Date Designated: '2026/02/30' is not a date",
        ),
    ],
)
def test_a_bad_row_is_named_by_line_and_field(
    tmp_path: Path, rows: list[dict[str, str]], message: str
) -> None:
    """Each broken field stops the parse at its line, naming the field."""
    with pytest.raises(ListFormatError, match=message):
        parse_uk_csv(_write(tmp_path, *rows))


@pytest.mark.parametrize("column", ["Unique ID", "Name 6", "Name type", "Designation Type"])
def test_a_missing_required_column_names_the_header_line(tmp_path: Path, column: str) -> None:
    """The four columns an entry cannot be read without."""
    columns = tuple(c for c in COLUMNS if c != column)
    with pytest.raises(ListFormatError, match=rf"uk\.csv: line 2: the header has no '{column}'"):
        parse_uk_csv(_write(tmp_path, PERSON, columns=columns))


def test_the_designation_type_column_by_its_other_header(tmp_path: Path) -> None:
    """Some editions head the column 'Individual, Entity, Ship'."""
    columns = tuple("Individual, Entity, Ship" if c == "Designation Type" else c for c in COLUMNS)
    row = {**PERSON, "Individual, Entity, Ship": "Individual"}
    parsed = parse_uk_csv(_write(tmp_path, row, columns=columns))
    assert parsed.entries[0].entity_type is EntityType.PERSON


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"line 1: the file is empty"),
        (b"\n\n", r"line 1: the file is empty"),
        (b"Report Date: 24-Nov-2026\n", r"line 2: no header row"),
        (b"Unique ID,Name 6\nA1,SMITH\n", r"line 1: expected the 'Report Date' line"),
        (b"Report Date:\nUnique ID\n", r"line 1, Report Date: no date"),
        (b"Report Date: " + b"9" * 65 + b"\nUnique ID\n", r"line 1, Report Date: longer than 64"),
    ],
)
def test_a_file_without_its_opening_lines(tmp_path: Path, content: bytes, message: str) -> None:
    """The Report Date line and the header come first, or the file is not the UK list."""
    path = tmp_path / "uk.csv"
    path.write_bytes(content)
    with pytest.raises(ListFormatError, match=message):
        parse_uk_csv(path)


def test_a_header_without_rows_is_refused(tmp_path: Path) -> None:
    """A list with no entries is a broken download, not an empty list."""
    with pytest.raises(ListFormatError, match=r"line 2: no entries after the header row"):
        parse_uk_csv(_write(tmp_path))


def test_a_row_of_the_wrong_width_is_named(tmp_path: Path) -> None:
    """A row with fields missing (or extra values) names its line."""
    path = _write(tmp_path, PERSON)
    with path.open("a", encoding="utf-8") as f:
        f.write("GBR0002,,SMITH\n")
    with pytest.raises(ListFormatError, match=rf"line 4: expected {len(COLUMNS)} fields, found 3"):
        parse_uk_csv(path)
    path = _write(tmp_path, PERSON)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + ",,,\n", encoding="utf-8")
    assert len(parse_uk_csv(path).entries) == 1, "empty cells past the header are padding"


def test_a_record_spanning_lines_keeps_later_lines_true(tmp_path: Path) -> None:
    """A quoted cell with a line break in it: the rows after are still named correctly."""
    path = _write(tmp_path, {**PERSON, "D.O.B": "05/06/1970\n05/06/1971"}, {**PERSON, "D.O.B": "x"})
    with pytest.raises(ListFormatError, match=r"line 5, D\.O\.B: 'x'"):
        parse_uk_csv(path)


def test_bytes_that_are_not_utf8_are_named_by_line(tmp_path: Path) -> None:
    """A Latin-1 file (or a corrupted download) is refused at its first bad line."""
    path = _write(tmp_path, PERSON, {**PERSON, "Unique ID": "GBR0002", "Name 6": "SMYTHE"})
    path.write_bytes(path.read_bytes().replace(b"SMYTHE", b"SM\xcfTHE"))
    with pytest.raises(ListFormatError, match=r"uk\.csv: line 4: not UTF-8 text"):
        parse_uk_csv(path)


def test_broken_csv_quoting_is_named_by_line(tmp_path: Path) -> None:
    """A quote that never closes runs to the end of the file: the CSV error names a line."""
    path = _write(tmp_path, PERSON)
    with path.open("a", encoding="utf-8") as f:
        f.write('GBR0002,"unclosed,SMITH\n')
    with pytest.raises(ListFormatError, match=r"line \d+: not valid CSV"):
        parse_uk_csv(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    """A path that is not there is a format error naming it, not a crash."""
    with pytest.raises(ListFormatError, match=r"nothere\.csv: file: cannot be read"):
        parse_uk_csv(tmp_path / "nothere.csv")


def _entry_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM sanctions_entries")).scalar())


def test_loading_is_a_version_and_the_same_file_again_is_not(engine: Engine) -> None:
    """The UK list loads as source 'uk'; loading the same file again records nothing new."""
    loaded, created = load_list(engine, ListFormat.UK_CSV, UK)
    assert created
    assert (loaded.source, loaded.entry_count, loaded.published) == ("uk", 15, "2026-11-24")
    again, created = load_list(engine, ListFormat.UK_CSV, UK)
    assert (again, created) == (loaded, False)
    assert versions_in_force(engine) == [loaded]
    assert _entry_rows(engine) == 15
    stored = {e.entry_id: e for e in entries(engine, loaded.version)}
    assert stored == {e.entry_id: e for e in parse_uk_csv(UK).entries}
    assert ("张磊", NameKind.ORIGINAL_SCRIPT) in _names(stored["CHN0001"])


def test_a_failed_load_leaves_the_version_in_force(engine: Engine, tmp_path: Path) -> None:
    """A broken row anywhere writes nothing: the last good load stays in force."""
    good, _ = load_list(engine, ListFormat.UK_CSV, UK)
    broken = tmp_path / "UK_Sanctions_List.csv"
    broken.write_text(
        UK.read_text(encoding="utf-8").replace('"00/07/1958"', '"07/1958"'), encoding="utf-8"
    )
    with pytest.raises(ListFormatError, match=r"line 11, D\.O\.B: '07/1958' is not a date"):
        load_list(engine, ListFormat.UK_CSV, broken)
    assert versions_in_force(engine) == [good]
    assert _entry_rows(engine) == 15


def test_a_changed_file_becomes_the_new_version(engine: Engine, tmp_path: Path) -> None:
    """A new designation is a new version in force; the old one stays on record."""
    first, _ = load_list(engine, ListFormat.UK_CSV, UK)
    header = next(csv.reader(io.StringIO(UK.read_text(encoding="utf-8").split("\n")[1])))
    cells = dict.fromkeys(header, "")
    cells.update(
        {
            "Unique ID": "RUS1999",
            "Name 6": "NORTHERN STAR LOGISTICS LLC",
            "Name type": "Primary Name",
            "Designation Type": "Entity",
            "Regime Name": "Russia",
        }
    )
    changed = tmp_path / "UK_Sanctions_List.csv"
    shutil.copy(UK, changed)
    with changed.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(cells.values())
    second, created = load_list(engine, ListFormat.UK_CSV, changed)
    assert created
    assert (second.version > first.version, second.entry_count) == (True, 16)
    assert versions_in_force(engine) == [second]
    assert len(entries(engine, first.version)) == 15


def test_screening_finds_the_chinese_person_by_pinyin_and_characters(engine: Engine) -> None:
    """Listed as 'Lei ZHANG' and 张磊: 'Zhang Lei' (family first) and the characters both hit."""
    load_list(engine, ListFormat.UK_CSV, UK)
    index = load_index(engine)
    for query in ("Zhang Lei", "张磊", "ZHANG, Lei"):
        result = screen_name(index, query, entity_type=EntityType.PERSON)
        top = result["candidates"][0]
        assert (top["list"], top["entry_id"]) == ("uk", "CHN0001"), query
        assert top["score"] >= 0.95, query
        assert result["decision"] == "block"
    company = screen_name(index, "深圳恒通电子", entity_type=EntityType.ENTITY)
    assert company["candidates"][0]["entry_id"] == "CHN0002"


def test_the_cli_loads_the_uk_list_and_names_a_broken_row(tmp_path: Path) -> None:
    """`corridor lists load --format uk-csv`: a summary line, or one error line and exit 1."""

    def load(path: Path) -> subprocess.CompletedProcess[str]:
        return run(["lists", "load", "--format", "uk-csv", str(path)], tmp_path)

    loaded = load(UK)
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded uk: 15 entries" in loaded.stdout
    broken = _write(tmp_path, PERSON, {**PERSON, "Unique ID": "GBR0002", "D.O.B": "32/01/1970"})
    failed = load(broken)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        f"error: {broken}: line 4, D.O.B: '32/01/1970' is not a date"
        " (dd/mm/yyyy, 00 for an unknown day or month)"
    ]
    assert "Traceback" not in failed.stderr
    assert "unchanged" in load(UK).stdout, "the failed load left the good version in force"
