"""Matching a name against the lists in force: candidates by shared trigrams, scored with
rapidfuzz, every score explained.

Candidate generation never scans the whole list: each listed name form is indexed by the
character trigrams of its tokens, and only the forms that share the most trigrams with
the query are scored. Scoring compares every form of the query with every form of the
listed name (token order ignored) and keeps the best pair, which the explanation names.

Chinese personal names take their own path (`chinese_names`): when both the query and a
listed name read as one, they are compared syllable by syllable across characters,
pinyin, Cantonese and Wade-Giles, and candidates come from an index of family names by
character. Letter similarity would both miss "Chan Tai Man" for "Chen Dawen" and put
"Zhang Wei" close to "Zhang Lei".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from rapidfuzz import fuzz

from corridor.compliance.chinese_names import ChineseName, chinese_name, score_chinese_names
from corridor.compliance.listed import EntityType, ListedEntry, NameKind, bics_in
from corridor.compliance.lists import ListVersion
from corridor.compliance.names import NameInputError, name_forms

MATCHER_VERSION = "trigram-token-sort+chinese-syllables/2"
CANDIDATES = 50  # name forms scored per query form, at most
COMMON_GRAM = 1_000  # forms sharing a trigram, beyond which it no longer picks candidates
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
    chinese: bool = False
    """The listed name reads as a Chinese personal name (compared on the Chinese path)."""


@dataclass(frozen=True, slots=True)
class ListedBic:
    """A BIC a listed entry carries (a sanctioned bank), as the list writes it."""

    bic: str
    entry: ListedEntry
    version: ListVersion


@dataclass(frozen=True, slots=True)
class _ChineseForm:
    reading: ChineseName
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
    chinese: list[_ChineseForm] = field(default_factory=list)
    families: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Chinese names by every character their family name may be written with."""
    bics: dict[str, list[ListedBic]] = field(default_factory=lambda: defaultdict(list))
    """Listed BICs by their first eight characters (the institution, any branch)."""
    remembered: dict[tuple[object, ...], dict[str, Any]] = field(default_factory=dict, repr=False)
    """Screening results kept for names screened again (see `screen_name`'s `remember`);
    emptied whenever a list version is added, since the results depend on the lists."""
    shown_versions: list[dict[str, Any]] | None = field(default=None, repr=False)
    """`versions_json`, once worked out (forgotten when a version is added)."""

    def add(self, version: ListVersion, entries: list[ListedEntry]) -> None:
        """Index every name of every entry of one list version."""
        self.remembered.clear()
        self.shown_versions = None
        self.versions.append(version)
        for entry in entries:
            for bic in bics_in(entry.remarks):
                self.bics[bic[:8]].append(ListedBic(bic, entry, version))
            for listed in entry.names:
                try:
                    forms = name_forms(listed.name).forms
                except NameInputError:
                    continue  # a listed "name" with nothing to compare (e.g. only punctuation)
                reading = (
                    chinese_name(listed.name) if entry.entity_type is EntityType.PERSON else None
                )
                if reading is not None:
                    self.chinese.append(
                        _ChineseForm(reading, listed.name, listed.kind, entry, version)
                    )
                    for char in reading.family_keys():
                        self.families[char].append(len(self.chinese) - 1)
                for form in forms:
                    self.forms.append(
                        _Form(form, listed.name, listed.kind, entry, version, reading is not None)
                    )
                    position = len(self.forms) - 1
                    for gram in _trigrams(form):
                        self.grams[gram].append(position)

    def versions_json(self) -> list[dict[str, Any]]:
        """The list versions indexed, as screening results record them (the same list
        each time: read it, do not change it)."""
        if self.shown_versions is None:
            self.shown_versions = [asdict(v) for v in self.versions]
        return self.shown_versions

    def _sharing(self, query: str) -> Counter[int]:
        """Listed forms by how many of the query's trigrams they share.

        Trigrams carried by more than COMMON_GRAM forms (" al", "mad") tell candidates
        apart least and cost most to count: they are left out while the query has at
        least three rarer ones.
        """
        postings = [self.grams.get(g, []) for g in _trigrams(query)]
        rare = [p for p in postings if len(p) <= COMMON_GRAM]
        shared: Counter[int] = Counter()
        for posting in rare if len(rare) >= 3 else postings:
            shared.update(posting)
        return shared

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
        reading = chinese_name(name) if entity_type is not EntityType.ENTITY else None
        best: dict[tuple[int, str], Candidate] = {}

        def keep(candidate: Candidate, version: int) -> None:
            key = (version, candidate.entry_id)
            if key not in best or candidate.score > best[key].score:
                best[key] = candidate

        for query in query_forms:
            shared = self._sharing(query)
            for position, _count in shared.most_common(CANDIDATES):
                listed = self.forms[position]
                if reading is not None and reading.consistent and listed.chinese:
                    continue  # two Chinese names: compared on the Chinese path below
                candidate = self._score(query, listed, entity_type, country, year_of_birth)
                keep(candidate, listed.version.version)
        if reading is not None:
            positions = {p for char in reading.family_keys() for p in self.families.get(char, ())}
            for position in sorted(positions):
                chinese = self.chinese[position]
                candidate = self._score_chinese(
                    reading, chinese, entity_type, country, year_of_birth
                )
                keep(candidate, chinese.version.version)
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.list, c.entry_id))
        return query_forms, [c for c in ranked if c.score > 0]

    @staticmethod
    def _score(
        query: str, listed: _Form, entity_type: EntityType | None, country: str, year_of_birth: str
    ) -> Candidate:
        # Word order aside; and for a company, word breaks aside too: it is written
        # "Haiyang Maoyi" as often as "Hai Yang Mao Yi".
        name_score = fuzz.token_sort_ratio(query, listed.form) / 100
        company = listed.entry.entity_type is not EntityType.PERSON
        if company and query.count(" ") != listed.form.count(" "):
            joined = fuzz.ratio(query.replace(" ", ""), listed.form.replace(" ", "")) / 100
            name_score = max(name_score, joined)
        explanation: dict[str, object] = {
            "method": "token-sort",
            "query_form": query,
            "listed_form": listed.form,
            "listed_name_kind": listed.kind.value,
            "name_similarity": round(name_score, 4),
        }
        return _weighed(name_score, explanation, listed, entity_type, country, year_of_birth)

    @staticmethod
    def _score_chinese(
        query: ChineseName,
        listed: _ChineseForm,
        entity_type: EntityType | None,
        country: str,
        year_of_birth: str,
    ) -> Candidate:
        name_score, syllables, read_as = score_chinese_names(query, listed.reading)
        explanation: dict[str, object] = {
            "method": "chinese-syllables",
            "query_form": " ".join(s.text for s in query.syllables),
            "listed_form": " ".join(s.han or s.text for s in listed.reading.syllables),
            "listed_name_kind": listed.kind.value,
            "name_similarity": name_score,
            "syllables": syllables,
            "romanisation": read_as,
        }
        return _weighed(name_score, explanation, listed, entity_type, country, year_of_birth)


def _weighed(
    name_score: float,
    explanation: dict[str, object],
    listed: _Form | _ChineseForm,
    entity_type: EntityType | None,
    country: str,
    year_of_birth: str,
) -> Candidate:
    """The name's score weighed with what else is known: alias quality, party type, date
    of birth and country, each named in the explanation."""
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
