"""What can be wrong with an ISO 20022 message, and the errors the package raises."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One error in a message: where it is (line, element path), what is wrong, and the
    ISO 20022 status reason code (ExternalStatusReason1Code) a status report gives it."""

    path: str
    message: str
    reason: str = "FF01"
    line: int | None = None
    transaction: int | None = None
    """The transaction's sequence number in the file (1-based); None for the group."""

    def __str__(self) -> str:
        where = f"line {self.line}, {self.path}" if self.line else self.path
        return f"{where}: {self.message} ({self.reason})"


class IsoError(ValueError):
    """An ISO 20022 input or request is refused; the message says what and where."""


class MessageRejectedError(IsoError):
    """A file with errors books nothing (unless its valid transactions are accepted on
    request, and its group is sound); the status report lists every error."""


class ExportError(IsoError):
    """A message is exported only for what exists: a known account, a stored payment,
    a date, a message type Corridor writes."""
