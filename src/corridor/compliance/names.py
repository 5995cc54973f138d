"""Names reduced to the forms a screener compares: one script, one case, no legal forms.

A name written in Chinese characters also yields its Mandarin pinyin, family name first
and last, with the given name split and joined ("张小龙" → "zhang xiao long",
"zhang xiaolong", "xiaolong zhang"); any other script is transliterated to Latin letters
(anyascii). Company legal forms (Ltd, Limited, Co., LLC, PLC, 有限公司 …) are dropped, since
they tell one listed company from another less than they add noise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from pypinyin import lazy_pinyin

MAX_NAME_LENGTH = 500
"""Longer than any listed name: a longer input is a mistake (or an attack), not a name."""

# Two-character family names, which would otherwise be split as family + given.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "歐陽",
        "司马",
        "司馬",
        "上官",
        "诸葛",
        "諸葛",
        "东方",
        "東方",
        "皇甫",
        "尉迟",
        "尉遲",
        "公孙",
        "公孫",
        "慕容",
        "长孙",
        "長孫",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "軒轅",
        "令狐",
        "钟离",
        "鍾離",
    }
)
CJK_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "集团",
    "集團",
    "公司",
)
LEGAL_FORMS = frozenset(
    {
        "ltd",
        "limited",
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "srl",
        "bv",
        "nv",
        "lp",
        "llp",
        "pte",
        "pty",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "oao",
        "zao",
        "ooo",
        "grp",
        "group",
        "holdings",
        "public",
        "liability",
        "joint",
        "stock",
        # 有限公司, 股份, 集团, 有限责任 written in pinyin
        "youxian",
        "gongsi",
        "gufen",
        "jituan",
        "zeren",
    }
)
# Abbreviations companies are listed and paid under, spelled out before comparing
# ("GUANGZHOU HAIGE COMM GRP" is "Guangzhou Haige Communications Group"). None may be a
# personal name as well: ENG (a Hokkien family name) and DEV are left out on purpose.
ABBREVIATIONS = {
    "comm": "communications",
    "comms": "communications",
    "chem": "chemical",
    "ind": "industry",
    "inds": "industries",
    "intl": "international",
    "hldgs": "holdings",
    "hldg": "holdings",
    "tech": "technology",
    "trdg": "trading",
    "mfg": "manufacturing",
    "elec": "electronics",
    "natl": "national",
    "invt": "investment",
    "mgmt": "management",
    "svcs": "services",
    "hk": "hong kong",
}
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bb\u02bc`]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class NameInputError(ValueError):
    """A name to screen is text of a person's or company's name: not empty, not control
    characters, not longer than MAX_NAME_LENGTH."""


@dataclass(frozen=True, slots=True)
class NameForms:
    """A name as given, and the normalised forms it is compared in."""

    given: str
    forms: tuple[str, ...]
    """Lower-case Latin token strings, the first the plainest; never empty."""
    script: str
    """`latin`, `han` or `other`: the script the name was written in."""


def _check(name: str) -> str:
    if not isinstance(name, str):
        raise NameInputError(f"a name is text, not {type(name).__name__}")
    if len(name) > MAX_NAME_LENGTH:
        raise NameInputError(
            f"a name of {len(name):,} characters is longer than the {MAX_NAME_LENGTH} allowed"
        )
    for position, char in enumerate(name):
        if unicodedata.category(char) == "Cc" and char not in "\t\n\r":
            raise NameInputError(
                f"control character U+{ord(char):04X} at position {position} in the name"
            )
    # Format characters (zero-width joiners, bidi marks) shape how a name is shown in
    # its script, not what it says: they are dropped, not refused.
    name = "".join(c for c in name if unicodedata.category(c) != "Cf")
    name = unicodedata.normalize("NFKC", name).strip()
    if not name:
        raise NameInputError("the name is empty")
    return name


def _latin(text: str, *, whole_name: bool = True) -> str:
    # An apostrophe joins (Wade-Giles "Ch'en", "O'Brien", "INT'L"), it does not split.
    text = _NOT_WORD.sub(" ", anyascii(_APOSTROPHES.sub("", text)).lower())
    words = " ".join(ABBREVIATIONS.get(w, w) for w in text.split()).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    # A name that is nothing but legal forms ("Co. Ltd") keeps them: it has nothing else.
    return " ".join(kept or (words if whole_name else []))


def _pinyin(han: str) -> list[str]:
    """Pinyin forms of a name in characters.

    A person's name (two to four characters, no legal form) gives family first and last,
    with the given name split and joined; anything else (a company) gives its syllables
    spaced and run together.
    """
    company = any(han.endswith(form) for form in CJK_LEGAL_FORMS)
    for form in CJK_LEGAL_FORMS:
        han = han.removesuffix(form)
    chars = [c for c in han if HAN.match(c)]
    if not chars:
        return []
    syllables = lazy_pinyin("".join(chars))
    if company or not 2 <= len(chars) <= 4:
        return [" ".join(syllables), "".join(syllables)]
    size = 2 if "".join(chars[:2]) in COMPOUND_SURNAMES else 1
    family = "".join(syllables[:size])
    given = syllables[size:]
    if not given:
        return [family]
    split, joined = " ".join(given), "".join(given)
    forms = [f"{family} {split}", f"{family} {joined}", f"{joined} {family}", f"{split} {family}"]
    return list(dict.fromkeys(forms))


def _script(name: str) -> str:
    letters = [c for c in name if c.isalpha()]
    if all(unicodedata.name(c, "").startswith("LATIN") for c in letters):
        return "latin"
    return "other"


# Payments name the same parties over and over, and the forms are a pure function of
# the name: worked out once per name (the result is immutable).
@lru_cache(maxsize=65_536)
def name_forms(name: str) -> NameForms:
    """Every form `name` is compared in. Raises NameInputError for what is not a name."""
    name = _check(name)
    if HAN.search(name):
        forms = _pinyin(name)
        latin_rest = _latin(HAN.sub(" ", name), whole_name=False)
        if latin_rest:
            forms.append(latin_rest)
        script = "han"
    else:
        forms = [_latin(name)]
        script = _script(name)
    forms = [f for f in dict.fromkeys(forms) if f]
    if not forms:
        raise NameInputError(f"no letters or digits to compare in {name!r}")
    return NameForms(name, tuple(forms), script)
