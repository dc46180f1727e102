"""Property tests of the front end: format/parse round trip, idempotence, robustness."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import dicomedit
from dicomedit.syntax.format import FormatError, format_ast, format_script
from tests.ast_strategies import scripts

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scripts)
def test_formatted_ast_parses_back_to_the_same_ast_and_fmt_is_idempotent(
    script: dicomedit.ast.Script,
) -> None:
    text = format_ast(script)
    parsed = dicomedit.parse(text)
    assert [d for d in parsed.diagnostics if d.is_error] == [], text
    assert parsed.script == script, text
    assert format_script(text) == text


SCRIPTISH = st.lists(
    st.sampled_from(
        [
            *'()[]{},/:=?~!-+*.%"\\ \t\n;xX#@',
            *["(0010,0010)", "(0029,{C}10)", ":=", "?=", "if", "elseif", "else", "version", '"6.6"', "//"],
            *["f[", "1234)", "echo", "describe", "a", "0", "-1", "3.5", "https://", '"a//b"'],
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(SCRIPTISH, st.text(max_size=200)))
@example('version "6.6"\nif (a = b) {\n')
@example("\\")
@example('"')
def test_random_text_never_crashes_the_front_end(text: str) -> None:
    result = dicomedit.check(text, "random.das")
    assert all(d.path == "random.das" for d in result.diagnostics)
    for d in result.diagnostics:
        assert d.span.line >= 0
    try:
        formatted = format_script(text)
    except FormatError:
        return
    assert dicomedit.parse(formatted).script == dicomedit.parse(text).script
