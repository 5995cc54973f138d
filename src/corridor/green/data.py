"""The reference data shipped with corridor.green: CSV files whose comment header (`# …`
lines) names their source and version, read once and cached."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class DataFile:
    """A shipped data file: its rows, and the version and source its header states."""

    name: str
    version: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]

    @property
    def source_note(self) -> str:
        """The file's comment header as one paragraph (what an audit trail cites)."""
        return " ".join(line.strip() for line in self.header)


@cache
def read(name: str) -> DataFile:
    """The data file `name` (e.g. "grid_factors.csv") from corridor/green/data."""
    text = files("corridor.green").joinpath("data", name).read_text(encoding="utf-8")
    header = tuple(line[1:].strip() for line in text.splitlines() if line.startswith("#"))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    version = next(
        (line.split(":", 1)[1].strip() for line in header if line.startswith("version:")), ""
    )
    if not version:
        raise RuntimeError(f"the shipped data file {name} states no version")
    rows = tuple(dict(row) for row in csv.DictReader(io.StringIO(body)))
    return DataFile(name, version, header, rows)
