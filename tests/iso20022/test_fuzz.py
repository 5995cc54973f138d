"""The parser never fails with anything but its own findings, whatever it is given."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.iso20022 import validate_pain001
from corridor.iso20022.reconcile import reconcile_file
from iso20022.conftest import SAMPLES

SEED = (SAMPLES / "gistfile1.xml").read_bytes()


class Nothing:
    def by_uetr(self, uetr: str) -> None:
        return None

    def by_end_to_end(self, end_to_end_id: str) -> list[object]:
        return []

    def on_day(self, day: date) -> list[object]:
        return []


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real pain.001 with bytes cut, inserted or replaced, or random bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=400))
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 6))):
        if not data:  # truncated to nothing: an empty file is a finding too
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["cut", "insert", "replace", "truncate"]))
        chunk = draw(
            st.sampled_from(
                [
                    b"<",
                    b">",
                    b"&",
                    b"]]>",
                    b"<!DOCTYPE x>",
                    b"\x00",
                    b"\xff",
                    b"-1",
                    b'<Amt Ccy="ZZZ">',
                    b"</PmtInf>",
                    b"9" * 30,
                    b"\xc3(",
                ]
            )
        )
        if action == "cut":
            del data[at : at + draw(st.integers(1, 50))]
        elif action == "insert":
            data[at:at] = chunk
        elif action == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            del data[at:]
    return bytes(data)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=mutated())
def test_the_parser_only_ever_reports_findings(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.xml"
    path.write_bytes(data)
    report = validate_pain001(path, today=date(2009, 9, 28), chunk=2)
    if data != SEED:
        assert all(f.message for f in report.findings)
    reconcile_file(path, Nothing())  # type: ignore[arg-type]
