"""Whether a project is an eligible project of a green bond (ICMA Green Bond Principles,
project evaluation and selection): green under at least one of the taxonomies its
framework names, at the version it names, and tagged with the ICMA category it is selected
under. What is not green so may still be selected on an analyst's override, recorded with
its reason; either way the selection says why.
"""

from __future__ import annotations

from corridor.green.classification import Tag
from corridor.green.errors import AllocationError
from corridor.green.model import Framework
from corridor.green.taxonomy import TaxonomyId, taxonomy


def framework_taxonomies(framework: Framework) -> list[tuple[TaxonomyId, str]]:
    """(taxonomy, version) of each taxonomy a framework names ("cgt 2022-06"); raises
    AllocationError for one Corridor does not ship, or a category ICMA does not name."""
    found = []
    for named in framework.taxonomies:
        key, _, version = named.partition(" ")
        try:
            found.append((TaxonomyId(key), version.strip()))
        except ValueError:
            known = ", ".join(t.value for t in TaxonomyId)
            raise AllocationError(
                f"the framework names taxonomy {named!r}, not one of {known} (with a version)"
            ) from None
    icma = taxonomy(TaxonomyId.ICMA)
    for category in framework.categories:
        icma.activity(category)  # raises naming the ICMA version
    return found


def judge(framework: Framework, category: str, tags: list[Tag]) -> tuple[bool, str]:
    """(eligible, why) of a project with these tags in force, for `category`."""
    current = {t.taxonomy: t for t in tags}
    wanted = [(t, v) for t, v in framework_taxonomies(framework) if t is not TaxonomyId.ICMA]
    green = [
        current[t]
        for t, version in wanted
        if t in current and current[t].version == version and current[t].green
    ]
    icma = current.get(TaxonomyId.ICMA)
    icma_matches = icma is not None and icma.green and icma.activity == category
    if icma is not None and icma_matches and (green or not wanted):
        return True, "green under " + "; ".join(_shown(t) for t in [*green, icma])
    reasons = []
    if wanted and not green:
        names = ", ".join(f"{t.value} {v}" for t, v in wanted)
        reasons.append(f"green under none of its framework's taxonomies ({names})")
    if not icma_matches:
        shown = "none" if icma is None else f"{icma.activity or 'none'} ({icma.status.value})"
        reasons.append(f"its ICMA category tag is {shown}, not {category}")
    return False, "; ".join(reasons)


def _shown(tag: Tag) -> str:
    return f"{tag.taxonomy.value} {tag.version} {tag.activity} ({tag.status.value}, {tag.method})"
