"""Chinese personal names across scripts and romanisations.

The same person is 陳大文 on a Hong Kong identity card, "CHAN Tai Man" in its Cantonese
romanisation, "Chen Dawen" in Mandarin pinyin and "Ch'en Ta-wen" in old Wade-Giles
spellings. No spelling can be turned into another letter by letter, but each syllable
stands for a small set of characters, and two spellings of one name share a character in
every syllable. So every syllable, whether written in characters, pinyin, Hong Kong
Cantonese romanisation or Wade-Giles, is reduced to the set of (simplified) characters it
may stand for; traditional and simplified characters fold together on the way.

The character sets come from pypinyin's dictionary (Mandarin readings), the
cantonese-romanisation package (Hong Kong government romanisation) and Corridor's own
Wade-Giles table (`data/wade_giles.tsv`), limited to the 3,755 characters of the first level
of GB 2312 so that rare characters do not join unrelated syllables.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import opencc
from anyascii import anyascii
from cantoroman import Cantonese
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from corridor.compliance.names import CJK_LEGAL_FORMS, COMPOUND_SURNAMES, HAN, LEGAL_FORMS

MAX_SYLLABLES_PER_WORD = 2  # a given name run together ("Xiaoming"), or a compound surname
PERSON_SYLLABLES = (2, 4)  # a Chinese personal name: family name and one or two given
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bb\u02bc`]")
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")

# What one syllable contributes to the name's score, by how the two spellings meet.
SAME = 1.0  # the same spelling, or a character and its pinyin reading
READING = 0.97  # a character and its Cantonese or Wade-Giles reading
SHARED_CHARACTER = 0.93  # two spellings in different systems that share a character
INITIAL = 0.85  # an initial and a syllable starting with that letter
MIXED = 0.85  # a name only reached by reading its syllables in different romanisations
SYSTEMS = ("pinyin", "Cantonese", "Wade-Giles")


# The hundred commonest family names on the mainland, commonest first (Ministry of Public
# Security household register, 2020): an explanation names one of these when it can.
COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许邓韩冯曹彭曾肖田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾"
    "龚邵万覃武钱戴严莫孔向常汤"
)


# Family names read otherwise than their characters' usual reading (单 Shan, not dan).
SURNAME_READINGS = "单区解仇朴查"


@dataclass(frozen=True, slots=True)
class _Tables:
    pinyin: dict[str, frozenset[str]]
    cantonese: dict[str, frozenset[str]]
    wade_giles: dict[str, frozenset[str]]
    syllables: frozenset[str]
    longest: int

    def by_system(self, spelling: str) -> tuple[frozenset[str], ...]:
        """The characters `spelling` stands for in each of SYSTEMS."""
        empty: frozenset[str] = frozenset()
        return (
            self.pinyin.get(spelling, empty),
            self.cantonese.get(spelling, empty),
            self.wade_giles.get(spelling, empty),
        )


def _toneless(reading: str) -> str:
    """A pinyin reading without its tone mark, ü written v ("lǚ" → "lv")."""
    reading = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in reading if not unicodedata.combining(c))


def _common(char: str) -> bool:
    """In the first level of GB 2312: the 3,755 most used characters, which hold nearly all
    of the characters of names. Rarer characters would join unrelated syllables."""
    try:
        code = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xB0 <= code[0] <= 0xD7


def _spellings(pinyin: str) -> tuple[str, ...]:
    """How a pinyin syllable is written in names: ü as v, u or yu (passports write "lyu")."""
    if "v" not in pinyin:
        return (pinyin,)
    return (pinyin, pinyin.replace("v", "u"), pinyin.replace("v", "yu"))


@cache
def _tables() -> _Tables:
    pinyin: dict[str, set[str]] = defaultdict(set)
    for code_point, readings in pinyin_dict.items():
        char = chr(code_point)
        if not _common(char):
            continue
        # A character's first reading is its usual one; its rare readings (方 feng, 南 na)
        # would join unrelated syllables. Family names keep all theirs: 曾 is Zeng.
        kept = (
            readings.split(",")
            if char in COMMON_SURNAMES or char in SURNAME_READINGS
            else readings.split(",")[:1]
        )
        for reading in kept:
            for spelling in _spellings(_toneless(reading)):
                pinyin[spelling].add(char)

    # The romanisation table is keyed by traditional characters: fold them to simplified.
    romans = Cantonese().charToRoman
    cantonese: dict[str, set[str]] = defaultdict(set)
    for traditional, spellings in romans.items():
        simplified = _to_simplified().convert(traditional)
        if len(simplified) == 1 and _common(simplified):
            for roman in spellings:
                cantonese[roman.lower()].add(simplified)

    wade_giles: dict[str, set[str]] = defaultdict(set)
    table = files("corridor.compliance").joinpath("data/wade_giles.tsv").read_text("utf-8")
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        syllable, spelling = line.split("\t")
        chars = pinyin.get(syllable.replace("ü", "v"), set())
        # Names usually drop the apostrophe and the diaeresis: "Ching" may be ching or
        # ch'ing. Written, the apostrophe is kept: "Ch'ing" is ch'ing only.
        plain = _APOSTROPHES.sub("", spelling).replace("ü", "u")
        marked = spelling.replace("ü", "u")
        for key in {plain, marked} | ({plain.replace("u", "yu")} if "ü" in spelling else set()):
            wade_giles[key] |= chars

    def frozen(table: dict[str, set[str]]) -> dict[str, frozenset[str]]:
        return {key: frozenset(chars) for key, chars in table.items() if chars}

    frozen_pinyin, frozen_cantonese, frozen_wg = (
        frozen(pinyin),
        frozen(cantonese),
        frozen(wade_giles),
    )
    # One-letter syllables (呣 m, 啊 a) would let any word split; one letter is an initial.
    syllables = frozenset(s for s in (*frozen_pinyin, *frozen_cantonese, *frozen_wg) if len(s) > 1)
    return _Tables(
        frozen_pinyin, frozen_cantonese, frozen_wg, syllables, max(len(s) for s in syllables)
    )


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class Syllable:
    """One syllable of a Chinese name as written, and the characters it may stand for."""

    text: str
    """The Latin spelling as written, or the character's pinyin; one letter for an initial."""
    han: str = ""
    """The character (simplified), when the name was written in characters."""
    chars: frozenset[str] = frozenset()
    """Every character the syllable may stand for."""
    readings: tuple[frozenset[str], ...] = ()
    """For a Latin spelling: the characters it stands for in each of SYSTEMS."""

    @property
    def is_initial(self) -> bool:
        """An initial standing for a syllable or a whole given name ("T.M. Chan")."""
        return not self.han and len(self.text) == 1


@dataclass(frozen=True, slots=True)
class ChineseName:
    """A name read as a Chinese personal name: words of one or more syllables, in order."""

    words: tuple[tuple[Syllable, ...], ...]

    @property
    def consistent(self) -> bool:
        """Every syllable is a spelling in one and the same romanisation (or characters).

        A name that is not ("Zhao Lihau": Mandarin, then a Cantonese-looking syllable) may
        be a typing mistake rather than another spelling.
        """
        spelled = [s.readings for s in self.syllables if s.readings]
        return not spelled or any(all(r[i] for r in spelled) for i in range(len(SYSTEMS)))

    @property
    def syllables(self) -> tuple[Syllable, ...]:
        """Every syllable, in written order."""
        return tuple(s for word in self.words for s in word)

    def family_keys(self) -> frozenset[str]:
        """The characters the family name may be: the first syllable of the first or last word."""
        keys: set[str] = set()
        for word in (self.words[0], self.words[-1]):
            keys |= word[0].chars
        return frozenset(keys)


def _segment(word: str) -> tuple[str, ...] | None:
    """`word` split into the fewest syllables of any romanisation, or None."""
    tables = _tables()
    best: list[tuple[str, ...] | None] = [()] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - tables.longest), end):
            before = best[start]
            if before is not None and word[start:end] in tables.syllables:
                candidate = (*before, word[start:end])
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[-1]


def _latin_syllable(text: str, marked: str = "") -> Syllable:
    """A syllable in Latin letters; `marked` is its spelling with an apostrophe, which in
    Wade-Giles marks aspiration (p'ing is ping, ping is bing)."""
    tables = _tables()
    pinyin, cantonese, wade_giles = tables.by_system(text)
    if marked:
        wade_giles = tables.wade_giles.get(marked, frozenset())
    readings = (pinyin, cantonese, wade_giles)
    return Syllable(text, "", frozenset().union(*readings), readings)


def _from_han(name: str) -> ChineseName | None:
    if any(name.endswith(form) for form in CJK_LEGAL_FORMS) or re.search(r"[A-Za-z0-9]", name):
        return None
    # Character by character: phrase conversion could change the name's length.
    chars = "".join(_to_simplified().convert(c)[:1] for c in HAN.findall(name))
    if not PERSON_SYLLABLES[0] <= len(chars) <= PERSON_SYLLABLES[1]:
        return None
    family_size = 2 if chars[:2] in COMPOUND_SURNAMES else 1
    if family_size == len(chars):
        return None  # a family name alone ("欧阳") is not a person's name
    # pypinyin reads the name as a whole, choosing among a character's readings by context.
    spellings = lazy_pinyin(chars, v_to_u=True)
    syllables = [
        Syllable(_toneless(spelling), char, frozenset({char}))
        for char, spelling in zip(chars, spellings, strict=True)
    ]
    return ChineseName((tuple(syllables[:family_size]), tuple(syllables[family_size:])))


def _from_latin(name: str) -> ChineseName | None:
    letters = [c for c in name if c.isalpha()]
    if not all(unicodedata.name(c, "").startswith("LATIN") for c in letters):
        return None  # Korean, Cyrillic… are other names: only Chinese is read this way
    text = anyascii(_APOSTROPHES.sub("'", name)).lower()
    words: list[tuple[Syllable, ...]] = []
    for token in re.split(r"[^a-z'-]+", text):
        raw = token.strip("-")
        if not raw:
            continue
        plain = raw.replace("'", "")
        if not _WORD.fullmatch(plain) or plain in LEGAL_FORMS:
            return None
        parts: list[Syllable] = []
        for piece in raw.split("-"):
            bare = piece.replace("'", "")
            if len(bare) == 1:
                parts.append(Syllable(bare))
                continue
            segmented = _segment(bare)
            if segmented is None or len(segmented) > MAX_SYLLABLES_PER_WORD:
                return None
            if len(segmented) == 1 and "'" in piece:
                parts.append(_latin_syllable(bare, marked=piece))  # Wade-Giles "p'ing"
            else:
                parts.extend(_latin_syllable(p) for p in segmented)
        words.append(tuple(parts))
    syllables = [s for word in words for s in word]
    real = [s for s in syllables if not s.is_initial]
    if not real or not PERSON_SYLLABLES[0] <= len(syllables) <= PERSON_SYLLABLES[1]:
        return None
    if len(words) < 2 or (words[0][0].is_initial and words[-1][0].is_initial):
        return None  # one word ("Jundi"), or no word that could be the family name
    return ChineseName(tuple(words))


def chinese_name(name: str) -> ChineseName | None:
    """`name` read as a Chinese personal name, or None when it cannot be one.

    A name in characters must have two to four of them and no company suffix; a name in
    Latin letters must be two to four syllables of pinyin, Cantonese or Wade-Giles (initials
    count as syllables), no word longer than two syllables.
    """
    name = unicodedata.normalize("NFKC", name)
    if HAN.search(name):
        return _from_han(name)
    return _from_latin(name)


def _reading_of(han: str, spelled: Syllable) -> tuple[float, str]:
    """A character against a Latin spelling: its pinyin, or another reading of it."""
    for system, chars in zip(SYSTEMS, spelled.readings, strict=True):
        if han in chars:
            return (SAME if system == "pinyin" else READING), f"{system} reading"
    return 0.0, "different syllable"


_ALL_PAIRS = frozenset((a, b) for a in range(len(SYSTEMS)) for b in range(len(SYSTEMS)))


def _meet(query: Syllable, listed: Syllable) -> frozenset[tuple[int, int]]:
    """The pairs of romanisations (indexes into SYSTEMS) in which two spellings can be
    the same syllable.

    Within one romanisation, two different spellings are two different syllables, even
    where a character has both readings (囱 is chung and cheung in Hong Kong spellings):
    Cheung and Chung are different family names.
    """
    if query.han and listed.han:
        return _ALL_PAIRS if query.han == listed.han else frozenset()
    if query.han:
        return frozenset((a, b) for a, b in _ALL_PAIRS if query.han in listed.readings[b])
    if listed.han:
        return frozenset((a, b) for a, b in _ALL_PAIRS if listed.han in query.readings[a])
    same = query.text == listed.text
    return frozenset(
        (a, b) for a, b in _ALL_PAIRS if (a != b or same) and query.readings[a] & listed.readings[b]
    )


def compare_syllables(query: Syllable, listed: Syllable) -> tuple[float, str]:
    """How far one written syllable agrees with another, and why."""
    if query.is_initial and listed.is_initial and query.text == listed.text:
        return SAME, "same initial"
    if query.is_initial or listed.is_initial:
        if query.text[0] == listed.text[0]:
            return INITIAL, "initial"
        return 0.0, "different initial"
    if query.han and listed.han:
        return (SAME, "same character") if query.han == listed.han else (0.0, "different character")
    if query.han or listed.han:
        return _reading_of(query.han, listed) if query.han else _reading_of(listed.han, query)
    if query.text == listed.text:
        return SAME, "same spelling"
    meeting = _meet(query, listed)
    if meeting:
        shared = set().union(*(query.readings[a] & listed.readings[b] for a, b in meeting))
        return SHARED_CHARACTER, f"shared character {min(shared, key=_by_frequency)}"
    return 0.0, "different syllable"


def _orders(name: ChineseName) -> list[tuple[Syllable, ...]]:
    """The name's syllables with the family name first or last, as written and rotated."""
    words = name.words
    orders = [words, words[-1:] + words[:-1], words[1:] + words[:1]]
    seen: list[tuple[Syllable, ...]] = []
    for order in orders:
        flat = tuple(s for word in order for s in word)
        if flat not in seen:
            seen.append(flat)
    return seen


def _by_frequency(char: str) -> tuple[int, bytes]:
    """Common family names first, then GB 2312 order (its first level holds the 3,755 most
    used characters)."""
    rank = COMMON_SURNAMES.find(char)
    return (rank if rank >= 0 else len(COMMON_SURNAMES), char.encode("gb2312"))


def _shown(syllable: Syllable) -> str:
    return syllable.han or syllable.text


def _absorbed(steps: list[dict[str, str | float]]) -> int:
    return sum(1 for step in steps if step["how"] == "initial of a given name")


_Step = dict[str, str | float]
_Pairing = tuple[float, list[_Step], list[tuple[Syllable, Syllable]]]


def _align(query: tuple[Syllable, ...], listed: tuple[Syllable, ...]) -> _Pairing:
    """The best in-order pairing of syllables; an initial may stand for two syllables.

    Returns the score, the explained steps and the syllable pairs compared one to one.
    """
    n, m = len(query), len(listed)
    best: list[list[_Pairing]] = [[(0.0, [], [])] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            options = []
            if i:
                options.append(best[i - 1][j])
            if j:
                options.append(best[i][j - 1])
            if i and j:
                asked, held = query[i - 1], listed[j - 1]
                score, why = compare_syllables(asked, held)
                total, steps, pairs = best[i - 1][j - 1]
                step: _Step = {"query": asked.text, "listed": _shown(held)}
                step |= {"score": score, "how": why}
                options.append((total + score, [*steps, step], [*pairs, (asked, held)]))
                if j >= 2 and asked.is_initial and asked.text == listed[j - 2].text[0]:
                    total, steps, pairs = best[i - 1][j - 2]
                    step = {
                        "query": asked.text,
                        "listed": f"{_shown(listed[j - 2])} {_shown(held)}",
                    }
                    step |= {"score": INITIAL, "how": "initial of a given name"}
                    options.append((total + 2 * INITIAL, [*steps, step], pairs))
            # On equal totals, fewer initials standing for two syllables: each one widens
            # the name compared.
            best[i][j] = max(options, key=lambda option: (option[0], -_absorbed(option[1])))
    total, steps, pairs = best[n][m]
    covered = n + _absorbed(steps)
    return total / max(covered, m), steps, pairs


def _romanisations(pairs: list[tuple[Syllable, Syllable]]) -> tuple[str, str] | None:
    """One romanisation per side in which every paired syllable meets its partner, or
    None when the pairing needs one side read in two systems at once (a Mandarin family
    name with a Cantonese given name is a different name, not another spelling)."""
    possible = _ALL_PAIRS
    for asked, held in pairs:
        if asked.is_initial or held.is_initial or asked == held:
            continue  # the same spelling twice says nothing of the romanisation
        meeting = _meet(asked, held)
        if meeting:  # a pair that does not meet at all already scored zero
            possible &= meeting
        if not possible:
            return None
    a, b = min(possible)
    return SYSTEMS[a], SYSTEMS[b]


def score_chinese_names(
    query: ChineseName, listed: ChineseName
) -> tuple[float, list[_Step], dict[str, str] | str]:
    """The score in [0, 1] of two Chinese names, and the syllable pairing that gave it.

    Each syllable pair scores by how its spellings meet (the same, a character and its
    reading, a shared character across romanisations, an initial); a syllable that meets
    nothing scores zero, so a different given name under the same family name stays well
    below the review tier. The query is tried family name first and last. Each side must
    read in one romanisation throughout (the third value names them), or the score is
    discounted by MIXED.
    """
    best: tuple[float, list[_Step], tuple[str, str] | None] = (0.0, [], None)
    target = listed.syllables
    for order in _orders(query):
        score, steps, pairs = _align(order, target)
        systems = _romanisations(pairs)
        if systems is None:
            score *= MIXED
        if score > best[0]:
            best = (score, steps, systems)
    score, steps, systems = best
    read_as = {"query": systems[0], "listed": systems[1]} if systems else "mixed romanisations"
    return round(score, 4), steps, read_as
