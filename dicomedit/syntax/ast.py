"""The DicomEdit 6 abstract syntax tree.

Nodes are frozen dataclasses that compare by value; source spans are carried along but do not
take part in comparisons, so ``parse(fmt(script)) == parse(script)`` is a meaningful check.
Literal text is kept exactly as written (tag digits, number text, raw string contents); the
values XNAT derives from it are properties (spec §2.3, §2.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from ..diagnostics import NO_SPAN, Span


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)


_WILDCARD_DIGIT = re.compile("[Xx#@]").search


# ---------------------------------------------------------------------------------------------
# Tag paths (spec §6.1)


@dataclass(frozen=True, slots=True)
class Tag:
    """``(gggg,eeee)`` or private ``(gggg,{CREATOR}ee)``, digits exactly as written.

    Digits may be hex digits or the wildcards ``X x # @``.  For a private tag ``element`` holds
    the two low digits ``ee``.
    """

    group: str
    element: str
    creator: str | None = None
    span: Span = _span()

    @property
    def is_private(self) -> bool:
        return self.creator is not None

    @property
    def has_wildcard(self) -> bool:
        return _WILDCARD_DIGIT(self.group) is not None or _WILDCARD_DIGIT(self.element) is not None

    def text(self) -> str:
        if self.creator is None:
            return f"({self.group},{self.element})"
        return f"({self.group},{{{self.creator}}}{self.element})"


ItemNumber: TypeAlias = str  # "%" or the INTEGER source text, e.g. "0", "12" (or an invalid "-1")


@dataclass(frozen=True, slots=True)
class TagStep:
    """A tag inside a path, optionally with an item selector ``[n]`` or ``[%]``."""

    tag: Tag
    item: ItemNumber | None = None
    span: Span = _span()

    def text(self) -> str:
        return self.tag.text() if self.item is None else f"{self.tag.text()}[{self.item}]"


WildcardKind: TypeAlias = Literal["*", "+", "."]


@dataclass(frozen=True, slots=True)
class SequenceWildcard:
    """``*`` (any depth, including none), ``+`` (one or more levels) or ``.`` (exactly one)."""

    kind: WildcardKind
    span: Span = _span()

    def text(self) -> str:
        return self.kind


Step: TypeAlias = TagStep | SequenceWildcard


@dataclass(frozen=True, slots=True)
class TagPath:
    steps: tuple[Step, ...]
    span: Span = _span()

    def text(self) -> str:
        return "/".join(step.text() for step in self.steps)

    @property
    def last_tag(self) -> Tag | None:
        for step in reversed(self.steps):
            if isinstance(step, TagStep):
                return step.tag
        return None

    @property
    def is_singular(self) -> bool:
        """Spec §6.4: no digit wildcards, no ``[%]``, no sequence wildcards.

        A sequence step written without brackets counts as singular here, as in XNAT.
        """
        for step in self.steps:
            if isinstance(step, SequenceWildcard):
                return False
            if step.tag.has_wildcard or step.item == "%":
                return False
        return True

    @property
    def is_top_level_tag(self) -> bool:
        return len(self.steps) == 1 and isinstance(self.steps[0], TagStep) and self.steps[0].item is None


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True, slots=True)
class String:
    """A string literal; ``raw`` is the text between the quotes, as written."""

    raw: str
    span: Span = _span()

    @property
    def value(self) -> str:
        """The value in value and argument position (spec §2.4): ``""`` → ``"``, ``\\\\`` → ``\\``."""
        return self.raw.replace('""', '"').replace("\\\\", "\\")


@dataclass(frozen=True, slots=True)
class Number:
    """An INTEGER or FLOAT literal; its value is its exact source text (spec §2.3)."""

    text: str
    span: Span = _span()

    @property
    def is_integer(self) -> bool:
        return "." not in self.text


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    """``name[arg, ...]``: a built-in function call."""

    name: str
    args: tuple[Expr, ...] = ()
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListLiteral:
    """``{a, b, ...}``; string items keep their raw text (spec §2.4, list quirk)."""

    items: tuple[Expr, ...] = ()
    span: Span = _span()
    multiline: bool = field(default=False, compare=False, repr=False)


Expr: TypeAlias = String | Number | Variable | TagPath | Call | ListLiteral


# ---------------------------------------------------------------------------------------------
# Conditions (spec §4.4)

Operator: TypeAlias = Literal["=", "!=", "~", "!~"]


@dataclass(frozen=True, slots=True)
class Comparison:
    left: Expr
    op: Operator
    right: Expr
    span: Span = _span()


Condition: TypeAlias = Comparison | Call


# ---------------------------------------------------------------------------------------------
# Statements (spec §5)


@dataclass(frozen=True, slots=True)
class Version:
    value: String
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assign:
    """``TP := value``"""

    target: TagPath
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AssignIfExists:
    """``TP ?= value``"""

    target: TagPath
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Initialize:
    """``NAME := value``"""

    name: str
    value: Expr
    span: Span = _span()
    name_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Delete:
    """``- TP``"""

    target: TagPath
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CallStatement:
    """A function called for its side effects."""

    call: Call
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Echo:
    value: Expr | None = None
    span: Span = _span()


Action: TypeAlias = Assign | AssignIfExists | Initialize | Delete | CallStatement | Echo


@dataclass(frozen=True, slots=True)
class Ternary:
    """``condition ? action [: action]``"""

    condition: Condition
    then: Action
    otherwise: Action | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Branch:
    condition: Condition
    body: tuple[Statement, ...]
    span: Span = _span()
    block_span: Span = _span()  # from "{" to "}"


@dataclass(frozen=True, slots=True)
class If:
    """``if (c) {…} elseif (c) {…} else {…}``; ``branches[0]`` is the ``if``."""

    branches: tuple[Branch, ...]
    orelse: tuple[Statement, ...] | None = None
    span: Span = _span()
    else_span: Span = _span()  # from "else" to "}"
    else_block_span: Span = _span()  # from "{" to "}"


DescribeKind: TypeAlias = Literal["text", "hidden", "const", "immutable"]


@dataclass(frozen=True, slots=True)
class Describe:
    name: str
    kind: DescribeKind
    text: String | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    field: String
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RemoveAllPrivateTags:
    span: Span = _span()


Statement: TypeAlias = (
    Version
    | Assign
    | AssignIfExists
    | Initialize
    | Delete
    | CallStatement
    | Echo
    | Ternary
    | If
    | Describe
    | Export
    | RemoveAllPrivateTags
)


@dataclass(frozen=True, slots=True)
class Script:
    statements: tuple[Statement, ...]
    path: str | None = field(default=None, compare=False)


# ---------------------------------------------------------------------------------------------
# Traversal helpers


def iter_statements(statements: tuple[Statement, ...]) -> list[Statement]:
    """All statements in tree order, descending into ternary actions and if blocks."""
    global _last_walk
    last = _last_walk  # the checks and the compiler each walk the same script
    if last is not None and last[0] is statements:
        return list(last[1])
    out: list[Statement] = []
    _walk(statements, out)
    _last_walk = (statements, tuple(out))
    return out


# the last statements walked, and the walk: the tuple is held here, so no other tuple can be
# made at its address while it is remembered
_last_walk: tuple[tuple[Statement, ...], tuple[Statement, ...]] | None = None


def _walk(statements: tuple[Statement, ...], out: list[Statement]) -> None:
    for st in statements:
        out.append(st)
        if isinstance(st, Ternary):
            out.append(st.then)
            if st.otherwise is not None:
                out.append(st.otherwise)
        elif isinstance(st, If):
            for br in st.branches:
                _walk(br.body, out)
            if st.orelse is not None:
                _walk(st.orelse, out)


_VALUE_STATEMENTS = (Assign, AssignIfExists, Initialize)


def own_expressions(st: Statement) -> list[Expr]:
    """The expressions ``st`` evaluates itself: values, call, condition operands.

    Actions of a ternary and statements in if blocks are statements of their own (see
    ``iter_statements``), so they are not included.
    """
    if isinstance(st, _VALUE_STATEMENTS):
        return [st.value]
    if isinstance(st, CallStatement):
        return [st.call]
    if isinstance(st, Echo):
        return [st.value] if st.value is not None else []
    conditions: list[Condition] = []
    if isinstance(st, Ternary):
        conditions = [st.condition]
    elif isinstance(st, If):
        conditions = [b.condition for b in st.branches]
    out: list[Expr] = []
    for c in conditions:
        out.extend([c.left, c.right] if isinstance(c, Comparison) else [c])
    return out


def iter_exprs(expr: Expr) -> list[Expr]:
    """``expr`` and every expression nested in it (call arguments, list items)."""
    out: list[Expr] = [expr]
    if isinstance(expr, Call):
        for a in expr.args:
            out.extend(iter_exprs(a))
    elif isinstance(expr, ListLiteral):
        for a in expr.items:
            out.extend(iter_exprs(a))
    return out
