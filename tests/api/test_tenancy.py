"""Every query is scoped to the caller's institution: a user of Albion (London), in any
role, never sees Luohu Commercial's clients, payments, cases, approvals, keys, users,
statements or audit entries — by any endpoint, id guess or filter. And each role does
only what it may."""

from __future__ import annotations

from typing import Any

import pytest

from corridor.auth.keys import keys_of
from corridor.demo import network
from ops_world import ROLES, World

LUOHU = network.CLIENTS[network.LUOHU]
HARBOUR = network.CLIENTS[network.HARBOUR]
ALBION = network.CLIENTS[network.ALBION]
ALBION_USERS = [f"{name}@albion" for name in ROLES] + ["client@albion"]


def luohu_payment(ops: World, e2e: str, creditor: str) -> dict[str, Any]:
    """A payment between Luohu and Hong Kong: none of Albion's business."""
    response = ops.client.post(
        "/api/payments",
        json={
            "end_to_end_id": e2e,
            "debtor": {"name": LUOHU[0].name, "account": LUOHU[0].accounts["CNY"], "country": "CN"},
            "creditor": {"name": creditor, "account": HARBOUR[0].accounts["CNY"], "country": "HK"},
            "creditor_agent": network.HARBOUR,
            "amount": "800.00",
            "currency": "CNY",
            "purpose_code": "GDDS",
        },
        headers={**ops.auth("operator@luohu"), "Idempotency-Key": e2e},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture(scope="module")
def theirs(ops: World) -> dict[str, Any]:
    """Luohu's things, as ids an Albion user might guess."""
    settled = luohu_payment(ops, "LUOHU-E2E-1", HARBOUR[0].name)
    held = luohu_payment(ops, "LUOHU-E2E-2", "LEUNG Ka Fai")
    assert held["status"] == "held"
    cases = ops.client.get("/api/cases", headers=ops.auth("compliance@luohu")).json()
    case_id = next(c["case_id"] for c in cases if c["payment_ref"] == held["uetr"])
    change = ops.client.post(
        "/api/fee-schedules/changes",
        json={
            "from_country": "CN",
            "to_country": "HK",
            "currency": "CNY",
            "fixed": "70",
            "basis_points": "5",
            "minimum": "70",
            "maximum": "400",
            "reason": "new tariff",
        },
        headers=ops.auth("admin@luohu"),
    )
    assert change.status_code == 201, change.text
    key_id = next(k.key_id for k in keys_of(ops.engine, network.LUOHU))
    return {
        "settled": settled,
        "held": held,
        "case_id": case_id,
        "approval_id": change.json()["approval_id"],
        "key_id": key_id,
        "client_id": LUOHU[0].client_id,
        "client_name": LUOHU[0].name,
        "account": LUOHU[0].accounts["CNY"],
    }


def never_leaks(response: Any, *secrets: str) -> None:
    assert response.status_code < 500, response.text
    for secret in secrets:
        assert secret not in response.text


@pytest.mark.parametrize("user", ALBION_USERS)
def test_guessing_luohu_ids_finds_nothing(ops: World, theirs: dict[str, Any], user: str) -> None:
    auth = ops.auth(user)
    uetr = theirs["settled"]["uetr"]
    held = theirs["held"]["uetr"]
    for path in (
        f"/api/payments/{uetr}",
        f"/api/payments/{uetr}/tracker",
        f"/api/payments/{uetr}/messages/pacs.008",
        f"/api/payments/{held}",
        f"/api/clients/{theirs['client_id']}",
        f"/api/cases/{theirs['case_id']}",
    ):
        response = ops.client.get(path, headers=auth)
        assert response.status_code in (403, 404), (path, response.status_code)
        never_leaks(response, theirs["client_name"], "LEUNG")
    for path, payload in (
        (f"/api/payments/{held}/cancel", {}),
        (f"/api/payments/{uetr}/return", {}),
        (
            f"/api/cases/{theirs['case_id']}/decisions",
            {"decision": "false_positive", "reason": "x"},
        ),
        (f"/api/approvals/{theirs['approval_id']}/decision", {"approve": True, "reason": "x"}),
        (f"/api/api-keys/{theirs['key_id']}/revoke", None),
        ("/api/users/operator@luohu/role-changes", {"role": "auditor", "reason": "x"}),
        (
            f"/api/clients/{theirs['client_id']}/limit-changes",
            {"currency": "CNY", "daily": "1", "reason": "x"},
        ),
    ):
        response = ops.client.post(path, json=payload, headers=auth)
        assert response.status_code in (403, 404), (path, response.status_code, response.text)
        never_leaks(response, theirs["client_name"])
    for account in (theirs["account"], f"{network.LUOHU}/CNY"):
        response = ops.client.get(
            "/api/iso20022/statements",
            params={"account": account, "day": "2026-10-27"},
            headers=auth,
        )
        assert response.status_code in (403, 404), (account, response.status_code)


@pytest.mark.parametrize("user", ALBION_USERS)
def test_filters_never_reach_luohu(ops: World, theirs: dict[str, Any], user: str) -> None:
    auth = ops.auth(user)
    uetrs = {theirs["settled"]["uetr"], theirs["held"]["uetr"]}
    for params in (
        {},
        {"end_to_end_id": "LUOHU-E2E-1"},
        {"account": theirs["account"]},
        {"currency": "CNY"},
        {"direction": "received"},
        {"direction": "sent"},
        {"status": "held"},
        {"limit": 200},
    ):
        page = ops.client.get("/api/payments", params=params, headers=auth)
        assert page.status_code == 200
        assert not uetrs & {p["uetr"] for p in page.json()["payments"]}, params
    clients = ops.client.get(
        "/api/clients", params={"name": theirs["client_name"][:6], "limit": 200}, headers=auth
    )
    assert all(c["institution"] == network.ALBION for c in clients.json())
    for path in ("/api/cases", "/api/approvals", "/api/audit", "/api/users", "/api/api-keys"):
        response = ops.client.get(path, headers=auth)
        assert response.status_code in (200, 403), path
        never_leaks(response, theirs["client_name"], theirs["case_id"], theirs["approval_id"])
        never_leaks(response, *uetrs, theirs["key_id"], "luohu")
    board = ops.client.get(
        "/api/reports/dashboard", params={"day": "2026-10-27"}, headers=auth
    ).json()
    assert board["institution"] == network.ALBION
    assert all(v["corridor"] != "CN→HK" for v in board["volumes"])
    me = ops.client.get("/api/institutions/me", headers=auth).json()
    assert me["bic"] == network.ALBION


def test_a_client_bound_user_sees_their_client_only(ops: World) -> None:
    auth = ops.auth("client@albion")
    other = ALBION[1]
    response = ops.client.post(
        "/api/payments",
        json={
            "end_to_end_id": "ALBION-OTHER-1",
            "debtor": {"name": other.name, "account": other.accounts["GBP"], "country": "GB"},
            "creditor": {
                "name": ALBION[0].name,
                "account": ALBION[0].accounts["GBP"],
                "country": "GB",
            },
            "creditor_agent": network.THREADNEEDLE,
            "amount": "10.00",
            "currency": "GBP",
        },
        headers={**ops.auth("operator@albion"), "Idempotency-Key": "ALBION-OTHER-1"},
    )
    uetr = response.json()["uetr"]
    assert ops.client.get(f"/api/payments/{uetr}", headers=auth).status_code == 404
    assert ops.client.get(f"/api/clients/{other.client_id}", headers=auth).status_code == 404
    mine = ops.client.get("/api/clients", headers=auth).json()
    assert [c["client_id"] for c in mine] == [ALBION[0].client_id]
    assert ops.client.get(f"/api/clients/{ALBION[0].client_id}", headers=auth).status_code == 200


# (method, path, body, roles that may) — every write the API offers, and the audit read.
ACTIONS = [
    ("post", "/api/payments", "payment", {"operator"}),
    (
        "post",
        "/api/fx/quotes",
        {"sell_currency": "GBP", "sell_amount": "10.00", "buy_currency": "HKD"},
        {"operator"},
    ),
    ("get", "/api/cases", None, {"admin", "admin2", "compliance", "compliance2", "auditor"}),
    ("get", "/api/audit", None, {"admin", "admin2", "auditor"}),
    ("get", "/api/audit/chain", None, {"admin", "admin2", "auditor"}),
    ("get", "/api/users", None, {"admin", "admin2"}),
    (
        "post",
        "/api/clients/ALBN-3/limit-changes",
        {"currency": "GBP", "daily": "5000.00", "reason": "risk review"},
        {"admin", "admin2", "compliance", "compliance2"},
    ),
]


@pytest.mark.parametrize("name", [*ROLES, "client"])
@pytest.mark.parametrize(("method", "path", "payload", "allowed"), ACTIONS)
def test_each_role_does_only_what_it_may(
    ops: World, name: str, method: str, path: str, payload: Any, allowed: set[str]
) -> None:
    headers = {**ops.auth(f"{name}@albion"), "Idempotency-Key": f"role-{name}-{path}"}
    if payload == "payment":
        payload = {
            "end_to_end_id": f"ROLE-{name}",
            "debtor": {
                "name": ALBION[2].name,
                "account": ALBION[2].accounts["GBP"],
                "country": "GB",
            },
            "creditor": {
                "name": ALBION[3].name,
                "account": ALBION[3].accounts["GBP"],
                "country": "GB",
            },
            "creditor_agent": network.THREADNEEDLE,
            "amount": "1.00",
            "currency": "GBP",
        }
    response = getattr(ops.client, method)(
        path, headers=headers, **({"json": payload} if payload is not None else {})
    )
    if name in allowed:
        assert response.status_code in (200, 201, 409), response.text
    else:
        assert response.status_code == 403, (name, path, response.status_code)
        assert response.json()["code"] == "forbidden"
