"""`corridor iso` as a user calls it."""

from __future__ import annotations

import json
from pathlib import Path

from corridor_cli import run

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "iso20022" / "samples"


def test_validate_lists_every_error_and_refuses_xxe(tmp_path: Path) -> None:
    """A valid file exits 0; errors exit 1, one line each with file and element path; an
    XXE file is refused without a traceback or anything read from the disk."""
    good = run(
        ["iso", "validate", str(SAMPLES / "gistfile1.xml"), "--today", "2009-09-28"], tmp_path
    )
    assert good.returncode == 0, good.stderr
    assert "valid pain.001.001.03, 3 transactions" in good.stdout
    bad = run(
        [
            "iso",
            "validate",
            str(SAMPLES / "musterfile_pain.001_Nov2020.xml"),
            "--today",
            "2020-06-24",
        ],
        tmp_path,
    )
    assert bad.returncode == 1
    lines = [
        line for line in bad.stdout.splitlines() if "/Document/CstmrCdtTrfInitn/PmtInf" in line
    ]
    assert len(lines) >= 5
    assert all("musterfile_pain.001_Nov2020.xml: line " in line for line in lines)
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">&x;</Document>\n'
    )
    refused = run(["iso", "validate", str(xxe), "--json"], tmp_path)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "root:" not in refused.stdout + refused.stderr
    assert (
        "DOCTYPE is not allowed" in json.loads(refused.stdout)["files"][0]["errors"][0]["message"]
    )


def test_import_export_reconcile_after_the_demo(tmp_path: Path) -> None:
    """After a demo day: import a pain.001 (pain.002 beside it), export a statement, and
    reconcile it with the payments; a bad date is a one-line usage error."""
    assert run(["demo", "--payments", "30"], tmp_path).returncode == 0
    folder = tmp_path / "corridor-demo" / "day-1-iso20022"
    statements = sorted((folder / "camt.053").glob("*.xml"))
    assert len(statements) == 4
    assert (folder / "pain.001-harrow-day-1.pain002.xml").exists()
    again = run(
        [
            "iso",
            "import",
            str(folder / "pain.001-harrow-day-1.xml"),
            "--json",
            "--status-report",
            str(tmp_path / "again.xml"),
        ],
        tmp_path,
    )
    assert again.returncode == 1  # its MsgId was imported by the demo
    assert json.loads(again.stdout)["errors"][0]["reason"] == "DU01"
    account = statements[0].name.split("-")[1]
    day = statements[0].stem.rsplit("-", 3)[-3:]
    exported = run(
        [
            "iso",
            "export",
            "--type",
            "camt.053",
            "--account",
            account,
            "--date",
            "-".join(day),
            "--out",
            str(tmp_path / "out"),
        ],
        tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    written = next((tmp_path / "out").glob("camt.053-*.xml"))
    reconciled = run(["iso", "reconcile", str(written), "--json"], tmp_path)
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    figures = json.loads(reconciled.stdout)
    assert figures["accounts"][0]["balanced"] is True
    assert figures["amount_differences"] == 0
    pacs = run(
        [
            "iso",
            "export",
            "--type",
            "pacs.002",
            "--date",
            "-".join(day),
            "--out",
            str(tmp_path / "pacs"),
        ],
        tmp_path,
    )
    assert pacs.returncode == 0, pacs.stderr
    wrong = run(
        ["iso", "export", "--type", "camt.053", "--account", account, "--date", "31-12-2026"],
        tmp_path,
    )
    assert wrong.returncode == 2
    assert "Traceback" not in wrong.stderr
    unknown = run(
        ["iso", "export", "--type", "camt.053", "--account", "GB00NOPE", "--date", "-".join(day)],
        tmp_path,
    )
    assert unknown.returncode == 1
    assert "Traceback" not in unknown.stderr
