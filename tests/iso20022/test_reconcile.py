"""Reading the real camt samples, their balances, and matching entries to payments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from corridor.iso20022.reconcile import reconcile_file
from corridor.money import Money
from corridor.payments.lifecycle import Lifecycle
from corridor.payments.payment import Party
from corridor.payments.repository import PaymentRecord
from iso20022.conftest import SAMPLES, demo_payments


class Lookup:
    """Payments held in a list."""

    def __init__(self, records: list[PaymentRecord]) -> None:
        self.records = records

    def by_uetr(self, uetr: str) -> PaymentRecord | None:
        return next((r for r in self.records if r.payment.uetr == uetr), None)

    def by_end_to_end(self, end_to_end_id: str) -> list[PaymentRecord]:
        return [r for r in self.records if r.payment.end_to_end_id == end_to_end_id]

    def on_day(self, day: date) -> list[PaymentRecord]:
        return list(self.records)


def _record(e2e: str, credited: str, value_date: str) -> PaymentRecord:
    base = demo_payments(1)[0]
    payment = replace(
        base,
        end_to_end_id=e2e,
        instructed_amount=Money.of(credited.split(maxsplit=1)[0], "CHF"),
        settlement_currency="CHF",
        creditor=Party("Robert Schneider SA", "CH2909000000250094239", "CH"),
    )
    return PaymentRecord(
        payment,
        Lifecycle.received(datetime(2020, 6, 18, tzinfo=UTC), "test"),
        {"credited": credited, "debited": credited, "value_date": value_date},
    )


def test_every_real_statement_and_notification_is_read_and_balances() -> None:
    """Both camt.053 samples (.02 Finnish, .04 Swiss) add up, forward-valued entries
    counted as the bank counts them; the camt.054 samples are read entry by entry."""
    empty = Lookup([])
    finnish = reconcile_file(SAMPLES / "FI_camt_053_sample.xml", empty)
    swiss = reconcile_file(
        SAMPLES / "camt.053_P_CH2909000000250094239_1110092698_0_2020112503071366.xml", empty
    )
    for result, account, closing in (
        (finnish, "FI7433010001222090", "23644.83"),
        (swiss, "CH2909000000250094239", "215112.21"),
    ):
        assert not result.findings, result.findings
        (report,) = result.reports
        assert report.account == account
        assert str(report.closing) == closing
        assert report.balanced is True
    notice = reconcile_file(
        SAMPLES / "200519_camt.054_P_CH2909000000250094239_1111091335_0_2020061900081727.xml", empty
    )
    assert notice.message_type == "camt.054"
    assert notice.count("unmatched") == 2  # one entry batching two transactions
    returns = reconcile_file(
        SAMPLES / "camt054-returns_p_ch5109000000250092291_1110097606_0_2020112500512470.xml", empty
    )
    (match,) = returns.matches
    assert match.entry.reversal
    assert match.transaction.return_reason == "AC01"
    assert match.transaction.end_to_end_id == "EndToEndId-001-03-04"


def test_matched_amount_differences_and_unmatched() -> None:
    """The Swiss notification's two transactions against payments: one right, one off by
    a fee; with no payment for an end-to-end id, the entry is unmatched."""
    path = SAMPLES / "200519_camt.054_P_CH2909000000250094239_1111091335_0_2020061900081727.xml"
    e2e = "1006265-aic5dL-75dzf3jk9-cf2d5e9"
    right = _record(e2e, "778.29 CHF", "2020-06-18")
    result = reconcile_file(path, Lookup([right]))
    outcomes = sorted((m.outcome, m.how) for m in result.matches)
    assert ("matched", "end_to_end_id") in outcomes
    off = _record(e2e, "780.29 CHF", "2020-06-18")
    result = reconcile_file(path, Lookup([off]))
    (difference,) = [m for m in result.matches if m.outcome == "amount_difference"]
    assert str(difference.difference) == "-2.00"
    assert result.count("unmatched") == 1
