"""What a script does to each profile attribute, found from the AST without any DICOM input.

The interpreter walks the statements in order (spec §5) and keeps, for every row of Table E.1-1,
the set of possible *fates* of the attribute at the top level and inside sequences.  A statement
that reaches every place replaces the set; one that reaches only some places, or whose value may
be missing (a no-op), adds to it — so "kept" stays in the set wherever the original value may
survive.  The branches of an ``if``/``elseif``/``else`` or a ternary are each interpreted from the
state before them and joined where they meet (the union of their sets); without an ``else`` the
state before is one of the joined ones, as no branch need run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ..diagnostics import NO_SPAN, Diagnostic, Severity, Span
from ..dictionary import vr_of
from ..syntax import ast
from ..syntax.direct import DirectNotationError, parse_direct
from ..syntax.parser import parse_tag_path
from .patterns import Reach, Target, exact_tag, matching_entries, target_of
from .table import Option, Profile, ProfileEntry, format_tag

HOST_VARIABLES = ("project", "subject", "session")

_WARN = Severity.WARNING
_K = TypeVar("_K", bound=Hashable)


class Kind(enum.Enum):
    KEPT = "kept"
    DELETED = "deleted"
    EMPTIED = "emptied"
    CONSTANT = "constant"
    HOST = "host variable"
    HASHED = "hashed"
    REMAPPED = "remapped UID"
    NEW_UID = "new random UID"
    SHIFTED = "shifted"
    LOOKUP = "looked up"
    DERIVED = "computed"
    COPIED = "copied"
    NOOP = "no-op"  # a value that may be null: the assignment then does nothing (spec §12.2)


@dataclass(frozen=True, slots=True)
class Fate:
    """One possible outcome for an attribute (or one possible value of an expression)."""

    kind: Kind
    span: Span = field(default=NO_SPAN)
    source: int | None = None  # COPIED/NOOP: the attribute whose original value is involved
    label: str | None = None  # HOST (and COPIED through a label): the variable
    text: str | None = None  # CONSTANT: the literal

    def describe(self) -> str:
        where = f" (line {self.span.line})" if self.span.line else ""
        if self.kind is Kind.HOST:
            return f"host variable {self.label}{where}"
        if self.kind is Kind.CONSTANT and self.text is not None:
            shown = self.text if len(self.text) <= 24 else self.text[:21] + "..."
            return f'constant "{shown}"{where}'
        if self.kind is Kind.COPIED and self.source is not None:
            via = f" via {self.label}" if self.label else ""
            return f"copy of {format_tag(self.source)}{via}{where}"
        return f"{self.kind.value}{where}"


KEPT = Fate(Kind.KEPT)
_IN_PLACE_KEEPS = (Kind.DELETED,)


class Mode(enum.Enum):
    SET = "set"  # ':=' — creates or overwrites
    IF_PRESENT = "if-present"  # '?=', hashUIDList, blankValues, shifts — only existing elements
    DELETE = "delete"


@dataclass(slots=True)
class Action:
    """One statement acting on one attribute, kept for the report."""

    span: Span
    text: str
    conditional: bool


@dataclass(slots=True)
class AttributeState:
    entry: ProfileEntry
    top: frozenset[Fate] = frozenset({KEPT})
    nested: frozenset[Fate] = frozenset({KEPT})
    actions: list[Action] = field(default_factory=list)

    def apply(self, target: Target, reach: Reach, fates: frozenset[Fate], mode: Mode) -> None:
        """A statement that runs (conditional ones are interpreted per branch and joined)."""
        partial = reach is not Reach.FULL
        self_tag = exact_tag(target.tag) if target.top else None
        if target.top:
            self.top = _update(self.top, fates, mode, not partial, self_tag)
        if target.nested is not Reach.NONE:
            full = target.nested is Reach.FULL and not partial
            self.nested = _update(self.nested, fates, mode, full, None)


def _update(
    current: frozenset[Fate], fates: frozenset[Fate], mode: Mode, full: bool, self_tag: int | None
) -> frozenset[Fate]:
    new: set[Fate] = set()
    for fate in fates:
        if fate.kind is Kind.NOOP:
            # reading the attribute itself: when it is absent there is nothing to keep
            if fate.source is None or fate.source != self_tag:
                new |= current
        elif mode is Mode.IF_PRESENT:
            new.update(c if c.kind in _IN_PLACE_KEEPS else fate for c in current)
        else:
            new.add(fate)
    return frozenset(new) if full else current | new


class PrivateFate(enum.Enum):
    """What may have become of the private data when the script ends."""

    KEPT = "kept"
    REMOVED = "removed"  # removeAllPrivateTags
    RETAINED = "retained"  # retainPrivateTags: removed except the listed elements


@dataclass(slots=True)
class PrivateHandling:
    """What the script does to private (odd-group) data.

    ``removals`` and ``retains`` list the calls (``maybe``: inside a conditional statement);
    ``fates`` is what may be left at the end, joined over the branches like attribute fates.
    """

    removals: list[tuple[Span, bool]] = field(default_factory=list)  # removeAllPrivateTags (span, maybe)
    retains: list[tuple[Span, bool, tuple[str, ...]]] = field(default_factory=list)  # retainPrivateTags
    actions: list[Action] = field(default_factory=list)  # explicit deletes/assignments of private tags
    fates: frozenset[PrivateFate] = frozenset({PrivateFate.KEPT})

    @property
    def removed(self) -> bool:
        """Removed (perhaps except retained elements) whichever way the script goes."""
        return PrivateFate.KEPT not in self.fates

    @property
    def maybe_removed(self) -> bool:
        return bool(self.removals or self.retains)


_PrivateFates = frozenset[PrivateFate]
_Fates = tuple[frozenset[Fate], frozenset[Fate]]  # (top level, inside sequences)
_BEFORE: _Fates = (frozenset({KEPT}), frozenset({KEPT}))


@dataclass(frozen=True, slots=True)
class _Flow:
    """The part of the interpreter's state that depends on the way taken through the script."""

    attributes: dict[ProfileEntry, _Fates]
    others: dict[int, _Fates]
    variables: dict[str, frozenset[Fate]]
    private: _PrivateFates


def _join(flows: list[_Flow], unset: Callable[[str], frozenset[Fate]]) -> _Flow:
    """Where branches meet: every fate any of them leaves is possible.  A variable that only some
    branches set may be unset, which ``unset(name)`` describes."""

    def fates(maps: list[dict[_K, _Fates]]) -> dict[_K, _Fates]:
        out: dict[_K, _Fates] = {}
        for key in dict.fromkeys(k for m in maps for k in m):
            pairs = [m.get(key, _BEFORE) for m in maps]
            out[key] = (frozenset().union(*(p[0] for p in pairs)), frozenset().union(*(p[1] for p in pairs)))
        return out

    variables: dict[str, frozenset[Fate]] = {}
    for name in dict.fromkeys(n for f in flows for n in f.variables):
        values = [f.variables.get(name) for f in flows]
        variables[name] = frozenset().union(*(v if v is not None else unset(name) for v in values))
    return _Flow(
        fates([f.attributes for f in flows]),
        fates([f.others for f in flows]),
        variables,
        frozenset().union(*(f.private for f in flows)),
    )


@dataclass(slots=True)
class ScriptEffects:
    """The result of the interpretation."""

    attributes: dict[ProfileEntry, AttributeState]
    others: dict[int, AttributeState]  # public attributes outside the table that the script sets
    private: PrivateHandling
    findings: list[Diagnostic]
    pixel_edits: list[Span]


# Attributes that only ever occur inside sequence items: a plain path to them reaches nothing.
SEQUENCE_ONLY = frozenset({0x00081155, 0x00081150, 0x30060024, 0x300600C2, 0x00640003})

_VALUE_FUNCTIONS_KEEPING = ("lowercase", "uppercase", "substring", "replace", "normalizeString", "match")


class Interpreter:
    """Abstract interpretation of a script over the rows of the table."""

    def __init__(
        self,
        profile: Profile,
        options: Iterable[Option] = (),
        label_identifiers: dict[str, int] | None = None,
    ) -> None:
        self.profile = profile
        self.options = tuple(options)
        self.labels = dict(label_identifiers or {})
        self.attributes: dict[ProfileEntry, AttributeState] = {}
        self.others: dict[int, AttributeState] = {}
        self.private = PrivateHandling()
        self.findings: list[Diagnostic] = []
        self.pixel_edits: list[Span] = []
        self.variables: dict[str, frozenset[Fate]] = {}
        # unconditional top-level ':=' not yet read, by tag
        self.pending: dict[int, list[tuple[Span, str]]] = {}

    # -- entry points ------------------------------------------------------------------------
    def run(self, script: ast.Script) -> ScriptEffects:
        self._statements(script.statements, maybe=False)
        return ScriptEffects(self.attributes, self.others, self.private, self.findings, self.pixel_edits)

    def state(self, entry: ProfileEntry) -> AttributeState:
        found = self.attributes.get(entry)
        if found is None:
            found = self.attributes[entry] = AttributeState(entry)
        return found

    def _other(self, tag: int) -> AttributeState:
        found = self.others.get(tag)
        if found is None:
            placeholder = ProfileEntry(format_tag(tag), "", "K", value=tag)
            found = self.others[tag] = AttributeState(placeholder)
        return found

    def _report(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.findings.append(Diagnostic(_WARN, code, message, span, hint))

    # -- statements --------------------------------------------------------------------------
    def _statements(self, statements: tuple[ast.Statement, ...], *, maybe: bool) -> None:
        for st in statements:
            self._statement(st, maybe=maybe)

    def _statement(self, st: ast.Statement, *, maybe: bool) -> None:
        if isinstance(st, ast.Assign):
            fates = self._value(st.value, st.span)
            self._check_noop(st.target, fates, st.span)
            self._write(st.target, fates, Mode.SET, maybe, st.span)
        elif isinstance(st, ast.AssignIfExists):
            fates = self._value(st.value, st.span)
            self._write(st.target, fates, Mode.IF_PRESENT, maybe, st.span, overwrites=True)
        elif isinstance(st, ast.Initialize):
            self.variables[st.name] = self._value(st.value, st.span)
        elif isinstance(st, ast.Delete):
            self._write(st.target, frozenset({Fate(Kind.DELETED, st.span)}), Mode.DELETE, maybe, st.span)
        elif isinstance(st, ast.CallStatement):
            self._call_statement(st.call, maybe, st.span)
        elif isinstance(st, ast.Echo):
            if st.value is not None:
                self._echo(st.value, st.span)
        elif isinstance(st, ast.Ternary):
            self._condition(st.condition)
            actions = [(st.then,)] + ([(st.otherwise,)] if st.otherwise is not None else [])
            self._branches(actions, exhaustive=st.otherwise is not None)
        elif isinstance(st, ast.If):
            # the conditions are read before any branch runs: a later one only when the earlier
            # ones are false
            for branch in st.branches:
                self._condition(branch.condition)
            bodies = [b.body for b in st.branches] + ([st.orelse] if st.orelse is not None else [])
            self._branches(bodies, exhaustive=st.orelse is not None)
        elif isinstance(st, ast.RemoveAllPrivateTags):
            self.private.removals.append((st.span, maybe))
            self.private.fates = frozenset({PrivateFate.REMOVED})

    def _branches(self, bodies: Sequence[tuple[ast.Statement, ...]], *, exhaustive: bool) -> None:
        """Exactly one of ``bodies`` runs (at most one unless ``exhaustive``, i.e. with an else).

        Each is interpreted from the state before the statement; the states they leave are joined.
        Findings and actions are kept from every branch; their statements are marked conditional.
        """
        before = self._snapshot()
        after: list[_Flow] = []
        for body in bodies:
            self._restore(before)
            self._statements(body, maybe=True)
            after.append(self._snapshot())
        if not exhaustive:
            after.append(before)
        self._restore(_join(after, self._unset))

    def _snapshot(self) -> _Flow:
        return _Flow(
            {e: (s.top, s.nested) for e, s in self.attributes.items()},
            {t: (s.top, s.nested) for t, s in self.others.items()},
            dict(self.variables),
            self.private.fates,
        )

    def _restore(self, flow: _Flow) -> None:
        for entry, state in self.attributes.items():
            state.top, state.nested = flow.attributes.get(entry, _BEFORE)
        for tag, other in self.others.items():
            other.top, other.nested = flow.others.get(tag, _BEFORE)
        self.variables = dict(flow.variables)
        self.private.fates = flow.private

    @staticmethod
    def _unset(name: str) -> frozenset[Fate]:
        """A variable that is set only in some branches: reading it may give nothing (a no-op)."""
        return frozenset({Fate(Kind.NOOP, label=name)})

    def _condition(self, cond: ast.Condition) -> None:
        if isinstance(cond, ast.Comparison):
            self._value(cond.left, cond.span)
            self._value(cond.right, cond.span)
        else:
            self._value(cond, cond.span)

    # -- writes ------------------------------------------------------------------------------
    def _write(
        self,
        path: ast.TagPath,
        fates: frozenset[Fate],
        mode: Mode,
        maybe: bool,
        span: Span,
        *,
        overwrites: bool = False,
    ) -> None:
        target = target_of(path)
        if target is None:
            return
        text = _describe_write(mode, fates, target)
        if target.tag.is_private:
            self.private.actions.append(Action(span, f"{path.text()}: {text}", maybe))
            return
        fates = frozenset(_respan(f, span) for f in fates)
        exact = exact_tag(target.tag)
        self._dead_store(target, exact, mode, maybe, span, fates, overwrites=overwrites)
        if exact in SEQUENCE_ONLY and target.top and target.nested is Reach.NONE:
            self._report(
                "L170",
                f"{format_tag(exact)} only occurs inside sequence items and a plain tag path never "
                "reaches into sequences (spec §6.2): this does nothing",
                span,
                f"write */{format_tag(exact)}",
            )
        matched = matching_entries(self.profile, target.tag)
        for entry, reach in matched:
            state = self.state(entry)
            state.apply(target, reach, fates, mode)
            state.actions.append(Action(span, text, maybe))
        if not matched and exact is not None and target.top:
            other = self._other(exact)
            other.apply(target, Reach.FULL, fates, mode)
            other.actions.append(Action(span, text, maybe))

    def _dead_store(
        self,
        target: Target,
        exact: int | None,
        mode: Mode,
        maybe: bool,
        span: Span,
        fates: frozenset[Fate],
        *,
        overwrites: bool,
    ) -> None:
        """Report earlier stores to ``exact`` that this write certainly replaces before any read.

        A write replaces the value only when it certainly runs and certainly writes: a conditional
        statement, or a value that may be missing (the assignment is then a no-op, spec §5), leaves
        the earlier value in place, so the earlier store stays pending.
        """
        if exact is None or not target.top:
            return
        if mode is Mode.IF_PRESENT and not overwrites:
            self.pending.pop(exact, None)  # hashUIDList, blankValues and shifts use the value that is there
            return
        certain = not maybe and (mode is Mode.DELETE or not any(f.kind is Kind.NOOP for f in fates))
        if certain:
            verb = "deleted" if mode is Mode.DELETE else "overwritten"
            for before, what in self.pending.pop(exact, []):
                self.findings.append(
                    Diagnostic(
                        _WARN,
                        "L131" if mode is Mode.DELETE else "L130",
                        f"{format_tag(exact)} is {verb} here; the {what} at line {before.line} is never used",
                        span,
                        f"remove the statement at line {before.line}",
                    )
                )
        if mode is Mode.SET and not maybe and target.nested is Reach.NONE:
            self.pending.setdefault(exact, []).append((span, "assignment"))

    # -- calls as statements -----------------------------------------------------------------
    def _call_statement(self, call: ast.Call, maybe: bool, span: Span) -> None:
        name, args = call.name, call.args
        if name not in ("removeTags", "retainPrivateTags", "delete"):
            for arg in args:
                self._reads(arg)
        if name == "hashUIDList":
            self._for_paths(args, Fate(Kind.HASHED, span), Mode.IF_PRESENT, maybe, span)
        elif name == "removeTags":
            self._for_paths(args, Fate(Kind.DELETED, span), Mode.DELETE, maybe, span)
        elif name == "blankValues":
            self._for_paths(args, Fate(Kind.EMPTIED, span), Mode.IF_PRESENT, maybe, span, strings=False)
        elif name == "retainPrivateTags":
            kept = tuple(p.text() for p in _paths(args, strings=True))
            self.private.retains.append((span, maybe, kept))
            self.private.fates = frozenset(
                PrivateFate.REMOVED if f is PrivateFate.REMOVED else PrivateFate.RETAINED
                for f in self.private.fates
            )
        elif name == "shiftDateTimeSequenceByIncrement":
            self._string_paths(call, args[1:], Fate(Kind.SHIFTED, span), maybe, span)
        elif name == "mapReferencedUIDs":
            self._string_paths(call, args[1:], Fate(Kind.REMAPPED, span), maybe, span)
        elif name == "shiftDateTimeListByIncrement" and args:
            self._for_paths(args[:1], Fate(Kind.SHIFTED, span), Mode.IF_PRESENT, maybe, span)
        elif name in ("set", "delete") and args and isinstance(args[0], ast.String):
            self._direct(call, maybe, span)
        elif name == "alterPixels":
            self.pixel_edits.append(span)

    def _for_paths(
        self,
        args: tuple[ast.Expr, ...],
        fate: Fate,
        mode: Mode,
        maybe: bool,
        span: Span,
        *,
        strings: bool = True,
    ) -> None:
        for path in _paths(args, strings=strings):
            self._write(path, frozenset({fate}), mode, maybe, span)

    def _string_paths(
        self, call: ast.Call, args: tuple[ast.Expr, ...], fate: Fate, maybe: bool, span: Span
    ) -> None:
        for arg in args:
            if isinstance(arg, ast.TagPath):
                self._report(
                    "L171",
                    f"{call.name} ignores tag paths that are not written as strings (spec §7): "
                    f"{arg.text()} is left as it is",
                    arg.span,
                    f'write "{arg.text()}"',
                )
        strings = tuple(a for a in args if isinstance(a, ast.String | ast.ListLiteral))
        self._for_paths(strings, fate, Mode.IF_PRESENT, maybe, span)

    def _direct(self, call: ast.Call, maybe: bool, span: Span) -> None:
        first = call.args[0]
        assert isinstance(first, ast.String)
        try:
            steps = parse_direct(first.value)
        except DirectNotationError:
            return  # the checker reports malformed direct notation
        last = steps[-1]
        tag = ast.Tag(f"{last.group:04X}", f"{last.element:04X}")
        if len(steps) == 1:
            path = ast.TagPath((ast.TagStep(tag),))
        else:
            # a nested element in one particular item: some nested places only
            path = ast.TagPath((ast.TagStep(ast.Tag("0000", "0000"), "0"), ast.TagStep(tag)))
        if last.group % 2 == 1:
            self.private.actions.append(Action(span, f"{first.value}: {call.name}", maybe))
            return
        if call.name == "delete":
            self._write(path, frozenset({Fate(Kind.DELETED, span)}), Mode.DELETE, maybe, span)
        elif len(call.args) > 1:
            self._write(path, self._value(call.args[1], span), Mode.SET, maybe, span)

    # -- values ------------------------------------------------------------------------------
    def _value(self, expr: ast.Expr, span: Span) -> frozenset[Fate]:
        if isinstance(expr, ast.String):
            text = expr.value
            return frozenset({Fate(Kind.EMPTIED if text == "" else Kind.CONSTANT, span, text=text)})
        if isinstance(expr, ast.Number):
            return frozenset({Fate(Kind.CONSTANT, span, text=expr.text)})
        if isinstance(expr, ast.Variable):
            return self._variable(expr.name, span)
        if isinstance(expr, ast.TagPath):
            return self._read(expr, span)
        if isinstance(expr, ast.ListLiteral):
            out: set[Fate] = set()
            for item in expr.items:
                out |= _as_value(self._value(item, span))
            return frozenset(out) or frozenset({Fate(Kind.CONSTANT, span)})
        return self._call_value(expr, span)

    def _variable(self, name: str, span: Span) -> frozenset[Fate]:
        if name in self.variables:
            return self.variables[name]
        if name in self.labels:
            return frozenset({Fate(Kind.COPIED, span, source=self.labels[name], label=name)})
        return frozenset({Fate(Kind.HOST, span, label=name)})

    def _read(self, path: ast.TagPath, span: Span) -> frozenset[Fate]:
        self._reads(path)
        target = target_of(path)
        if target is None or target.tag.is_private:
            return frozenset({Fate(Kind.DERIVED, span), Fate(Kind.NOOP, span)})
        exact = exact_tag(target.tag)
        if exact is None:
            return frozenset({Fate(Kind.DERIVED, span), Fate(Kind.NOOP, span)})
        entry = self.profile.lookup(exact)
        if entry is None:
            state = self.others.get(exact)
            current = state.top if state is not None else frozenset({KEPT})
        else:
            state = self.attributes.get(entry)
            known = state or AttributeState(entry)
            current = known.top if target.top else known.nested
        identifying = entry is not None and entry.action(self.options) != "K"
        out: set[Fate] = set()
        for fate in current:
            if fate.kind is Kind.KEPT:
                kind = Kind.COPIED if identifying else Kind.DERIVED
                out.add(Fate(kind, span, source=exact))
                out.add(Fate(Kind.NOOP, span, source=exact))
            elif fate.kind is Kind.DELETED:
                out.add(Fate(Kind.NOOP, span, source=exact))
            else:
                out.add(fate)
        return frozenset(out)

    def _call_value(self, call: ast.Call, span: Span) -> frozenset[Fate]:
        name, args = call.name, call.args
        arg_values = [self._value(a, span) for a in args]
        first = arg_values[0] if arg_values else frozenset()
        noops = frozenset(f for f in first if f.kind is Kind.NOOP)
        if name == "hashUID":
            return frozenset({Fate(Kind.HASHED, span)}) | noops
        if name in ("newUID", "mapUID"):
            return frozenset({Fate(Kind.NEW_UID, span)})
        if name in ("lookup", "getURL"):
            miss = frozenset({Fate(Kind.NOOP, span)}) if name == "lookup" else frozenset()
            return frozenset({Fate(Kind.LOOKUP, span)}) | miss
        if name in ("shiftDateByIncrement", "shiftDateTimeByIncrement"):
            return frozenset({Fate(Kind.SHIFTED, span)})
        if name in ("ismatch", "isPresent", "true", "false"):
            return frozenset({Fate(Kind.CONSTANT, span)})
        if name in _VALUE_FUNCTIONS_KEEPING:
            out = set(_as_value(first, span))
            if name in ("normalizeString", "match"):
                out |= noops
            if name == "match":
                out.add(Fate(Kind.NOOP, span))
            return frozenset(out) or frozenset({Fate(Kind.DERIVED, span)})
        out = set()
        for value in arg_values:
            out |= _as_value(value, span)
        return frozenset(out) or frozenset({Fate(Kind.DERIVED, span)})

    def _reads(self, expr: ast.Expr) -> None:
        """Note every tag read by ``expr``: an earlier assignment to it is then not a dead store."""
        for sub in ast.iter_exprs(expr):
            if isinstance(sub, ast.TagPath):
                for step in sub.steps:
                    if isinstance(step, ast.TagStep):
                        tag = exact_tag(step.tag)
                        if tag is not None:
                            self.pending.pop(tag, None)
            elif isinstance(sub, ast.String) and "(" in sub.value:
                parsed = parse_tag_path(sub.value)
                if parsed is not None:
                    self._reads(parsed)

    # -- statement-level findings ------------------------------------------------------------
    def _check_noop(self, path: ast.TagPath, fates: frozenset[Fate], span: Span) -> None:
        target = target_of(path)
        if target is None or target.tag.is_private:
            return
        exact = exact_tag(target.tag)
        if exact is None:
            return
        entry = self.profile.lookup(exact)
        self._check_sequence_assignment(exact, span)
        if entry is None or entry.action(self.options) == "K":
            return
        for fate in fates:
            if fate.kind is not Kind.NOOP or (fate.source == exact and target.top):
                continue
            if fate.source is not None:
                why = f"when {format_tag(fate.source)} is absent"
            elif fate.label is not None:
                why = f"when the variable {fate.label} is not set (it is set only in some branches)"
            else:
                why = "when the value is missing (no lookup entry, no regex match)"
            self._report(
                "L170",
                f"{why} this assignment silently does nothing and {format_tag(exact)} {entry.name} "
                "keeps its original value (spec §12.2, DE-47)",
                span,
                f"delete or blank {format_tag(exact)} first, then assign",
            )
            return

    def _check_sequence_assignment(self, tag: int, span: Span) -> None:
        if vr_of(tag) == "SQ":
            self._report(
                "L172",
                f"{format_tag(tag)} is a sequence: XNAT ignores the assigned value (spec §6.5) and "
                "the items stay as they are",
                span,
                f"delete it with -*/{format_tag(tag)}",
            )

    def _echo(self, value: ast.Expr, span: Span) -> None:
        fates = self._value(value, span)
        copied = sorted({f.source for f in fates if f.kind is Kind.COPIED and f.source is not None})
        if copied:
            shown = ", ".join(format_tag(t) for t in copied)
            self._report(
                "L173",
                f"echo prints the original value of {shown} to the XNAT server log (spec §5)",
                span,
                "remove the echo, or echo something that identifies nobody",
            )


def _respan(fate: Fate, span: Span) -> Fate:
    if fate.kind in (Kind.KEPT, Kind.NOOP):
        return fate
    return replace(fate, span=span)


def _as_value(fates: frozenset[Fate], span: Span | None = None) -> set[Fate]:
    """Fates of a value computed from ``fates``: copies stay copies, anything else is computed."""
    out: set[Fate] = set()
    for fate in fates:
        if fate.kind is Kind.COPIED:
            out.add(fate)
        elif fate.kind is not Kind.NOOP:
            out.add(Fate(Kind.DERIVED, span if span is not None else fate.span))
    return out


def _paths(args: Iterable[ast.Expr], *, strings: bool) -> Iterator[ast.TagPath]:
    """Tag paths named by a tag-path-list argument: lists flattened, strings parsed (spec §7)."""
    for arg in args:
        if isinstance(arg, ast.TagPath):
            yield arg
        elif isinstance(arg, ast.ListLiteral):
            yield from _paths(arg.items, strings=strings)
        elif strings and isinstance(arg, ast.String):
            parsed = parse_tag_path(arg.raw)
            if parsed is not None:
                yield parsed


def _describe_write(mode: Mode, fates: frozenset[Fate], target: Target) -> str:
    if target.everywhere:
        where = "at every depth"
    elif target.top and target.nested is Reach.NONE:
        where = "at top level"
    elif target.top:
        where = "at top level and in some sequences"
    elif target.nested is Reach.FULL:
        where = "inside sequences"
    else:
        where = f"in {target.path.text()}"
    if mode is Mode.DELETE:
        return f"deleted {where}"
    kinds = sorted({f.describe().split(" (line")[0] for f in fates if f.kind is not Kind.NOOP})
    what = " or ".join(kinds) if kinds else "nothing"
    prefix = "if present, " if mode is Mode.IF_PRESENT else ""
    return f"{prefix}{what} {where}"
