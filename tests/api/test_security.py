"""Security: a revoked API key is refused, a key does only what its scopes allow, a
console form without its CSRF token is refused, a tampered session cookie is no
session, login is rate limited, an edited audit row is found by `corridor check`, and
four-eyes changes need a second user of the right role."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from corridor.auth import audit
from corridor.auth.users import get_user
from corridor.checks import check_books
from corridor.demo.network import ALBION
from ops_world import PASSWORD, World


def login(ops: World, username: str, password: str = PASSWORD) -> int:
    page = ops.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = ops.client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    return response.status_code


def test_a_revoked_key_is_refused(ops: World) -> None:
    made = ops.client.post(
        "/api/api-keys",
        json={"name": "temp", "scopes": ["read"], "username": "auditor@albion"},
        headers=ops.auth("admin@albion"),
    )
    assert (
        made.status_code == 403
    )  # keys are made from the console or by... an admin key with admin scope
    ops.client.cookies.clear()
    assert login(ops, "operator@albion") == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', ops.client.get("/").text)
    assert csrf is not None
    made = ops.client.post(
        "/api/api-keys",
        json={"name": "temp", "scopes": ["read"]},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert made.status_code == 201, made.text
    secret, key_id = made.json()["secret"], made.json()["key_id"]
    listed = ops.client.get("/api/api-keys").json()
    assert all("secret" not in k for k in listed)
    ops.client.cookies.clear()
    assert ops.client.get("/api/payments", headers={"X-API-Key": secret}).status_code == 200
    assert ops.client.get("/api/api-keys", headers={"X-API-Key": secret}).json()[0]["last_used_at"]
    revoked = ops.client.post(f"/api/api-keys/{key_id}/revoke", headers={"X-API-Key": secret})
    assert revoked.json()["revoked_at"]
    refused = ops.client.get("/api/payments", headers={"X-API-Key": secret})
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_api_key"


def test_a_key_without_the_scope_is_refused(ops: World) -> None:
    ops.client.cookies.clear()
    assert login(ops, "operator@albion") == 303
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', ops.client.get("/").text)
    assert csrf is not None
    made = ops.client.post(
        "/api/api-keys",
        json={"name": "reader", "scopes": ["read"]},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    too_much = ops.client.post(
        "/api/api-keys",
        json={"name": "x", "scopes": ["cases"]},
        headers={"X-CSRF-Token": csrf.group(1)},
    )
    assert too_much.status_code == 422  # an operator's role cannot use the cases scope
    ops.client.cookies.clear()
    response = ops.client.post(
        "/api/fx/quotes",
        json={"sell_currency": "GBP", "sell_amount": "1.00", "buy_currency": "HKD"},
        headers={"X-API-Key": made.json()["secret"]},
    )
    assert response.status_code == 403
    assert "scope" in response.json()["message"]


def test_forms_without_the_csrf_token_are_refused(ops: World) -> None:
    ops.client.cookies.clear()
    page = ops.client.get("/login")
    refused = ops.client.post(
        "/login", data={"username": "operator@albion", "password": PASSWORD, "csrf_token": "guess"}
    )
    assert refused.status_code == 403
    assert page.status_code == 200
    assert login(ops, "operator@albion") == 303
    no_token = ops.client.post("/payments/new", data={"amount": "1.00"}, follow_redirects=False)
    assert no_token.status_code == 403
    api_without = ops.client.post(
        "/api/fx/quotes",
        json={"sell_currency": "GBP", "sell_amount": "1.00", "buy_currency": "HKD"},
    )
    assert api_without.status_code == 403
    assert api_without.json()["code"] == "csrf_failed"
    logout = ops.client.post("/logout", data={}, follow_redirects=False)
    assert logout.status_code == 403


def test_a_tampered_session_cookie_is_no_session(ops: World) -> None:
    ops.client.cookies.clear()
    assert login(ops, "auditor@albion") == 303
    token = ops.client.cookies.get("corridor_session")
    assert token
    assert ops.client.get("/", follow_redirects=False).status_code == 200
    ops.client.cookies.clear()
    ops.client.cookies.set("corridor_session", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    tampered = ops.client.get("/", follow_redirects=False)
    assert tampered.status_code == 303
    assert tampered.headers["location"].startswith("/login")
    assert ops.client.get("/api/payments").status_code == 401


def test_a_page_refresh_after_the_session_ended_sends_the_whole_page_to_login(
    ops: World,
) -> None:
    ops.client.cookies.clear()
    tracker = "/payments/00000000-0000-4000-8000-000000000000"
    refresh = ops.client.get(tracker, headers={"HX-Request": "true"}, follow_redirects=False)
    # Not the login form swapped into the tracker: htmx navigates the page itself.
    assert refresh.status_code == 204
    assert refresh.headers["HX-Redirect"] == f"/login?next={tracker}"
    assert refresh.content == b""


def test_the_session_cookie_is_secure(ops: World) -> None:
    ops.client.cookies.clear()
    page = ops.client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = ops.client.post(
        "/login",
        data={"username": "admin@albion", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert "secure" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_login_is_rate_limited(ops: World) -> None:
    ops.client.cookies.clear()
    for _ in range(5):
        assert login(ops, "readonly@luohu", "wrong password!") == 401
    assert login(ops, "readonly@luohu") == 429  # even the right password waits now


def test_an_edited_audit_row_is_detected(ops: World) -> None:
    # Entries of its own, followed by one more, so the test needs no earlier test's.
    edited = audit.record(
        ops.engine, institution=ALBION, actor="admin@albion", action="test", target="edit me"
    )
    audit.record(ops.engine, institution=ALBION, actor="admin@albion", action="test", target="next")
    assert all(r.holds for r in check_books(ops.engine) if r.name == "audit_chain")
    edit = sa.text("UPDATE audit_log SET actor = 'someone' WHERE seq = :seq")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), ops.engine.begin() as connection:
        connection.execute(edit, {"seq": edited.seq})
    # An administrator with the power to lift the store's guard still cannot hide it.
    with ops.engine.begin() as connection:
        if ops.engine.dialect.name == "sqlite":
            connection.execute(sa.text("DROP TRIGGER audit_log_append_only"))
        else:
            connection.execute(
                sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            )
        assert connection.execute(edit, {"seq": edited.seq}).rowcount == 1
    (result,) = [r for r in check_books(ops.engine) if r.name == "audit_chain"]
    assert not result.holds
    assert f"entry {edited.seq} was changed" in result.problems[0]
    chain = ops.client.get("/api/audit/chain", headers=ops.auth("auditor@albion")).json()
    assert chain["first_broken_seq"] == edited.seq


def test_four_eyes_changes(ops: World) -> None:
    fee = {
        "from_country": "GB",
        "to_country": "CN",
        "currency": "GBP",
        "fixed": "12.50",
        "basis_points": "4",
        "minimum": "12.50",
        "maximum": "80.00",
        "reason": "2027 tariff",
    }
    proposed = ops.client.post(
        "/api/fee-schedules/changes", json=fee, headers=ops.auth("admin@albion")
    )
    assert proposed.status_code == 201, proposed.text
    approval = proposed.json()["approval_id"]
    assert proposed.json()["before"]["fixed_minor"] == 1000
    again = ops.client.post(
        "/api/fee-schedules/changes", json=fee, headers=ops.auth("admin2@albion")
    )
    assert again.status_code == 409
    url = f"/api/approvals/{approval}/decision"
    self_check = ops.client.post(
        url, json={"approve": True, "reason": "ok"}, headers=ops.auth("admin@albion")
    )
    assert self_check.status_code == 409
    assert self_check.json()["code"] == "same_user"
    wrong_role = ops.client.post(
        url, json={"approve": True, "reason": "ok"}, headers=ops.auth("compliance@albion")
    )
    assert wrong_role.status_code == 403
    done = ops.client.post(
        url,
        json={"approve": True, "reason": "matches the board minute"},
        headers=ops.auth("admin2@albion"),
    )
    assert done.status_code == 200, done.text
    me = ops.client.get("/api/institutions/me", headers=ops.auth("admin@albion")).json()
    schedule = next(
        s
        for s in me["fee_schedules"]
        if (s["from_country"], s["to_country"], s["currency"]) == ("GB", "CN", "GBP")
    )
    assert schedule["fixed"] == "12.50"
    role = ops.client.post(
        "/api/users/readonly@albion/role-changes",
        json={"role": "auditor", "reason": "moved"},
        headers=ops.auth("admin@albion"),
    )
    decided = ops.client.post(
        f"/api/approvals/{role.json()['approval_id']}/decision",
        json={"approve": True, "reason": "ok"},
        headers=ops.auth("admin2@albion"),
    )
    assert decided.status_code == 200
    assert get_user(ops.engine, "readonly@albion").role.value == "auditor"
    entries = ops.client.get(
        "/api/audit", params={"action": "approve user_role"}, headers=ops.auth("auditor@albion")
    )
    assert entries.json()[0]["after"]["maker"] == "admin@albion"


def test_every_answer_carries_the_security_headers(ops: World) -> None:
    """API answers (errors included) and console pages say nosniff, no framing, no
    caching and the content security policy; the API docs page, which runs its own
    scripts, gets the headers without the policy."""
    answers = [
        ops.client.get("/api/payments", headers=ops.auth("operator@albion")),
        ops.client.get("/api/payments"),  # 401
        ops.client.get("/login"),
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    docs = ops.client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" not in docs.headers
