"""pain.001 (customer credit transfer initiation) read into plain records, part by part.

Versions .03 (still what most corporates send), .09 and .10 are read by one reader: their
elements differ only where the reader looks for them (BIC in .03 and BICFI later; a
requested execution date that became a choice of date or date and time; the UETR, new in
.09). A record keeps every value as the message gave it, with the element path of the
transaction it came from; `rules` decides what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from corridor.iso20022.catalogue import MessageType
from corridor.iso20022.errors import Finding
from corridor.iso20022.reading import MAX_BYTES, Part, Stream, stream_parts


@dataclass(frozen=True, slots=True)
class PartyData:
    """A debtor or creditor as the message names it."""

    name: str
    country: str
    """CtryOfRes, else the postal address's country ("" when neither is given)."""
    individual: bool
    """Identified as a private person (Id/PrvtId)."""


@dataclass(frozen=True, slots=True)
class AccountData:
    """An account as the message names it: an IBAN, or another identifier."""

    iban: str
    other: str
    currency: str

    @property
    def identifier(self) -> str:
        """The IBAN, else the other identifier."""
        return self.iban or self.other


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """pain.001's GrpHdr."""

    msg_id: str
    created: str
    nb_of_txs: str
    ctrl_sum: str
    initiating_party: str
    """A key for the initiating party: its BIC or other id when given, else its name."""
    initiating_party_name: str
    path: str
    line: int | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class PaymentInformation:
    """pain.001's PmtInf header: what its transactions share."""

    index: int
    pmt_inf_id: str
    method: str
    nb_of_txs: str
    ctrl_sum: str
    execution_date: str
    debtor: PartyData
    debtor_account: AccountData
    debtor_agent: str
    charge_bearer: str
    path: str
    line: int | None
    execution_date_path: str
    debtor_agent_path: str


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One CdtTrfTxInf, with its PmtInf and its schema errors."""

    sequence: int
    """1-based position in the whole file."""
    index: int
    """1-based position in its PmtInf."""
    info: PaymentInformation
    path: str
    line: int | None
    instruction_id: str
    end_to_end_id: str
    uetr: str
    amount: str
    currency: str
    equivalent: bool
    """EqvtAmt: the amount is in the debtor's currency, `transfer_currency` is sent."""
    transfer_currency: str
    charge_bearer: str
    intermediaries: tuple[str, ...]
    creditor_agent: str
    creditor: PartyData
    creditor_account: AccountData
    purpose: str
    remittance: tuple[str, ...]
    creditor_reference: str
    bic_element: str
    """BIC in .03, BICFI from .09 on."""
    schema_findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class PaymentInformationEnd:
    """Marks the end of a PmtInf; `findings` are its header's schema errors."""

    info: PaymentInformation | None
    index: int
    path: str
    findings: tuple[Finding, ...]


Record = GroupHeader | CreditTransfer | PaymentInformationEnd | Finding


def read_pain001(
    path: Path, stream: Stream, *, max_bytes: int = MAX_BYTES, chunk: int = 1000
) -> Iterator[Record]:
    """Every part of a pain.001 file in order: its GrpHdr, each transaction (with its
    PmtInf), the end of each PmtInf, and schema errors outside those. Errors that stop
    the read end up in `stream.fatal`."""
    sequence = 0
    info: PaymentInformation | None = None
    for part in stream_parts(
        path, "pain.001", "PmtInf", "CdtTrfTxInf", stream, max_bytes=max_bytes, chunk=chunk
    ):
        assert stream.message is not None
        fields = _Fields(stream.message)
        if part.name == "GrpHdr":
            yield fields.group_header(part)
        elif part.name == "PmtInf":
            if info is None or info.index != part.index:
                info = fields.payment_information(part)
            for index, element, findings in part.items:
                sequence += 1
                yield fields.transfer(element, info, index, sequence, tuple(findings))
            if part.last:
                yield PaymentInformationEnd(info, part.index, part.path, tuple(part.findings))
                info = None
            else:
                yield from part.findings
        else:
            yield from part.findings


def flatten(element: etree._Element, skip: str = "") -> dict[str, str]:
    """Every leaf below `element` by its relative path ("PmtId/EndToEndId" → text), and
    each amount's currency as "…/@Ccy"; repeated leaves are joined by a newline.

    One walk of the subtree costs less than a look-up per field, and a transaction is read
    once; `skip` names a child not to descend into (a PmtInf's transactions).
    """
    values: dict[str, str] = {}

    def walk(parent: etree._Element, prefix: str) -> None:
        for child in parent:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            name = tag[tag.index("}") + 1 :] if tag[0] == "{" else tag
            if name == skip:
                continue
            path = prefix + name
            if len(child):
                walk(child, path + "/")
                continue
            text = (child.text or "").strip()
            if path in values:
                values[path] += "\n" + text
            else:
                values[path] = text
            currency = child.get("Ccy")
            if currency is not None:
                values[path + "/@Ccy"] = currency.strip()

    walk(element, "")
    return values


class _Fields:
    """Reads values out of one message version's elements."""

    def __init__(self, message: MessageType) -> None:
        self.message = message
        self.bic = "BIC" if message.version < 9 else "BICFI"

    @staticmethod
    def party(values: dict[str, str], path: str) -> PartyData:
        get = values.get
        country = get(f"{path}/CtryOfRes") or get(f"{path}/PstlAdr/Ctry") or ""
        individual = (
            f"{path}/Id/PrvtId/Othr/Id" in values
            or f"{path}/Id/PrvtId/DtAndPlcOfBirth/BirthDt" in values
        )
        return PartyData(get(f"{path}/Nm", ""), country, individual)

    @staticmethod
    def account(values: dict[str, str], path: str) -> AccountData:
        get = values.get
        return AccountData(
            get(f"{path}/Id/IBAN", "").replace(" ", "").upper(),
            get(f"{path}/Id/Othr/Id", ""),
            get(f"{path}/Ccy", ""),
        )

    def group_header(self, part: Part) -> GroupHeader:
        values = flatten(part.element)
        get = values.get
        bic = "BICOrBEI" if self.message.version < 9 else "AnyBIC"
        key = (
            get(f"InitgPty/Id/OrgId/{bic}")
            or get("InitgPty/Id/OrgId/Othr/Id")
            or get("InitgPty/Id/PrvtId/Othr/Id")
        )
        name = get("InitgPty/Nm", "")
        return GroupHeader(
            msg_id=get("MsgId", ""),
            created=get("CreDtTm", ""),
            nb_of_txs=get("NbOfTxs", ""),
            ctrl_sum=get("CtrlSum", ""),
            initiating_party=f"id:{key}" if key else f"name:{' '.join(name.split()).upper()}",
            initiating_party_name=name,
            path=part.path,
            line=part.element.sourceline,
            findings=tuple(part.findings),
        )

    def payment_information(self, part: Part) -> PaymentInformation:
        values = flatten(part.element, skip="CdtTrfTxInf")
        get = values.get
        dated = self.message.version >= 9
        date_path = "ReqdExctnDt/Dt" if dated else "ReqdExctnDt"
        execution = get(date_path, "")
        if dated and not execution and get("ReqdExctnDt/DtTm"):
            date_path = "ReqdExctnDt/DtTm"
            execution = values[date_path][:10]
        return PaymentInformation(
            index=part.index,
            pmt_inf_id=get("PmtInfId", ""),
            method=get("PmtMtd", ""),
            nb_of_txs=get("NbOfTxs", ""),
            ctrl_sum=get("CtrlSum", ""),
            execution_date=execution,
            debtor=self.party(values, "Dbtr"),
            debtor_account=self.account(values, "DbtrAcct"),
            debtor_agent=get(f"DbtrAgt/FinInstnId/{self.bic}", "").upper(),
            charge_bearer=get("ChrgBr", ""),
            path=part.path,
            line=part.element.sourceline,
            execution_date_path=f"{part.path}/{date_path}",
            debtor_agent_path=f"{part.path}/DbtrAgt/FinInstnId/{self.bic}",
        )

    def transfer(
        self,
        element: etree._Element,
        info: PaymentInformation,
        index: int,
        sequence: int,
        findings: tuple[Finding, ...],
    ) -> CreditTransfer:
        values = flatten(element)
        get = values.get
        bic = self.bic
        equivalent = "Amt/EqvtAmt/Amt" in values
        amount_path = "Amt/EqvtAmt/Amt" if equivalent else "Amt/InstdAmt"
        intermediaries = tuple(
            agent.upper() for n in (1, 2, 3) if (agent := get(f"IntrmyAgt{n}/FinInstnId/{bic}"))
        )
        remittance = tuple(
            line.strip() for line in get("RmtInf/Ustrd", "").split("\n") if line.strip()
        )
        return CreditTransfer(
            sequence=sequence,
            index=index,
            info=info,
            path=f"{info.path}/CdtTrfTxInf[{index}]",
            line=element.sourceline,
            instruction_id=get("PmtId/InstrId", ""),
            end_to_end_id=get("PmtId/EndToEndId", ""),
            uetr=get("PmtId/UETR", "") if self.message.version >= 9 else "",
            amount=get(amount_path, ""),
            currency=get(f"{amount_path}/@Ccy", ""),
            equivalent=equivalent,
            transfer_currency=get("Amt/EqvtAmt/CcyOfTrf", ""),
            charge_bearer=get("ChrgBr", ""),
            intermediaries=intermediaries,
            creditor_agent=get(f"CdtrAgt/FinInstnId/{bic}", "").upper(),
            creditor=self.party(values, "Cdtr"),
            creditor_account=self.account(values, "CdtrAcct"),
            purpose=get("Purp/Cd", ""),
            remittance=remittance,
            creditor_reference=get("RmtInf/Strd/CdtrRefInf/Ref", ""),
            bic_element=bic,
            schema_findings=findings,
        )
