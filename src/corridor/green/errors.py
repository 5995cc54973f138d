"""The errors of corridor.green: each names what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class GreenError(ValueError):
    """Base of every green-finance rule a user's input can break."""


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One thing wrong in an input file: where (line, column) and what."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "header"
        return f"{where}, column {self.column}: {self.message}"


class PositionsFileError(GreenError):
    """An input CSV (positions, exposures) is refused whole when any row breaks the
    documented format: nothing is computed from a file with a bad row, and every problem
    found is counted (the first few named by line and column)."""

    def __init__(self, path: str, problems: list[InputProblem], total: int | None = None) -> None:
        self.path = path
        self.problems = problems
        self.total = max(total or 0, len(problems))
        """Every problem found; `problems` keeps the first few (the file's first lines)."""
        more = self.total - 1
        others = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{path}: {problems[0]}{others}; nothing was computed")


class OptionError(GreenError):
    """A command-line option holds a value of its documented form (a date as YYYY-MM-DD…)."""


class UnknownBondError(GreenError):
    """A green bond is named by the id it was issued under."""


class UnknownProjectError(GreenError):
    """A project is named by the id it was registered under."""


class ProjectTermsError(GreenError):
    """A project is registered once, on its terms: its id registered again with another
    cost, currency, side, sector or approval is refused (nothing changes)."""


class AllocationError(GreenError):
    """Proceeds are allocated only to the bond's eligible projects (green under its
    framework, or an analyst's recorded override), never beyond the bond's unallocated
    balance nor beyond a project's cost, counting every bond's allocations to it."""


class ClassificationError(GreenError):
    """A classification names a known taxonomy, version and activity; an analyst's, a reason."""


class UnknownTaxonomyError(ClassificationError):
    """A taxonomy and version are ones Corridor ships (corridor.green.taxonomy)."""
