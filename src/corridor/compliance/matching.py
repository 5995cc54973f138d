"""Matching a name against the lists in force: candidates by shared trigrams, scored with
rapidfuzz, every score explained.

Candidate generation never scans the whole list: each listed name form is indexed by the
character trigrams of its tokens, and only the forms that share the most trigrams with
the query are scored. Scoring compares every form of the query with every form of the
listed name (token order ignored) and keeps the best pair, which the explanation names.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from corridor.compliance.listed import EntityType, ListedEntry, NameKind
from corridor.compliance.lists import ListVersion
from corridor.compliance.names import NameInputError, name_forms

MATCHER_VERSION = "trigram-token-sort/1"
CANDIDATES = 50  # name forms scored per query form, at most
WEAK_ALIAS_FACTOR = 0.9  # lists warn that low-quality aliases over-match


@dataclass(frozen=True, slots=True)
class Tiers:
    """Where scores lead: at or above `block`, the payment is blocked; at or above
    `review`, it is held for review; below, it passes."""

    block: float = 0.95
    review: float = 0.85

    def decide(self, score: float) -> str:
        """block, review or pass for a score."""
        if score >= self.block:
            return "block"
        return "review" if score >= self.review else "pass"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A listed party the name may be, with its score and why."""

    score: float
    list: str
    list_version: int
    entry_id: str
    matched_name: str
    explanation: dict[str, object]


@dataclass(frozen=True, slots=True)
class _Form:
    form: str
    name: str
    kind: NameKind
    entry: ListedEntry
    version: ListVersion


def _trigrams(form: str) -> set[str]:
    grams: set[str] = set()
    for token in form.split():
        padded = f" {token} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


@dataclass
class ScreeningIndex:
    """The lists in force, indexed for screening."""

    versions: list[ListVersion] = field(default_factory=list)
    forms: list[_Form] = field(default_factory=list)
    grams: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, version: ListVersion, entries: list[ListedEntry]) -> None:
        """Index every name of every entry of one list version."""
        self.versions.append(version)
        for entry in entries:
            for listed in entry.names:
                try:
                    forms = name_forms(listed.name).forms
                except NameInputError:
                    continue  # a listed "name" with nothing to compare (e.g. only punctuation)
                for form in forms:
                    self.forms.append(_Form(form, listed.name, listed.kind, entry, version))
                    position = len(self.forms) - 1
                    for gram in _trigrams(form):
                        self.grams[gram].append(position)

    def screen(
        self,
        name: str,
        *,
        entity_type: EntityType | None = None,
        country: str = "",
        year_of_birth: str = "",
    ) -> tuple[tuple[str, ...], list[Candidate]]:
        """The query's forms, and the candidates scoring above zero, best first (one per entry)."""
        query_forms = name_forms(name).forms
        best: dict[tuple[int, str], Candidate] = {}
        for query in query_forms:
            shared = Counter(p for g in _trigrams(query) for p in self.grams.get(g, ()))
            for position, _count in shared.most_common(CANDIDATES):
                listed = self.forms[position]
                candidate = self._score(query, listed, entity_type, country, year_of_birth)
                key = (listed.version.version, listed.entry.entry_id)
                if key not in best or candidate.score > best[key].score:
                    best[key] = candidate
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.list, c.entry_id))
        return query_forms, [c for c in ranked if c.score > 0]

    @staticmethod
    def _score(
        query: str, listed: _Form, entity_type: EntityType | None, country: str, year_of_birth: str
    ) -> Candidate:
        name_score = fuzz.token_sort_ratio(query, listed.form) / 100
        explanation: dict[str, object] = {
            "query_form": query,
            "listed_form": listed.form,
            "listed_name_kind": listed.kind.value,
            "name_similarity": round(name_score, 4),
        }
        score = name_score
        if listed.kind is NameKind.WEAK_ALIAS:
            score *= WEAK_ALIAS_FACTOR
            explanation["weak_alias_factor"] = WEAK_ALIAS_FACTOR
        entry = listed.entry
        if entity_type is not None and entity_type is not entry.entity_type:
            score *= 0.8
            explanation["entity_type"] = f"contradicts: listed as {entry.entity_type.value}"
        if year_of_birth and entry.dates_of_birth:
            if any(d.startswith(year_of_birth) or year_of_birth in d for d in entry.dates_of_birth):
                explanation["date_of_birth"] = "supports: same year"
            else:
                score *= 0.85
                explanation["date_of_birth"] = f"contradicts: listed {list(entry.dates_of_birth)}"
        if country and entry.countries:
            if any(country.lower() in c.lower() for c in entry.countries):
                explanation["country"] = "supports"
            else:
                explanation["country"] = f"differs: listed {list(entry.countries)}"
        return Candidate(
            round(score, 4),
            listed.version.source,
            listed.version.version,
            entry.entry_id,
            listed.name,
            explanation,
        )
