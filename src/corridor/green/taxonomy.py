"""The taxonomies as versioned data: China's 2021 and 2025 catalogues, the EU-China Common
Ground Taxonomy, the EU Taxonomy's mitigation activities and the ICMA categories, each read
from a shipped file that names its source and version (data/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache

from corridor.green.data import read
from corridor.green.errors import UnknownTaxonomyError


class TaxonomyId(StrEnum):
    """The taxonomies Corridor classifies against."""

    CN_2021 = "cn-gbepc"  # Green Bond Endorsed Projects Catalogue (2021)
    CN_2025 = "cn-gfepc"  # Green Finance Endorsed Projects Catalogue (2025)
    CGT = "cgt"  # EU-China Common Ground Taxonomy (IPSF)
    EU = "eu-taxonomy"  # EU Taxonomy, climate change mitigation
    ICMA = "icma-gbp"  # ICMA Green Bond Principles categories


_FILES = {
    TaxonomyId.CN_2021: "cn_green_bond_2021.csv",
    TaxonomyId.CN_2025: "cn_green_finance_2025.csv",
    TaxonomyId.CGT: "cgt_2022.csv",
    TaxonomyId.EU: "eu_taxonomy_ccm_2021.csv",
    TaxonomyId.ICMA: "icma_gbp_2021.csv",
}
CN_2025_IN_FORCE = date(2025, 10, 1)
"""From this day (the 2025 catalogue in force) a green loan or bond approved or registered
uses the 2025 catalogue; one approved or registered before keeps the 2021 one. The notice
(published 15 July 2025) keeps the old standard for loans and bonds approved before its
publication; a loan approved between publication and this day is for an analyst's tag."""


@dataclass(frozen=True, slots=True)
class Activity:
    """One item of a taxonomy's tree."""

    code: str
    level: int
    parent: str
    name_en: str
    name_zh: str
    status: str
    """sourced, or unverified (transcribed, not checked against the official text)."""


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A taxonomy at one version: its tree, and the source its file names."""

    id: TaxonomyId
    version: str
    source: str
    activities: dict[str, Activity]

    def activity(self, code: str) -> Activity:
        """The item with this code; raises UnknownTaxonomyError naming the taxonomy."""
        try:
            return self.activities[code]
        except KeyError:
            raise UnknownTaxonomyError(
                f"{self.id.value} {self.version} has no activity {code!r}"
            ) from None

    def path(self, code: str) -> list[Activity]:
        """The item and its ancestors, level I first."""
        found = [self.activity(code)]
        while found[0].parent:
            found.insert(0, self.activity(found[0].parent))
        return found


@cache
def taxonomy(taxonomy_id: TaxonomyId | str) -> Taxonomy:
    """The shipped taxonomy `taxonomy_id` (one version each)."""
    try:
        key = TaxonomyId(taxonomy_id)
    except ValueError:
        known = ", ".join(t.value for t in TaxonomyId)
        raise UnknownTaxonomyError(f"unknown taxonomy {taxonomy_id!r} (one of {known})") from None
    data = read(_FILES[key])
    activities = {
        row["code"]: Activity(
            row["code"],
            int(row["level"]),
            row["parent"],
            row["name_en"],
            row["name_zh"],
            row["status"],
        )
        for row in data.rows
    }
    return Taxonomy(key, data.version, data.source_note, activities)


def china_catalogue_for(approved_on: date) -> TaxonomyId:
    """The China catalogue a loan or bond approved (or registered) on `approved_on` uses."""
    return TaxonomyId.CN_2025 if approved_on >= CN_2025_IN_FORCE else TaxonomyId.CN_2021
