"""Cut-off times per currency: the last moment, in the settlement system's own time zone,
at which a customer payment received today still settles today.

The defaults are the corridor's assumptions, each with its source beside it; a bank
replaces them with its own timetable through `cut_off_table()`, usually earlier than the
scheme's deadline, since the bank needs time to screen and release the payment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

from corridor.calendar.business_days import Country, _countries
from corridor.calendar.errors import CalendarError, NaiveDateTimeError, UnsupportedCurrencyError

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class CutOff:
    """One currency's daily cut-off: a wall-clock `time` in `zone`, on the business days
    of every one of its `settlement_countries` (where the currency's payment system is)."""

    currency: str
    zone: ZoneInfo
    time: dt.time
    settlement_countries: tuple[Country, ...]
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.currency, str) or not _CURRENCY_CODE.fullmatch(self.currency):
            raise CalendarError(
                f"cut-off currency {self.currency!r}: expected three upper-case letters"
            )
        if not isinstance(self.zone, ZoneInfo):
            raise CalendarError(
                f"cut-off for {self.currency}: zone must be a zoneinfo.ZoneInfo, got {self.zone!r}"
            )
        if not isinstance(self.time, dt.time) or self.time.tzinfo is not None:
            raise CalendarError(
                f"cut-off for {self.currency}: time must be a naive datetime.time, a wall-clock "
                f"time read in {self.zone.key}; got {self.time!r}"
            )
        places = _countries(self.settlement_countries)
        if not places:
            raise CalendarError(f"cut-off for {self.currency}: name its settlement countries")
        # Frozen: normalising "GB" to Country.GB goes through object.__setattr__.
        object.__setattr__(self, "settlement_countries", places)

    def on(self, day: dt.date) -> dt.datetime:
        """The cut-off on `day`, as an aware instant in the currency's zone.

        A cut-off inside a skipped hour (clocks going forward) falls where the clocks would
        have shown it; inside a repeated hour, at its first occurrence.
        """
        return dt.datetime.combine(day, self.time, tzinfo=self.zone)

    def is_before(self, instant: dt.datetime) -> bool:
        """Whether `instant` (aware) comes before the cut-off of its own local day here."""
        local = local_instant(instant, self.zone)
        # Compared in UTC: two datetimes sharing one tzinfo object are compared by wall
        # clock alone, which gets the repeated hour of a clock change wrong.
        return local.astimezone(dt.UTC) < self.on(local.date()).astimezone(dt.UTC)


def local_instant(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`instant` seen in `zone`; a naive datetime is refused with NaiveDateTimeError."""
    if not isinstance(instant, dt.datetime):
        raise CalendarError(f"expected an aware datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDateTimeError(
            f"naive datetime {instant.isoformat()}: say whose clock it is, e.g. "
            "tzinfo=datetime.UTC or ZoneInfo('Europe/London')"
        )
    return instant.astimezone(zone)


def cut_off_table(cut_offs: Iterable[CutOff]) -> Mapping[str, CutOff]:
    """A read-only table of cut-offs keyed by currency; a currency named twice is refused."""
    table: dict[str, CutOff] = {}
    for cut_off in cut_offs:
        if cut_off.currency in table:
            raise CalendarError(f"two cut-offs for {cut_off.currency}")
        table[cut_off.currency] = cut_off
    return MappingProxyType(table)


def cut_off_for(currency: str, cut_offs: Mapping[str, CutOff] | None = None) -> CutOff:
    """The cut-off of `currency` in `cut_offs` (the defaults when None)."""
    table = DEFAULT_CUT_OFFS if cut_offs is None else cut_offs
    found = table.get(currency) if isinstance(currency, str) else None
    if found is None:
        raise UnsupportedCurrencyError(
            f"no cut-off for currency {currency!r}: the table knows {', '.join(sorted(table))}"
        )
    if found.currency != currency:
        raise CalendarError(f"cut-off table files {found.currency}'s cut-off under {currency}")
    return found


_LONDON = ZoneInfo("Europe/London")
_HONG_KONG = ZoneInfo("Asia/Hong_Kong")
_BEIJING = ZoneInfo("Asia/Shanghai")  # China Standard Time; tz has no Asia/Beijing

DEFAULT_CUT_OFFS: Mapping[str, CutOff] = cut_off_table(
    [
        CutOff(
            "GBP",
            _LONDON,
            dt.time(17, 40),
            (Country.GB,),
            "CHAPS scheme deadline for customer payments (pacs.008), Bank of England RTGS "
            "timetable, since 20 June 2016 (was 16:20); bank-to-bank runs to 18:00. Banks' "
            "own customer cut-offs are often earlier (17:30).",
        ),
        CutOff(
            "HKD",
            _HONG_KONG,
            dt.time(17, 30),
            (Country.HK,),
            "HKD CHATS (HKICL; settled across the HKMA's books), Monday to Friday. Assumed "
            "customer-payment cut-off inside the CHATS day, which runs to about 18:30 for "
            "interbank payments; check the settlement bank's timetable.",
        ),
        CutOff(
            "USD",
            _HONG_KONG,
            dt.time(17, 30),
            (Country.HK,),
            "The corridor's USD clears through USD CHATS in Hong Kong (settlement "
            "institution HSBC), which HKICL runs 'in the same manner as the HKD clearing "
            "system': same assumed 17:30 cut-off, on Hong Kong business days. US holidays "
            "are not checked.",
        ),
        CutOff(
            "CNY",
            _BEIJING,
            dt.time(17, 0),
            (Country.CN,),
            "CNAPS HVPS (大额支付系统) accepts business until 17:15 Beijing time on mainland "
            "working days, clearing window 17:15-17:30 (PBoC General Office notice, in force "
            "2 May 2018); 17:00 leaves the sending bank a quarter of an hour. CIPS runs "
            "5x24+4 hours, so HVPS is the binding deadline for onshore credit.",
        ),
        # CNH is the offshore renminbi, and it settles in Hong Kong: Asia/Hong_Kong names
        # where the money moves (the offset is Beijing's, UTC+8, either way) and Hong Kong's
        # business days are the ones that count, not the mainland's.
        CutOff(
            "CNH",
            _HONG_KONG,
            dt.time(17, 0),
            (Country.HK,),
            "RMB RTGS in Hong Kong (clearing bank BOCHK, run by HKICL), open 08:30 to 05:00 "
            "next day HKT, Monday to Friday, since 20 July 2015. 17:00 HKT is an assumed "
            "customer cut-off. The RMB RTGS also opens on mainland make-up weekends for "
            "cross-border clearing; not used here (a later value date, never an impossible one).",
        ),
    ]
)
"""The corridor's default cut-offs, keyed by currency."""
