"""Loading lists into the database: every load a version, a failed load changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from corridor.compliance import ListFormatError, NameKind
from corridor.compliance.lists import ListFormat, entries, load_list, versions_in_force

SHARED = Path(__file__).parents[2] / ".." / "shared" / "sanctions"
UN = SHARED / "un" / "UN_consolidated.xml"
OFAC = SHARED / "ofac"


def test_a_load_is_a_version_and_a_same_file_reload_is_not(engine: Engine) -> None:
    """Both real lists load; loading the same file again records nothing new."""
    un, created = load_list(engine, ListFormat.UN_XML, UN)
    assert created
    assert (un.source, un.entry_count, un.published) == ("un", 1003, "2026-02-27T00:00:09.554Z")
    ofac, created = load_list(engine, ListFormat.OFAC_CSV, OFAC)
    assert created
    assert ofac.entry_count == 7379
    again, created = load_list(engine, ListFormat.UN_XML, UN)
    assert (again, created) == (un, False)
    assert [v.source for v in versions_in_force(engine)] == ["ofac-sdn", "un"]
    stored = {e.entry_id: e for e in entries(engine, un.version)}
    assert len(stored) == 1003
    badege = stored["6907993"]
    assert badege.dates_of_birth == ("1971",)
    arabic = [n for e in stored.values() for n in e.names if n.kind is NameKind.ORIGINAL_SCRIPT]
    assert arabic, "names in their own script survive the round trip"


def test_a_failed_load_leaves_the_version_in_force(engine: Engine, tmp_path: Path) -> None:
    """A malformed file writes nothing: the list in force is still the last good load."""
    good, _ = load_list(engine, ListFormat.UN_XML, UN)
    broken = tmp_path / "un.xml"
    broken.write_text(
        UN.read_text(encoding="utf-8").replace("<DATAID>6907993</DATAID>", ""), encoding="utf-8"
    )
    with pytest.raises(ListFormatError, match="DATAID"):
        load_list(engine, ListFormat.UN_XML, broken)
    assert versions_in_force(engine) == [good]


def test_a_changed_file_becomes_the_new_version(engine: Engine, tmp_path: Path) -> None:
    """A list that changed is a new version in force; the old one stays on record."""
    first, _ = load_list(engine, ListFormat.OFAC_CSV, OFAC)
    folder = tmp_path / "ofac"
    shutil.copytree(OFAC, folder)
    with (folder / "sdn.csv").open("a", encoding="utf-8") as f:
        f.write(
            '\n99999999,"ZHANG, Wei","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
            '"DOB 01 Feb 1970."\n'
        )
    second, created = load_list(engine, ListFormat.OFAC_CSV, folder)
    assert created
    assert second.version > first.version
    assert second.entry_count == first.entry_count + 1
    assert versions_in_force(engine) == [second]
    assert len(entries(engine, first.version)) == first.entry_count


def test_lists_commands(tmp_path: Path) -> None:
    """`corridor lists load` and `show` as a user runs them; a bad file is one line on stderr."""
    corridor = shutil.which("corridor")
    assert corridor
    env = {**os.environ, "CORRIDOR_DATABASE_URL": f"sqlite:///{tmp_path}/books.db"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [corridor, "lists", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    loaded = run("load", "--format", "un-xml", str(UN))
    assert loaded.returncode == 0, loaded.stderr
    assert "Loaded un: 1,003 entries" in loaded.stdout
    wrong = run("load", "--format", "un-xml", str(OFAC / "sdn.csv"))
    assert wrong.returncode == 1
    assert "sdn.csv: line 1: not well-formed XML" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    shown = run("show")
    assert shown.returncode == 0
    assert "1,003" in shown.stdout
    assert "2026-02-27" in shown.stdout
