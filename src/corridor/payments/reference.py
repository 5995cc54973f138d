"""Reference data for the corridor: banks, their correspondent accounts, clients, routes.

An `Institution` is a bank known by its BIC (ISO 9362, checked with schwifty); a
`Correspondent` is an account one bank services for another in one currency, with the
limit it lets that account carry; a `Client` holds accounts written the way the client's
country writes them (a GB IBAN, an HK bank-branch-account number, a mainland account
number with the bank's CNAPS code). A `Directory` holds all three, keeps them consistent
with one another, and finds the route a payment takes from bank to bank.

Every input is checked when the value is made; a rejection is a `ReferenceDataError`
naming the field that is wrong and why.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar

from schwifty import BIC, IBAN
from schwifty.exceptions import (
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    SchwiftyException,
)

from corridor.compliance.limits import ClientLimits
from corridor.money import Currency, Money, MoneyError, currency

MAX_NAME = 140  # ISO 20022 Max140Text: institution and party names
MAX_CLIENT_ID = 35  # Max35Text
MAX_INTERMEDIARIES = 3  # pacs.008 carries IntrmyAgt1..3


class ReferenceDataError(ValueError):
    """Reference data is accepted whole or not at all: each rejection names its field and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidBicError(ReferenceDataError):
    """A BIC (ISO 9362) is 8 or 11 characters: a 4-letter institution code, an ISO 3166
    country code, a 2-character location code and, in a BIC11, a 3-character branch code."""


class InvalidIbanError(ReferenceDataError):
    """A GB account is a GB IBAN (ISO 13616): 22 characters, mod-97 check digits that
    match, a 4-letter bank code, a 6-digit sort code and an 8-digit account number."""


class InvalidAccountNumberError(ReferenceDataError):
    """An HK account number is a 3-digit bank code, a 3-digit branch code and a 6- to
    9-digit account number; a mainland account number is 8 to 30 digits."""


class InvalidBankCodeError(ReferenceDataError):
    """A mainland bank (branch) is identified by its CNAPS code: exactly 12 digits."""


class InvalidFieldError(ReferenceDataError):
    """Every other field holds a value of its kind: a name of 1 to 140 characters, at
    least one currency, at least one known role, a limit that is whole minor units and not
    negative, a client id of 1 to 35 characters."""


class InconsistentReferenceError(ReferenceDataError):
    """Reference data agrees with itself: an account is at a bank of its own country that
    holds its currency (a GB IBAN carries its bank's code), and a correspondent account is
    between two known, different banks that both hold its currency."""


class DuplicateReferenceError(ReferenceDataError):
    """An institution (by BIC11), a correspondent account (servicer, owner, currency) and a
    client (by id) are each registered once."""


class UnknownInstitutionError(ReferenceDataError):
    """A BIC looks up an institution the directory holds (see `Directory.institution`)."""


class AmbiguousBicError(ReferenceDataError):
    """A BIC that is not registered itself names an institution only when exactly one
    registered office shares its BIC8."""


class UnknownClientError(ReferenceDataError):
    """A client is looked up by an id the directory holds."""


class NoRouteError(ReferenceDataError):
    """A payment travels only over correspondent accounts in its own currency (each able to
    carry the amount, when one is given), through at most `max_intermediaries` banks that act
    as intermediaries or correspondents."""


def parse_bic(value: str, *, field: str = "bic") -> str:
    """The BIC in compact upper-case form (8 or 11 characters), or InvalidBicError on `field`.

    Checked by schwifty under SWIFT's policy (letters only in the institution code).
    """
    if not isinstance(value, str):
        raise InvalidBicError(field, f"{value!r} is not a BIC: expected text")
    return _checked_bic(value, field)


# Every payment names its banks several times over; a BIC checked once stays checked.
@lru_cache(maxsize=4096)
def _checked_bic(value: str, field: str) -> str:
    try:
        bic = BIC(value, enforce_swift_compliance=True)
    except InvalidLength:
        reason = (
            f"has {len(value.replace(' ', ''))} characters; a BIC has 8, or 11 with a branch code"
        )
        raise InvalidBicError(field, f"{value!r} {reason}") from None
    except InvalidCountryCode:
        country = value.strip().upper()[4:6]
        reason = f"country code {country!r} (characters 5-6) is not an ISO 3166 country"
        raise InvalidBicError(field, f"{value!r}: {reason}") from None
    except SchwiftyException:
        reason = (
            "is not 4 letters (institution), 2 letters (country), 2 letters or digits"
            " (location) and optionally 3 letters or digits (branch)"
        )
        raise InvalidBicError(field, f"{value!r} {reason}") from None
    return str(bic.compact)


def bic11(bic: str) -> str:
    """A valid compact BIC as 11 characters: a BIC8 names the head office, branch XXX."""
    return bic if len(bic) == 11 else bic + "XXX"


def _currency(value: str | Currency, field: str) -> Currency:
    if isinstance(value, Currency):
        return value
    try:
        return currency(value)
    except MoneyError as exc:
        raise InvalidFieldError(field, str(exc)) from None


def _name(value: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise InvalidFieldError(field, f"{value!r} is not a name of 1 to {MAX_NAME} characters")
    return value.strip()


def _currencies(values: Iterable[str | Currency]) -> frozenset[Currency]:
    if isinstance(values, str):
        raise InvalidFieldError("currencies", f"{values!r} is one code; pass a collection of codes")
    held = frozenset(values)
    if not held:
        raise InvalidFieldError("currencies", f"{values!r}: a bank holds at least one currency")
    return frozenset(_currency(c, "currencies") for c in held)


def _roles(values: Iterable[str | InstitutionRole]) -> frozenset[InstitutionRole]:
    if isinstance(values, str):
        raise InvalidFieldError("roles", f"{values!r} is one role; pass a collection of roles")
    roles: set[InstitutionRole] = set()
    for value in values:
        try:
            roles.add(InstitutionRole(value))
        except ValueError:
            known = ", ".join(r.value for r in InstitutionRole)
            raise InvalidFieldError("roles", f"{value!r} is not a role ({known})") from None
    if not roles:
        raise InvalidFieldError("roles", "a bank plays at least one role")
    return frozenset(roles)


class InstitutionRole(StrEnum):
    """What a bank does in the corridor; one bank may play several roles."""

    ORIGINATING = "originating"
    """Debtor agent: services the payer's account."""
    INTERMEDIARY = "intermediary"
    """Passes payments on between two other banks."""
    BENEFICIARY = "beneficiary"
    """Creditor agent: services the payee's account."""
    CORRESPONDENT = "correspondent"
    """Services other banks' accounts (their nostros, its vostros)."""


@dataclass(frozen=True, slots=True)
class Institution:
    """A bank: its BIC, its name, the currencies it holds accounts in and its roles.

    Its country is the BIC's (characters 5-6). Values are checked and normalised when it
    is made: the BIC compact and upper case, currency codes as Currency, roles as enum.
    """

    bic: str
    name: str
    currencies: frozenset[Currency]
    roles: frozenset[InstitutionRole]

    def __post_init__(self) -> None:
        object.__setattr__(self, "bic", parse_bic(self.bic))
        object.__setattr__(self, "name", _name(self.name, "name"))
        object.__setattr__(self, "currencies", _currencies(self.currencies))
        object.__setattr__(self, "roles", _roles(self.roles))

    @classmethod
    def of(
        cls,
        bic: str,
        name: str,
        currencies: Iterable[str | Currency],
        roles: Iterable[str | InstitutionRole],
    ) -> Institution:
        """An institution from plain values: currency codes and role names are accepted."""
        return cls(bic, name, _currencies(currencies), _roles(roles))

    @property
    def country(self) -> str:
        """The ISO 3166 alpha-2 country of the BIC."""
        return self.bic[4:6]

    @property
    def bic8(self) -> str:
        """The institution code, country and location: the bank, any branch."""
        return self.bic[:8]

    @property
    def bic11(self) -> str:
        """The BIC as 11 characters (a BIC8 is its head office, XXX)."""
        return bic11(self.bic)

    def holds(self, ccy: Currency) -> bool:
        """Whether the bank holds accounts in `ccy`."""
        return ccy in self.currencies

    def acts_as(self, role: InstitutionRole) -> bool:
        """Whether the bank plays `role`."""
        return role in self.roles


class LimitKind(StrEnum):
    """What bounds a correspondent account."""

    LIQUIDITY = "liquidity"
    """The owner's prefunded balance: the servicer pays out no more than is there."""
    CREDIT_LINE = "credit_line"
    """An overdraft the servicer grants the owner."""


@dataclass(frozen=True, slots=True)
class Correspondent:
    """An account the servicer holds for the owner in one currency, up to `limit`.

    To the owner it is a nostro ("ours, with you"); to the servicer a vostro ("yours,
    with us"). Either way the two banks can settle a payment between them in that currency.
    """

    servicer_bic: str
    owner_bic: str
    limit: Money
    limit_kind: LimitKind = LimitKind.LIQUIDITY

    def __post_init__(self) -> None:
        servicer = parse_bic(self.servicer_bic, field="servicer_bic")
        owner = parse_bic(self.owner_bic, field="owner_bic")
        object.__setattr__(self, "servicer_bic", servicer)
        object.__setattr__(self, "owner_bic", owner)
        if bic11(servicer) == bic11(owner):
            raise InvalidFieldError("owner_bic", f"{owner} cannot hold an account with itself")
        if not isinstance(self.limit, Money):
            raise InvalidFieldError("limit", f"{self.limit!r} is not Money")
        if self.limit.is_negative():
            raise InvalidFieldError("limit", f"{self.limit} is negative")
        try:
            self.limit.to_minor_units()
        except MoneyError:
            raise InvalidFieldError("limit", f"{self.limit} is finer than minor units") from None
        try:
            object.__setattr__(self, "limit_kind", LimitKind(self.limit_kind))
        except ValueError:
            kinds = ", ".join(k.value for k in LimitKind)
            raise InvalidFieldError(
                "limit_kind", f"{self.limit_kind!r} is not a kind of limit ({kinds})"
            ) from None

    @property
    def currency(self) -> Currency:
        """The account's currency: its limit's."""
        return self.limit.currency

    def can_carry(self, amount: Money) -> bool:
        """Whether a payment of `amount` (same currency) fits within the limit."""
        return amount <= self.limit


@dataclass(frozen=True, slots=True)
class Hop:
    """One leg of a route: `sender` instructs `receiver`, settled over `account`."""

    sender: Institution
    receiver: Institution
    account: Correspondent

    def __str__(self) -> str:
        """'BARCGB22 -> HSBCHKHHHKH (GBP, on BARCGB22's account at HSBCHKHHHKH)'."""
        account = self.account
        return (
            f"{self.sender.bic} -> {self.receiver.bic} ({account.currency.code},"
            f" on {account.owner_bic}'s account at {account.servicer_bic})"
        )

    @property
    def over_senders_nostro(self) -> bool:
        """True when the receiver debits the sender's account with it; False when the
        sender credits the receiver's account on its own books."""
        return bic11(self.account.owner_bic) == self.sender.bic11


_SEPARATORS = re.compile(r"[ -]")
_ASCII_DIGITS = re.compile(r"[0-9]*")
_HK_ACCOUNT = re.compile(r"(\d{3})(\d{3})(\d{6,9})")
_CN_ACCOUNT = re.compile(r"\d{8,30}")
_CNAPS = re.compile(r"\d{12}")
_GBP, _HKD, _CNY = currency("GBP"), currency("HKD"), currency("CNY")


def _digits(value: str, field: str, rule: str) -> str:
    if not isinstance(value, str):
        raise InvalidAccountNumberError(field, f"{value!r} is not text; {rule}")
    digits = _SEPARATORS.sub("", value.strip())
    if not _ASCII_DIGITS.fullmatch(digits):
        raise InvalidAccountNumberError(
            field, f"{value!r} holds characters other than digits, spaces and hyphens; {rule}"
        )
    return digits


def _servicer(bic: str, country: str) -> str:
    servicer = parse_bic(bic, field="servicer_bic")
    if servicer[4:6] != country:
        raise InconsistentReferenceError(
            "servicer_bic",
            f"{servicer} is a {servicer[4:6]} bank; a {country} account is at a {country} bank",
        )
    return servicer


@dataclass(frozen=True, slots=True)
class GbAccount:
    """A UK account, identified by its GB IBAN (GBkk BBBB SSSSSS AAAAAAAA)."""

    iban: str
    servicer_bic: str
    currency: Currency = _GBP
    country: ClassVar[str] = "GB"

    def __post_init__(self) -> None:
        object.__setattr__(self, "iban", _gb_iban(self.iban))
        object.__setattr__(self, "currency", _currency(self.currency, "currency"))
        servicer = _servicer(self.servicer_bic, self.country)
        object.__setattr__(self, "servicer_bic", servicer)
        if self.bank_code != servicer[:4]:
            raise InconsistentReferenceError(
                "iban",
                f"bank code {self.bank_code} is not its bank's: {servicer} is {servicer[:4]}",
            )

    @property
    def identifier(self) -> str:
        """The account as ISO 20022 identifies it (IBAN)."""
        return self.iban

    @property
    def bank_code(self) -> str:
        """The four letters after the check digits: the bank's BIC institution code."""
        return self.iban[4:8]

    @property
    def sort_code(self) -> str:
        """The six-digit sort code (the branch)."""
        return self.iban[8:14]

    @property
    def account_number(self) -> str:
        """The eight-digit account number."""
        return self.iban[14:]

    @property
    def formatted(self) -> str:
        """The IBAN in groups of four, as printed."""
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


def _gb_iban(value: str) -> str:
    if not isinstance(value, str):
        raise InvalidIbanError("iban", f"{value!r} is not an IBAN: expected text")
    compact = value.replace(" ", "").upper()
    if compact[:2] != "GB":
        raise InvalidIbanError("iban", f"{value!r} is not a GB IBAN (it starts {compact[:2]!r})")
    if len(compact) != 22:
        raise InvalidIbanError("iban", f"{value!r} has {len(compact)} characters; a GB IBAN has 22")
    if not (compact[4:8].isascii() and compact[4:8].isalpha()):
        raise InvalidIbanError(
            "iban", f"bank code {compact[4:8]!r} (characters 5-8) is not four letters"
        )
    if not (compact[2:4] + compact[8:]).isdigit() or not compact.isascii():
        raise InvalidIbanError(
            "iban", f"{value!r}: check digits, sort code and account number are digits"
        )
    try:
        IBAN(compact)
    except InvalidChecksumDigits:
        raise InvalidIbanError(
            "iban",
            f"{value!r}: check digits {compact[2:4]} do not match (mod 97); a character"
            " is wrong or two are swapped",
        ) from None
    except SchwiftyException as exc:
        raise InvalidIbanError("iban", f"{value!r}: {exc}") from None
    return compact


@dataclass(frozen=True, slots=True)
class HkAccount:
    """A Hong Kong account: 3-digit bank code, 3-digit branch code, 6- to 9-digit account.

    Written with or without hyphens or spaces ("004-123-456789" is 12 digits, the common
    form; a 9-digit account makes 15); only the digits are kept, in that order.
    """

    number: str
    servicer_bic: str
    currency: Currency = _HKD
    country: ClassVar[str] = "HK"
    RULE: ClassVar[str] = (
        "an HK account number is a 3-digit bank code, a 3-digit branch code and a 6- to"
        " 9-digit account number (12 to 15 digits; hyphens and spaces may separate them)"
    )

    def __post_init__(self) -> None:
        digits = _digits(self.number, "number", self.RULE)
        if not _HK_ACCOUNT.fullmatch(digits):
            raise InvalidAccountNumberError(
                "number", f"{self.number!r} has {len(digits)} digits; {self.RULE}"
            )
        object.__setattr__(self, "number", digits)
        object.__setattr__(self, "currency", _currency(self.currency, "currency"))
        servicer = _servicer(self.servicer_bic, self.country)
        object.__setattr__(self, "servicer_bic", servicer)

    @property
    def identifier(self) -> str:
        """The account as ISO 20022 identifies it (Othr/Id): the digits."""
        return self.number

    @property
    def bank_code(self) -> str:
        """The HKMA bank code (004 HSBC, 012 Bank of China (Hong Kong), 024 Hang Seng…)."""
        return self.number[:3]

    @property
    def branch_code(self) -> str:
        """The three-digit branch code."""
        return self.number[3:6]

    @property
    def account_number(self) -> str:
        """The account number within the branch."""
        return self.number[6:]

    @property
    def formatted(self) -> str:
        """Bank-branch-account, hyphenated."""
        return f"{self.bank_code}-{self.branch_code}-{self.account_number}"


@dataclass(frozen=True, slots=True)
class CnAccount:
    """A mainland account: 8 to 30 digits (UnionPay / CNAPS account numbers), at the bank
    branch its 12-digit CNAPS code names. It holds onshore CNY (or another currency), never CNH.
    """

    number: str
    cnaps_code: str
    servicer_bic: str
    currency: Currency = _CNY
    country: ClassVar[str] = "CN"
    RULE: ClassVar[str] = "a mainland account number is 8 to 30 digits (spaces may group them)"

    def __post_init__(self) -> None:
        digits = _digits(self.number, "number", self.RULE)
        if not _CN_ACCOUNT.fullmatch(digits):
            raise InvalidAccountNumberError(
                "number", f"{self.number!r} has {len(digits)} digits; {self.RULE}"
            )
        object.__setattr__(self, "number", digits)
        if not isinstance(self.cnaps_code, str) or not _CNAPS.fullmatch(self.cnaps_code):
            raise InvalidBankCodeError(
                "cnaps_code", f"{self.cnaps_code!r} is not a CNAPS bank code (exactly 12 digits)"
            )
        ccy = _currency(self.currency, "currency")
        if ccy.code == "CNH":
            raise InvalidFieldError(
                "currency", "CNH is offshore renminbi; a mainland account holds CNY"
            )
        object.__setattr__(self, "currency", ccy)
        servicer = _servicer(self.servicer_bic, self.country)
        object.__setattr__(self, "servicer_bic", servicer)

    @property
    def identifier(self) -> str:
        """The account as ISO 20022 identifies it (Othr/Id): the digits."""
        return self.number

    @property
    def formatted(self) -> str:
        """The digits in groups of four, as Chinese banks print them."""
        return " ".join(self.number[i : i + 4] for i in range(0, len(self.number), 4))


ClientAccount = GbAccount | HkAccount | CnAccount


@dataclass(frozen=True, slots=True)
class Client:
    """A bank's customer: an id (Max35Text), a name and at least one account."""

    client_id: str
    name: str
    accounts: tuple[ClientAccount, ...]
    limits: ClientLimits | None = None
    """The client's own daily and annual limits, if the bank set any."""

    def __post_init__(self) -> None:
        cid = self.client_id
        if not isinstance(cid, str) or not cid.strip() or len(cid) > MAX_CLIENT_ID:
            raise InvalidFieldError(
                "client_id", f"{cid!r} is not an id of 1 to {MAX_CLIENT_ID} characters"
            )
        object.__setattr__(self, "name", _name(self.name, "name"))
        accounts = tuple(self.accounts)
        if not accounts:
            raise InvalidFieldError("accounts", "a client holds at least one account")
        for i, account in enumerate(accounts):
            if not isinstance(account, GbAccount | HkAccount | CnAccount):
                raise InvalidFieldError(f"accounts[{i}]", f"{account!r} is not a client account")
        keys = [(a.country, a.identifier, a.currency) for a in accounts]
        if len(set(keys)) != len(keys):
            raise DuplicateReferenceError("accounts", "the same account is listed twice")
        object.__setattr__(self, "accounts", accounts)

    def account(self, identifier: str) -> ClientAccount:
        """The client's account with this IBAN or number (first, when several currencies)."""
        wanted = _SEPARATORS.sub("", identifier).upper()
        for account in self.accounts:
            if account.identifier == wanted:
                return account
        raise UnknownClientError("identifier", f"{self.client_id} holds no account {identifier!r}")


class Directory:
    """Institutions, correspondent accounts and clients, consistent with one another.

    Institutions are keyed by BIC11 (a BIC8 is its head office, XXX). `institution(bic)`
    takes a BIC8 or BIC11: the exact office first; else the one registered office that
    shares the BIC8 (a BIC8 names the bank, any branch).
    """

    def __init__(
        self,
        institutions: Iterable[Institution] = (),
        correspondents: Iterable[Correspondent] = (),
        clients: Iterable[Client] = (),
    ) -> None:
        self._institutions: dict[str, Institution] = {}
        self._offices: dict[str, list[str]] = {}  # BIC8 -> BIC11s
        self._accounts: dict[tuple[str, str, str], Correspondent] = {}
        self._clients: dict[str, Client] = {}
        # Looked up for every payment: the account holders by identifier, and the routes
        # found so far (forgotten whenever an account is added, which can change them).
        self._holders: dict[str, tuple[Client, ClientAccount]] = {}
        self._routes: dict[tuple[str, str, str, int], list[Hop]] = {}
        self._named: dict[str, Institution] = {}  # BIC as given → the bank it names
        for institution in institutions:
            self.add_institution(institution)
        for account in correspondents:
            self.add_correspondent(account)
        for client in clients:
            self.add_client(client)

    def add_institution(self, institution: Institution) -> None:
        """Register a bank; its BIC11 must be new."""
        key = institution.bic11
        if key in self._institutions:
            raise DuplicateReferenceError("bic", f"{institution.bic} is already registered")
        self._institutions[key] = institution
        self._offices.setdefault(institution.bic8, []).append(key)
        self._named.clear()

    def add_correspondent(self, account: Correspondent) -> Correspondent:
        """Register a correspondent account between two registered banks that both hold its
        currency; returns it with both BICs as the banks are registered."""
        servicer = self.institution(account.servicer_bic, field="servicer_bic")
        owner = self.institution(account.owner_bic, field="owner_bic")
        if servicer.bic11 == owner.bic11:
            raise InconsistentReferenceError(
                "owner_bic", f"{account.owner_bic} and {account.servicer_bic} are one office"
            )
        for field, bank in (("servicer_bic", servicer), ("owner_bic", owner)):
            if not bank.holds(account.currency):
                raise InconsistentReferenceError(
                    field, f"{bank.bic} does not hold {account.currency.code}"
                )
        key = (servicer.bic11, owner.bic11, account.currency.code)
        if key in self._accounts:
            raise DuplicateReferenceError(
                "owner_bic",
                f"{servicer.bic} already holds a {key[2]} account for {owner.bic}",
            )
        registered = replace(account, servicer_bic=servicer.bic, owner_bic=owner.bic)
        self._accounts[key] = registered
        self._routes.clear()
        return registered

    def add_client(self, client: Client) -> None:
        """Register a client whose every account is at a registered bank holding its currency."""
        if client.client_id in self._clients:
            raise DuplicateReferenceError("client_id", f"{client.client_id!r} is registered")
        for i, account in enumerate(client.accounts):
            bank = self.institution(account.servicer_bic, field=f"accounts[{i}].servicer_bic")
            if not bank.holds(account.currency):
                raise InconsistentReferenceError(
                    f"accounts[{i}].currency",
                    f"{bank.bic} does not hold {account.currency.code}",
                )
        self._clients[client.client_id] = client
        for account in client.accounts:
            # The first client listed with an identifier holds it (as a scan would find).
            self._holders.setdefault(account.identifier, (client, account))

    @property
    def institutions(self) -> tuple[Institution, ...]:
        """Every registered bank, by BIC11."""
        return tuple(self._institutions[k] for k in sorted(self._institutions))

    @property
    def correspondents(self) -> tuple[Correspondent, ...]:
        """Every correspondent account, by (servicer, owner, currency)."""
        return tuple(self._accounts[k] for k in sorted(self._accounts))

    def institution(self, bic: str, *, field: str = "bic") -> Institution:
        """The registered bank a BIC8 or BIC11 names (see the class docstring)."""
        named = self._named.get(bic)
        if named is not None:
            return named
        found = self._find(bic, field)
        self._named[bic] = found
        return found

    def _find(self, bic: str, field: str) -> Institution:
        compact = parse_bic(bic, field=field)
        found = self._institutions.get(bic11(compact))
        if found is not None:
            return found
        offices = self._offices.get(compact[:8], [])
        if len(offices) == 1:
            return self._institutions[offices[0]]
        if offices:
            raise AmbiguousBicError(
                field,
                f"{compact} is not registered and {compact[:8]} has several offices:"
                f" {', '.join(sorted(offices))}",
            )
        raise UnknownInstitutionError(field, f"no institution {compact} is registered")

    def account_holder(self, identifier: str) -> tuple[Client, ClientAccount]:
        """The client holding the account with this IBAN or number, and that account."""
        found = self._holders.get(_SEPARATORS.sub("", identifier).upper())
        if found is not None:
            return found
        raise UnknownClientError("account", f"no client holds the account {identifier!r}")

    def client(self, client_id: str) -> Client:
        """The registered client with this id."""
        try:
            return self._clients[client_id]
        except KeyError:
            raise UnknownClientError("client_id", f"no client {client_id!r}") from None

    def route(
        self,
        debtor_agent_bic: str,
        creditor_agent_bic: str,
        currency: str | Currency,
        *,
        amount: Money | None = None,
        max_intermediaries: int = 1,
    ) -> list[Hop]:
        """The shortest chain of hops from the debtor's bank to the creditor's in `currency`.

        Two banks are linked when either holds an account for the other in the currency
        (and, when `amount` is given, that account's limit covers it). Breadth-first, so
        the fewest hops win: direct, else through one intermediary (up to
        `max_intermediaries`, at most 3 as pacs.008 allows). Only banks acting as
        intermediary or correspondent pass a payment on. Ties go to the smallest BIC11s in
        route order; between two accounts linking the same pair, the sender's nostro
        first. The same bank at both ends is an on-us payment: no hops. NoRouteError when
        there is no chain.
        """
        ccy = _currency(currency, "currency")
        if amount is not None and amount.currency != ccy:
            raise InvalidFieldError("amount", f"{amount} is not in {ccy.code}")
        if not 0 <= max_intermediaries <= MAX_INTERMEDIARIES:
            raise InvalidFieldError(
                "max_intermediaries", f"{max_intermediaries} is not 0 to {MAX_INTERMEDIARIES}"
            )
        start = self.institution(debtor_agent_bic, field="debtor_agent_bic")
        goal = self.institution(creditor_agent_bic, field="creditor_agent_bic")
        if start.bic11 == goal.bic11:
            return []
        key = (start.bic11, goal.bic11, ccy.code, max_intermediaries)
        if amount is None and key in self._routes:
            return list(self._routes[key])
        hops = self._search(start, goal, ccy, amount, max_intermediaries)
        if amount is None:
            self._routes[key] = hops
        return list(hops)

    def _search(
        self,
        start: Institution,
        goal: Institution,
        ccy: Currency,
        amount: Money | None,
        max_intermediaries: int,
    ) -> list[Hop]:
        """Breadth-first through the correspondent accounts (see `route`)."""
        links = self._links(ccy, amount)
        came_from: dict[str, tuple[str, Correspondent]] = {}
        depth = {start.bic11: 0}
        queue = deque([start.bic11])
        while queue and goal.bic11 not in depth:
            here = queue.popleft()
            passes_on = here == start.bic11 or self._passes_on(here)
            if not passes_on or depth[here] > max_intermediaries:
                continue
            for there, account in sorted(links.get(here, {}).items()):
                if there not in depth:
                    depth[there] = depth[here] + 1
                    came_from[there] = (here, account)
                    queue.append(there)
        if goal.bic11 not in depth:
            raise NoRouteError(
                "creditor_agent_bic", self._no_route(start, goal, ccy, amount, max_intermediaries)
            )
        hops: list[Hop] = []
        node = goal.bic11
        while node != start.bic11:
            previous, account = came_from[node]
            hops.append(Hop(self._institutions[previous], self._institutions[node], account))
            node = previous
        return hops[::-1]

    def _passes_on(self, bic: str) -> bool:
        bank = self._institutions[bic]
        return bank.acts_as(InstitutionRole.INTERMEDIARY) or bank.acts_as(
            InstitutionRole.CORRESPONDENT
        )

    def _links(self, ccy: Currency, amount: Money | None) -> dict[str, dict[str, Correspondent]]:
        links: dict[str, dict[str, Correspondent]] = {}
        for (servicer, owner, code), account in sorted(self._accounts.items()):
            if code != ccy.code or (amount is not None and not account.can_carry(amount)):
                continue
            # The owner sends over its nostro (the servicer debits it): preferred, so set
            # unconditionally; the servicer sends by crediting the owner's vostro only
            # when the pair has no such nostro.
            links.setdefault(owner, {})[servicer] = account
            links.setdefault(servicer, {}).setdefault(owner, account)
        return links

    def _no_route(
        self,
        start: Institution,
        goal: Institution,
        ccy: Currency,
        amount: Money | None,
        max_intermediaries: int,
    ) -> str:
        why = f"no route in {ccy.code} from {start.bic} to {goal.bic}"
        for bank in (start, goal):
            if not bank.holds(ccy):
                return f"{why}: {bank.bic} does not hold {ccy.code}"
        through = f"through at most {max_intermediaries} intermediar"
        through += "y" if max_intermediaries == 1 else "ies"
        carrying = f" with room for {amount}" if amount is not None else ""
        return f"{why} over correspondent accounts{carrying} {through}"


def route_agents(hops: Iterable[Hop]) -> list[Institution]:
    """The banks a route passes through, in order: the debtor's bank first, the creditor's last."""
    agents: list[Institution] = []
    for hop in hops:
        if not agents:
            agents.append(hop.sender)
        agents.append(hop.receiver)
    return agents
