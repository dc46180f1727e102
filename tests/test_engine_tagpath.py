"""Tag-path regexes and matching (spec §6.2, U-13)."""

from __future__ import annotations

import pytest

from dicomedit.engine.errors import EvaluationError
from dicomedit.engine.script import parse_path_string
from dicomedit.engine.tagpath import CompiledPath, parse_direct


def path(text: str) -> CompiledPath:
    compiled = parse_path_string(text)
    assert compiled is not None, text
    return compiled


@pytest.mark.parametrize(
    ("text", "regex"),
    [
        ("*/(0010,0020)", r"[\s\S]*00100020"),
        ("+/(0010,0020)", r"(?!00100020)([^/]*/)*00100020"),
        ("./(0010,0020)", r"(/?[^/]+/){1}00100020"),
        ("(0042,0010)[%]/(0010,0020)", r"00420010(\[[0-9]+\])?+/00100020"),
        ("(0008,1110)[0]/(0008,1155)", r"00081110\[0\]/00081155"),
        ("(0008,1110)/(0008,1155)", r"00081110(\[[0-9]+\])?+/00081155"),
        ("(0018,901X)", r"0018901[0-9a-fA-F]"),
        ("(0018,900#)", r"0018900[13579bdfBDF]"),
        ("(0010,10@@)", r"001010[02468aceACE][02468aceACE]"),
        ("(001A,001f)", r"001[aA]001[fF]"),
        ("(0019,{GE}1X)", r'0019"GE"[0-9a-fA-F]{2}1[0-9a-fA-F]'),
    ],
)
def test_pattern_text(text: str, regex: str) -> None:
    assert path(text).pattern.pattern == regex


@pytest.mark.parametrize(
    ("text", "concrete", "matches"),
    [
        ("(001A,001f)", "001a001f", True),
        ("(001a,001X)", "001a001a", True),
        ("(0008,1024)[0]", "00081024[0]", True),
        ("(0008,1024)[0]", "00081024", False),
        ("(0008,1024)[0]", "00081024[1]", False),
        ("(0008,1024)[%]", "00081024[0]", True),
        ("(0010,0020)", "00420010[0]/00100020", False),
        ("*/(0010,0020)", "00100020", True),
        ("*/(0010,0020)", "00420010[0]/00420010[3]/00100020", True),
        ("+/(0010,0020)", "00100020", False),
        ("+/(0010,0020)", "00420010[0]/00420010[3]/00100020", True),
        ("./(0010,0020)", "00420010[0]/00100020", True),
        ("./(0010,0020)", "00420010[0]/00420010[0]/00100020", False),
        ("(0013,{CTP}33)[0]/(0010,0010)", '0013"CTP"1033[0]/00100010', True),
        ("(0013,{CTP}33)[0]/(0010,0010)", '0013"CTP"2033[0]/00100010', True),
        ("(0013,{CTP}33)[0]/(0010,0010)", '0013"ctp"1033[0]/00100010', False),
        ("(0019,{GE}10)", '0019"GE"0010', True),  # the creator element matches too (spec §5 ?=)
    ],
)
def test_matching(text: str, concrete: str, matches: bool) -> None:
    assert path(text).matches(concrete) is matches


def test_extended_match_is_a_prefix_match() -> None:
    p = path("(0018,0026)[1]")
    assert p.prefix_matches("00180026[1]/00180028")
    assert not p.prefix_matches("00180026[0]/00180028")
    assert not p.matches("00180026[1]/00180028")


def test_plus_at_the_end_never_matches() -> None:
    assert not path("(0008,1110)/+").matches("00081110[0]/00100010")


def test_internal_text_and_singularity() -> None:
    assert path("(0018,901X)").text == "0018901X"
    assert path("(0008,1110)[0]/(0008,1155)").text == "00081110[0]/00081155"
    assert path("(0020,000D)").singular
    assert not path("*/(0020,000D)").singular
    assert path("(0020,000D)").single_top_level_tag == 0x0020000D
    assert path("(0008,1110)[0]/(0008,1155)").roots == frozenset({0x00081110})
    assert path("*/(0008,1155)").roots is None


def test_direct_notation() -> None:
    direct = parse_direct("(2001,105F)[0]/(2005,10a3)")
    assert [(s.tag, s.item) for s in direct.steps] == [(0x2001105F, 0), (0x200510A3, None)]
    with pytest.raises(EvaluationError):
        parse_direct("(0010,{X}10)")
