"""`corridor screen-payment`, `corridor cases` and `corridor users` as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from corridor_cli import assert_one_line_error, run

UN = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "un" / "UN_consolidated.xml"
PAYMENT = {
    "payment_ref": "E2E-CLI-1",
    "debtor": {"name": "Oliver Grant", "country": "GB", "type": "person"},
    "creditor": {"name": "Ana Lima", "country": "PT"},
    "creditor_agent": {"bic": "KDBKKPPYXXX"},
    "remittance": "Invoice 42, garments",
}


def test_screen_hold_and_decide_under_four_eyes(database_url: str, tmp_path: Path) -> None:
    """Two compliance users release a held payment; the others are refused on the way."""

    def corridor(*args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        return run(list(args), tmp_path, database_url, user)

    for name, role in (("alice", "compliance"), ("bob", "compliance"), ("olga", "operator")):
        added = corridor("users", "add", name, "--role", role, "--institution", "HSBCHKHH")
        assert added.returncode == 0, added.stderr
        assert f"Added {name} ({role})" in added.stdout
    assert corridor("lists", "load", "--format", "un-xml", str(UN)).returncode == 0
    payment = tmp_path / "payment.json"
    payment.write_text(json.dumps(PAYMENT), encoding="utf-8")

    screened = corridor("screen-payment", str(payment), "--json")
    assert screened.returncode == 0, screened.stderr
    result: dict[str, Any] = json.loads(screened.stdout)
    assert result["decision"] == "block"
    assert result["candidates"][0]["role"] == "creditor_agent"
    case_id = result["case"]["case_id"]
    assert result["case"]["status"] == "open"

    listed = json.loads(corridor("cases", "list", "--json").stdout)
    assert [(c["case_id"], c["status"], c["payment_status"]) for c in listed] == [
        (case_id, "open", "held")
    ]
    decide = ["cases", "decide", case_id, "--decision", "false-positive", "--reason"]
    proposed = corridor(*decide, "BIC typo: the client banks with HSBC", "--user", "alice")
    assert proposed.returncode == 0, proposed.stderr
    assert "alice proposes false_positive" in proposed.stdout
    assert_one_line_error(
        corridor(*decide, "sure", "--user", "alice"), "a different compliance user"
    )
    assert_one_line_error(corridor(*decide, "fine", user="olga"), "only compliance users decide")
    assert_one_line_error(corridor(*decide, "fine", user="nobody"), "no user 'nobody'")

    confirmed = corridor(*decide, "agreed, checked with the client", user="bob")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "proposed by alice, confirmed by bob" in confirmed.stdout
    assert "released" in confirmed.stdout
    assert_one_line_error(corridor(*decide, "again", user="alice"), "already closed")

    assert json.loads(corridor("cases", "list", "--json").stdout) == []
    closed = json.loads(corridor("cases", "list", "--status", "released", "--json").stdout)
    assert [(e["action"], e["username"]) for e in closed[0]["events"]] == [
        ("opened", None),
        ("proposed", "alice"),
        ("confirmed", "bob"),
    ]
    again = json.loads(corridor("screen-payment", str(payment), "--json").stdout)
    assert (again["decision"], again["case"]) == ("pass", None)
    assert again["suppressed"][0]["cleared_by_case"] == case_id


def test_the_readable_output_names_the_case(tmp_path: Path) -> None:
    """Without --json: each role's decision, and the case to decide."""
    assert run(["lists", "load", "--format", "un-xml", str(UN)], tmp_path).returncode == 0
    payment = tmp_path / "payment.json"
    payment.write_text(json.dumps(PAYMENT), encoding="utf-8")
    shown = run(["screen-payment", str(payment)], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Payment E2E-CLI-1: block" in shown.stdout
    assert "creditor_agent" in shown.stdout
    assert "corridor cases decide" in shown.stdout
    listed = run(["cases", "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "E2E-CLI-1" in listed.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "line 1 column 2: not JSON"),
        (json.dumps({**PAYMENT, "debtor": {"name": ""}}), "debtor.name: the name is empty"),
        (json.dumps([PAYMENT]), "payment: expected an object, not a list"),
        (json.dumps({**PAYMENT, "creditor_agent": {"bic": "KDB"}}), "is not a BIC"),
    ],
)
def test_a_bad_payment_file_is_one_line_and_exit_1(
    tmp_path: Path, content: str | None, message: str
) -> None:
    """A missing file, bad JSON or an empty name: named, one line, nothing screened."""
    path = tmp_path / "payment.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run(["screen-payment", str(path)], tmp_path)
    assert_one_line_error(result, message)
    assert str(path) in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cases", "decide", "nope", "--decision", "true-match", "--reason", "x", "--user", "a"],
         "no user 'a'"),
        (["users", "add", "eve", "--role", "compliance", "--institution", "Barclays Bank"],
         "is not a BIC"),
        (["users", "add", "", "--role", "compliance", "--institution", "BARCGB22"],
         "user name ''"),
    ],
)  # fmt: skip
def test_bad_case_and_user_input_is_one_line_and_exit_1(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Unknown users, malformed BICs and names are one line on stderr."""
    assert_one_line_error(run(args, tmp_path), message)


def test_an_unknown_case_and_a_taken_user_name(tmp_path: Path) -> None:
    """Unknown case ids and duplicate users are named."""
    add = ["users", "add", "alice", "--role", "compliance", "--institution", "HSBCHKHH"]
    assert run(add, tmp_path).returncode == 0
    assert_one_line_error(run(add, tmp_path), "user 'alice' already exists")
    decide = ["cases", "decide", "nope", "--decision", "true-match", "--reason", "x"]
    assert_one_line_error(run(decide, tmp_path, user="alice"), "no case 'nope'")
