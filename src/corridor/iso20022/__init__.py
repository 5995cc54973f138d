"""ISO 20022 messaging: pain.001 in (validated against the official schema and the
business rules, each credit transfer a payment through the payments engine), and out
pain.002, pacs.008, pacs.002, pacs.004, camt.053 and camt.054, each valid to its XSD;
camt.053/054 read back to reconcile entries with payments.

XML from outside is parsed with entities, DTDs and network access off (`corridor.safe_xml`),
within a size limit, streaming, so memory stays flat as files grow.
"""

from corridor.iso20022.errors import ExportError, Finding, IsoError, MessageRejectedError
from corridor.iso20022.importer import ImportResult, import_pain001, status_report_path
from corridor.iso20022.validation import ValidationReport, validate_pain001

__all__ = [
    "ExportError",
    "Finding",
    "ImportResult",
    "IsoError",
    "MessageRejectedError",
    "ValidationReport",
    "import_pain001",
    "status_report_path",
    "validate_pain001",
]
