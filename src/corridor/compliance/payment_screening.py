"""Screening a payment: every party, every agent and the remittance text, in one record.

Each party's name is screened as `screen_name` screens a name. Each agent is screened by
its institution name (when given) and by its BIC, exactly, against the BICs list entries
carry in their remarks (the index keeps them: `ScreeningIndex.bics`): a
listed BIC8 covers every branch, so BICs are compared on their first eight characters.
The remittance text is screened in windows of two to four consecutive words, and only
what reaches the review tier is reported, since most windows of free text resemble
something. Candidates a four-eyes review has already cleared for this party and this list
version are dropped, and the record says which and by which case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from corridor.auth.users import BIC
from corridor.compliance.listed import EntityType
from corridor.compliance.matching import MATCHER_VERSION, ScreeningIndex, Tiers
from corridor.compliance.names import NameInputError, name_forms
from corridor.compliance.screening import screen_name

ROLES = (
    "debtor",
    "creditor",
    "ultimate_debtor",
    "ultimate_creditor",
    "debtor_agent",
    "creditor_agent",
    "intermediary_agent",
    "remittance",
)
PARTY_TYPES = (EntityType.PERSON, EntityType.ENTITY)
MAX_REMITTANCE = 1400  # ten lines of ISO 20022 unstructured remittance (Max140Text)
WINDOWS = (2, 3, 4)  # words per remittance window
CANDIDATES_PER_ROLE = 10
_SEVERITY = {"pass": 0, "review": 1, "block": 2}
_DOB = re.compile(r"\d{4}(?:-\d{2}-\d{2})?")
_WORD = re.compile(r"\S+")

Cleared = Mapping[str, Mapping[tuple[str, int, str], str]]
"""Per party key, the (list, list version, entry id) a review cleared, and by which case."""


class PaymentInputError(ValueError):
    """A payment to screen names its reference, a debtor and a creditor, each party with a
    name, agents by a valid BIC; the message names the field that is wrong."""

    status_code = 422


@dataclass(frozen=True, slots=True)
class Party:
    """A person or organisation in a payment, as the payment names it."""

    name: str
    country: str = ""
    date_of_birth: str = ""
    """YYYY-MM-DD or YYYY, or empty."""
    type: EntityType | None = None
    """person or entity, or None when the payment does not say."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise PaymentInputError(f"name: expected text, not {type(self.name).__name__}")
        try:
            name_forms(self.name)
        except NameInputError as exc:
            raise PaymentInputError(f"name: {exc}") from None
        if self.date_of_birth and not _DOB.fullmatch(self.date_of_birth):
            raise PaymentInputError(
                f"date_of_birth: {self.date_of_birth!r} is not YYYY-MM-DD or YYYY"
            )
        if self.type is not None and self.type not in PARTY_TYPES:
            raise PaymentInputError(f"type: {self.type!r} is not person or entity")

    def as_dict(self) -> dict[str, Any]:
        """The party in its JSON form."""
        return {
            "name": self.name,
            "country": self.country,
            "date_of_birth": self.date_of_birth,
            "type": None if self.type is None else self.type.value,
        }


@dataclass(frozen=True, slots=True)
class Agent:
    """A bank in the payment's chain: its BIC, and its name when the payment gives one."""

    bic: str
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.bic, str) or not BIC.fullmatch(self.bic):
            raise PaymentInputError(f"bic: {self.bic!r} is not a BIC (8 or 11 characters)")
        if self.name:
            try:
                name_forms(self.name)
            except NameInputError as exc:
                raise PaymentInputError(f"name: {exc}") from None


@dataclass(frozen=True, slots=True)
class PaymentParties:
    """Everyone a payment names, and its free remittance text: what screening looks at."""

    payment_ref: str
    debtor: Party
    creditor: Party
    ultimate_debtor: Party | None = None
    ultimate_creditor: Party | None = None
    debtor_agent: Agent | None = None
    creditor_agent: Agent | None = None
    intermediary_agents: tuple[Agent, ...] = ()
    remittance: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.payment_ref, str) or not self.payment_ref.strip():
            raise PaymentInputError("payment_ref: a payment needs a reference")
        if len(self.payment_ref) > 140:
            raise PaymentInputError("payment_ref: longer than 140 characters")
        if not isinstance(self.remittance, str):
            raise PaymentInputError("remittance: expected text")
        if len(self.remittance) > MAX_REMITTANCE:
            raise PaymentInputError(
                f"remittance: {len(self.remittance):,} characters, more than {MAX_REMITTANCE}"
            )

    @classmethod
    def from_dict(cls, data: object) -> PaymentParties:
        """A payment from its JSON form (see docs/compliance.md); every field checked,
        unknown fields refused. Raises PaymentInputError naming the field."""
        fields = _object(data, "payment", set(_PAYMENT_FIELDS))
        for required in ("payment_ref", "debtor", "creditor"):
            if fields.get(required) is None:
                raise PaymentInputError(f"{required}: missing")
        agents = fields.get("intermediary_agents") or []
        if not isinstance(agents, list):
            raise PaymentInputError("intermediary_agents: expected a list of agents")
        return cls(
            payment_ref=_text(fields["payment_ref"], "payment_ref"),
            debtor=_party(fields["debtor"], "debtor") or _missing("debtor"),
            creditor=_party(fields["creditor"], "creditor") or _missing("creditor"),
            ultimate_debtor=_party(fields.get("ultimate_debtor"), "ultimate_debtor"),
            ultimate_creditor=_party(fields.get("ultimate_creditor"), "ultimate_creditor"),
            debtor_agent=_agent(fields.get("debtor_agent"), "debtor_agent"),
            creditor_agent=_agent(fields.get("creditor_agent"), "creditor_agent"),
            intermediary_agents=tuple(
                _agent(a, f"intermediary_agents[{i}]") or _missing(f"intermediary_agents[{i}]")
                for i, a in enumerate(agents)
            ),
            remittance=_text(fields.get("remittance", ""), "remittance"),
        )

    def as_dict(self) -> dict[str, Any]:
        """The payment as screened, in its JSON form (the shape `from_dict` reads)."""

        def party(p: Party | None) -> dict[str, Any] | None:
            return None if p is None else p.as_dict()

        def agent(a: Agent | None) -> dict[str, Any] | None:
            return None if a is None else {"bic": a.bic, "name": a.name}

        return {
            "payment_ref": self.payment_ref,
            "debtor": party(self.debtor),
            "creditor": party(self.creditor),
            "ultimate_debtor": party(self.ultimate_debtor),
            "ultimate_creditor": party(self.ultimate_creditor),
            "debtor_agent": agent(self.debtor_agent),
            "creditor_agent": agent(self.creditor_agent),
            "intermediary_agents": [agent(a) for a in self.intermediary_agents],
            "remittance": self.remittance,
        }

    def parties(self) -> Iterator[tuple[str, Party]]:
        """(role, party) for each party the payment names."""
        for role in ("debtor", "creditor", "ultimate_debtor", "ultimate_creditor"):
            party = getattr(self, role)
            if party is not None:
                yield role, party

    def agents(self) -> Iterator[tuple[str, Agent]]:
        """(role, agent) for each agent the payment names, in the order money moves."""
        if self.debtor_agent is not None:
            yield "debtor_agent", self.debtor_agent
        for agent in self.intermediary_agents:
            yield "intermediary_agent", agent
        if self.creditor_agent is not None:
            yield "creditor_agent", self.creditor_agent


_PAYMENT_FIELDS = (
    "payment_ref",
    "debtor",
    "creditor",
    "ultimate_debtor",
    "ultimate_creditor",
    "debtor_agent",
    "creditor_agent",
    "intermediary_agents",
    "remittance",
)


def _object(data: object, path: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PaymentInputError(f"{path}: expected an object, not {_json_type(data)}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PaymentInputError(
            f"{path}: unknown field {unknown[0]!r} (expected: {', '.join(sorted(allowed))})"
        )
    return data


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _text(value: object, path: str) -> str:
    if value is None:
        return ""  # null for an optional field: not given
    if not isinstance(value, str):
        raise PaymentInputError(f"{path}: expected text, not {_json_type(value)}")
    return value


def _missing(path: str) -> NoReturn:
    raise PaymentInputError(f"{path}: missing")


def _party(data: object, path: str) -> Party | None:
    if data is None:
        return None
    fields = _object(data, path, {"name", "country", "date_of_birth", "type"})
    if "name" not in fields:
        raise PaymentInputError(f"{path}.name: missing")
    kind = fields.get("type")
    if kind is not None and (not isinstance(kind, str) or kind not in PARTY_TYPES):
        raise PaymentInputError(f"{path}.type: {kind!r} is not person or entity")
    try:
        return Party(
            name=_text(fields["name"], "name"),
            country=_text(fields.get("country", ""), "country"),
            date_of_birth=_text(fields.get("date_of_birth", ""), "date_of_birth"),
            type=EntityType(kind) if kind is not None else None,
        )
    except PaymentInputError as exc:
        raise PaymentInputError(f"{path}.{exc}") from None


def _agent(data: object, path: str) -> Agent | None:
    if data is None:
        return None
    fields = _object(data, path, {"bic", "name"})
    if "bic" not in fields:
        raise PaymentInputError(f"{path}.bic: missing")
    try:
        return Agent(
            bic=_text(fields["bic"], "bic").strip().upper(),
            name=_text(fields.get("name", ""), "name"),
        )
    except PaymentInputError as exc:
        raise PaymentInputError(f"{path}.{exc}") from None


def party_key(name: str) -> str:
    """The key a party's review outcomes are remembered under: its plainest normalised
    form, tokens sorted (so "Lei Zhang", "ZHANG, Lei" and 张磊 share one)."""
    return "name:" + " ".join(sorted(name_forms(name).forms[0].split()))


def bic_key(bic: str) -> str:
    """The key an agent's BIC outcomes are remembered under: its BIC8."""
    return "bic:" + bic[:8]


def screen_payment(
    index: ScreeningIndex,
    parties: PaymentParties,
    *,
    tiers: Tiers | None = None,
    cleared: Cleared | None = None,
) -> dict[str, Any]:
    """Screen everyone a payment names; the whole record of what was screened, against
    which list versions, with which matcher and settings, and why it was decided.

    The decision is the worst of any role's (block > review > pass). Candidates in
    `cleared` (party key → (list, list version, entry id) → case id) are left out of the
    decision but listed under `suppressed` with the case that cleared them.
    """
    tiers = tiers or Tiers()
    cleared = cleared or {}
    roles = [_screen_party(index, role, party, tiers, cleared) for role, party in parties.parties()]
    roles += [_screen_agent(index, role, agent, tiers, cleared) for role, agent in parties.agents()]
    if parties.remittance.strip():
        roles.append(_screen_remittance(index, parties.remittance, tiers, cleared))
    candidates = [c for role in roles for c in role["candidates"]]
    return {
        "payment_ref": parties.payment_ref,
        "screened": parties.as_dict(),
        "lists": index.versions_json(),
        "matcher": {
            "version": MATCHER_VERSION,
            "block_at": tiers.block,
            "review_at": tiers.review,
            "candidates_per_role": CANDIDATES_PER_ROLE,
            "remittance_windows": list(WINDOWS),
            "remittance_reports_from": tiers.review,
            "bic_match": "exact on the first eight characters (the institution)",
        },
        "decision": worst(role["decision"] for role in roles),
        "roles": roles,
        "candidates": sorted(candidates, key=lambda c: (-c["score"], c["role"], c["entry_id"])),
        "suppressed": [s for role in roles for s in role["suppressed"]],
    }


def worst(decisions: Iterable[str]) -> str:
    """The most severe of some decisions: block > review > pass (pass when there are none)."""
    return max(decisions, key=_SEVERITY.__getitem__, default="pass")


def _clear(
    candidates: list[dict[str, Any]], role: str, key: str, cleared: Cleared
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept, suppressed): each candidate marked with its role and party key."""
    done = cleared.get(key, {})
    kept, suppressed = [], []
    for candidate in candidates:
        marked = {**candidate, "role": role, "party_key": key}
        case_id = done.get((marked["list"], marked["list_version"], marked["entry_id"]))
        if case_id is None:
            kept.append(marked)
            continue
        suppressed.append(
            {
                "role": role,
                "party_key": key,
                "list": marked["list"],
                "list_version": marked["list_version"],
                "entry_id": marked["entry_id"],
                "matched_name": marked["matched_name"],
                "score": marked["score"],
                "cleared_by_case": case_id,
            }
        )
    return kept, suppressed


def _decide(candidates: list[dict[str, Any]], tiers: Tiers) -> str:
    return tiers.decide(max((c["score"] for c in candidates), default=0.0))


def _screen_party(
    index: ScreeningIndex, role: str, party: Party, tiers: Tiers, cleared: Cleared
) -> dict[str, Any]:
    result = screen_name(
        index,
        party.name,
        entity_type=party.type,
        country=party.country,
        date_of_birth=party.date_of_birth,
        tiers=tiers,
        limit=CANDIDATES_PER_ROLE,
        remember=True,  # the same parties pay and are paid again and again
    )
    key = party_key(party.name)
    kept, suppressed = _clear(result["candidates"], role, key, cleared)
    record = {k: v for k, v in result.items() if k not in ("lists", "matcher")}
    return {
        "role": role,
        "party_key": key,
        **record,
        "decision": _decide(kept, tiers),
        "candidates": kept,
        "suppressed": suppressed,
    }


def _screen_agent(
    index: ScreeningIndex, role: str, agent: Agent, tiers: Tiers, cleared: Cleared
) -> dict[str, Any]:
    key = bic_key(agent.bic)
    by_bic = [
        {
            "score": 1.0,
            "list": listed.version.source,
            "list_version": listed.version.version,
            "entry_id": listed.entry.entry_id,
            "matched_name": listed.entry.primary_name,
            "explanation": {
                "bic": agent.bic,
                "listed_bic": listed.bic,
                "bic_match": "exact"
                if listed.bic.removesuffix("XXX") == agent.bic.removesuffix("XXX")
                else "same institution (first eight characters)",
            },
        }
        for listed in index.bics.get(agent.bic[:8], [])
    ]
    kept, suppressed = _clear(by_bic, role, key, cleared)
    forms: list[str] = []
    if agent.name:
        result = screen_name(
            index,
            agent.name,
            entity_type=EntityType.ENTITY,
            tiers=tiers,
            limit=CANDIDATES_PER_ROLE,
            remember=True,
        )
        forms = result["forms"]
        by_name, name_suppressed = _clear(
            result["candidates"], role, party_key(agent.name), cleared
        )
        kept += by_name
        suppressed += name_suppressed
    return {
        "role": role,
        "party_key": key,
        "bic": agent.bic,
        "name": agent.name or None,
        "forms": forms,
        "decision": _decide(kept, tiers),
        "candidates": sorted(kept, key=lambda c: -c["score"]),
        "suppressed": suppressed,
    }


def remittance_windows(text: str) -> list[str]:
    """Every run of two to four consecutive words of `text`, shortest first."""
    words = _WORD.findall(text)
    return [" ".join(words[i : i + size]) for size in WINDOWS for i in range(len(words) - size + 1)]


def _screen_remittance(
    index: ScreeningIndex, text: str, tiers: Tiers, cleared: Cleared
) -> dict[str, Any]:
    """One candidate per listed entry, from its best window, naming every window that
    alerted on it: a review clears the entry for each of them."""
    best: dict[tuple[str, int, str], dict[str, Any]] = {}
    windows_of: dict[tuple[str, int, str], list[dict[str, Any]]] = {}
    suppressed: list[dict[str, Any]] = []
    windows = remittance_windows(text)
    for window in windows:
        try:
            result = screen_name(index, window, tiers=tiers, limit=CANDIDATES_PER_ROLE)
        except NameInputError:
            continue  # a window of punctuation only
        alerting = [c for c in result["candidates"] if c["score"] >= tiers.review]
        if not alerting:
            continue
        key = party_key(window)
        kept, dropped = _clear(alerting, "remittance", key, cleared)
        for candidate in kept:
            candidate["window"] = window
            entry = (candidate["list"], candidate["list_version"], candidate["entry_id"])
            windows_of.setdefault(entry, []).append(
                {"window": window, "party_key": key, "score": candidate["score"]}
            )
            if entry not in best or candidate["score"] > best[entry]["score"]:
                best[entry] = candidate
        suppressed += [{**item, "window": window} for item in dropped]
    for entry, candidate in best.items():
        candidate["windows"] = windows_of[entry]
    kept_all = sorted(best.values(), key=lambda c: (-c["score"], c["entry_id"]))
    return {
        "role": "remittance",
        "text": text,
        "windows_screened": len(windows),
        "decision": _decide(kept_all, tiers),
        "candidates": kept_all,
        "suppressed": suppressed,
    }


def party_keys(parties: PaymentParties) -> set[str]:
    """Every key screening this payment may remember outcomes under: each party's and
    agent's name, each agent's BIC, each window of the remittance text."""
    keys = {party_key(party.name) for _role, party in parties.parties()}
    for _role, agent in parties.agents():
        keys.add(bic_key(agent.bic))
        if agent.name:
            keys.add(party_key(agent.name))
    for window in remittance_windows(parties.remittance):
        try:
            keys.add(party_key(window))
        except NameInputError:
            continue
    return keys


__all__ = [
    "ROLES",
    "Agent",
    "Cleared",
    "Party",
    "PaymentInputError",
    "PaymentParties",
    "bic_key",
    "party_key",
    "party_keys",
    "remittance_windows",
    "screen_payment",
    "worst",
]
