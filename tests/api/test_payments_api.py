"""Payments over HTTP: create with an Idempotency-Key, replay, conflicts, get, list with
filters and paging, track, cancel, return, messages; held by screening and released by
two compliance officers."""

from __future__ import annotations

import uuid

from corridor.demo import network
from ops_world import World

ALBION_CLIENT = network.CLIENTS[network.ALBION][0]
LUOHU_CLIENT = network.CLIENTS[network.LUOHU][0]


def body(e2e: str, amount: str = "1000.00", creditor: str | None = None) -> dict[str, object]:
    """A GBP payment from an Albion client to a Luohu client, credited in CNY."""
    return {
        "end_to_end_id": e2e,
        "debtor": {
            "name": ALBION_CLIENT.name,
            "account": ALBION_CLIENT.accounts["GBP"],
            "country": "GB",
        },
        "creditor": {
            "name": creditor or LUOHU_CLIENT.name,
            "account": LUOHU_CLIENT.accounts["CNY"],
            "country": "CN",
        },
        "creditor_agent": network.LUOHU,
        "amount": amount,
        "currency": "GBP",
        "settlement_currency": "CNY",
        "purpose_code": "GDDS",
    }


def create(ops: World, e2e: str, **kwargs: str) -> dict[str, object]:
    response = ops.client.post(
        "/api/payments",
        json=body(e2e, **kwargs),
        headers={**ops.auth("operator@albion"), "Idempotency-Key": f"key-{e2e}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_payment_is_created_settled_and_answered_again_for_its_key(ops: World) -> None:
    made = create(ops, "E2E-SETTLE-1")
    assert made["status"] == "settled"
    assert made["debtor_agent"] == network.ALBION
    assert [e["status"] for e in made["events"]][-1] == "settled"
    again = ops.client.post(
        "/api/payments",
        json=body("E2E-SETTLE-1"),
        headers={**ops.auth("operator@albion"), "Idempotency-Key": "key-E2E-SETTLE-1"},
    )
    assert again.status_code == 200
    assert again.json()["uetr"] == made["uetr"]


def test_the_same_key_for_another_instruction_is_a_conflict(ops: World) -> None:
    create(ops, "E2E-CONFLICT-1")
    response = ops.client.post(
        "/api/payments",
        json=body("E2E-CONFLICT-2", amount="5.00"),
        headers={**ops.auth("operator@albion"), "Idempotency-Key": "key-E2E-CONFLICT-1"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_conflict"


def test_a_key_is_required_and_amounts_are_decimal_strings(ops: World) -> None:
    no_key = ops.client.post(
        "/api/payments", json=body("E2E-NOKEY"), headers=ops.auth("operator@albion")
    )
    assert no_key.status_code == 422
    assert no_key.json()["code"] == "invalid_request"
    number = {**body("E2E-FLOAT"), "amount": 10.5}
    as_float = ops.client.post(
        "/api/payments",
        json=number,
        headers={**ops.auth("operator@albion"), "Idempotency-Key": "float"},
    )
    assert as_float.status_code == 422
    assert "amount" in as_float.json()["message"]


def test_an_engine_rejection_is_recorded_with_its_reason(ops: World) -> None:
    payload = {**body("E2E-NOPURPOSE"), "purpose_code": ""}
    response = ops.client.post(
        "/api/payments",
        json=payload,
        headers={**ops.auth("operator@albion"), "Idempotency-Key": "nopurpose"},
    )
    assert response.status_code == 201
    assert response.json()["status"] == "rejected"
    assert response.json()["reason"] == "RR05"


def test_get_track_list_filter_and_page(ops: World) -> None:
    made = [create(ops, f"E2E-LIST-{i}") for i in range(3)]
    auth = ops.auth("operator@albion")
    got = ops.client.get(f"/api/payments/{made[0]['uetr']}", headers=auth)
    assert got.json()["end_to_end_id"] == "E2E-LIST-0"
    tracked = ops.client.get(f"/api/payments/{made[0]['uetr']}/tracker", headers=auth)
    assert tracked.json()["route"]
    one = ops.client.get("/api/payments", params={"end_to_end_id": "E2E-LIST-1"}, headers=auth)
    assert [p["uetr"] for p in one.json()["payments"]] == [made[1]["uetr"]]
    first = ops.client.get("/api/payments", params={"limit": 2}, headers=auth).json()
    assert len(first["payments"]) == 2
    second = ops.client.get(
        "/api/payments", params={"limit": 2, "offset": first["next_offset"]}, headers=auth
    ).json()
    assert not {p["uetr"] for p in first["payments"]} & {p["uetr"] for p in second["payments"]}
    received = ops.client.get(
        "/api/payments", params={"direction": "received"}, headers=ops.auth("operator@luohu")
    ).json()
    assert made[2]["uetr"] in {p["uetr"] for p in received["payments"]}
    settled = ops.client.get("/api/payments", params={"status": "held"}, headers=auth).json()
    assert all(p["status"] == "held" for p in settled["payments"])


def test_the_creditor_bank_returns_and_the_debtor_bank_may_not(ops: World) -> None:
    made = create(ops, "E2E-RETURN-1")
    refused = ops.client.post(
        f"/api/payments/{made['uetr']}/return",
        json={"reason": "AC04"},
        headers=ops.auth("operator@albion"),
    )
    assert refused.status_code == 403
    done = ops.client.post(
        f"/api/payments/{made['uetr']}/return",
        json={"reason": "AC04"},
        headers=ops.auth("operator@luohu"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "returned"
    assert made["returned"] is None
    back = done.json()["returned"]
    assert back["from_creditor"].endswith("CNY")
    assert back["to_debtor"].endswith("GBP")
    # Returned on the business day it settled, before the CNY cut-off: that same day.
    assert back["value_date"] == made["value_date"]
    twice = ops.client.post(
        f"/api/payments/{made['uetr']}/return",
        json={"reason": "AC04"},
        headers=ops.auth("operator@luohu"),
    )
    assert twice.status_code == 409
    messages = ops.client.get(
        f"/api/payments/{made['uetr']}/messages/pacs.004", headers=ops.auth("operator@luohu")
    )
    assert messages.status_code == 200
    assert b"pacs.004" in messages.content


def test_a_settled_payment_cannot_be_cancelled(ops: World) -> None:
    made = create(ops, "E2E-CANCEL-1")
    response = ops.client.post(
        f"/api/payments/{made['uetr']}/cancel", json={}, headers=ops.auth("operator@albion")
    )
    assert response.status_code == 409
    assert response.json()["code"] == "lifecycle"


def test_a_held_payment_is_released_by_two_compliance_officers(ops: World) -> None:
    made = create(ops, "E2E-HELD-1", creditor="LEUNG Ka Fai")
    assert made["status"] == "held"
    cases = ops.client.get(
        "/api/cases", params={"status": "open"}, headers=ops.auth("compliance@albion")
    ).json()
    case = next(c for c in cases if c["payment_ref"] == made["uetr"])
    assert case["candidates"][0]["matched_name"]
    url = f"/api/cases/{case['case_id']}/decisions"
    decision = {"decision": "false_positive", "reason": "different person: date of birth"}
    operator = ops.client.post(url, json=decision, headers=ops.auth("operator@albion"))
    assert operator.status_code == 403
    proposed = ops.client.post(url, json=decision, headers=ops.auth("compliance@albion"))
    assert proposed.json()["status"] == "proposed"
    same = ops.client.post(url, json=decision, headers=ops.auth("compliance@albion"))
    assert same.status_code == 409
    assert same.json()["code"] == "four_eyes"
    confirmed = ops.client.post(url, json=decision, headers=ops.auth("compliance2@albion"))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "released"
    assert confirmed.json()["payment"]["status"] == "settled"


def test_a_quote_is_dealt_by_a_payment_once(ops: World) -> None:
    quote = ops.client.post(
        "/api/fx/quotes",
        json={"sell_currency": "GBP", "sell_amount": "1000.00", "buy_currency": "CNY"},
        headers=ops.auth("operator@albion"),
    )
    assert quote.status_code == 201
    payload = {**body("E2E-QUOTE-1"), "fx_quote_id": quote.json()["quote_id"]}
    made = ops.client.post(
        "/api/payments",
        json=payload,
        headers={**ops.auth("operator@albion"), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert made.json()["status"] == "settled"
    assert made.json()["fx"]["quote_id"].replace("-", "") == quote.json()["quote_id"]
