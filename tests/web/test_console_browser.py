"""The console in a real browser: Playwright driving Debian's Chromium, headless.

Log in, create a payment, see it held by screening, release it with two different
compliance officers, follow it on the tracker, upload a pain.001 with an error and see
the error; with htmx, the payment search filtering as one types and an open tracker
following a payment to settlement while others decide on it. Screenshots go under the
test's tmp dir. The browser must be there: in CI (`CI=true`) a missing /usr/bin/chromium
fails the test, it never skips, and so does a console installed without htmx.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from corridor.demo import network
from corridor.funds.dealing import FundDesk, publish_nav, register_fund
from corridor.funds.demo import FUNDS
from corridor.iso20022.initiation import write_pain001
from corridor.ledger import Ledger
from corridor.money import Money
from corridor.payments.engine import Corridor, PaymentEngine
from corridor.payments.fees import ChargeBearer
from corridor.payments.payment import Party, Payment, new_uetr
from corridor.store import make_engine, upgrade
from ops_world import BUSINESS_DAY, PASSWORD, seed, served

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served_world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, str], str]]:
    """The console on a seeded SQLite store, served on a local port; the users' API keys
    and the store's URL."""
    folder = tmp_path_factory.mktemp("console")
    store = f"sqlite:///{folder}/ops.db"
    engine = make_engine(store)
    upgrade(engine)
    keys = seed(engine)
    with served(engine) as url:
        yield url, keys, store
    engine.dispose()


@pytest.fixture(scope="module")
def site(served_world: tuple[str, dict[str, str], str]) -> str:
    """The console's base URL."""
    return served_world[0]


@pytest.fixture(scope="module")
def api(served_world: tuple[str, dict[str, str], str]) -> Iterator[Api]:
    """The same server's HTTP API, to act as other users while a page stays open."""
    url, keys, _store = served_world
    with httpx.Client(base_url=url, timeout=30) as client:
        yield Api(client, keys)


class Api:
    """Calls to the API as a named seeded user."""

    def __init__(self, client: httpx.Client, keys: dict[str, str]) -> None:
        self.client = client
        self.keys = keys

    def call(self, method: str, path: str, user: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.keys[user]}", **kwargs.pop("headers", {})}
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def pay(self, e2e: str, currency: str, creditor: str | None = None) -> dict[str, Any]:
        """A payment from an Albion client to a Harbour client in `currency` (GBP or HKD)."""
        albion = network.CLIENTS[network.ALBION][0]
        harbour = network.CLIENTS[network.HARBOUR][0]
        body = {
            "end_to_end_id": e2e,
            "debtor": {"name": albion.name, "account": albion.accounts[currency], "country": "GB"},
            "creditor": {
                "name": creditor or harbour.name,
                "account": harbour.accounts[currency],
                "country": "HK",
            },
            "creditor_agent": network.HARBOUR,
            "amount": "150.00",
            "currency": currency,
        }
        made: dict[str, Any] = self.call(
            "POST", "/api/payments", "operator@albion", json=body, headers={"Idempotency-Key": e2e}
        )
        return made


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, headless, with a fresh profile."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


def log_in(page: Any, site: str, username: str) -> None:
    page.goto(f"{site}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")


def log_out(page: Any) -> None:
    page.click("form.who button")
    page.wait_for_url("**/login")


def test_a_held_payment_released_by_two_officers_and_followed(
    browser: Any, site: str, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, site, "operator@albion")
    assert "Dashboard" in page.inner_text("h1")
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.click("text=New payment")
    albion = network.CLIENTS[network.ALBION][0]
    harbour = network.CLIENTS[network.HARBOUR][0]
    page.select_option("select[name=debtor_account]", albion.accounts["HKD"])
    page.fill("input[name=creditor_name]", "LEUNG Ka Fai")
    page.fill("input[name=creditor_account]", harbour.accounts["HKD"])
    page.fill("input[name=creditor_country]", "HK")
    page.select_option("select[name=creditor_agent]", network.HARBOUR)
    page.fill("input[name=amount]", "25000.00")
    page.fill("input[name=currency]", "HKD")
    page.click("text=Send payment")
    page.wait_for_url("**/payments/*")
    assert page.inner_text("#payment-status") == "held"
    uetr = page.url.rsplit("/", 1)[1]
    page.screenshot(path=str(tmp_path / "held.png"), full_page=True)
    log_out(page)

    for officer, expected in (
        ("compliance@albion", "proposed"),
        ("compliance2@albion", "released"),
    ):
        log_in(page, site, officer)
        page.click("text=Review queue")
        page.click("table.list a[href^='/cases/']")
        assert "LEUNG" in page.inner_text("table.side-by-side")
        page.check("input[value=false_positive]")
        page.fill("textarea[name=reason]", "Different person: the listed party was born 1975")
        page.click("text=Record decision")
        page.wait_for_load_state()
        assert page.inner_text("#case-status") == expected
        if expected == "released":
            page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
        log_out(page)

    log_in(page, site, "operator@albion")
    page.goto(f"{site}/payments")
    page.fill("input[name=uetr]", uetr)
    page.click("text=Track")
    page.wait_for_url(f"**/payments/{uetr}")
    assert page.inner_text("#payment-status") == "settled"
    steps = page.locator("ol.timeline li").all_inner_texts()
    assert any("held" in s for s in steps)
    assert any("released by review" in s for s in steps)
    page.screenshot(path=str(tmp_path / "tracker.png"), full_page=True)
    page.close()


def test_an_uploaded_pain001_with_an_error_shows_the_error(
    browser: Any, site: str, tmp_path: Path
) -> None:
    albion = network.CLIENTS[network.ALBION][1]
    threadneedle = network.CLIENTS[network.THREADNEEDLE][0]
    payment = Payment(
        uetr=new_uetr(),
        end_to_end_id="UPLOAD-1",
        instruction_id="UPLOAD-1",
        debtor=Party(albion.name, albion.accounts["GBP"], "GB"),
        debtor_agent=network.ALBION,
        creditor_agent=network.THREADNEEDLE,
        creditor=Party(threadneedle.name, threadneedle.accounts["GBP"], "GB"),
        instructed_amount=Money.of("120.00", "GBP"),
        settlement_currency="GBP",
        charge_bearer=ChargeBearer.SHAR,
        requested_execution_date=BUSINESS_DAY.date(),
    )
    path = write_pain001(
        [payment],
        tmp_path / "upload.xml",
        msg_id="UPLOAD-MSG-1",
        initiating_party=albion.name,
        created=datetime(2026, 10, 27, 1, 0, tzinfo=UTC),
    )
    # The error: an IBAN whose check digits do not match.
    text = path.read_text(encoding="utf-8").replace(
        threadneedle.accounts["GBP"],
        threadneedle.accounts["GBP"][:2] + "00" + threadneedle.accounts["GBP"][4:],
    )
    path.write_text(text, encoding="utf-8")
    page = browser.new_page()
    log_in(page, site, "operator@albion")
    page.click("text=ISO 20022 upload")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('Upload')")
    page.wait_for_load_state()
    assert page.locator("#validation-result").count() == 1, page.inner_text("main")
    result = page.inner_text("#validation-result")
    assert "1 error" in result
    assert "IBAN" in page.inner_text("table.findings")
    page.screenshot(path=str(tmp_path / "upload.png"), full_page=True)
    page.close()


def htmx_loaded(page: Any) -> None:
    """The page runs htmx; in CI a console without it is a failed install, elsewhere the
    test is skipped."""
    if page.evaluate("typeof window.htmx") == "object":
        return
    if os.environ.get("CI") == "true":
        pytest.fail("htmx is not loaded: the install needs npm (hatch_build.py)")
    pytest.skip("the console was installed without htmx (no npm)")


def test_the_payment_search_filters_as_the_operator_types(
    browser: Any, site: str, api: Api, tmp_path: Path
) -> None:
    api.pay("FILTER-GBP-1", "GBP")
    api.pay("FILTER-HKD-1", "HKD")
    assert api.pay("FILTER-HELD-1", "GBP", creditor="Jiahui LIANG")["status"] == "held"
    page = browser.new_page()
    log_in(page, site, "operator@albion")
    page.goto(f"{site}/payments")
    htmx_loaded(page)
    assert page.locator("#results td.num:has-text('GBP')").count() >= 1
    # A full page load would lose this; a swap of the results keeps it.
    page.evaluate("window.keptAcrossSwaps = 1")
    page.fill("#filters input[name=currency]", "HKD")
    page.wait_for_url("**/payments?*currency=HKD*")
    # Locator waits, not wait_for_function: the page's CSP rightly refuses eval.
    expect(page.locator("#results td.num").filter(has_not_text="HKD")).to_have_count(0)
    amounts = page.locator("#results td.num").all_inner_texts()
    assert amounts
    assert all(a.endswith("HKD") for a in amounts), amounts
    assert page.evaluate("window.keptAcrossSwaps") == 1
    page.screenshot(path=str(tmp_path / "filtered.png"), full_page=True)
    # A filter nothing matches says so, still without a reload.
    page.fill("#filters input[name=end_to_end_id]", "NO-SUCH-E2E")
    expect(page.locator("#results")).to_contain_text("No payments match")
    assert page.evaluate("window.keptAcrossSwaps") == 1
    # A status picked from the list filters too.
    page.fill("#filters input[name=end_to_end_id]", "")
    page.fill("#filters input[name=currency]", "")
    page.select_option("#filters select[name=status]", "held")
    page.wait_for_url("**/payments?status=held&currency=&*")
    expect(page.locator("#results span.status").filter(has_not_text="held")).to_have_count(0)
    expect(page.locator("#results td.num:has-text('GBP')")).not_to_have_count(0)
    assert page.evaluate("window.keptAcrossSwaps") == 1
    page.close()


def test_an_open_tracker_follows_a_held_payment_to_settlement(
    browser: Any, site: str, api: Api, tmp_path: Path
) -> None:
    # Each test holds its own name (the first test clears LEUNG Ka Fai): an alias, in pinyin.
    made = api.pay("FOLLOW-HELD-1", "HKD", creditor="Liang Jiahui")
    assert made["status"] == "held"
    page = browser.new_page()
    log_in(page, site, "operator@albion")
    page.goto(f"{site}/payments/{made['uetr']}")
    htmx_loaded(page)
    assert page.inner_text("#payment-status") == "held"
    assert page.get_attribute("#tracking", "hx-trigger") is not None
    page.evaluate("window.keptAcrossSwaps = 1")

    # Two compliance officers decide while the operator's page stays open.
    cases = api.call("GET", "/api/cases", "compliance@albion", params={"status": "open"})
    case = next(c for c in cases if c["payment_ref"] == made["uetr"])
    decision = {"decision": "false_positive", "reason": "different person: date of birth"}
    url = f"/api/cases/{case['case_id']}/decisions"
    assert api.call("POST", url, "compliance@albion", json=decision)["status"] == "proposed"
    assert api.call("POST", url, "compliance2@albion", json=decision)["status"] == "released"

    expect(page.locator("#payment-status")).to_have_text("settled", timeout=20_000)
    assert page.evaluate("window.keptAcrossSwaps") == 1
    steps = page.locator("ol.timeline li").all_inner_texts()
    assert any("released by review" in s for s in steps), steps
    # Settled: the page stops asking.
    assert page.get_attribute("#tracking", "hx-trigger") is None
    page.screenshot(path=str(tmp_path / "followed.png"), full_page=True)
    page.close()


def test_the_open_review_queue_shows_a_new_hold_without_a_reload(
    browser: Any, site: str, api: Api, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, site, "compliance@albion")
    page.goto(f"{site}/cases?status=open")
    htmx_loaded(page)
    page.evaluate("window.keptAcrossSwaps = 1")
    made = api.pay("QUEUE-HELD-1", "GBP", creditor="梁家輝")
    assert made["status"] == "held"
    row = page.locator(f"#queue a[href='/payments/{made['uetr']}']")
    expect(row).to_have_count(1, timeout=25_000)
    assert page.evaluate("window.keptAcrossSwaps") == 1
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    page.close()


def test_the_funds_page_shows_the_register_a_depositary_keeps(
    browser: Any, site: str, served_world: tuple[str, dict[str, str], str], tmp_path: Path
) -> None:
    """Two subscriptions into Albion's fund dealt at NAV: Albion's operator sees the fund,
    both holdings (a Threadneedle investor's too: Albion keeps the fund), a chart, and the
    orders linked to their payments; Luohu's operator sees the fund but no holding."""
    engine = make_engine(served_world[2])
    fund, classes = FUNDS[0]
    wen_li = network.CLIENTS[network.ALBION][1]
    fenchurch = network.CLIENTS[network.THREADNEEDLE][0]
    with Ledger(engine) as ledger:
        corridor = Corridor(network.directory(), network.fee_table(), network.fx_desk())
        desk = FundDesk(engine, PaymentEngine(engine, ledger, corridor, clock=lambda: BUSINESS_DAY))
        for f, cs in FUNDS:
            register_fund(engine, f, cs)
        publish_nav(
            engine,
            classes[0].isin,
            BUSINESS_DAY.date(),
            "1.8734",
            at=BUSINESS_DAY + timedelta(hours=8),
        )
        for n, client in enumerate((wen_li, fenchurch)):
            desk.subscribe(
                f"WEB-S{n}",
                classes[0].isin,
                client.accounts["GBP"],
                Money.of("800.00", "GBP"),
                BUSINESS_DAY.date(),
            )
        assert len(desk.deal(BUSINESS_DAY.date()).dealt) == 2
    engine.dispose()
    page = browser.new_page()
    log_in(page, site, "operator@albion")
    page.click("nav a[href='/funds']")
    expect(page.locator("#funds")).to_contain_text(classes[0].isin)
    expect(page.locator("#holdings tbody tr")).to_have_count(2)
    expect(page.locator("#holdings")).to_contain_text(fenchurch.name)
    expect(page.locator("figure svg.chart")).to_have_count(1)
    expect(page.locator("#orders a[href^='/payments/']")).to_have_count(2)
    page.screenshot(path=str(tmp_path / "funds.png"), full_page=True)
    log_out(page)
    log_in(page, site, "operator@luohu")
    page.goto(f"{site}/funds")
    expect(page.locator("#funds")).to_contain_text(fund.name)
    expect(page.locator("#holdings")).to_contain_text("No holdings of yours.")
    page.close()
