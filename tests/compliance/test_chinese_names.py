"""Chinese names across characters, pinyin, Cantonese and Wade-Giles spellings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.compliance import EntityType, ListedEntry, ListedName, NameKind
from corridor.compliance.chinese_names import chinese_name, score_chinese_names
from corridor.compliance.lists import ListVersion
from corridor.compliance.matching import ScreeningIndex
from corridor.compliance.screening import screen_name

VERSION = ListVersion(3, "internal", "", "0" * 64, ("watch.csv",), 4, "2026-11-25T00:00:00+00:00")


def _index(*names: str) -> ScreeningIndex:
    index = ScreeningIndex()
    entries = [
        ListedEntry(f"P{i}", EntityType.PERSON, (ListedName(name, NameKind.PRIMARY),))
        for i, name in enumerate(names, start=1)
    ]
    index.add(VERSION, entries)
    return index


def _score(query: str, listed: str) -> float:
    asked, held = chinese_name(query), chinese_name(listed)
    assert asked is not None, query
    assert held is not None, listed
    return score_chinese_names(asked, held)[0]


@pytest.mark.parametrize(
    ("query", "listed", "decision"),
    [
        ("张磊", "ZHANG, Lei", "block"),  # characters to pinyin: 0.00 in the best open matcher
        ("Chan Tai Man", "陳大文", "block"),  # Hong Kong romanisation of the characters
        ("Chan Tai Man", "Chen Dawen", "review"),  # Cantonese and pinyin share 陳 大 文
        ("Mao Tse-tung", "Mao Zedong", "block"),  # Wade-Giles
        ("Hsi Chin-p'ing", "Xi Jinping", "block"),
        ("Teng Hsiao-p'ing", "邓小平", "block"),
        ("陳大文", "陈大文", "block"),  # traditional and simplified
        ("Lyu Bu", "吕布", "block"),  # ü written yu, as on passports
        ("X.M. Huang", "HUANG Xiaoming", "review"),  # initials
        ("Lei Zhang", "ZHANG, Lei", "block"),  # family name last
        ("Zhang Wei", "ZHANG, Lei", "pass"),  # same family name, another person
        ("Chan Tai Man", "Chan Siu Ming", "pass"),
        ("Deng Xiaobing", "Teng Hsiao-p'ing", "pass"),  # p'ing is ping; bing is ping unmarked
        ("莉 张", "ZHANG, Lei", "pass"),  # Lei is 莉 only in Cantonese, Zhang only in pinyin
    ],
)
def test_spellings_of_one_name_meet_and_other_names_do_not(
    query: str, listed: str, decision: str
) -> None:
    """Screened against a list holding only `listed`, the query gets `decision`."""
    result = screen_name(_index(listed), query)
    assert result["decision"] == decision, result["candidates"][:1]


def test_the_explanation_names_each_syllable_and_the_romanisations() -> None:
    """A reviewer sees which syllable met which, how, and in which romanisations."""
    result = screen_name(_index("Chen Dawen"), "Chan Tai Man")
    explanation = result["candidates"][0]["explanation"]
    assert explanation["method"] == "chinese-syllables"
    assert explanation["romanisation"] == {"query": "Cantonese", "listed": "pinyin"}
    pairs = [(s["query"], s["listed"]) for s in explanation["syllables"]]
    assert pairs == [("chan", "chen"), ("tai", "da"), ("man", "wen")]
    assert explanation["syllables"][0]["how"] == "shared character 陈"


def test_a_name_against_characters_names_the_reading() -> None:
    """Against a name in characters, each syllable says which reading it is."""
    result = screen_name(_index("陳大文"), "Chan Tai Man")
    hows = [s["how"] for s in result["candidates"][0]["explanation"]["syllables"]]
    assert hows == ["Cantonese reading"] * 3


@pytest.mark.parametrize(
    "name",
    [
        "Vladimir Putin",
        "김정은",
        "Maria",
        "Jundi",
        "Shenzhen Huaxin Trading Co Ltd",
        "有限公司",
        "欧阳",  # a compound family name alone
        "张",
    ],
)
def test_what_is_not_a_chinese_personal_name_is_not_read_as_one(name: str) -> None:
    """Other scripts, one word, companies: they stay on the ordinary path."""
    assert chinese_name(name) is None


def test_a_typing_mistake_is_not_taken_for_another_syllable() -> None:
    """A name no single romanisation spells ("Lihau") may be a typo: the letter-based
    comparison still sees it."""
    reading = chinese_name("Zhao Lihau")
    assert reading is not None
    assert not reading.consistent
    assert screen_name(_index("ZHAO, Lihua"), "Zhao Lihau")["decision"] != "pass"


SYLLABLES = ["zhang", "wang", "li", "liu", "chen", "huang", "xiao", "ming", "jian", "guo", "hua"]


@given(st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=3))
def test_a_name_scores_one_against_itself_and_within_bounds(syllables: list[str]) -> None:
    """Any pinyin name scores 1 against itself, and every score lies in [0, 1]."""
    name = f"{syllables[0]} {''.join(syllables[1:])}"
    assert _score(name, name) == 1.0
    other = f"{''.join(syllables[1:])} {syllables[0]}"
    assert 0.0 <= _score(name, "zhang lei") <= 1.0
    assert _score(other, name) == 1.0  # family name last


@given(st.text(alphabet="张王李陈欧阳司马大文磊伟 -.,'ZhangLeiChanT", max_size=12))
def test_any_text_of_name_characters_is_read_or_refused_without_failing(text: str) -> None:
    """Whatever mix of characters, letters and punctuation, reading it never raises, and
    a name that reads scores 1 against itself."""
    reading = chinese_name(text)
    if reading is not None:
        assert score_chinese_names(reading, reading)[0] == 1.0
        assert reading.family_keys()
