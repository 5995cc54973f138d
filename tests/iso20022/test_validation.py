"""pain.001 validation: the real samples, round trips, the bad-input corpus, streaming."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.iso20022 import validate_pain001
from corridor.iso20022.catalogue import PAIN_001_03, PAIN_001_10
from corridor.iso20022.initiation import write_pain001
from corridor.iso20022.validation import TransactionOutcome
from corridor.money import Money
from iso20022.conftest import SAMPLES, assert_schema_valid, demo_payments

NOW = datetime.now(UTC)
TODAY = NOW.date()


def _write(tmp_path: Path, payments: list, message=PAIN_001_03, name="in.xml") -> Path:  # type: ignore[no-untyped-def]
    return write_pain001(
        payments,
        tmp_path / name,
        msg_id="MSG-1",
        initiating_party="Harrow Tea Importers Ltd",
        created=NOW,
        message=message,
    )


def test_the_real_pain001_samples_are_read() -> None:
    """The ISO example validates; the Swiss SIX variant is mapped and its transactions
    read; the Lithuanian files' real problems are each named with an element path."""
    iso = validate_pain001(SAMPLES / "gistfile1.xml", today=date(2009, 9, 28))
    assert iso.valid, iso.findings
    assert (iso.message_type, iso.transactions, iso.msg_id) == (
        "pain.001.001.03",
        3,
        "ABC/090928/CCT001",
    )
    swiss = validate_pain001(SAMPLES / "musterfile_pain.001_Nov2020.xml", today=date(2020, 6, 24))
    assert swiss.variant == "Swiss SIX pain.001.001.03.ch.02"
    assert swiss.transactions == 8
    assert not [f for f in swiss.findings if f.reason == "FF01"]  # the schema holds
    # Swiss domestic payments name no creditor bank BIC: Corridor says so for each.
    assert any(
        f.reason == "RC01" and f.path.endswith("CdtrAgt/FinInstnId/BIC") for f in swiss.findings
    )
    assert any("TRA: only credit transfers" in f.message for f in swiss.findings)
    lithuanian = validate_pain001(
        SAMPLES / "International_payment_USD_naujas_1.xml", today=date(2015, 9, 28)
    )
    assert [(f.path, f.reason) for f in lithuanian.findings] == [
        ("/Document/CstmrCdtTrfInitn/PmtInf[1]/DbtrAcct/Id/IBAN", "AC01")
    ]


@pytest.mark.parametrize("message", [PAIN_001_03, PAIN_001_10], ids=lambda m: m.name)
def test_round_trip_build_validate_parse_gives_the_same_payment(tmp_path: Path, message) -> None:  # type: ignore[no-untyped-def]
    """Every flow and charge bearer of the demo mix survives pain.001 and back."""
    payments = demo_payments(40)
    path = _write(tmp_path, payments, message)
    assert_schema_valid(path)
    outcomes: list[TransactionOutcome] = []
    report = validate_pain001(path, today=TODAY, on_transaction=outcomes.append)
    assert report.valid, report.findings[:5]
    read = [o.payment for o in outcomes]
    if message is PAIN_001_03:  # .03 has no UETR: the bank gives each one
        read = [replace(p, uetr=q.uetr) for p, q in zip(read, payments, strict=True)]  # type: ignore[arg-type]
    assert read == payments


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
names = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "Zs")), min_size=1, max_size=60
).filter(lambda s: s.strip() == s and "  " not in s)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=amounts, name=names, remittance=names)
def test_round_trip_property(tmp_path: Path, amount: Decimal, name: str, remittance: str) -> None:
    """Any amount to the minor unit, any name and remittance text come back unchanged."""
    base = demo_payments(1)[0]
    payment = replace(
        base,
        instructed_amount=Money.of(amount, base.instructed_amount.currency),
        creditor=replace(base.creditor, name=name),
        remittance=remittance,
    )
    path = _write(tmp_path, [payment], PAIN_001_10, "p.xml")
    got: list[TransactionOutcome] = []
    report = validate_pain001(path, today=TODAY, on_transaction=got.append)
    assert report.valid, report.findings
    assert got[0].payment == payment


def _corrupt(tmp_path: Path, pattern: str, replacement: str, count: int = 1) -> Path:
    source = _write(tmp_path, demo_payments(3), name="good.xml").read_text(encoding="utf-8")
    changed, n = re.subn(pattern, replacement, source, count=count)
    assert n, pattern
    path = tmp_path / "bad.xml"
    path.write_text(changed, encoding="utf-8")
    return path


CORPUS = {
    "malformed": (r"</MsgId>", "</MsgIdentifier>", "not well-formed XML", "FF01", "file"),
    "wrong namespace": (
        r"pain\.001\.001\.03",
        "pain.001.001.99",
        "pain.001.001.99",
        "FF01",
        "/Document",
    ),
    "missing mandatory": (
        r"<EndToEndId>[^<]*</EndToEndId>",
        "",
        "EndToEndId",
        "FF01",
        "CdtTrfTxInf[1]/PmtId",
    ),
    "ctrl sum": (
        r"<CtrlSum>[^<]*</CtrlSum>",
        "<CtrlSum>1.00</CtrlSum>",
        "add up to",
        "AM10",
        "GrpHdr/CtrlSum",
    ),
    "nb of txs": (
        r"<NbOfTxs>3</NbOfTxs>",
        "<NbOfTxs>4</NbOfTxs>",
        "declares 4",
        "AM18",
        "GrpHdr/NbOfTxs",
    ),
    "negative amount": (
        r'(Amt Ccy="[A-Z]{3}">)[0-9.]+',
        r"\g<1>-5.00",
        "minimum value",
        "FF01",
        "CdtTrfTxInf[1]/Amt",
    ),
    "over-precise amount": (
        r'(Amt Ccy="[A-Z]{3}">)([0-9]+)\.[0-9]+',
        r"\g<1>\g<2>.123",
        "more than 2 decimals",
        "AM12",
        "CdtTrfTxInf[1]/Amt",
    ),
    "zero amount": (
        r'(Amt Ccy="[A-Z]{3}">)[0-9.]+',
        r"\g<1>0.00",
        "more than zero",
        "AM12",
        "CdtTrfTxInf[1]/Amt",
    ),
    "unknown currency": (
        r'Amt Ccy="[A-Z]{3}"',
        'Amt Ccy="XYZ"',
        "unknown currency",
        "AM03",
        "CdtTrfTxInf[1]/Amt",
    ),
    "invalid BIC": (
        r"<BIC>[A-Z0-9]+</BIC>",
        "<BIC>ALBNXX2LXXX</BIC>",
        "not an ISO 3166 country",
        "RC01",
        "FinInstnId/BIC",
    ),
    "invalid IBAN": (r"<IBAN>GB(\d\d)", "<IBAN>GB00", "check digits", "AC01", "IBAN"),
    "date in the past": (
        r"(<ReqdExctnDt[^>]*>)[^<]*<",
        r"\g<1>2020-01-02<",
        "before today",
        "DT01",
        "ReqdExctnDt",
    ),
}


@pytest.mark.parametrize("case", list(CORPUS), ids=str)
def test_bad_input_corpus(tmp_path: Path, case: str) -> None:
    """Each corruption is rejected with a message naming the problem and where it is."""
    pattern, replacement, words, reason, where = CORPUS[case]
    report = validate_pain001(_corrupt(tmp_path, pattern, replacement), today=TODAY)
    assert not report.valid
    hits = [
        f for f in report.findings if words in f.message and f.reason == reason and where in f.path
    ]
    assert hits, [str(f) for f in report.findings]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">&x;</Document>',
            "DOCTYPE is not allowed",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(
                f'<!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i > 1 else "&lol;"}' * 10 + '">'
                for i in range(1, 10)
            )
            + "]>\n"
            + '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">&lol9;</Document>',
            "DOCTYPE is not allowed",
        ),
        (
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">&x;</Document>',
            "not well-formed",
        ),
        ('<?xml version="1.0" encoding="ISO-8859-1"?><Document/>', "is not UTF-8"),
        ("", "no root element"),
    ],
    ids=["xxe", "billion laughs", "undeclared entity", "not utf-8", "empty"],
)
def test_hostile_files_are_refused_and_leak_nothing(tmp_path: Path, text: str, words: str) -> None:
    """XXE, entity bombs and the like: a clear error, nothing read from the disk."""
    path = tmp_path / "hostile.xml"
    path.write_text(text, encoding="utf-8")
    report = validate_pain001(path, today=TODAY)
    assert not report.readable
    assert any(words in f.message for f in report.findings), report.findings
    assert not any("root:" in f.message for f in report.findings)


def test_truncated_and_oversized_files(tmp_path: Path) -> None:
    """A file cut short, or over the size limit, is refused with what and where."""
    good = _write(tmp_path, demo_payments(5), name="good.xml")
    cut = tmp_path / "cut.xml"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    report = validate_pain001(cut, today=TODAY)
    assert not report.readable
    assert any("ends early" in f.message and f.line for f in report.findings), report.findings
    big = validate_pain001(good, today=TODAY, max_bytes=1000)
    assert any("larger than the limit" in f.message for f in big.findings)


def test_errors_are_found_in_every_chunk_with_their_paths(tmp_path: Path) -> None:
    """Streaming in chunks of 3: every error of a 10-transaction file is reported (not
    only the first), each with the transaction's own index."""
    payments = demo_payments(10)
    payments = [
        replace(
            p,
            debtor=payments[0].debtor,
            debtor_agent=payments[0].debtor_agent,
            instructed_amount=Money.of(
                p.instructed_amount.amount, payments[0].instructed_amount.currency
            ),
            settlement_currency=payments[0].instructed_amount.currency.code,
        )
        for p in payments
    ]
    text = _write(tmp_path, payments, name="ten.xml").read_text(encoding="utf-8")
    ids = re.findall(r"<EndToEndId>([^<]*)</EndToEndId>", text)
    for n in (2, 7, 10):  # 1-based transactions made too long for Max35Text
        text = text.replace(f"<EndToEndId>{ids[n - 1]}<", f"<EndToEndId>{ids[n - 1] + 'X' * 40}<")
    path = tmp_path / "ten-bad.xml"
    path.write_text(text, encoding="utf-8")
    report = validate_pain001(path, today=TODAY, chunk=3)
    assert report.transactions == 10
    bad = sorted(
        f.path for f in report.findings if "maxLength" in f.message or "length" in f.message
    )
    assert all(p.endswith("/PmtId/EndToEndId") for p in bad)
    assert {int(re.search(r"CdtTrfTxInf\[(\d+)\]", p).group(1)) for p in bad} == {2, 7, 10}  # type: ignore[union-attr]
    assert report.valid_transactions == 7


def test_an_unmapped_national_variant_is_named(tmp_path: Path) -> None:
    """A namespace of a variant Corridor does not map is refused, naming the variant."""
    path = _corrupt(
        tmp_path,
        r'xmlns="urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.03"',
        'xmlns="http://www.six-interbank-clearing.com/de/pain.001.001.03.ch.01.xsd"',
    )
    report = validate_pain001(path, today=TODAY)
    assert any("Swiss SIX variant" in f.message for f in report.findings), report.findings


def test_a_duplicate_end_to_end_id_in_the_file(tmp_path: Path) -> None:
    """The same debtor bank and end-to-end id twice in one file: the second is refused."""
    payments = demo_payments(2)
    payments[1] = replace(
        payments[1], end_to_end_id=payments[0].end_to_end_id, debtor_agent=payments[0].debtor_agent
    )
    report = validate_pain001(_write(tmp_path, payments), today=TODAY)
    assert [f.reason for f in report.findings] == ["AM05"]
