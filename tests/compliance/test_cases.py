"""Cases: a held payment decided under four-eyes, on both stores."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.access import (
    DuplicateUserError,
    Role,
    UnknownUserError,
    UserInputError,
    add_user,
    get_user,
)
from corridor.compliance.cases import (
    CaseClosedError,
    CaseConflictError,
    CaseDecision,
    CaseInputError,
    CaseStatus,
    FourEyesError,
    NotAllowedToDecideError,
    UnknownCaseError,
    cleared_for,
    cleared_for_payment,
    decide_case,
    frozen_parties,
    get_case,
    list_cases,
    open_case,
)
from corridor.compliance.lists import ListFormat, load_list
from corridor.compliance.payment_screening import (
    Agent,
    Party,
    PaymentParties,
    party_key,
    screen_payment,
)
from corridor.compliance.screening import load_index

UN = Path(__file__).parents[2] / ".." / "shared" / "sanctions" / "un" / "UN_consolidated.xml"
SADDAM = "6908048"
PAYMENT = PaymentParties(
    payment_ref="E2E-7",
    debtor=Party("Oliver Grant", country="GB"),
    creditor=Party("Saddam Hussein Al-Tikriti"),
    creditor_agent=Agent("BKCHCNBJ"),
)
FP, TM = CaseDecision.FALSE_POSITIVE, CaseDecision.TRUE_MATCH
REFUSED = (sa.exc.IntegrityError, sa.exc.InternalError)


def _screen(engine: Engine, payment: PaymentParties = PAYMENT) -> dict[str, Any]:
    """Screen as the payments engine will: with the clearances reviews have made."""
    return screen_payment(load_index(engine), payment, cleared=cleared_for_payment(engine, payment))


@pytest.fixture
def case_id(engine: Engine) -> str:
    """The UN list loaded, three users, and the payment held in an open case."""
    load_list(engine, ListFormat.UN_XML, UN)
    add_user(engine, "alice", role=Role.COMPLIANCE, institution="HSBCHKHH")
    add_user(engine, "bob", role="compliance", institution="HSBCHKHHXXX")
    add_user(engine, "olga", role=Role.OPERATOR, institution="hsbchkhh")
    result = _screen(engine)
    assert result["decision"] == "block"
    return open_case(engine, result, PAYMENT.payment_ref).case_id


def _statuses(engine: Engine) -> list[str]:
    return [c.status.value for c in list_cases(engine)]


def test_a_held_payment_opens_one_case(engine: Engine, case_id: str) -> None:
    """Open, holding the payment with its screening; screening it again keeps one case."""
    case = get_case(engine, case_id)
    assert (case.status, case.payment_status, case.payment_ref) == (
        CaseStatus.OPEN,
        "held",
        "E2E-7",
    )
    assert case.screening_decision == "block"
    assert case.screening["candidates"][0]["entry_id"] == SADDAM
    assert [(e.seq, e.action, e.username) for e in case.events] == [(1, "opened", None)]
    again = open_case(engine, _screen(engine), PAYMENT.payment_ref)
    assert again.case_id == case_id
    assert len(list_cases(engine)) == 1


def test_a_passed_screening_opens_no_case(engine: Engine) -> None:
    """Only review and block hold a payment."""
    with pytest.raises(CaseInputError, match="not held"):
        open_case(engine, {"decision": "pass"}, "E2E-8")


def test_one_user_cannot_decide_alone(engine: Engine, case_id: str) -> None:
    """The first decision is only a proposal: the payment stays held."""
    case = decide_case(engine, case_id, get_user(engine, "alice"), FP, "different person")
    assert (case.status, case.proposed_decision, case.payment_status) == (
        CaseStatus.PROPOSED,
        "false_positive",
        "held",
    )
    assert cleared_for(engine, party_key("Saddam Hussein Al-Tikriti")) == {}


def test_the_same_user_twice_is_refused(engine: Engine, case_id: str) -> None:
    """The maker can never be the checker, whatever they decide the second time."""
    decide_case(engine, case_id, "alice", FP, "different person")
    for decision in (FP, TM):
        with pytest.raises(FourEyesError, match="a different compliance user"):
            decide_case(engine, case_id, "alice", decision, "I am sure")
    assert len(get_case(engine, case_id).events) == 2
    assert _statuses(engine) == ["proposed"]


def test_only_compliance_users_decide(engine: Engine, case_id: str) -> None:
    """An operator is refused, as is a user who does not exist; nothing is recorded."""
    with pytest.raises(NotAllowedToDecideError, match="role operator"):
        decide_case(engine, case_id, "olga", FP, "looks fine")
    decide_case(engine, case_id, "alice", FP, "different person")
    with pytest.raises(NotAllowedToDecideError):
        decide_case(engine, case_id, "olga", FP, "agree")
    with pytest.raises(UnknownUserError, match="no user 'mallory'"):
        decide_case(engine, case_id, "mallory", FP, "agree")
    assert [e.action for e in get_case(engine, case_id).events] == ["opened", "proposed"]


def test_the_role_is_read_from_the_store(engine: Engine, case_id: str) -> None:
    """A User object claiming the compliance role does not make an operator one."""
    olga = get_user(engine, "olga")
    forged = type(olga)(olga.user_id, olga.username, olga.institution, Role.COMPLIANCE, "")
    with pytest.raises(NotAllowedToDecideError):
        decide_case(engine, case_id, forged, FP, "looks fine")


def test_a_confirmed_true_match_rejects_and_freezes_recording_both_users(
    engine: Engine, case_id: str
) -> None:
    """Maker and checker both on record; the payment rejected, the party frozen."""
    decide_case(engine, case_id, "alice", TM, "name, DOB and nationality match")
    case = decide_case(engine, case_id, "bob", "true-match", "agreed: listed individual")
    assert (case.status, case.payment_status) == (CaseStatus.REJECTED, "rejected")
    assert case.closed_at is not None
    assert [(e.action, e.username, e.decision) for e in case.events] == [
        ("opened", None, None),
        ("proposed", "alice", "true_match"),
        ("confirmed", "bob", "true_match"),
    ]
    assert case.events[2].reason == "agreed: listed individual"
    frozen = frozen_parties(engine)
    assert [(f.party_key, f.role, f.name, f.entry_id) for f in frozen] == [
        (party_key("Saddam Hussein Al-Tikriti"), "creditor", "Saddam Hussein Al-Tikriti", SADDAM)
    ]
    assert frozen[0].case_id == case_id


def test_a_closed_case_cannot_be_decided_again(engine: Engine, case_id: str) -> None:
    """Released is final: no one decides it again, not even a third user."""
    add_user(engine, "carol", role=Role.COMPLIANCE, institution="HSBCHKHH")
    decide_case(engine, case_id, "alice", FP, "different person")
    assert decide_case(engine, case_id, "bob", FP, "agreed").status is CaseStatus.RELEASED
    for user in ("carol", "alice"):
        with pytest.raises(CaseClosedError, match="already closed"):
            decide_case(engine, case_id, user, TM, "second thoughts")
    assert len(get_case(engine, case_id).events) == 3


def test_disagreement_reopens_the_case(engine: Engine, case_id: str) -> None:
    """A dispute sends the case back to open, both views on record; a new round follows."""
    decide_case(engine, case_id, "alice", FP, "different person")
    case = decide_case(engine, case_id, "bob", TM, "DOB matches the listing")
    assert (case.status, case.proposed_decision) == (CaseStatus.OPEN, None)
    assert [(e.action, e.username, e.decision) for e in case.events[1:]] == [
        ("proposed", "alice", "false_positive"),
        ("disputed", "bob", "true_match"),
    ]
    decide_case(engine, case_id, "bob", TM, "DOB matches the listing")
    case = decide_case(engine, case_id, "alice", TM, "agreed after checking the DOB")
    assert case.status is CaseStatus.REJECTED
    assert [e.action for e in case.events] == [
        "opened",
        "proposed",
        "disputed",
        "proposed",
        "confirmed",
    ]


def test_a_cleared_false_positive_stays_cleared_until_a_new_list_version(
    engine: Engine, case_id: str, tmp_path: Path
) -> None:
    """Same party, same list version: no alert (the record names the case). A new version
    of the list alerts again."""
    decide_case(engine, case_id, "alice", FP, "our client, born 1990, not the listed man")
    decide_case(engine, case_id, "bob", FP, "agreed")
    cleared = cleared_for(engine, party_key("SADDAM HUSSEIN AL-TIKRITI"))
    assert ("un", get_case(engine, case_id).screening["lists"][0]["version"], SADDAM) in cleared
    assert set(cleared.values()) == {case_id}

    again = _screen(engine)
    assert again["decision"] == "pass"
    assert SADDAM in {s["entry_id"] for s in again["suppressed"]}
    assert {s["cleared_by_case"] for s in again["suppressed"]} == {case_id}

    newer = tmp_path / "UN_consolidated.xml"
    shutil.copyfile(UN, newer)
    with newer.open("a", encoding="utf-8") as f:
        f.write("\n")  # same entries, new file: a new version
    _version, created = load_list(engine, ListFormat.UN_XML, newer)
    assert created
    after = _screen(engine)
    assert after["decision"] == "block"
    assert after["suppressed"] == []
    assert open_case(engine, after, PAYMENT.payment_ref).case_id != case_id


def test_a_cleared_remittance_mention_stays_cleared(engine: Engine, case_id: str) -> None:
    """Every window that alerted on the entry is cleared, not only the best one."""
    payment = PaymentParties(
        "E2E-8",
        Party("Oliver Grant"),
        Party("Ana Lima"),
        remittance="Books: a biography of Saddam Hussein Al-Tikriti, 2 copies",
    )
    held = _screen(engine, payment)
    assert held["decision"] == "block"
    second = open_case(engine, held, "E2E-8").case_id
    decide_case(engine, second, "alice", FP, "a book title")
    decide_case(engine, second, "bob", FP, "agreed")
    again = _screen(engine, payment)
    assert again["decision"] == "pass"
    assert {s["role"] for s in again["suppressed"]} == {"remittance"}


def test_checkers_racing_close_the_case_once(engine: Engine, case_id: str) -> None:
    """Four checkers confirm at the same moment: one closes the case, the others are
    refused (changed meanwhile, or already closed), and the history has no gaps."""
    checkers = ["bob", "carol", "dan", "erin"]
    for name in checkers[1:]:
        add_user(engine, name, role=Role.COMPLIANCE, institution="HSBCHKHH")
    decide_case(engine, case_id, "alice", FP, "different person")
    outcomes: list[str] = []
    start = threading.Barrier(len(checkers))

    def confirm(user: str) -> None:
        start.wait()
        try:
            outcomes.append(decide_case(engine, case_id, user, FP, "agreed").events[-1].action)
        except (CaseConflictError, CaseClosedError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=confirm, args=(user,)) for user in checkers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("confirmed") == 1
    assert len(outcomes) == len(checkers)
    case = get_case(engine, case_id)
    assert case.status is CaseStatus.RELEASED
    assert [e.seq for e in case.events] == [1, 2, 3]


@pytest.mark.parametrize(
    ("decision", "reason", "message"),
    [
        ("maybe", "x", "not true_match or false_positive"),
        ("false_positive", "   ", "needs a reason"),
        ("false_positive", "x" * 4001, "over 4000"),
    ],
)
def test_a_decision_needs_a_decision_and_a_reason(
    engine: Engine, case_id: str, decision: str, reason: str, message: str
) -> None:
    """Bad decisions are refused before anything is read or written."""
    with pytest.raises(CaseInputError, match=message):
        decide_case(engine, case_id, "alice", decision, reason)
    assert _statuses(engine) == ["open"]


def test_an_unknown_case_is_named(engine: Engine, case_id: str) -> None:
    """A case id that does not exist is a clear error."""
    with pytest.raises(UnknownCaseError, match="no case 'nope'"):
        decide_case(engine, "nope", "alice", FP, "x")
    with pytest.raises(UnknownCaseError):
        get_case(engine, "nope")


def test_users_are_checked(engine: Engine) -> None:
    """Names are unique and well formed, roles known, institutions BICs."""
    user = add_user(engine, " Dora.Lee ", role="auditor", institution="barcgb22")
    assert (user.username, user.institution, user.role) == ("dora.lee", "BARCGB22", Role.AUDITOR)
    assert get_user(engine, "DORA.LEE") == user
    with pytest.raises(DuplicateUserError, match="already exists"):
        add_user(engine, "dora.lee", role="admin", institution="BARCGB22")
    with pytest.raises(UserInputError, match="role 'boss'"):
        add_user(engine, "eve", role="boss", institution="BARCGB22")
    with pytest.raises(UserInputError, match="not a BIC"):
        add_user(engine, "eve", role="admin", institution="Barclays Bank")
    with pytest.raises(UserInputError, match="user name"):
        add_user(engine, "", role="admin", institution="BARCGB22")
    with pytest.raises(UnknownUserError):
        get_user(engine, "eve")


def test_the_store_refuses_an_impossible_case(engine: Engine, case_id: str) -> None:
    """CHECKs hold for rows that bypass the API: a proposal needs its maker."""
    with pytest.raises(REFUSED), engine.begin() as c:
        c.execute(
            sa.text("UPDATE screening_cases SET status = 'proposed' WHERE case_id = :id"),
            {"id": case_id},
        )
    with pytest.raises(REFUSED), engine.begin() as c:
        c.execute(
            sa.text("UPDATE screening_cases SET status = 'lost' WHERE case_id = :id"),
            {"id": case_id},
        )
