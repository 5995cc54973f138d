"""Reference data: BICs, GB IBANs, HK and mainland accounts, the directory and routing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.money import Money, currency
from corridor.payments.reference import (
    AmbiguousBicError,
    Client,
    CnAccount,
    Correspondent,
    Directory,
    DuplicateReferenceError,
    GbAccount,
    HkAccount,
    InconsistentReferenceError,
    Institution,
    InstitutionRole,
    InvalidAccountNumberError,
    InvalidBankCodeError,
    InvalidBicError,
    InvalidFieldError,
    InvalidIbanError,
    LimitKind,
    NoRouteError,
    ReferenceDataError,
    UnknownClientError,
    UnknownInstitutionError,
    parse_bic,
    route_agents,
)

GBP = currency("GBP")
VALID_IBAN = "GB82WEST12345698765432"


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def barclays() -> Institution:
    return Institution.of("BARCGB22", "Barclays Bank", ["GBP", "HKD"], ["originating"])


def hsbc_hk() -> Institution:
    roles = ["correspondent", "intermediary"]
    return Institution.of("HSBCHKHHHKH", "HSBC Hong Kong", ["GBP", "HKD", "CNY"], roles)


def boc_hk() -> Institution:
    roles = ["correspondent", "intermediary"]
    return Institution.of("BKCHHKHH", "Bank of China (Hong Kong)", ["GBP", "HKD", "CNY"], roles)


def icbc_shenzhen() -> Institution:
    return Institution.of("ICBKCNBJSZN", "ICBC Shenzhen", ["CNY", "GBP"], ["beneficiary"])


def hang_seng() -> Institution:
    return Institution.of("HASEHKHH", "Hang Seng Bank", ["GBP", "HKD"], ["beneficiary"])


def corridor(*extra: Institution) -> Directory:
    """London -> Hong Kong (HSBC) -> Luohu, in GBP: the textbook chain."""
    return Directory(
        [barclays(), hsbc_hk(), icbc_shenzhen(), *extra],
        [
            Correspondent("HSBCHKHHHKH", "BARCGB22", gbp("5000000")),
            Correspondent("HSBCHKHHHKH", "ICBKCNBJSZN", gbp("2000000"), LimitKind.CREDIT_LINE),
        ],
    )


# --- BICs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bic", "country", "bic8", "bic11"),
    [
        ("BARCGB22", "GB", "BARCGB22", "BARCGB22XXX"),
        ("HSBCHKHHHKH", "HK", "HSBCHKHH", "HSBCHKHHHKH"),
        ("ICBKCNBJSZN", "CN", "ICBKCNBJ", "ICBKCNBJSZN"),
        ("barcgb22xxx", "GB", "BARCGB22", "BARCGB22XXX"),
    ],
)
def test_a_valid_bic_gives_the_institution_its_country(
    bic: str, country: str, bic8: str, bic11: str
) -> None:
    bank = Institution.of(bic, "A bank", ["GBP"], ["correspondent"])
    assert bank.bic == bic.upper()
    assert (bank.country, bank.bic8, bank.bic11) == (country, bic8, bic11)


@pytest.mark.parametrize(
    ("bic", "why"),
    [
        ("BARCGB2", "has 7 characters"),
        ("BARCGB22X", "has 9 characters"),
        ("BARCGB22XXXX", "has 12 characters"),
        ("BARCXX22", "country code 'XX'"),
        ("1ARCGB22", "is not 4 letters"),
        ("BARCGB2!", "is not 4 letters"),
        ("", "has 0 characters"),
    ],
)
def test_an_invalid_bic_is_rejected_naming_the_field_and_why(bic: str, why: str) -> None:
    with pytest.raises(InvalidBicError, match=why) as caught:
        Institution.of(bic, "A bank", ["GBP"], ["correspondent"])
    assert caught.value.field == "bic"
    assert str(caught.value).startswith("bic: ")
    assert isinstance(caught.value, ValueError)


def test_a_bic_that_is_not_text_is_rejected() -> None:
    with pytest.raises(InvalidBicError, match="expected text"):
        parse_bic(12345678, field="owner_bic")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 141}, "name"),
        ({"currencies": []}, "currencies"),
        ({"currencies": "GBP"}, "currencies"),
        ({"currencies": ["GBX"]}, "currencies"),
        ({"roles": ["treasurer"]}, "roles"),
        ({"roles": "originating"}, "roles"),
        ({"roles": []}, "roles"),
    ],
)
def test_an_institution_rejects_each_bad_field(kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "bic": "BARCGB22",
        "name": "Barclays",
        "currencies": ["GBP"],
        "roles": ["originating"],
    }
    with pytest.raises(InvalidFieldError) as caught:
        Institution.of(**(values | kwargs))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_institution_holds_currencies_and_plays_roles() -> None:
    bank = hsbc_hk()
    assert bank.holds(GBP)
    assert not bank.holds(currency("USD"))
    assert bank.acts_as(InstitutionRole.INTERMEDIARY)
    assert not bank.acts_as(InstitutionRole.ORIGINATING)


# --- GB IBANs ---------------------------------------------------------------------------


def test_the_well_known_gb_iban_is_valid_and_split_into_its_parts() -> None:
    account = GbAccount("gb82 west 1234 5698 7654 32", "WESTGB22")
    assert account.iban == VALID_IBAN
    assert account.identifier == VALID_IBAN
    assert (account.bank_code, account.sort_code, account.account_number) == (
        "WEST",
        "123456",
        "98765432",
    )
    assert account.formatted == "GB82 WEST 1234 5698 7654 32"
    assert account.currency == GBP
    assert account.country == "GB"


@pytest.mark.parametrize("position", [2, 3, *range(8, 22)])
def test_one_wrong_digit_fails_the_checksum(position: int) -> None:
    digit = VALID_IBAN[position]
    wrong = VALID_IBAN[:position] + str((int(digit) + 1) % 10) + VALID_IBAN[position + 1 :]
    with pytest.raises(InvalidIbanError, match="do not match") as caught:
        GbAccount(wrong, "WESTGB22")
    assert caught.value.field == "iban"


def test_a_changed_letter_in_the_bank_code_fails_the_checksum() -> None:
    with pytest.raises(InvalidIbanError, match="do not match"):
        GbAccount("GB82WEBT12345698765432", "WEBTGB22")


def test_two_swapped_digits_fail_the_checksum() -> None:
    with pytest.raises(InvalidIbanError, match="swapped"):
        GbAccount("GB82WEST12345698765423", "WESTGB22")


@pytest.mark.parametrize(
    ("iban", "why"),
    [
        ("DE89370400440532013000", "not a GB IBAN"),
        ("GB82WEST1234569876543", "has 21 characters"),
        ("GB82WEST123456987654321", "has 23 characters"),
        ("GB82WE5T12345698765432", "bank code 'WE5T'"),
        ("GB82WEST1234569876543X", "are digits"),
        ("GB82-WEST-1234-5698-7654-32", "not a GB IBAN|characters"),
    ],
)
def test_an_invalid_gb_iban_is_rejected_saying_why(iban: str, why: str) -> None:
    with pytest.raises(InvalidIbanError, match=why) as caught:
        GbAccount(iban, "WESTGB22")
    assert caught.value.field == "iban"


def test_a_gb_iban_carries_its_banks_code() -> None:
    with pytest.raises(InconsistentReferenceError, match="bank code WEST") as caught:
        GbAccount(VALID_IBAN, "BARCGB22")
    assert caught.value.field == "iban"


def test_a_gb_account_is_at_a_gb_bank() -> None:
    with pytest.raises(InconsistentReferenceError, match="HK bank") as caught:
        GbAccount(VALID_IBAN, "HSBCHKHH")
    assert caught.value.field == "servicer_bic"


# --- HK accounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "digits", "formatted"),
    [
        ("004-123-456789", "004123456789", "004-123-456789"),
        ("004123456789", "004123456789", "004-123-456789"),
        ("012 875 1234567", "0128751234567", "012-875-1234567"),
        ("024-500-456789001", "024500456789001", "024-500-456789001"),
    ],
)
def test_an_hk_account_is_bank_branch_account(written: str, digits: str, formatted: str) -> None:
    account = HkAccount(written, "HSBCHKHH")
    assert account.number == account.identifier == digits
    assert account.formatted == formatted
    assert (account.bank_code, account.branch_code) == (digits[:3], digits[3:6])
    assert account.currency.code == "HKD"


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("004-123-45678", "has 11 digits"),
        ("004-123-4567890123", "has 16 digits"),
        ("004-123-45678A", "other than digits"),
        ("004/123/456789", "other than digits"),
        ("００４１２３４５６７８９", "other than digits"),
        ("", "has 0 digits"),
    ],
)
def test_an_invalid_hk_account_is_rejected_with_the_rule(written: str, why: str) -> None:
    with pytest.raises(InvalidAccountNumberError, match=why) as caught:
        HkAccount(written, "HSBCHKHH")
    assert caught.value.field == "number"
    assert "3-digit bank code, a 3-digit branch code" in str(caught.value)


def test_an_hk_account_may_hold_offshore_renminbi_at_an_hk_bank() -> None:
    assert HkAccount("004-123-456789", "HSBCHKHH", currency("CNH")).currency.code == "CNH"
    with pytest.raises(InconsistentReferenceError, match="GB bank"):
        HkAccount("004-123-456789", "BARCGB22")


# --- Mainland accounts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["6222 0212 3456 7890 123", "12345678", "1" * 30, "6222021234567890123"]
)
def test_a_mainland_account_is_8_to_30_digits(written: str) -> None:
    account = CnAccount(written, "102584002018", "ICBKCNBJSZN")
    assert account.number == written.replace(" ", "")
    assert account.currency.code == "CNY"


@pytest.mark.parametrize(
    ("written", "why"),
    [("1234567", "has 7 digits"), ("1" * 31, "has 31 digits"), ("6222O212", "other than")],
)
def test_an_invalid_mainland_account_is_rejected(written: str, why: str) -> None:
    with pytest.raises(InvalidAccountNumberError, match=why) as caught:
        CnAccount(written, "102584002018", "ICBKCNBJSZN")
    assert caught.value.field == "number"
    assert "8 to 30 digits" in str(caught.value)


@pytest.mark.parametrize("cnaps", ["10258400201", "1025840020189", "10258400201X", ""])
def test_a_cnaps_bank_code_is_12_digits(cnaps: str) -> None:
    with pytest.raises(InvalidBankCodeError, match="exactly 12 digits") as caught:
        CnAccount("6222021234567890123", cnaps, "ICBKCNBJSZN")
    assert caught.value.field == "cnaps_code"


def test_a_mainland_account_holds_cny_not_cnh_at_a_mainland_bank() -> None:
    with pytest.raises(InvalidFieldError, match="offshore"):
        CnAccount("6222021234567890123", "102584002018", "ICBKCNBJSZN", currency("CNH"))
    with pytest.raises(InconsistentReferenceError, match="HK bank"):
        CnAccount("6222021234567890123", "102584002018", "HSBCHKHH")


# --- Clients ----------------------------------------------------------------------------


def test_a_client_holds_accounts_found_by_iban_or_number() -> None:
    gb = GbAccount("GB33BUKB20201555555555", "BUKBGB22")
    hk = HkAccount("004-123-456789", "HSBCHKHH")
    client = Client("C-001", "Li Wei", (gb, hk))
    assert client.account("GB33 BUKB 2020 1555 5555 55") is gb
    assert client.account("004-123-456789") is hk
    with pytest.raises(UnknownClientError):
        client.account("999")


def test_a_client_needs_an_id_a_name_and_distinct_accounts() -> None:
    hk = HkAccount("004-123-456789", "HSBCHKHH")
    with pytest.raises(InvalidFieldError, match="client_id"):
        Client("", "Li Wei", (hk,))
    with pytest.raises(InvalidFieldError, match="name"):
        Client("C-1", "", (hk,))
    with pytest.raises(InvalidFieldError, match="at least one account"):
        Client("C-1", "Li Wei", ())
    with pytest.raises(DuplicateReferenceError, match="twice"):
        Client("C-1", "Li Wei", (hk, HkAccount("004123456789", "HSBCHKHH")))


def test_the_directory_keeps_clients_at_known_banks_that_hold_the_currency() -> None:
    directory = corridor()
    cn = CnAccount("6222021234567890123", "102584002018", "ICBKCNBJSZN")
    directory.add_client(Client("C-1", "Wang Fang", (cn,)))
    assert directory.client("C-1").accounts == (cn,)
    with pytest.raises(DuplicateReferenceError):
        directory.add_client(Client("C-1", "Wang Fang", (cn,)))
    with pytest.raises(UnknownClientError):
        directory.client("C-2")
    with pytest.raises(UnknownInstitutionError) as caught:
        directory.add_client(Client("C-3", "Ann", (GbAccount(VALID_IBAN, "WESTGB22"),)))
    assert caught.value.field == "accounts[0].servicer_bic"
    usd = HkAccount("004-123-456789", "HSBCHKHH", currency("USD"))
    with pytest.raises(InconsistentReferenceError, match="does not hold USD"):
        directory.add_client(Client("C-4", "Chan", (usd,)))


# --- Directory --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("BARCGB22", "BARCGB22"),
        ("BARCGB22XXX", "BARCGB22"),
        ("barcgb22", "BARCGB22"),
        ("HSBCHKHHHKH", "HSBCHKHHHKH"),
        ("HSBCHKHH", "HSBCHKHHHKH"),  # a BIC8 names the bank: its one registered office
        ("ICBKCNBJ", "ICBKCNBJSZN"),
    ],
)
def test_lookup_by_bic8_and_bic11(query: str, found: str) -> None:
    assert corridor().institution(query).bic == found


def test_lookup_of_an_unknown_or_ambiguous_bic() -> None:
    head_office = Institution.of("ICBKCNBJ", "ICBC", ["CNY"], ["correspondent"])
    directory = corridor(head_office)
    assert directory.institution("ICBKCNBJ").bic == "ICBKCNBJ"
    assert directory.institution("ICBKCNBJSZN").bic == "ICBKCNBJSZN"
    with pytest.raises(AmbiguousBicError, match="several offices"):
        directory.institution("ICBKCNBJSHA")
    with pytest.raises(UnknownInstitutionError, match="DEUTDEFF") as caught:
        directory.institution("DEUTDEFF", field="creditor_agent_bic")
    assert caught.value.field == "creditor_agent_bic"


def test_each_institution_and_account_is_registered_once() -> None:
    directory = corridor()
    with pytest.raises(DuplicateReferenceError, match="already registered"):
        directory.add_institution(
            Institution.of("BARCGB22XXX", "Barclays again", ["GBP"], ["originating"])
        )
    with pytest.raises(DuplicateReferenceError, match="already holds a GBP account"):
        directory.add_correspondent(Correspondent("HSBCHKHH", "BARCGB22XXX", gbp("1")))


def test_a_correspondent_account_is_between_known_banks_holding_its_currency() -> None:
    directory = corridor()
    with pytest.raises(UnknownInstitutionError) as caught:
        directory.add_correspondent(Correspondent("DEUTDEFF", "BARCGB22", gbp("1")))
    assert caught.value.field == "servicer_bic"
    cny = Money.of("1000", "CNY")
    with pytest.raises(InconsistentReferenceError, match="BARCGB22 does not hold CNY"):
        directory.add_correspondent(Correspondent("HSBCHKHHHKH", "BARCGB22", cny))
    with pytest.raises(InvalidFieldError, match="with itself"):
        Correspondent("BARCGB22", "BARCGB22XXX", gbp("1"))
    with pytest.raises(InvalidFieldError, match="negative"):
        Correspondent("HSBCHKHH", "BARCGB22", gbp("-1"))
    with pytest.raises(InvalidFieldError, match="minor units"):
        Correspondent("HSBCHKHH", "BARCGB22", gbp("0.001"))
    with pytest.raises(InvalidFieldError, match="kind of limit"):
        Correspondent("HSBCHKHH", "BARCGB22", gbp("1"), "overdraft")  # type: ignore[arg-type]


def test_a_registered_account_names_the_banks_as_registered() -> None:
    directory = Directory([barclays(), hsbc_hk()])
    account = directory.add_correspondent(Correspondent("HSBCHKHH", "BARCGB22XXX", gbp("10")))
    assert (account.servicer_bic, account.owner_bic) == ("HSBCHKHHHKH", "BARCGB22")
    assert directory.correspondents == (account,)
    assert [b.bic for b in directory.institutions] == ["BARCGB22", "HSBCHKHHHKH"]


# --- Routing ----------------------------------------------------------------------------


def test_a_direct_route_over_the_senders_nostro() -> None:
    [hop] = corridor().route("BARCGB22", "HSBCHKHHHKH", "GBP")
    assert (hop.sender.bic, hop.receiver.bic) == ("BARCGB22", "HSBCHKHHHKH")
    assert hop.over_senders_nostro
    assert str(hop) == "BARCGB22 -> HSBCHKHHHKH (GBP, on BARCGB22's account at HSBCHKHHHKH)"


def test_a_direct_route_over_the_receivers_vostro() -> None:
    [hop] = corridor().route("HSBCHKHH", "BARCGB22", GBP)
    assert (hop.sender.bic, hop.receiver.bic) == ("HSBCHKHHHKH", "BARCGB22")
    assert not hop.over_senders_nostro


def test_london_to_luohu_through_hong_kong() -> None:
    hops = corridor().route("BARCGB22", "ICBKCNBJSZN", "GBP")
    assert [(h.sender.bic, h.receiver.bic) for h in hops] == [
        ("BARCGB22", "HSBCHKHHHKH"),
        ("HSBCHKHHHKH", "ICBKCNBJSZN"),
    ]
    assert [h.account.limit_kind for h in hops] == [LimitKind.LIQUIDITY, LimitKind.CREDIT_LINE]
    assert [bank.bic for bank in route_agents(hops)] == ["BARCGB22", "HSBCHKHHHKH", "ICBKCNBJSZN"]


def test_the_same_bank_at_both_ends_is_on_us() -> None:
    assert corridor().route("BARCGB22", "BARCGB22XXX", "GBP") == []
    assert route_agents([]) == []


def test_the_direct_route_beats_a_shorter_named_intermediary() -> None:
    directory = corridor(boc_hk())
    directory.add_correspondent(Correspondent("BKCHHKHH", "BARCGB22", gbp("100")))
    directory.add_correspondent(Correspondent("BKCHHKHH", "HSBCHKHHHKH", gbp("100")))
    [hop] = directory.route("BARCGB22", "HSBCHKHHHKH", "GBP")
    assert hop.receiver.bic == "HSBCHKHHHKH"


def with_two_hong_kong_banks(order: list[int]) -> Directory:
    banks = [barclays(), hsbc_hk(), boc_hk(), icbc_shenzhen()]
    accounts = [
        Correspondent("HSBCHKHHHKH", "BARCGB22", gbp("5000000")),
        Correspondent("HSBCHKHHHKH", "ICBKCNBJSZN", gbp("2000000")),
        Correspondent("BKCHHKHH", "BARCGB22", gbp("5000000")),
        Correspondent("ICBKCNBJSZN", "BKCHHKHH", gbp("2000000")),
    ]
    return Directory([banks[i] for i in order], [accounts[i] for i in order])


def test_a_tie_goes_to_the_smaller_bic() -> None:
    hops = with_two_hong_kong_banks([0, 1, 2, 3]).route("BARCGB22", "ICBKCNBJSZN", "GBP")
    assert [bank.bic for bank in route_agents(hops)] == ["BARCGB22", "BKCHHKHH", "ICBKCNBJSZN"]
    assert hops[1].over_senders_nostro  # ICBC debits BOCHK's account on its own books


@given(st.permutations([0, 1, 2, 3]))
def test_the_tie_break_does_not_depend_on_registration_order(order: list[int]) -> None:
    hops = with_two_hong_kong_banks(order).route("BARCGB22", "ICBKCNBJSZN", "GBP")
    assert [bank.bic for bank in route_agents(hops)] == ["BARCGB22", "BKCHHKHH", "ICBKCNBJSZN"]


def test_the_senders_nostro_is_preferred_when_the_pair_has_both() -> None:
    directory = corridor()
    directory.add_correspondent(Correspondent("BARCGB22", "HSBCHKHHHKH", gbp("100")))
    [there] = directory.route("BARCGB22", "HSBCHKHH", "GBP")
    [back] = directory.route("HSBCHKHH", "BARCGB22", "GBP")
    assert there.over_senders_nostro
    assert back.over_senders_nostro


def test_an_account_too_small_for_the_amount_is_not_used() -> None:
    directory = with_two_hong_kong_banks([0, 1, 2, 3])
    directory.add_correspondent(Correspondent("ICBKCNBJSZN", "HSBCHKHHHKH", gbp("3000000")))
    hops = directory.route("BARCGB22", "ICBKCNBJSZN", "GBP", amount=gbp("2500000"))
    assert [bank.bic for bank in route_agents(hops)] == ["BARCGB22", "HSBCHKHHHKH", "ICBKCNBJSZN"]
    with pytest.raises(NoRouteError, match=r"with room for 6,000,000\.00 GBP"):
        directory.route("BARCGB22", "ICBKCNBJSZN", "GBP", amount=gbp("6000000"))
    with pytest.raises(InvalidFieldError, match="not in GBP"):
        directory.route("BARCGB22", "ICBKCNBJSZN", "GBP", amount=Money.of(1, "HKD"))


def test_no_route_in_a_currency_a_bank_does_not_hold() -> None:
    with pytest.raises(NoRouteError, match="BARCGB22 does not hold CNY") as caught:
        corridor().route("BARCGB22", "ICBKCNBJSZN", "CNY")
    assert caught.value.field == "creditor_agent_bic"
    assert isinstance(caught.value, ReferenceDataError)


def test_no_route_without_enough_intermediaries() -> None:
    with pytest.raises(NoRouteError, match="at most 0 intermediaries"):
        corridor().route("BARCGB22", "ICBKCNBJSZN", "GBP", max_intermediaries=0)
    with pytest.raises(InvalidFieldError, match="max_intermediaries"):
        corridor().route("BARCGB22", "ICBKCNBJSZN", "GBP", max_intermediaries=4)


def test_a_bank_that_only_receives_passes_nothing_on() -> None:
    directory = Directory(
        [barclays(), hang_seng(), icbc_shenzhen()],
        [
            Correspondent("HASEHKHH", "BARCGB22", gbp("100")),
            Correspondent("HASEHKHH", "ICBKCNBJSZN", gbp("100")),
        ],
    )
    with pytest.raises(NoRouteError, match="at most 1 intermediary"):
        directory.route("BARCGB22", "ICBKCNBJSZN", "GBP")


def test_a_longer_chain_needs_more_intermediaries() -> None:
    directory = Directory(
        [barclays(), hsbc_hk(), boc_hk(), icbc_shenzhen()],
        [
            Correspondent("HSBCHKHHHKH", "BARCGB22", gbp("100")),
            Correspondent("BKCHHKHH", "HSBCHKHHHKH", gbp("100")),
            Correspondent("BKCHHKHH", "ICBKCNBJSZN", gbp("100")),
        ],
    )
    with pytest.raises(NoRouteError):
        directory.route("BARCGB22", "ICBKCNBJSZN", "GBP")
    hops = directory.route("BARCGB22", "ICBKCNBJSZN", "GBP", max_intermediaries=2)
    assert [bank.bic for bank in route_agents(hops)] == [
        "BARCGB22",
        "HSBCHKHHHKH",
        "BKCHHKHH",
        "ICBKCNBJSZN",
    ]


def test_routing_from_an_unknown_bank_names_the_field() -> None:
    with pytest.raises(UnknownInstitutionError) as caught:
        corridor().route("DEUTDEFF", "ICBKCNBJSZN", "GBP")
    assert caught.value.field == "debtor_agent_bic"
    with pytest.raises(InvalidBicError) as bad:
        corridor().route("BARCGB22", "ICBK", "GBP")
    assert bad.value.field == "creditor_agent_bic"
