"""``dicomedit fmt``: one canonical layout for DicomEdit scripts.

Layout only: statements one per line, four-space indentation in blocks, single spaces around
operators, ``f[a, b]``, ``{a, b}`` (lists written over several lines stay one entry per line), at
most one blank line where the original had blank lines, comments kept next to the code they
followed.  Literal text (tag digits, strings, numbers) is printed exactly as written, so the AST
of the result equals the AST of the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import ScriptError
from ..releases import find_version_line
from ..source import Comment, Source, preprocess
from . import ast
from .parser import ParseResult, parse_source

INDENT = "    "

# a 4-character hex-like run right before ")" would lex as a tag element, and right after "("
# as a tag group (spec §2.2): keep a space there
_ELEMENT_LIKE_END = re.compile(r"(?:^|[^0-9A-Za-z_#@])[0-9a-fA-FXx#@]{4}$")
_GROUP_LIKE_START = re.compile(r"[0-9a-fA-FXx#@]{4}")


class FormatError(ScriptError):
    """The script cannot be formatted without changing what XNAT does with it."""


@dataclass(slots=True)
class _Line:
    text: str
    anchors: set[int] = field(default_factory=set)  # original lines whose trailing comments go here


@dataclass(slots=True)
class _Formatter:
    source: Source
    comments: list[Comment]
    used: set[int] = field(default_factory=set)  # indexes into comments
    out: list[str] = field(default_factory=list)
    code_width: dict[int, int] = field(default_factory=dict)  # out index -> where its comment starts
    blank: set[int] = field(default_factory=set)
    last_line: int = 0  # last original line emitted, for blank-line preservation

    def __post_init__(self) -> None:
        for i, text in enumerate(self.source.original_lines, start=1):
            if not text.strip():
                self.blank.add(i)

    # -- blocks --------------------------------------------------------------------------------
    def block(self, statements: tuple[ast.Statement, ...], depth: int, end_line: int | None) -> None:
        """Statements of one block; own-line comments before ``end_line`` stay inside it."""
        first = True
        for st in statements:
            first = self.own_line_comments(st.span.line, depth, first)
            self.gap(st.span.line, first)
            self.emit(self.statement(st, depth), depth)
            self.last_line = max(self.last_line, st.span.end_line)
            first = False
        if end_line is not None:
            self.own_line_comments(end_line, depth, first)

    def gap(self, line: int, first: bool) -> None:
        """One blank line where the original had blank lines between two items of a block."""
        if not first and any(n in self.blank for n in range(self.last_line + 1, line)):
            self.out.append("")

    def own_line_comments(self, before: int, depth: int, first: bool) -> bool:
        for i, c in enumerate(self.comments):
            if i in self.used or c.line >= before:
                continue
            self.used.add(i)
            self.gap(c.line, first)
            self.out.append(INDENT * depth + c.text.rstrip())
            self.last_line = max(self.last_line, c.line)
            first = False
        return first

    def emit(self, lines: list[_Line], depth: int) -> None:
        for ln in lines:
            trailing: list[str] = []
            for i, c in enumerate(self.comments):
                if i not in self.used and c.line in ln.anchors:
                    self.used.add(i)
                    trailing.append(c.text.rstrip())
            text = (INDENT * depth + ln.text).rstrip()
            if trailing:
                self.code_width[len(self.out)] = len(text)
                text = f"{text}  {' '.join(trailing)}"
            self.out.append(text.rstrip())

    def align_trailing_comments(self) -> None:
        """Trailing comments on consecutive lines start in one column, two spaces after the
        longest code among them (a line without one ends the run)."""
        run: list[int] = []
        for index in [*sorted(self.code_width), -2]:
            if run and index != run[-1] + 1:
                column = max(self.code_width[i] for i in run)
                for i in run:
                    width = self.code_width[i]
                    code, comment = self.out[i][:width], self.out[i][width + 2 :]
                    self.out[i] = f"{code.ljust(column)}  {comment}"
                run = []
            run.append(index)

    # -- statements ----------------------------------------------------------------------------
    def statement(self, st: ast.Statement, depth: int) -> list[_Line]:
        if isinstance(st, ast.If):
            return self.if_block(st, depth)
        pieces = self.simple(st)
        return _attach(pieces, range(st.span.line, st.span.end_line + 1))

    def simple(self, st: ast.Statement) -> list[_Line]:
        if isinstance(st, ast.Version):
            return [_Line(f'version "{st.value.raw}"')]
        if isinstance(st, ast.Assign):
            return _join([_Line(f"{path(st.target)} := ")], self.expr(st.value))
        if isinstance(st, ast.AssignIfExists):
            return _join([_Line(f"{path(st.target)} ?= ")], self.expr(st.value))
        if isinstance(st, ast.Initialize):
            return _join([_Line(f"{st.name} := ")], self.expr(st.value))
        if isinstance(st, ast.Delete):
            return [_Line(f"-{path(st.target)}")]
        if isinstance(st, ast.CallStatement):
            return self.expr(st.call)
        if isinstance(st, ast.Echo):
            return [_Line("echo")] if st.value is None else _join([_Line("echo ")], self.expr(st.value))
        if isinstance(st, ast.Ternary):
            lines = _join(self.condition(st.condition), [_Line(" ? ")])
            lines = _join(lines, self.simple(st.then))
            if st.otherwise is not None:
                lines = _join(_join(lines, [_Line(" : ")]), self.simple(st.otherwise))
            return lines
        if isinstance(st, ast.Describe):
            what = f'"{st.text.raw}"' if st.text is not None else st.kind
            return [_Line(f"describe {st.name} {what}")]
        if isinstance(st, ast.Export):
            return [_Line(f'export {st.name} "{st.field.raw}"')]
        if isinstance(st, ast.RemoveAllPrivateTags):
            return [_Line("removeAllPrivateTags")]
        raise AssertionError(f"unexpected statement {st!r}")  # pragma: no cover

    def if_block(self, st: ast.If, depth: int) -> list[_Line]:
        """Branch headers and bodies are emitted here so that comments stay in their blocks."""
        start = st.span.line
        for idx, br in enumerate(st.branches):
            keyword = "if" if idx == 0 else "} elseif"
            anchors = set(range(start, br.block_span.line + 1))
            self.emit(self.header(keyword, br.condition, anchors), depth)
            self.last_line = max(self.last_line, br.block_span.line)
            self.block(br.body, depth + 1, br.block_span.end_line)
            start = br.block_span.end_line
        if st.orelse is not None:
            anchors = set(range(start, st.else_block_span.line + 1))
            self.emit([_Line("} else {", anchors)], depth)
            self.last_line = max(self.last_line, st.else_block_span.line)
            self.block(st.orelse, depth + 1, st.else_block_span.end_line)
        return [_Line("}", {st.span.end_line})]

    def header(self, keyword: str, cond: ast.Condition, anchors: set[int]) -> list[_Line]:
        body = self.condition(cond)
        opening = f"{keyword} ( " if _GROUP_LIKE_START.match(body[0].text) else f"{keyword} ("
        lines = _join([_Line(opening)], body)
        close = " ) {" if _ELEMENT_LIKE_END.search(lines[-1].text) else ") {"
        lines = _join(lines, [_Line(close)])
        lines[0].anchors |= anchors
        return lines

    # -- expressions ---------------------------------------------------------------------------
    def condition(self, cond: ast.Condition) -> list[_Line]:
        if isinstance(cond, ast.Comparison):
            left = self.expr(cond.left)
            return _join(_join(left, [_Line(f" {cond.op} ")]), self.expr(cond.right))
        return self.expr(cond)

    def expr(self, e: ast.Expr) -> list[_Line]:
        if isinstance(e, ast.String):
            return [_Line(f'"{e.raw}"')]
        if isinstance(e, ast.Number):
            return [_Line(e.text)]
        if isinstance(e, ast.Variable):
            return [_Line(e.name)]
        if isinstance(e, ast.TagPath):
            return [_Line(path(e))]
        if isinstance(e, ast.Call):
            lines = [_Line(f"{e.name}[")]
            for i, arg in enumerate(e.args):
                if i:
                    lines = _join(lines, [_Line(", ")])
                lines = _join(lines, self.expr(arg))
            return _join(lines, [_Line("]")])
        if isinstance(e, ast.ListLiteral):
            return self.list_literal(e)
        raise AssertionError(f"unexpected expression {e!r}")  # pragma: no cover

    def list_literal(self, e: ast.ListLiteral) -> list[_Line]:
        if not e.multiline or not e.items:
            lines = [_Line("{")]
            for i, item in enumerate(e.items):
                if i:
                    lines = _join(lines, [_Line(", ")])
                lines = _join(lines, self.expr(item))
            return _join(lines, [_Line("}")])
        lines = [_Line("{", {e.span.line})]
        for i, item in enumerate(e.items):
            rendered = self.expr(item)
            rendered[0].text = INDENT + rendered[0].text
            for extra in rendered[1:]:
                extra.text = INDENT + extra.text
            if i + 1 < len(e.items):
                rendered[-1].text += ","
            rendered[-1].anchors |= set(range(item.span.line, item.span.end_line + 1))
            lines.extend(rendered)
        lines.append(_Line("}", {e.span.end_line}))
        return lines


def _join(a: list[_Line], b: list[_Line]) -> list[_Line]:
    """Concatenate two renderings: the first line of ``b`` continues the last line of ``a``."""
    if not a:
        return [_Line(x.text, set(x.anchors)) for x in b]
    if not b:
        return a
    head = a[:-1]
    merged = _Line(a[-1].text + b[0].text, a[-1].anchors | b[0].anchors)
    return [*head, merged, *b[1:]]


def _attach(lines: list[_Line], span_lines: Iterable[int]) -> list[_Line]:
    """Give the statement's remaining original lines to its last output line."""
    taken = set().union(*(ln.anchors for ln in lines))
    rest = {n for n in span_lines if n not in taken}
    lines[-1].anchors |= rest
    return lines


def path(p: ast.TagPath) -> str:
    return p.text()


def _render(statements: tuple[ast.Statement, ...], source: Source) -> str:
    fm = _Formatter(source, sorted(source.comments, key=lambda c: (c.line, c.column)))
    fm.block(statements, 0, None)
    fm.align_trailing_comments()
    for i, c in enumerate(fm.comments):
        if i not in fm.used:  # never lose a comment
            fm.out.append(c.text.rstrip())
    return "\n".join(fm.out).strip("\n") + "\n" if fm.out else ""


def format_ast(script: ast.Script) -> str:
    """Render a script built in code (no comments, no original layout) in the canonical layout."""
    return _render(script.statements, preprocess(""))


def format_script(text: str, path_name: str | None = None) -> str:
    """The canonical layout of ``text``.

    Raises ``FormatError`` when the script does not parse, or when re-laying it out would
    change which engine XNAT picks from its first ``version`` line (spec §1.1).
    """
    source = preprocess(text)
    parsed: ParseResult = parse_source(source, path_name)
    if not parsed.ok:
        raise FormatError(
            f"{path_name or '<script>'}: cannot format a script with syntax errors; run dicomedit check",
            parsed.diagnostics,
        )
    result = _render(parsed.script.statements, source)
    before = find_version_line(source.original_lines)
    after = find_version_line(result.splitlines())
    if (before.version if before else None) != (after.version if after else None):
        raise FormatError(
            f"{path_name or '<script>'}: formatting would change the version XNAT reads from the "
            "first line starting with 'version'; fix the version line first (dicomedit check)"
        )
    return result
