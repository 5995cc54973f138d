"""Classification: a project, loan, bond or payment tagged with activity codes of each
taxonomy, by rule from its sector codes, or by an analyst with the reason recorded.

Every tag records the taxonomy and the version it used. Where a subject is green under one
taxonomy and not another (under the China catalogue but not the CGT, say), both answers are
kept and shown: `divergence` names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from corridor.green.data import read
from corridor.green.errors import ClassificationError
from corridor.green.taxonomy import TaxonomyId, china_catalogue_for, taxonomy

RULES_FILE = "classification_rules.csv"


class TagStatus(StrEnum):
    """What a tag says of the subject under one taxonomy."""

    ELIGIBLE = "eligible"  # the activity is in the taxonomy (by rule)
    ALIGNED = "aligned"  # an analyst confirmed the technical screening criteria
    NOT_ELIGIBLE = "not_eligible"  # in no activity of that taxonomy
    REJECTED = "rejected"  # an analyst found it fails the criteria


GREEN = (TagStatus.ELIGIBLE, TagStatus.ALIGNED)


@dataclass(frozen=True, slots=True)
class Sector:
    """What is known of a subject's activity: codes and technology."""

    nace: str = ""
    cn_industry: str = ""
    technology: str = ""


@dataclass(frozen=True, slots=True)
class Tag:
    """A subject's classification under one taxonomy version, and how it was reached."""

    taxonomy: TaxonomyId
    version: str
    activity: str
    status: TagStatus
    method: str  # "rule:<id>" or "analyst"
    reason: str
    analyst: str = ""

    @property
    def green(self) -> bool:
        """Whether the tag counts the subject as green under that taxonomy."""
        return self.status in GREEN

    def describe(self) -> str:
        """'cgt 2022-06 4.1 Electricity generation using solar PV (eligible)'."""
        if not self.activity:
            return f"{self.taxonomy.value} {self.version}: not eligible"
        name = taxonomy(self.taxonomy).activity(self.activity).name_en
        return f"{self.taxonomy.value} {self.version} {self.activity} {name} ({self.status.value})"


def _matches(rule: dict[str, str], sector: Sector) -> bool:
    by_code = (rule["nace"] and sector.nace.startswith(rule["nace"])) or (
        rule["cn_industry"] and sector.cn_industry == rule["cn_industry"]
    )
    return bool(by_code) and rule["technology"] == sector.technology


SUBJECT_KINDS = ("project", "loan", "bond", "payment", "fund")
"""What can be classified: a subject is KIND:ID (e.g. project:LUOHU-SOLAR-01, payment:UETR)."""
MAINLAND = "luohu"
"""The side of the corridor whose financings the China catalogues apply to."""


def check_subject(subject: str) -> str:
    """The subject, if it is KIND:ID with a known kind and a non-empty id."""
    kind, _, ident = subject.partition(":")
    if kind not in SUBJECT_KINDS or not ident.strip():
        raise ClassificationError(
            f"subject: {subject!r} is not KIND:ID with KIND one of {', '.join(SUBJECT_KINDS)}"
        )
    return subject


def classify(sector: Sector, approved_on: date, *, side: str | None = None) -> list[Tag]:
    """Tags under every taxonomy by the shipped rules. The China catalogue is the one in
    force on `approved_on`: the approval (or registration) of the loan or bond financing the
    subject, which the transition rule turns on (the other catalogue is left out: a
    financing has one China standard). A subject on the London or Hong Kong side (`side`)
    gets no China catalogue tag: the UK withdrew its own taxonomy in July 2025, so London
    projects are judged under the EU Taxonomy, the CGT and ICMA's categories, and Hong Kong
    ones likewise; with no side given, every taxonomy answers."""
    others = [TaxonomyId.CGT, TaxonomyId.EU, TaxonomyId.ICMA]
    if side is not None and side != MAINLAND:
        return rule_tags(sector, others)
    return rule_tags(sector, [china_catalogue_for(approved_on), *others])


def rule_tags(sector: Sector, taxonomies: list[TaxonomyId]) -> list[Tag]:
    """The shipped rules' tags of a subject under each of `taxonomies`, in that order."""
    rules = read(RULES_FILE)
    rule = next((r for r in rules.rows if _matches(r, sector)), None)
    tags = []
    for taxonomy_id in taxonomies:
        shipped = taxonomy(taxonomy_id)
        code = rule[taxonomy_id.value] if rule else ""
        if code:
            shipped.activity(code)  # a rule never points at an item that is not shipped
        reason = (
            f"rule {rule['rule']} ({RULES_FILE} {rules.version}): {rule['note'] or 'sector match'}"
            if rule
            else f"no rule of {RULES_FILE} {rules.version} matches {_shown(sector)}"
        )
        tags.append(
            Tag(
                taxonomy_id,
                shipped.version,
                code,
                TagStatus.ELIGIBLE if code else TagStatus.NOT_ELIGIBLE,
                f"rule:{rule['rule']}" if rule else "rule:none",
                reason,
            )
        )
    return tags


def analyst_tag(
    taxonomy_id: TaxonomyId | str, activity: str, status: TagStatus | str, reason: str, analyst: str
) -> Tag:
    """An analyst's classification: the activity must exist and the reason be given."""
    shipped = taxonomy(taxonomy_id)
    state = TagStatus(status)
    if activity:
        shipped.activity(activity)
    elif state in GREEN:
        raise ClassificationError("a green tag names the activity it is green under")
    if not reason.strip():
        raise ClassificationError("an analyst's classification records its reason")
    if not analyst.strip():
        raise ClassificationError("an analyst's classification names the analyst")
    return Tag(shipped.id, shipped.version, activity, state, "analyst", reason.strip(), analyst)


def divergence(tags: list[Tag]) -> str:
    """'' when every taxonomy agrees; else which say green and which do not, e.g.
    'green under cn-gbepc, icma-gbp; not under cgt, eu-taxonomy'."""
    green = [t.taxonomy.value for t in tags if t.green]
    not_green = [t.taxonomy.value for t in tags if not t.green]
    if not green or not not_green:
        return ""
    return f"green under {', '.join(green)}; not under {', '.join(not_green)}"


def _shown(sector: Sector) -> str:
    parts = [
        f"NACE {sector.nace}" if sector.nace else "",
        f"GB/T 4754 {sector.cn_industry}" if sector.cn_industry else "",
    ]
    return " / ".join(p for p in parts if p) + (
        f", technology {sector.technology}" if sector.technology else ""
    )
