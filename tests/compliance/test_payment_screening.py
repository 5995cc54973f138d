"""Screening a payment: every party, every agent (name and BIC), the remittance text."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from corridor.compliance import EntityType, ListedEntry, ListedName, NameKind, ParsedList
from corridor.compliance.lists import ListFormat, ListVersion, load_list
from corridor.compliance.matching import MATCHER_VERSION, ScreeningIndex
from corridor.compliance.payment_screening import (
    Agent,
    Party,
    PaymentInputError,
    PaymentParties,
    party_key,
    screen_payment,
)
from corridor.compliance.screening import load_index
from corridor.compliance.un import parse_un_xml

UN = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "un" / "UN_consolidated.xml"
SADDAM = "6908048"  # SADDAM HUSSEIN AL-TIKRITI
DAESONG = "6908552"  # KOREA DAESONG BANK, "SWIFT/BIC: KDBKKPPY"
CLEAN = PaymentParties(
    payment_ref="E2E-1",
    debtor=Party("Oliver Grant", country="GB", date_of_birth="1971-03-09", type=EntityType.PERSON),
    creditor=Party("Kowloon Textiles Company Limited", country="HK", type=EntityType.ENTITY),
    ultimate_debtor=Party("Mary Jones"),
    ultimate_creditor=Party("Ana Lima"),
    debtor_agent=Agent("BARCGB22", "Barclays Bank"),
    creditor_agent=Agent("BKCHCNBJ", "Bank of China"),
    intermediary_agents=(Agent("HSBCHKHHXXX"),),
    remittance="Invoice 2026-114, knitted garments",
)


@pytest.fixture(scope="module")
def un() -> ParsedList:
    """The real list, parsed once."""
    return parse_un_xml(UN)


@pytest.fixture(scope="module")
def index(un: ParsedList) -> ScreeningIndex:
    """The UN list indexed once, as version 1."""
    index = ScreeningIndex()
    version = ListVersion(1, un.source, un.published, un.checksum, un.files, len(un.entries), "")
    index.add(version, list(un.entries))
    return index


def _role(result: dict[str, Any], role: str) -> dict[str, Any]:
    return next(r for r in result["roles"] if r["role"] == role)


def test_a_clean_payment_passes_every_role(index: ScreeningIndex) -> None:
    """Every role is screened, in order, and none alerts on unlisted parties."""
    result = screen_payment(index, CLEAN)
    assert [r["role"] for r in result["roles"]] == [
        "debtor",
        "creditor",
        "ultimate_debtor",
        "ultimate_creditor",
        "debtor_agent",
        "intermediary_agent",
        "creditor_agent",
        "remittance",
    ]
    assert {r["decision"] for r in result["roles"]} == {"pass"}
    assert result["decision"] == "pass"
    assert result["suppressed"] == []


LISTED = {
    "debtor": {"debtor": Party("Saddam Hussein Al-Tikriti")},
    "creditor": {"creditor": Party("SADDAM HUSSEIN AL-TIKRITI")},
    "ultimate_debtor": {"ultimate_debtor": Party("Al-Tikriti, Saddam Hussein")},
    "ultimate_creditor": {"ultimate_creditor": Party("صدام حسين التكريتي")},
    "debtor_agent": {"debtor_agent": Agent("BARCGB22", "Korea Daesong Bank")},
    "creditor_agent": {"creditor_agent": Agent("BKCHCNBJ", "Korea Daesong Bank")},
    "intermediary_agent": {"intermediary_agents": (Agent("HSBCHKHH", "Korea Daesong Bank"),)},
    "remittance": {"remittance": "Consulting for Saddam Hussein Al-Tikriti, March"},
}


@pytest.mark.parametrize("role", list(LISTED))
def test_each_role_is_screened(index: ScreeningIndex, role: str) -> None:
    """A listed name in any one role blocks the payment, and that role says so."""
    result = screen_payment(index, dataclasses.replace(CLEAN, **LISTED[role]))
    flagged = [r["role"] for r in result["roles"] if r["decision"] != "pass"]
    assert flagged == [role]
    assert result["decision"] == "block"
    top = _role(result, role)["candidates"][0]
    assert top["entry_id"] == (DAESONG if role.endswith("agent") else SADDAM)
    assert top["role"] == role
    assert result["candidates"][0] == top


@pytest.mark.parametrize(
    ("bic", "match"),
    [
        ("KDBKKPPY", "exact"),
        ("KDBKKPPYXXX", "exact"),
        ("KDBKKPPY001", "same institution (first eight characters)"),
    ],
)
def test_a_bic_on_the_list_is_found(index: ScreeningIndex, bic: str, match: str) -> None:
    """The UN's "SWIFT/BIC: KDBKKPPY" is found from the BIC alone, whatever the branch."""
    payment = dataclasses.replace(CLEAN, creditor_agent=Agent(bic))
    result = screen_payment(index, payment)
    agent = _role(result, "creditor_agent")
    assert agent["decision"] == result["decision"] == "block"
    hit = agent["candidates"][0]
    assert (hit["entry_id"], hit["score"], hit["matched_name"]) == (
        DAESONG,
        1.0,
        "KOREA DAESONG BANK",
    )
    assert hit["explanation"] == {"bic": bic, "listed_bic": "KDBKKPPY", "bic_match": match}
    assert agent["party_key"] == "bic:KDBKKPPY"


def test_every_bic_the_un_list_gives_is_mapped_once(index: ScreeningIndex) -> None:
    """ "SWIFT:" and "SWIFT/BIC:" forms, trailing full stops; each BIC once."""
    assert sorted(index.bics) == ["DCBKKPPY", "FTBDKPPY", "ILSIKPPY", "KDBKKPPY", "KUDBKPPY"]
    assert all(len(listed) == 1 for listed in index.bics.values())


def test_an_ofac_style_bic_and_a_growing_index() -> None:
    """OFAC writes "SWIFT/BIC XXXXXXXX"; a list added later is indexed too."""
    index = ScreeningIndex()
    version = ListVersion(9, "ofac-sdn", "", "0" * 64, ("sdn.csv",), 1, "")
    bank = ListedEntry(
        "1",
        EntityType.ENTITY,
        (ListedName("BELARUSBANK", NameKind.PRIMARY),),
        remarks="Target Type Financial Institution; SWIFT/BIC HNRBBY2X; Website x.by.",
    )
    index.add(version, [bank])
    assert sorted(index.bics) == ["HNRBBY2X"]
    other = ListedEntry(
        "2",
        EntityType.ENTITY,
        (ListedName("OTHER BANK", NameKind.PRIMARY),),
        remarks="SWIFT/BIC ABCDIRTH.",
    )
    index.add(dataclasses.replace(version, version=10), [other])
    assert sorted(index.bics) == ["ABCDIRTH", "HNRBBY2X"]
    payment = dataclasses.replace(CLEAN, intermediary_agents=(Agent("HNRBBY2XXXX"),))
    result = screen_payment(index, payment)
    assert _role(result, "intermediary_agent")["candidates"][0]["entry_id"] == "1"


def test_remittance_text_mentioning_a_listed_name_is_caught(index: ScreeningIndex) -> None:
    """Windows of 2-4 words find the name; only candidates at review or above are kept."""
    payment = dataclasses.replace(
        CLEAN, remittance="Payment ref 7781 re: consulting, Saddam Hussein Al-Tikriti - thanks"
    )
    result = screen_payment(index, payment)
    remittance = _role(result, "remittance")
    assert remittance["decision"] == "block"
    assert remittance["windows_screened"] == 9 + 8 + 7  # ten words
    top = remittance["candidates"][0]
    assert (top["entry_id"], top["window"]) == (SADDAM, "Saddam Hussein Al-Tikriti")
    assert {w["window"] for w in top["windows"]} >= {"Saddam Hussein Al-Tikriti"}
    assert all(c["score"] >= result["matcher"]["review_at"] for c in remittance["candidates"])
    assert len({c["entry_id"] for c in remittance["candidates"]}) == len(remittance["candidates"])


def test_the_result_records_the_payment_lists_and_matcher(index: ScreeningIndex) -> None:
    """Input as screened, list versions, matcher version and settings, every candidate."""
    result = screen_payment(index, dataclasses.replace(CLEAN, debtor=Party("张磊")))
    json.dumps(result)  # the record is stored as JSON
    assert result["payment_ref"] == "E2E-1"
    assert result["screened"]["debtor"]["name"] == "张磊"
    assert result["screened"]["intermediary_agents"] == [{"bic": "HSBCHKHHXXX", "name": ""}]
    assert result["lists"][0]["source"] == "un"
    assert result["lists"][0]["checksum"] == index.versions[0].checksum
    matcher = result["matcher"]
    assert (matcher["version"], matcher["block_at"], matcher["review_at"]) == (
        MATCHER_VERSION,
        0.95,
        0.85,
    )
    assert matcher["remittance_windows"] == [2, 3, 4]
    debtor = _role(result, "debtor")
    assert "zhang lei" in debtor["forms"]
    assert debtor["party_key"] == "name:lei zhang"
    every = [c for r in result["roles"] for c in r["candidates"]]
    assert len(result["candidates"]) == len(every)
    assert all({"score", "role", "party_key", "entry_id"} <= set(c) for c in every)


def test_a_cleared_candidate_is_suppressed_and_says_by_which_case(index: ScreeningIndex) -> None:
    """A cleared (list, version, entry) no longer decides; the record keeps it, with the case."""
    payment = dataclasses.replace(CLEAN, debtor=Party("Saddam Hussein Al-Tikriti"))
    key = party_key("Saddam Hussein Al-Tikriti")
    before = screen_payment(index, payment)
    alerting = [c for c in before["candidates"] if c["score"] >= 0.85]
    cleared = {key: {(c["list"], c["list_version"], c["entry_id"]): "case-1" for c in alerting}}
    after = screen_payment(index, payment, cleared=cleared)
    assert after["decision"] == "pass"
    assert {s["entry_id"] for s in after["suppressed"]} == {c["entry_id"] for c in alerting}
    assert {s["cleared_by_case"] for s in after["suppressed"]} == {"case-1"}
    other_version = {key: {("un", 2, SADDAM): "case-1"}}
    assert screen_payment(index, payment, cleared=other_version)["decision"] == "block"


def test_screening_on_both_stores(engine: Engine) -> None:
    """The list loaded into each store: the payment is blocked by its listed creditor."""
    load_list(engine, ListFormat.UN_XML, UN)
    index = load_index(engine)
    payment = dataclasses.replace(CLEAN, creditor=Party("Saddam Hussein Al-Tikriti"))
    result = screen_payment(index, payment)
    assert result["decision"] == "block"
    assert result["lists"][0]["version"] == index.versions[0].version


GOOD: dict[str, Any] = {
    "payment_ref": "E2E-9",
    "debtor": {"name": "Oliver Grant", "country": "GB", "type": "person"},
    "creditor": {"name": "Ana Lima", "date_of_birth": "1980"},
    "creditor_agent": {"bic": "bkchcnbj"},
    "intermediary_agents": [{"bic": "HSBCHKHH", "name": "HSBC"}],
    "remittance": "fees",
}


def test_a_payment_from_json() -> None:
    """The documented JSON shape, BICs in either case."""
    payment = PaymentParties.from_dict(GOOD)
    assert payment.debtor.type is EntityType.PERSON
    assert payment.creditor_agent == Agent("BKCHCNBJ")
    assert [role for role, _ in payment.agents()] == ["intermediary_agent", "creditor_agent"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"creditor": {"name": "  "}}, "creditor.name: the name is empty"),
        ({"creditor": {"country": "HK"}}, "creditor.name: missing"),
        ({"creditor": None}, "creditor: missing"),
        ({"payment_ref": " "}, "payment_ref: a payment needs a reference"),
        ({"debtor": {"name": "A B", "type": "ship"}}, "debtor.type: 'ship' is not person or"),
        ({"debtor": {"name": "A B", "date_of_birth": "9/9/90"}}, "debtor.date_of_birth"),
        ({"debtor": "Oliver"}, "debtor: expected an object, not text"),
        ({"creditor_agent": {"bic": "NOTABIC"}}, "creditor_agent.bic: 'NOTABIC' is not a BIC"),
        ({"intermediary_agents": [None]}, "intermediary_agents[0]: missing"),
        ({"intermediary_agents": {"bic": "X"}}, "intermediary_agents: expected a list"),
        ({"remittance": 42}, "remittance: expected text, not a number"),
        ({"remittance": "x" * 1401}, "remittance: 1,401 characters"),
        ({"debtr": {}}, "payment: unknown field 'debtr'"),
    ],
)
def test_bad_input_is_refused_naming_the_field(change: dict[str, Any], message: str) -> None:
    """Every field is checked at the boundary, and the error says which."""
    with pytest.raises(PaymentInputError) as caught:
        PaymentParties.from_dict({**GOOD, **change})
    assert str(caught.value).startswith(message)


def test_a_payment_built_in_python_is_checked_too() -> None:
    """The dataclasses refuse an empty name or a malformed BIC however they are built."""
    with pytest.raises(PaymentInputError, match="name: the name is empty"):
        Party("")
    with pytest.raises(PaymentInputError, match="bic"):
        Agent("HSBC")
