"""Parse pre-processed DicomEdit text into the AST (Lark LALR(1) + Transformer)."""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Lark, Transformer, Tree
from lark.lexer import Lexer
from lark.parsers.lalr_analysis import Shift

from .. import collector
from ..diagnostics import NO_SPAN, Diagnostic, Severity, Span
from ..source import Source, preprocess
from . import ast
from .lexer import SEPARATORS, BadCharacter, Token, drop_separators_before_else, raw_tokens, tokenize

GRAMMAR_RESOURCE = "grammar/dicomedit.lark"


def grammar_text() -> str:
    """The grammar shipped inside the package (falls back to the source tree checkout)."""
    resource = importlib.resources.files("dicomedit").joinpath(GRAMMAR_RESOURCE)
    if resource.is_file():
        return resource.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / GRAMMAR_RESOURCE
    return checkout.read_text(encoding="utf-8")


class _NoLexer(Lexer):
    """Tokens come from ``lexer.tokenize``; Lark only builds the tables and the callbacks."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: Any) -> Iterator[Any]:  # type: ignore[override]  # pragma: no cover
        raise NotImplementedError


class ParseFailure(Exception):
    """The LALR parser met a token no rule allows here."""

    def __init__(self, token: Token, expected: frozenset[str]) -> None:
        super().__init__(f"unexpected {token.type}")
        self.token = token
        self.expected = expected


def _span(first: Any, last: Any) -> Span:
    """From the start of ``first`` to the end of ``last``: tokens, or nodes with a span (the
    two have the same four position attributes)."""
    a = first if isinstance(first, Token) else first.span
    b = last if isinstance(last, Token) else last.span
    return Span(a.line, a.column, b.end_line, b.end_column)


@dataclass(frozen=True, slots=True)
class _At:
    """Something with a span, for ``_span`` on already built parts."""

    span: Span


def _tok_span(tok: Token) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column)


def _nodes(children: list[Any]) -> list[Any]:
    return [c for c in children if not isinstance(c, Token)]


class _ToAst(Transformer[Any, Any]):
    """One method per grammar rule; every node gets the span of its first and last token."""

    def start(self, children: list[Any]) -> tuple[ast.Statement, ...]:
        return tuple(_nodes(children))

    # statements ---------------------------------------------------------------------------
    def assign(self, c: list[Any]) -> ast.Assign:
        return ast.Assign(c[0], c[2], _span(c[0], c[2]))

    def assign_if_exists(self, c: list[Any]) -> ast.AssignIfExists:
        return ast.AssignIfExists(c[0], c[2], _span(c[0], c[2]))

    def initialize(self, c: list[Any]) -> ast.Initialize:
        return ast.Initialize(c[0].value, c[2], _span(c[0], c[2]), _tok_span(c[0]))

    def delete(self, c: list[Any]) -> ast.Delete:
        return ast.Delete(c[1], _span(c[0], c[1]))

    def call_statement(self, c: list[Any]) -> ast.CallStatement:
        return ast.CallStatement(c[0], c[0].span)

    def echo(self, c: list[Any]) -> ast.Echo:
        return ast.Echo(c[1] if len(c) > 1 else None, _span(c[0], c[-1]))

    def ternary(self, c: list[Any]) -> ast.Ternary:
        otherwise = c[4] if len(c) > 4 else None
        return ast.Ternary(c[0], c[2], otherwise, _span(c[0], c[-1]))

    def if_block(self, c: list[Any]) -> ast.If:
        rest = _nodes(c[3:])
        body, block_span = rest[0]
        branches = [ast.Branch(c[2], body, _span(c[0], _At(block_span)), block_span)]
        orelse: tuple[ast.Statement, ...] | None = None
        else_span = else_block = NO_SPAN
        for item in rest[1:]:
            if isinstance(item, ast.Branch):
                branches.append(item)
            else:
                orelse, else_span, else_block = item
        last = else_span if orelse is not None else branches[-1].span
        return ast.If(tuple(branches), orelse, _span(c[0], _At(last)), else_span, else_block)

    def elseif_branch(self, c: list[Any]) -> ast.Branch:
        body, block_span = _nodes(c[3:])[0]
        return ast.Branch(c[2], body, _span(c[0], _At(block_span)), block_span)

    def else_branch(self, c: list[Any]) -> tuple[tuple[ast.Statement, ...], Span, Span]:
        body, block_span = _nodes(c[1:])[0]
        return body, _span(c[0], _At(block_span)), block_span

    def block(self, c: list[Any]) -> tuple[tuple[ast.Statement, ...], Span]:
        return tuple(_nodes(c)), _span(c[0], c[-1])

    def comparison(self, c: list[Any]) -> ast.Comparison:
        return ast.Comparison(c[0], c[1], c[2], _span(c[0], c[2]))

    def comparison_op(self, c: list[Any]) -> str:
        return str(c[0].value)

    def describe(self, c: list[Any]) -> ast.Describe:
        what: Token = c[2]
        span = _span(c[0], what)
        if what.type == "STRING":
            return ast.Describe(c[1].value, "text", ast.String(what.value[1:-1], _tok_span(what)), span)
        kind = {"HIDDEN": "hidden", "CONST": "const", "IMMUTABLE": "immutable"}[what.type]
        return ast.Describe(c[1].value, kind, None, span)  # type: ignore[arg-type]

    def export(self, c: list[Any]) -> ast.Export:
        return ast.Export(c[1].value, ast.String(c[2].value[1:-1], _tok_span(c[2])), _span(c[0], c[2]))

    def remove_all_private(self, c: list[Any]) -> ast.RemoveAllPrivateTags:
        return ast.RemoveAllPrivateTags(_tok_span(c[0]))

    def version(self, c: list[Any]) -> ast.Version:
        return ast.Version(ast.String(c[1].value[1:-1], _tok_span(c[1])), _span(c[0], c[1]))

    # values ---------------------------------------------------------------------------------
    def call(self, c: list[Any]) -> ast.Call:
        return ast.Call(c[0].value, tuple(_nodes(c[2:])), _span(c[0], c[-1]), _tok_span(c[0]))

    def variable(self, c: list[Any]) -> ast.Variable:
        return ast.Variable(c[0].value, _tok_span(c[0]))

    def string(self, c: list[Any]) -> ast.String:
        return ast.String(c[0].value[1:-1], _tok_span(c[0]))

    def number(self, c: list[Any]) -> ast.Number:
        return ast.Number(c[0].value, _tok_span(c[0]))

    def list_literal(self, c: list[Any]) -> ast.ListLiteral:
        multiline = any(isinstance(x, Token) and x.type == "NEWLINE" for x in c)
        return ast.ListLiteral(tuple(_nodes(c)), _span(c[0], c[-1]), multiline)

    # tag paths ------------------------------------------------------------------------------
    def tagpath_text(self, c: list[Any]) -> ast.TagPath:
        path: ast.TagPath = c[0]
        return path

    def tagpath(self, c: list[Any]) -> ast.TagPath:
        if len(c) == 1:  # one step: the path's span is the step's
            return ast.TagPath((c[0],), c[0].span)
        steps = tuple(_nodes(c))
        return ast.TagPath(steps, _span(steps[0], steps[-1]))

    def tag_step(self, c: list[Any]) -> ast.TagStep:
        tag: ast.Tag = c[0]
        if len(c) == 1:
            return ast.TagStep(tag, None, tag.span)
        item, close = c[1]
        return ast.TagStep(tag, item, _span(tag, close))

    def item_number(self, c: list[Any]) -> tuple[str, Token]:
        return str(c[1].value), c[2]

    def seq_wildcard(self, c: list[Any]) -> ast.SequenceWildcard:
        return ast.SequenceWildcard(c[0].value, _tok_span(c[0]))

    def tag(self, c: list[Any]) -> ast.Tag:
        if len(c) == 1:  # a fused PUBLIC_TAG / PRIVATE_TAG token
            tok: Token = c[0]
            text: str = tok.value
            group, element = text[1:5], text[text.index(",") + 1 :].strip(" \t")
            span = _tok_span(tok)
        else:
            group, element = c[0].value[1:], c[2].value
            span = _span(c[0], c[2])
        if "}" in element:
            close = element.index("}")
            return ast.Tag(group, element[close + 1 : close + 3], element[1:close], span)
        return ast.Tag(group, element[:4], None, span)


@dataclass(frozen=True, slots=True)
class _Tables:
    """Lark's LALR(1) tables for the grammar, with each reduction's size and callback resolved."""

    actions: dict[int, dict[str, tuple[bool, Any]]]
    start_states: dict[str, int]
    end_states: dict[str, int]


def _cache_file(grammar: str) -> str | bool:
    """Where Lark keeps its analysis of the grammar between runs (building it costs about 0.15 s
    per process): a private folder of the user's cache.  False when there is none we can trust:
    the cache is a pickle, and one that others can write could run their code when loaded."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "dicomedit")
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:16]
    path = os.path.join(folder, f"grammar-{digest}.lark")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        for item in (folder, path):
            if item == path and not os.path.exists(path):
                continue
            info = os.stat(item)
            if info.st_mode & 0o022 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
                return False
    except OSError:
        return False
    return path


def _callback(rule: Any, transformer: _ToAst) -> Callable[[list[Any]], Any]:
    """What Lark's tree builder does when it reduces ``rule``, without its wrappers and trees.

    As in Lark: the children of ``_rules`` (and of the helper rules Lark makes for ``*``) are
    spliced into their parent's; a ``?rule`` with one child is that child; a rule is handed to
    the transformer method of its name, or becomes a ``Tree`` when there is none.  Here a
    ``_rule``'s value is the plain list of its children.  ``tests/test_syntax_fixtures.py``
    compares the result with Lark's own parser.
    """
    name = rule.alias or rule.options.template_source or rule.origin.name
    inline = rule.origin.name.startswith("_")
    method = getattr(transformer, name, None) if not name.startswith("_") else None
    if inline and (method is not None or rule.options.expand1):
        raise AssertionError(f"rule {name} cannot be inlined this way")  # pragma: no cover
    if any(sym.is_term and sym.filter_out for sym in rule.expansion) and not rule.options.keep_all_tokens:
        raise AssertionError(f"rule {name} filters tokens out")  # pragma: no cover
    build: Callable[[list[Any]], Any]
    if method is not None:
        build = method
    elif inline:
        build = _same  # the children list is this reduction's own
    else:
        build = functools.partial(_tree, name)
    if rule.options.expand1 and not rule.alias:
        build = functools.partial(_single_or, build)
    spliced = tuple(i for i, sym in enumerate(rule.expansion) if not sym.is_term and sym.name.startswith("_"))
    if not spliced:
        return build
    return functools.partial(_splice, tuple((i, i in spliced) for i in range(len(rule.expansion))), build)


def _tree(name: str, children: list[Any]) -> Tree[Any]:
    return Tree(name, children)


def _single_or(build: Callable[[list[Any]], Any], children: list[Any]) -> Any:
    return children[0] if len(children) == 1 else build(children)


def _same(children: list[Any]) -> list[Any]:
    return children


def _splice(
    layout: tuple[tuple[int, bool], ...], build: Callable[[list[Any]], Any], children: list[Any]
) -> Any:
    # A spliced list belongs to this parse alone (nothing else holds it once it is off the
    # stack), so the first one is extended in place, as Lark does: a left-recursive helper
    # rule (``__start_star_0: __start_star_0 _sep``) then grows one list, not a copy per step.
    out: list[Any] | None = None
    for i, spliced in layout:
        if spliced:
            if out is None:
                out = children[i]
            else:
                out.extend(children[i])
        elif out is None:
            out = [children[i]]
        else:
            out.append(children[i])
    return build(out if out is not None else [])


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    grammar = grammar_text()
    lark = Lark(
        grammar,
        parser="lalr",
        lexer=_NoLexer,
        transformer=_ToAst(),
        maybe_placeholders=False,
        start=["start", "tagpath_text"],
        cache=_cache_file(grammar),  # Lark checks the grammar and options stored with it
    )
    table = lark.parser.parser.parser.parse_table  # the LALR parser's table
    transformer = _ToAst()
    callbacks: dict[Any, Callable[[list[Any]], Any]] = {}
    for row in table.states.values():
        for action, arg in row.values():
            if action is not Shift and arg not in callbacks:
                callbacks[arg] = _callback(arg, transformer)
    actions: dict[int, dict[str, tuple[bool, Any]]] = {}
    for state, row in table.states.items():
        # plain str keys: Lark's names are Token objects, whose comparisons are slow
        actions[state] = {
            str(symbol): (True, arg)
            if action is Shift
            else (False, (len(arg.expansion), callbacks[arg], str(arg.origin.name)))
            for symbol, (action, arg) in row.items()
        }
    return _Tables(actions, dict(table.start_states), dict(table.end_states))


# One step of a recorded parse: the reductions (size, callback) made before the next shift.
# A recorded program has one step per token, then the reductions at the end; it depends only
# on the token types, so it can be replayed on any other statement with the same types.
_Reductions = tuple[tuple[int, Any], ...]


def _drive(tokens: list[Token], start: str, record: list[_Reductions] | None = None) -> Any:
    """Run the LALR(1) automaton over ``tokens``, as Lark's parser does, calling the Transformer.

    Lark's own loop re-checks every token for terminal callbacks and hashes rule objects on each
    reduction; this one uses the resolved tables (about twice as fast on large scripts).  With
    ``record``, the reductions made before each shift, then those at the end, are appended to it.
    """
    tables = _tables()
    actions = tables.actions
    state_stack = [tables.start_states[start]]
    values: list[Any] = []
    pending: list[tuple[int, Any]] = []
    last = tokens[-1] if tokens else None
    end = Token("$END", "", 0, last.end_line if last else 1, last.end_column if last else 1, 0, 0, 0)
    for token in [*tokens, end]:
        ttype = token.type
        while True:
            row = actions[state_stack[-1]]
            try:
                shift, arg = row[ttype]
            except KeyError:
                raise ParseFailure(token, frozenset(s for s in row if s.isupper())) from None
            if shift:
                state_stack.append(arg)
                values.append(token)
                if record is not None:
                    record.append(tuple(pending))
                    pending.clear()
                break
            size, callback, origin = arg
            if size:
                children = values[-size:]
                del state_stack[-size:]
                del values[-size:]
            else:
                children = []
            value = callback(children)
            state_stack.append(actions[state_stack[-1]][origin][1])
            values.append(value)
            if record is not None and not (size == 1 and value is children[0]):
                # a rule that hands on its only child (``?rule``) does so on every replay
                pending.append((size, callback))
            if ttype == "$END" and state_stack[-1] == tables.end_states[start]:
                if record is not None:
                    record.append(tuple(pending))
                return values[-1]


def _replay(tokens: list[Token], program: tuple[_Reductions, ...]) -> Any:
    """``_drive`` on tokens whose types are those ``program`` was recorded on."""
    values: list[Any] = []
    push = values.append
    # the end has reductions but no token to shift: None stands for it, and is dropped
    for token, reductions in zip([*tokens, None], program, strict=True):
        for size, callback in reductions:
            if size:
                children = values[-size:]
                del values[-size:]
            else:
                children = []
            push(callback(children))
        push(token)
    return values[-2]


def parse_tag_path(text: str) -> ast.TagPath | None:
    """A DE6 tag path written inside a string (e.g. ``"(2001,{Philips Imaging DD 001}XX)"``).

    Returns None when ``text`` is not exactly one tag path; positions are within ``text``.
    """
    tokens: list[Token] = []
    for kind, value, pos in raw_tokens(text):
        if kind in ("BAD", "NEWLINE", "COMMENT"):
            return None
        tokens.append(Token(kind, value, pos, 1, pos + 1, 1, pos + 1 + len(value), pos + len(value)))
    if not tokens:
        return None
    try:
        result: ast.TagPath = _drive(tokens, "tagpath_text")
    except ParseFailure:
        return None
    return result


@dataclass(frozen=True, slots=True)
class ParseResult:
    script: ast.Script
    diagnostics: tuple[Diagnostic, ...]
    source: Source

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


# human names for terminals in "expected ..." messages
_NAMES = {
    "NEWLINE": "end of line",
    "COMMENT": "comment",
    "STRING": "string",
    "ID": "name",
    "INTEGER": "integer",
    "FLOAT": "number",
    "PUBLIC_GROUP": "tag",
    "PVT_GROUP": "private tag",
    "PUBLIC_TAG": "tag",
    "PRIVATE_TAG": "private tag",
    "PUBLIC_ELEMENT": "element number",
    "PVT_ELEMENT": "{creator}element",
    "SEQ_WILDCARD": "'*', '+' or '.'",
    "ITEM_WILDCARD": "'%'",
    "$END": "end of script",
    "COMMA": "','",
    "L_PAREN": "'('",
    "R_PAREN": "')'",
    "L_BRACKET": "'['",
    "R_BRACKET": "']'",
    "L_BRACE": "'{'",
    "R_BRACE": "'}'",
    "SLASH": "'/'",
    "OP_ASSIGN": "':='",
    "OP_ASSIGN_IF_EXISTS": "'?='",
    "OP_DELETE": "'-'",
    "QUESTION_MARK": "'?'",
    "COLON": "':'",
    "EQUALS": "'='",
    "NOT_EQUALS": "'!='",
    "MATCHES": "'~'",
    "NOT_MATCHES": "'!~'",
    "HEXDIGIT_WILDCARD": "'x'",
    "D_QUOTE": "'\"'",
}


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of script"
    if tok.type == "NEWLINE":
        return "end of line"
    text = str(tok.value)
    if len(text) > 30:
        text = text[:27] + "..."
    return repr(text)


def _expected_text(expected: set[str]) -> str:
    names = sorted({_NAMES.get(e, e.lower()) for e in expected if not e.startswith("_")})
    if not names:
        return ""
    if len(names) > 8:
        return ""
    return "; expected " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1])


def _syntax_diagnostic(err: ParseFailure, tokens: list[Token]) -> Diagnostic:
    tok: Token = err.token
    index = next((i for i, t in enumerate(tokens) if t is tok), len(tokens))
    prev = tokens[index - 1] if index > 0 else None
    nxt = tokens[index + 1] if index + 1 < len(tokens) else None
    if tok.type == "$END":
        last = tokens[-1] if tokens else None
        span = _tok_span(last) if last is not None else Span(1, 1, 1, 2)
    else:
        span = _tok_span(tok)
    runaway = _runaway_string(tokens[:index])
    if runaway is not None:
        return Diagnostic(
            Severity.ERROR,
            "E102",
            f"the string that starts at {runaway.line}:{runaway.column} runs past the end of its line",
            _tok_span(runaway),
            "add the closing quote (a string can only continue on the next line after a '\\')",
        )
    if tok.type == "D_QUOTE":
        return Diagnostic(
            Severity.ERROR,
            "E102",
            "unterminated string or invalid escape sequence in a string",
            span,
            "strings take only the escapes \\n \\r \\t \\b \\f \\( \\) \\\\ and three octal digits; "
            'write a regex backslash as \\\\ (e.g. "\\\\d")',
        )
    if tok.type == "HEXDIGIT_WILDCARD" and nxt is not None and nxt.type in ("OP_ASSIGN", "L_BRACKET"):
        return Diagnostic(
            Severity.ERROR,
            "E100",
            f"'{tok.value}' is a hex-digit wildcard and cannot be used as a name",
            span,
            "rename it",
        )
    msg = f"syntax error: unexpected {_describe_token(tok)}{_expected_text(set(err.expected))}"
    return Diagnostic(Severity.ERROR, "E100", msg, span, _hint_for(tok, prev, set(err.expected)))


def _runaway_string(tokens: list[Token]) -> Token | None:
    """The last string before the error if it swallowed a line end (usually a missing quote)."""
    for tok in reversed(tokens):
        if tok.type == "STRING":
            return tok if "\n" in tok.value else None
    return None


def _hint_for(tok: Token, prev: Token | None, expected: set[str]) -> str | None:
    if tok.type == "PUBLIC_ELEMENT" and (prev is None or prev.type != "COMMA"):
        return (
            "a number or name directly followed by ')' reads as a tag element: "
            'quote it ("1234") or add a space'
        )
    if tok.type == "PUBLIC_ELEMENT" and "PVT_ELEMENT" in expected:
        return "a private tag needs its creator: (gggg,{CREATOR}ee)"
    if tok.type == "PVT_ELEMENT" and "PUBLIC_ELEMENT" in expected:
        return "a group ending in @ or an even digit is public and cannot take a {creator}"
    if tok.type == "L_PAREN" and ("PUBLIC_GROUP" in expected or "PVT_GROUP" in expected):
        return (
            "write tags as (gggg,eeee) with no space after '('; the last group digit is a hex digit, "
            "@ (even) or # (odd), never x"
        )
    if tok.type == "NEWLINE" and prev is not None and prev.type in ("NEWLINE", "COMMA", "L_BRACE"):
        return "a list allows one line break around each entry: no blank or comment-only lines inside it"
    if (
        tok.type == "INTEGER"
        and prev is not None
        and prev.type in ("COMMA",)
        and "PUBLIC_ELEMENT" in expected
    ):
        return "write the element as four hex digits directly followed by ')', e.g. (0010,0010)"
    return None


def _chunks(tokens: list[Token]) -> list[list[Token]]:
    """Split the token stream at line ends outside braces and brackets: one statement per chunk
    (or none, for separators alone).

    A line end followed by '{' (after any separators) does not split: it sits between an
    ``if (...)``/``else`` and its block.
    """
    brace_follows = _brace_follows(tokens)
    out: list[list[Token]] = []
    cur: list[Token] = []
    depth = 0
    for i, tok in enumerate(tokens):
        cur.append(tok)
        if tok.type in ("L_BRACE", "L_BRACKET"):
            depth += 1
        elif tok.type in ("R_BRACE", "R_BRACKET"):
            depth = max(depth - 1, 0)
        elif tok.type == "NEWLINE" and depth == 0 and not brace_follows[i]:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _brace_follows(tokens: list[Token]) -> list[bool]:
    """For each token, whether the first token after it that is not a separator is '{': one
    pass from the end (a scan ahead from every line end would be quadratic in a run of blank
    or comment lines)."""
    out = [False] * len(tokens)
    follows = False
    for i in range(len(tokens) - 1, -1, -1):
        out[i] = follows
        kind = tokens[i].type
        if kind not in SEPARATORS:
            follows = kind == "L_BRACE"
    return out


def _parse_tokens(tokens: list[Token]) -> tuple[ast.Statement, ...]:
    result: tuple[ast.Statement, ...] = _drive(tokens, "start")
    return result


# recorded programs by token types; scripts repeat a few statement shapes many times
_PROGRAMS: dict[tuple[str, ...], tuple[_Reductions, ...]] = {}
_MAX_PROGRAMS = 2048
_MAX_RECORDED = 256  # tokens; longer statements (big if blocks) are parsed without recording


def _parse_statements(tokens: list[Token]) -> tuple[ast.Statement, ...]:
    """Parse ``tokens`` one top-level statement at a time, replaying a recorded program when a
    statement of the same token types was parsed before.

    ``start`` only collects statements, and a top-level line end outside brackets always ends
    one, so the statements are those of ``_drive(tokens, "start")``; a chunk that does not
    parse raises ``ParseFailure`` as the whole would.
    """
    statements: list[ast.Statement] = []
    programs = _PROGRAMS
    for chunk in _chunks(tokens):
        if len(chunk) > _MAX_RECORDED:
            statements.extend(_drive(chunk, "start"))
            continue
        key = tuple([t.type for t in chunk])
        program = programs.get(key)
        if program is not None:
            statements.extend(_replay(chunk, program))
            continue
        record: list[_Reductions] = []
        statements.extend(_drive(chunk, "start", record))
        if len(programs) >= _MAX_PROGRAMS:
            programs.clear()
        programs[key] = tuple(record)
    return tuple(statements)


def _bad_char_diagnostic(b: BadCharacter) -> Diagnostic:
    shown = repr(b.char)
    return Diagnostic(
        Severity.WARNING,
        "W103",
        f"character {shown} is not part of the language; XNAT's lexer skips it silently",
        Span.point(b.line, b.column),
        "remove it",
    )


def parse_source(source: Source, path: str | None = None) -> ParseResult:
    with collector.paused():
        return _parse_source(source, path)


def _parse_source(source: Source, path: str | None) -> ParseResult:
    tokens, bad = tokenize(source)
    tokens = drop_separators_before_else(tokens)
    diagnostics: list[Diagnostic] = [_bad_char_diagnostic(b) for b in bad]
    diagnostics.extend(
        Diagnostic(
            Severity.WARNING,
            "W104",
            "this string continues on the next line; XNAT accepts it, but it is usually a missing quote",
            _tok_span(t),
        )
        for t in tokens
        if t.type == "STRING" and "\n" in t.value
    )
    too_deep = _too_deep(tokens)
    if too_deep is not None:  # nothing past the parser could walk such a tree
        statements: tuple[ast.Statement, ...] = ()
        diagnostics.append(too_deep)
    else:
        try:
            statements = _parse_statements(tokens)
        except ParseFailure:
            statements, errors = _recover(tokens)
            diagnostics.extend(errors)
    runaway = {d.span for d in diagnostics if d.code == "E102"}
    diagnostics = [d.with_path(path) for d in diagnostics if not (d.code == "W104" and d.span in runaway)]
    return ParseResult(ast.Script(statements, path), tuple(diagnostics), source)


MAX_NESTING = 100
_OPENERS = frozenset({"L_BRACE", "L_BRACKET", "L_PAREN"})
_CLOSERS = frozenset({"R_BRACE", "R_BRACKET", "R_PAREN"})


def _too_deep(tokens: list[Token]) -> Diagnostic | None:
    """Blocks, lists, calls and conditions nested more than ``MAX_NESTING`` deep: no real
    script does that, and XNAT's recursive parser would run out of stack."""
    depth = 0
    for tok in tokens:
        if tok.type in _OPENERS:
            depth += 1
            if depth > MAX_NESTING:
                return Diagnostic(
                    Severity.ERROR,
                    "E103",
                    f"nesting deeper than {MAX_NESTING} levels of blocks, lists, calls or parentheses",
                    _tok_span(tok),
                    "split the statement or the block into smaller ones",
                )
        elif tok.type in _CLOSERS and depth:
            depth -= 1
    return None


def _recover(tokens: list[Token]) -> tuple[tuple[ast.Statement, ...], list[Diagnostic]]:
    statements: list[ast.Statement] = []
    errors: list[Diagnostic] = []
    for chunk in _chunks(tokens):
        try:
            statements.extend(_parse_tokens(chunk))
        except ParseFailure as e:
            errors.append(_unclosed(chunk) or _syntax_diagnostic(e, chunk))
    return tuple(statements), errors


def _unclosed(chunk: list[Token]) -> Diagnostic | None:
    """A '{' or '[' that is never closed swallows the rest of the script: say so."""
    stack: list[Token] = []
    for tok in chunk:
        if tok.type in ("L_BRACE", "L_BRACKET"):
            stack.append(tok)
        elif tok.type in ("R_BRACE", "R_BRACKET") and stack:
            stack.pop()
    if not stack:
        return None
    opener = stack[-1]
    closer = "}" if opener.type == "L_BRACE" else "]"
    return Diagnostic(
        Severity.ERROR,
        "E100",
        f"'{opener.value}' is never closed",
        _tok_span(opener),
        f"add the matching '{closer}'",
    )


def parse(text: str, path: str | None = None) -> ParseResult:
    """Pre-process and parse ``text``; syntax problems are returned as diagnostics, never raised."""
    return parse_source(preprocess(text), path)
