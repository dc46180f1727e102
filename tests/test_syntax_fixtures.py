"""Fixture scripts with their expected diagnostics (tests/fixtures/syntax/).

``valid/NAME.das`` must check without any diagnostic unless ``valid/NAME.expected`` lists them;
``invalid/NAME.das`` must produce exactly the diagnostics in ``invalid/NAME.expected``, one per
line as ``LINE:COL: severity: message [CODE]``.  Adding a case means adding files.
Set DICOMEDIT_UPDATE_FIXTURES=1 to write the .expected files from the current output (then
review every change).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lark import Lark
from lark.lexer import Lexer

import dicomedit
from dicomedit.diagnostics import Diagnostic
from dicomedit.source import preprocess
from dicomedit.syntax.format import format_script
from dicomedit.syntax.lexer import Token, drop_separators_before_else, tokenize
from dicomedit.syntax.parser import _PROGRAMS, _drive, _parse_statements, _ToAst, grammar_text
from tests.conftest import FIXTURES

SYNTAX = FIXTURES / "syntax"
VALID = sorted((SYNTAX / "valid").glob("*.das"))
INVALID = sorted((SYNTAX / "invalid").glob("*.das"))


def _line(d: Diagnostic) -> str:
    return f"{d.span.line}:{d.span.column}: {d.severity.value}: {d.message} [{d.code}]"


def _actual(script: Path) -> list[str]:
    result = dicomedit.check(script.read_text(encoding="utf-8"), script.name)
    return [_line(d) for d in result.diagnostics]


def _expected(script: Path, actual: list[str]) -> list[str]:
    expected_file = script.with_suffix(".expected")
    if os.environ.get("DICOMEDIT_UPDATE_FIXTURES") and (actual or expected_file.exists()):
        expected_file.write_text("".join(f"{a}\n" for a in actual), encoding="utf-8")
    if not expected_file.exists():
        return []
    return expected_file.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("script", VALID, ids=lambda p: p.stem)
def test_valid_scripts_have_no_errors(script: Path) -> None:
    actual = _actual(script)
    assert actual == _expected(script, actual)
    assert not any(": error: " in a for a in actual)


@pytest.mark.parametrize("script", INVALID, ids=lambda p: p.stem)
def test_invalid_scripts_report_exactly_the_expected_diagnostics(script: Path) -> None:
    actual = _actual(script)
    assert actual == _expected(script, actual)
    assert any(": error: " in a for a in actual)


@pytest.mark.parametrize("script", VALID, ids=lambda p: p.stem)
def test_formatting_a_valid_script_keeps_its_meaning_and_is_idempotent(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    formatted = format_script(text)
    assert dicomedit.parse(formatted).script == dicomedit.parse(text).script
    assert format_script(formatted) == formatted
    # comments survive
    assert formatted.count("//") >= text.count("// ") - text.count('"//')


class _ListLexer(Lexer):
    def __init__(self, conf: object) -> None:
        pass

    def lex(self, data: list[Token]) -> Iterator[Token]:  # type: ignore[override]
        yield from data


@pytest.mark.parametrize("script", VALID, ids=lambda p: p.stem)
def test_table_driver_agrees_with_larks_own_parser(script: Path) -> None:
    lark = Lark(
        grammar_text(),
        parser="lalr",
        lexer=_ListLexer,
        transformer=_ToAst(),
        maybe_placeholders=False,
        start=["start", "tagpath_text"],
    )
    tokens = drop_separators_before_else(tokenize(preprocess(script.read_text(encoding="utf-8")))[0])
    assert lark.parse(tokens, start="start") == _drive(tokens, "start")  # type: ignore[arg-type]


@pytest.mark.parametrize("script", VALID, ids=lambda p: p.stem)
def test_statement_by_statement_parse_and_its_replays_agree_with_the_whole_parse(script: Path) -> None:
    tokens = drop_separators_before_else(tokenize(preprocess(script.read_text(encoding="utf-8")))[0])
    whole = _drive(tokens, "start")
    _PROGRAMS.clear()
    assert _parse_statements(tokens) == whole  # recorded
    assert _PROGRAMS
    assert _parse_statements(tokens) == whole  # replayed


def test_a_replayed_statement_gets_its_own_values_and_positions() -> None:
    first = dicomedit.parse('(0010,0010) := "a"\n')
    second = dicomedit.parse('\n  (0020,000D) := "b"  \n')
    (a,) = first.script.statements
    (b,) = second.script.statements
    assert isinstance(a, dicomedit.ast.Assign) and isinstance(b, dicomedit.ast.Assign)
    assert (a.target.steps[0].tag.element, a.value) == ("0010", dicomedit.ast.String("a", a.value.span))
    assert (b.target.steps[0].tag.group, b.target.steps[0].tag.element) == ("0020", "000D")
    assert b.value == dicomedit.ast.String("b", b.value.span)
    assert (b.span.line, b.span.column, b.span.end_column) == (2, 3, 21)


def test_fmt_aligns_trailing_comments_of_consecutive_lines() -> None:
    text = (
        'version "6.6"\n'
        "-(0010,0010) // name\n"
        "*/(0010,0020) := session    // id\n"
        "\n"
        '(0008,0050) := ""  // accession, a run of its own\n'
        "hashUIDList[{\n"
        "  (0020,000D), // study\n"
        "  */(0008,1155) // referenced\n"
        "}]\n"
    )
    assert format_script(text) == (
        'version "6.6"\n'
        "-(0010,0010)              // name\n"
        "*/(0010,0020) := session  // id\n"
        "\n"
        '(0008,0050) := ""  // accession, a run of its own\n'
        "hashUIDList[{\n"
        "    (0020,000D),   // study\n"
        "    */(0008,1155)  // referenced\n"
        "}]\n"
    )
    assert format_script(format_script(text)) == format_script(text)


def test_the_reference_script_is_in_canonical_layout_and_ascii() -> None:
    text = (Path(__file__).parents[1] / "scripts" / "anon_script.das").read_text(encoding="utf-8")
    assert format_script(text) == text
    assert text.isascii()  # XNAT reads uploads as ISO-8859-1; other tools may not


def test_grammar_cache_is_private_and_refused_when_others_can_write_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dicomedit.syntax import parser

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = parser._cache_file("grammar text")
    assert isinstance(path, str) and Path(path).parent == tmp_path / "dicomedit"
    assert (tmp_path / "dicomedit").stat().st_mode & 0o077 == 0
    Path(path).write_bytes(b"")
    Path(path).chmod(0o666)  # a pickle others may write is never loaded
    assert parser._cache_file("grammar text") is False
    Path(path).chmod(0o600)
    (tmp_path / "dicomedit").chmod(0o777)
    assert parser._cache_file("grammar text") is False


def test_a_long_statement_is_parsed_without_being_recorded() -> None:
    body = "\n".join(f'    (0008,{n:04X}) := "x"' for n in range(0x20, 0x80))
    text = f'version "6.6"\nif ((0008,0060) = "MR") {{\n{body}\n}}\n'
    tokens = drop_separators_before_else(tokenize(preprocess(text))[0])
    _PROGRAMS.clear()
    assert _parse_statements(tokens) == _drive(tokens, "start")
    assert all(len(key) <= 256 for key in _PROGRAMS)  # the if block (500 tokens) is not kept
    assert len(_PROGRAMS) == 1  # the version line


def test_long_runs_of_blank_and_comment_lines_take_linear_time() -> None:
    """A line end is split from the next statement unless a '{' follows it after separators;
    left-recursive helper rules gather separators.  Both were once quadratic in the length of a
    run of blank or comment lines (tens of seconds for tens of thousands of lines)."""
    n = 50_000
    text = (
        'version "6.6"\n' + "\n" * n + "v := 1\n" + "// c\n" * n + "if (v = 1)\n" + "\n" * n
        + "{\n    -(0010,0010)\n" + "\n" * n + "}\n"
    )  # fmt: skip
    start = time.perf_counter()
    result = dicomedit.check(text, "long.das")
    assert time.perf_counter() - start < 8  # about 1.5 s here; quadratic: minutes
    assert result.ok and len(result.script.statements) == 3
