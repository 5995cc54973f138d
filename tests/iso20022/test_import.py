"""Importing pain.001 through the payments engine, on both stores."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from lxml import etree
from sqlalchemy.engine import Engine

from corridor.iso20022 import import_pain001
from corridor.iso20022.catalogue import PAIN_001_10
from corridor.iso20022.initiation import write_pain001
from corridor.payments.engine import PaymentEngine
from corridor.payments.payment import NOT_PROVIDED, new_uetr
from iso20022.conftest import assert_schema_valid, demo_payments

NOW = datetime.now(UTC)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _statuses(path: Path) -> list[tuple[str, str]]:
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"}
    root = etree.parse(str(path)).getroot()
    return [
        (
            tx.findtext("p:TxSts", namespaces=ns),
            tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=ns) or "",
        )
        for tx in root.iterfind(".//p:TxInfAndSts", ns)
    ]


def test_a_valid_file_becomes_payments_and_a_pain002(
    tmp_path: Path, payments: PaymentEngine
) -> None:
    """Each credit transfer is a payment; the pain.002 beside the file says so per
    transaction with the UETR; the same file again is a duplicate and books nothing."""
    file = write_pain001(
        demo_payments(12),
        tmp_path / "run.xml",
        msg_id="RUN-1",
        initiating_party="Harrow Tea Importers Ltd",
        created=NOW,
        message=PAIN_001_10,
    )
    result = import_pain001(file, payments)
    assert result.status == "accepted"
    assert result.booked == 12
    assert _count(payments.engine, "payments") == 12
    assert result.status_report == tmp_path / "run.pain002.xml"
    assert_schema_valid(result.status_report)
    statuses = _statuses(result.status_report)
    assert len(statuses) == 12
    assert all(s in ("ACSP", "ACSC") for s, _ in statuses)
    assert len(re.findall("<OrgnlUETR>", result.status_report.read_text())) == 12

    again = import_pain001(file, payments, status_report=tmp_path / "again.xml")
    assert again.status == "rejected"
    assert [f.reason for f in again.report.group_findings] == ["DU01"]
    assert _count(payments.engine, "payments") == 12
    assert_schema_valid(tmp_path / "again.xml")


def test_transactions_without_an_end_to_end_id_are_each_a_payment(
    tmp_path: Path, payments: PaymentEngine
) -> None:
    """Corporates write NOTPROVIDED when they give no end-to-end id: three such
    transactions of one debtor in a file are three payments, and a second file with the
    same again (new UETRs) is three more: another MsgId, so not the same file."""
    first = demo_payments(1, seed=3)[0]
    for n in (1, 2):
        same = [replace(first, uetr=new_uetr(), end_to_end_id=NOT_PROVIDED) for _ in range(3)]
        file = write_pain001(
            same,
            tmp_path / f"np-{n}.xml",
            msg_id=f"NP-{n}",
            initiating_party="Harrow Tea Importers Ltd",
            created=NOW,
            message=PAIN_001_10,
        )
        result = import_pain001(file, payments)
        assert result.status == "accepted"
        assert result.booked == 3
        assert _count(payments.engine, "payments") == 3 * n
        assert all(s != "RJCT" for s, _ in _statuses(result.status_report))


def test_a_file_with_errors_books_nothing_unless_asked(
    tmp_path: Path, payments: PaymentEngine
) -> None:
    """One bad transaction refuses the file whole; --accept-valid books the others and
    the pain.002 rejects the bad one with its reason (PART)."""
    file = write_pain001(
        demo_payments(6, seed=11),
        tmp_path / "mixed.xml",
        msg_id="MIX-1",
        initiating_party="Harrow",
        created=NOW,
    )
    text = file.read_text(encoding="utf-8")
    text = re.sub(r'(Amt Ccy="[A-Z]{3}">)([0-9]+)\.[0-9]+', r"\g<1>\g<2>.999", text, count=1)
    text = re.sub(r"(<CtrlSum[^>]*>)[^<]*<", r"\g<1>0<", text)  # sums no longer checked below
    text = re.sub(r"<CtrlSum[^>]*>0</CtrlSum>", "", text)
    file.write_text(text, encoding="utf-8")
    refused = import_pain001(file, payments)
    assert refused.status == "rejected"
    assert _count(payments.engine, "payments") == 0
    statuses = _statuses(refused.status_report)
    assert statuses[0] == ("RJCT", "AM12")
    assert all(s == "RJCT" for s, _ in statuses)
    assert_schema_valid(refused.status_report)

    accepted = import_pain001(file, payments, accept_valid=True)
    assert accepted.status == "partly_accepted"
    assert accepted.booked == 5
    assert _count(payments.engine, "payments") == 5
    assert _statuses(accepted.status_report)[0] == ("RJCT", "AM12")
    assert "<GrpSts>PART</GrpSts>" in accepted.status_report.read_text()


def test_group_errors_refuse_even_with_accept_valid(
    tmp_path: Path, payments: PaymentEngine
) -> None:
    """A wrong CtrlSum is the file's error: nothing is booked, whatever is asked."""
    file = write_pain001(
        demo_payments(3),
        tmp_path / "sum.xml",
        msg_id="SUM-1",
        initiating_party="Harrow",
        created=NOW,
    )
    text = file.read_text(encoding="utf-8")
    file.write_text(re.sub(r"(<CtrlSum>)[^<]*<", r"\g<1>1.00<", text, count=1), encoding="utf-8")
    result = import_pain001(file, payments, accept_valid=True)
    assert result.status == "rejected"
    assert [f.reason for f in result.report.group_findings] == ["AM10"]
    assert _count(payments.engine, "payments") == 0
    # The pain.002 echoes the figures the sender declared, the refused CtrlSum included.
    assert result.status_report is not None
    assert_schema_valid(result.status_report)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.11"}
    group = etree.parse(str(result.status_report)).find(".//p:OrgnlGrpInfAndSts", ns)
    assert group is not None
    assert group.findtext("p:OrgnlNbOfTxs", namespaces=ns) == "3"
    assert group.findtext("p:OrgnlCtrlSum", namespaces=ns) == "1.00"
    assert group.findtext("p:GrpSts", namespaces=ns) == "RJCT"


def test_an_interrupted_import_carries_on(tmp_path: Path, payments: PaymentEngine) -> None:
    """A file left "importing" (a crash) is carried on when imported again: every
    transaction ends up a payment exactly once."""
    file = write_pain001(
        demo_payments(4),
        tmp_path / "crash.xml",
        msg_id="CRASH-1",
        initiating_party="Harrow",
        created=NOW,
        message=PAIN_001_10,
    )
    first = import_pain001(file, payments)
    with payments.engine.begin() as connection:
        connection.execute(sa.text("UPDATE iso_messages SET status = 'importing'"))
        connection.execute(sa.text("DELETE FROM iso_transactions WHERE seq > 2"))
    again = import_pain001(file, payments)
    assert again.resumed
    assert again.status == "accepted"
    assert first.booked == 4
    assert _count(payments.engine, "payments") == 4
    assert _count(payments.engine, "iso_transactions") == 4
