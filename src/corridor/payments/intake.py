"""Taking an instruction in: its own fields, then what the directory knows of it.

Pure: no store, no clock. `problems_of` answers every problem with its field and the ISO
20022 reason code the rejection carries, so a rejected instruction can be answered as
banks answer one (pain.002 / pacs.002).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from corridor.payments.payment import Payment, Problem, check_payment
from corridor.payments.reference import Directory, ReferenceDataError


def canonical(payment: Payment, directory: Directory) -> Payment:
    """A valid payment with its debtor's and creditor's accounts written as the directory
    keeps them (an IBAN in its electronic form, no spaces, upper case), so one account is
    one account to the limits, the monitoring rules and the store, however the
    instruction spelled it."""
    debtor = directory.account_holder(payment.debtor.account)[1].identifier
    creditor = directory.account_holder(payment.creditor.account)[1].identifier
    if (debtor, creditor) == (payment.debtor.account, payment.creditor.account):
        return payment
    return replace(
        payment,
        debtor=replace(payment.debtor, account=debtor),
        creditor=replace(payment.creditor, account=creditor),
    )


def problems_of(payment: Payment, directory: Directory, today: date) -> list[Problem]:
    """Every problem with `payment`: its own fields first (`check_payment`), then, when
    they are sound, its agents, accounts and route in `directory`."""
    return check_payment(payment, today=today) or reference_problems(payment, directory)


def reference_problems(payment: Payment, directory: Directory) -> list[Problem]:
    """What the directory finds wrong: unknown agents (RC01), accounts unknown or held
    elsewhere (AC01 debtor, AC03 creditor), in another currency (AM03), no route (AGNT)."""
    problems = []
    for where, bic in (
        ("debtor_agent", payment.debtor_agent),
        ("creditor_agent", payment.creditor_agent),
    ):
        try:
            directory.institution(bic, field=where)
        except ReferenceDataError as exc:
            problems.append(Problem(where, str(exc), "RC01"))
    if problems:
        return problems
    for role, bic, currency, code in (
        ("debtor", payment.debtor_agent, payment.instructed_amount.currency.code, "AC01"),
        ("creditor", payment.creditor_agent, payment.settlement_currency, "AC03"),
    ):
        party = getattr(payment, role)
        try:
            _client, account = directory.account_holder(party.account)
        except ReferenceDataError as exc:
            problems.append(Problem(f"{role}.account", str(exc), code))
            continue
        if directory.institution(account.servicer_bic).bic11 != directory.institution(bic).bic11:
            problems.append(Problem(f"{role}.account", f"is not held at {bic}", code))
        elif account.currency.code != currency:
            problems.append(
                Problem(f"{role}.account", f"is a {account.currency.code} account", "AM03")
            )
    if problems:
        return problems
    try:
        directory.route(payment.debtor_agent, payment.creditor_agent, payment.settlement_currency)
    except ReferenceDataError as exc:
        problems.append(Problem("creditor_agent", str(exc), "AGNT"))
    return problems
