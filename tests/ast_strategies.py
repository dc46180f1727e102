"""Hypothesis strategies for DicomEdit ASTs: any script the grammar can express."""

from __future__ import annotations

from hypothesis import strategies as st

from dicomedit.syntax import ast
from dicomedit.syntax.lexer import KEYWORDS

HEX = "0123456789abcdefABCDEF"
DIGIT_CHARS = HEX + "Xx#@"
EVEN_LAST = "02468aAcCeE@"
ODD_LAST = "13579bBdDfF#"


def _chars(alphabet: str, n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=n, max_size=n)


LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(LETTERS + "_"),
    st.text(alphabet=LETTERS + "0123456789_", max_size=8),
).filter(lambda s: s not in KEYWORDS)
creators = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(LETTERS),
    st.text(alphabet=LETTERS + "0123456789 -_.:", max_size=14),
)


@st.composite
def tags(draw: st.DrawFn) -> ast.Tag:
    if draw(st.booleans()):
        group = draw(_chars(DIGIT_CHARS, 3)) + draw(st.sampled_from(EVEN_LAST))
        return ast.Tag(group, draw(_chars(DIGIT_CHARS, 4)))
    group = draw(_chars(DIGIT_CHARS, 3)) + draw(st.sampled_from(ODD_LAST))
    return ast.Tag(group, draw(_chars(DIGIT_CHARS, 2)), draw(creators))


steps: st.SearchStrategy[ast.Step] = st.one_of(
    st.builds(ast.TagStep, tags(), st.one_of(st.none(), st.just("%"), st.integers(0, 999).map(str))),
    st.builds(ast.SequenceWildcard, st.sampled_from(["*", "+", "."])),
)
tag_paths = st.lists(steps, min_size=1, max_size=4).map(lambda s: ast.TagPath(tuple(s)))

_escape = st.sampled_from(["\\\\", "\\n", "\\r", "\\t", "\\b", "\\f", "\\(", "\\)", "\\101", "\\007"])
_plain = st.text(
    alphabet=st.characters(blacklist_characters='"\\\n\r', min_codepoint=32, max_codepoint=0x2FF), max_size=6
)
strings = st.lists(st.one_of(_plain, _escape), max_size=5).map(lambda parts: ast.String("".join(parts)))
numbers = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(-999, 999), st.integers(0, 999)),
    st.integers(1, 999).map(lambda b: f"-0.{b}"),
).map(ast.Number)
variables = names.map(ast.Variable)


def _exprs(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    calls = st.builds(ast.Call, names, st.lists(children, max_size=3).map(tuple))
    lists = st.builds(ast.ListLiteral, st.lists(children, max_size=3).map(tuple), multiline=st.booleans())
    return st.one_of(calls, lists)


exprs: st.SearchStrategy[ast.Expr] = st.recursive(
    st.one_of(strings, numbers, variables, tag_paths), _exprs, max_leaves=4
)
calls = st.builds(ast.Call, names, st.lists(exprs, max_size=3).map(tuple))
conditions: st.SearchStrategy[ast.Condition] = st.one_of(
    st.builds(ast.Comparison, exprs, st.sampled_from(["=", "!=", "~", "!~"]), exprs),
    calls,
)
actions: st.SearchStrategy[ast.Action] = st.one_of(
    st.builds(ast.Assign, tag_paths, exprs),
    st.builds(ast.AssignIfExists, tag_paths, exprs),
    st.builds(ast.Initialize, names, exprs),
    st.builds(ast.Delete, tag_paths),
    st.builds(ast.CallStatement, calls),
    st.builds(ast.Echo, st.one_of(st.none(), exprs)),
)
simple_statements: st.SearchStrategy[ast.Statement] = st.one_of(
    actions,
    st.builds(ast.Ternary, conditions, actions, st.one_of(st.none(), actions)),
    st.builds(ast.Describe, names, st.just("text"), strings),
    st.builds(ast.Describe, names, st.sampled_from(["hidden", "const", "immutable"]), st.none()),
    st.builds(ast.Export, names, strings),
    st.just(ast.RemoveAllPrivateTags()),
)


def _blocks(children: st.SearchStrategy[ast.Statement]) -> st.SearchStrategy[ast.Statement]:
    bodies = st.lists(children, max_size=3).map(tuple)
    branches = st.builds(ast.Branch, conditions, bodies)
    return st.builds(
        ast.If, st.lists(branches, min_size=1, max_size=3).map(tuple), st.one_of(st.none(), bodies)
    )


statements: st.SearchStrategy[ast.Statement] = st.recursive(simple_statements, _blocks, max_leaves=5)
scripts = st.builds(
    lambda version, body: ast.Script((ast.Version(ast.String(version)), *body)),
    st.sampled_from(["6.1", "6.6", "6.7"]),
    st.lists(statements, max_size=5),
)
