"""Names in the forms a screener compares them in, across scripts and orders."""

from __future__ import annotations

import re

import pytest

from corridor.compliance.names import MAX_NAME_LENGTH, NameInputError, name_forms


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("张磊", "zhang lei"),  # characters to pinyin, family name first …
        ("张磊", "lei zhang"),  # … and last
        ("ZHANG, Lei", "zhang lei"),  # the list's "FAMILY, Given"
        ("張磊", "zhang lei"),  # traditional characters give the same pinyin
        ("陳大文", "chen dawen"),  # a two-character given name, joined …
        ("陳大文", "chen da wen"),  # … and split
        ("欧阳娜娜", "ouyang nana"),  # a compound family name stays whole
        ("Müller GmbH", "muller"),  # diacritics folded, legal form dropped
        ("Harrow Tea Importers Ltd", "harrow tea importers"),
        ("Kowloon Textiles Co.", "kowloon textiles"),
        ("深圳光伏组件有限公司", "shenzhenguangfuzujian"),  # a company: syllables run together
        ("صدام حسين التكريتي", "sdm hsyn ltkryty"),  # other scripts transliterated
        ("Co. Ltd", "co ltd"),  # nothing but legal forms: kept
        ("GUANGZHOU HAIGE COMM GRP", "guangzhou haige communications"),  # abbreviations
        ("HK Jinhai Int'l Hldgs Ltd", "hong kong jinhai international"),  # HLDGS: a form
        ("Xiamen Haiyang Maoyi Youxian Gongsi", "xiamen haiyang maoyi"),  # pinyin legal form
        ("Hsi Chin-p'ing", "hsi chin ping"),  # an apostrophe joins, it does not split
        ("Lim Eng Hock", "lim eng hock"),  # ENG is a family name, not "engineering"
    ],
)
def test_a_name_yields_the_forms_it_is_compared_in(name: str, form: str) -> None:
    """Each written form of a name reaches the form a list entry would reach."""
    assert form in name_forms(name).forms


@pytest.mark.parametrize(
    ("name", "script"),
    [("张磊", "han"), ("Zhang Lei", "latin"), ("Müller", "latin"), ("صدام", "other")],
)
def test_the_script_is_recorded(name: str, script: str) -> None:
    """What script the name came in, for the explanation of a match."""
    assert name_forms(name).script == script


def test_a_chinese_company_is_not_read_as_a_person() -> None:
    """A legal form marks a company: no family-name reordering."""
    forms = name_forms("深圳光伏组件有限公司").forms
    assert forms == ("shen zhen guang fu zu jian", "shenzhenguangfuzujian")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "the name is empty"),
        ("   \t ", "the name is empty"),
        ("x" * 10_000, f"longer than the {MAX_NAME_LENGTH} allowed"),
        ("Zhang\x00Wei", "control character U+0000 at position 5"),
        ("!!!", "no letters or digits"),
    ],
)
def test_what_is_not_a_name_is_refused_clearly(name: str, message: str) -> None:
    """Empty, oversized, control characters, nothing to compare: a clear error each."""
    with pytest.raises(NameInputError, match=re.escape(message)):
        name_forms(name)


def test_format_characters_are_dropped_not_refused() -> None:
    """Zero-width joiners and bidi marks shape a name's display, not its letters."""
    assert name_forms("Zhang\u200bWei").forms == ("zhangwei",)
    assert name_forms("\u200fAli Reza\u200d").forms == ("ali reza",)
