"""Semantic checks: everything XNAT would only discover at run time (or never), found statically."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import collector
from .diagnostics import NO_SPAN, Diagnostic, Severity, Span, sort_key
from .functions.registry import NOT_IN_DE6, SPECS, ArgKind, Extra, Returns, case_insensitive_match
from .release_check import release_diagnostics
from .releases import NEWEST, SUPPORTED_VERSIONS, Release, VersionLine, find_version_line, parse_release
from .source import Source
from .syntax import ast
from .syntax.direct import DirectNotationError, parse_direct
from .syntax.parser import ParseResult, parse, parse_tag_path
from .vr_check import vr_diagnostics

HOST_VARIABLES = frozenset({"project", "subject", "session"})

_NON_ASCII = re.compile(r"[^\x00-\x7f]")

# Java regex syntax Python's re does not know; such patterns are not judged here
_JAVA_ONLY_REGEX = re.compile(r"\\[pPQEzRhHX]")

_ERR, _WARN = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The AST and every diagnostic of one script."""

    script: ast.Script
    diagnostics: tuple[Diagnostic, ...]
    source: Source
    target: Release = NEWEST

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors


def resolve_target(xnat: str | Release | None) -> Release:
    """The XNAT release to check against: None means the newest release the model knows."""
    if xnat is None:
        return NEWEST
    if isinstance(xnat, Release):
        return xnat
    return parse_release(xnat)


def check(text: str, path: str | None = None, *, xnat: str | Release | None = None) -> CheckResult:
    """Parse and check ``text`` for the XNAT release ``xnat`` (default: the newest known).

    Every problem in the script is reported as a diagnostic; only an unreadable release string
    raises (``ReleaseError``).
    """
    target = resolve_target(xnat)
    with collector.paused():
        return check_parsed(parse(text, path), target)


def check_parsed(parsed: ParseResult, target: Release = NEWEST) -> CheckResult:
    path = parsed.script.path
    found = list(parsed.diagnostics)
    checker = _Checker()
    found.extend(checker.run(parsed.script, parsed.source))
    routed = find_version_line(parsed.source.original_lines)
    found.extend(release_diagnostics(parsed.script, parsed.source, target, routed))
    found.extend(vr_diagnostics(parsed.script))
    result = sorted((d.with_path(path) for d in found), key=sort_key)
    return CheckResult(parsed.script, tuple(_dedupe(result)), parsed.source, target)


def _dedupe(diags: Iterable[Diagnostic]) -> Iterator[Diagnostic]:
    seen: set[tuple[str, Span, str]] = set()
    for d in diags:
        key = (d.code, d.span, d.message)
        if key not in seen:
            seen.add(key)
            yield d


# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Checker:
    out: list[Diagnostic] = field(default_factory=list)
    assigned: set[str] = field(default_factory=set)
    read_before: dict[str, Span] = field(default_factory=dict)
    value_reads: set[str] = field(default_factory=set)
    argument_reads: dict[str, Span] = field(default_factory=dict)

    def report(
        self, severity: Severity, code: str, message: str, span: Span = NO_SPAN, hint: str | None = None
    ) -> None:
        self.out.append(Diagnostic(severity, code, message, span, hint))

    def run(self, script: ast.Script, source: Source) -> list[Diagnostic]:
        self._check_version(script, source)
        self._check_text(source)
        self._statements(script.statements)
        self._host_variables_in_arguments()
        return self.out

    # -- version routing (spec §1.1) -------------------------------------------------------
    def _check_version(self, script: ast.Script, source: Source) -> None:
        line = find_version_line(source.original_lines)
        statements = [s for s in ast.iter_statements(script.statements) if isinstance(s, ast.Version)]
        if line is None:
            span = statements[0].span if statements else Span(1, 1, 1, 2)
            if statements:
                msg = "the version statement is not at the start of a line: XNAT does not see it"
            else:
                msg = "no version statement"
            self.report(
                _ERR,
                "E110",
                f"{msg}, so XNAT runs this script with DicomEdit 4, a different language",
                span,
                'start the script with a line  version "6.6"  (no indentation)',
            )
        else:
            self._check_routed_version(line)
        for st in statements:
            value = st.value.value
            if value not in SUPPORTED_VERSIONS:
                self.report(
                    _ERR,
                    "E111",
                    f"unsupported version {value!r}: XNAT fails with 'Unsupported version' "
                    f"(supported: {', '.join(SUPPORTED_VERSIONS)})",
                    st.value.span,
                )

    def _check_routed_version(self, line: VersionLine) -> None:
        span = Span(line.line, 1, line.line, len(line.text) + 1)
        if line.malformed:
            self.report(
                _ERR,
                "E112",
                f"malformed version declaration {line.text.strip()!r}: XNAT rejects the script",
                span,
                'write  version "6.6"  without = or :=',
            )
        elif line.version not in SUPPORTED_VERSIONS:
            shown = repr(line.version) if line.version else "an empty version"
            if line.version == "":
                hint = 'XNAT splits the line on single spaces: write exactly one space, version "6.6"'
            elif not re.match(r'version\s+"', line.text):
                hint = (
                    "this line only starts with the word 'version'; XNAT takes the first such line "
                    "for the version declaration: rename it or put the version statement first"
                )
            else:
                hint = f"supported versions: {', '.join(SUPPORTED_VERSIONS)}"
            self.report(
                _ERR,
                "E112",
                f"XNAT reads {shown} from the first line starting with 'version' and finds no "
                "engine for it: every import fails",
                span,
                hint,
            )

    # -- text ------------------------------------------------------------------------------
    def _check_text(self, source: Source) -> None:
        # comments never reach XNAT's parser, so only the processed text matters
        for i, line in enumerate(source.lines, start=1):
            m = _NON_ASCII.search(line)
            if m is not None:
                line_no, col = source.original_position(i, m.start() + 1)
                self.report(
                    _WARN,
                    "W302",
                    f"non-ASCII character {m.group()!r}: XNAT decodes uploaded scripts as ISO-8859-1, "
                    "so it may not reach DICOM as written",
                    Span.point(line_no, col),
                    "keep scripts ASCII",
                )

    # -- statements --------------------------------------------------------------------------
    def _statements(self, statements: tuple[ast.Statement, ...]) -> None:
        for index, st in enumerate(statements):
            self._statement(st)
            if _always_rejects(st) and index + 1 < len(statements):
                nxt = statements[index + 1]
                self.report(
                    _WARN,
                    "W320",
                    "statements after an unconditional reject[] never run",
                    nxt.span,
                )

    def _statement(self, st: ast.Statement) -> None:
        if isinstance(st, ast.Assign):
            self._value(st.value, assigned_to=st.target)
            self._target(st.target, ":=")
        elif isinstance(st, ast.AssignIfExists):
            self._value(st.value, assigned_to=st.target)
            self._path(st.target, value_position=False)
        elif isinstance(st, ast.Initialize):
            self._value(st.value, assigned_to=None)
            self.assigned.add(st.name)
        elif isinstance(st, ast.Delete):
            self._path(st.target, value_position=False)
            self._check_item_delete(st.target)
        elif isinstance(st, ast.CallStatement):
            self._call(st.call)
        elif isinstance(st, ast.Echo):
            if st.value is None:
                self.report(_WARN, "W321", "echo without a value fails at run time in XNAT", st.span)
            else:
                self._value(st.value, assigned_to=None)
        elif isinstance(st, ast.Ternary):
            self._condition(st.condition)
            self._statement(st.then)
            if st.otherwise is not None:
                self._statement(st.otherwise)
        elif isinstance(st, ast.If):
            for br in st.branches:
                self._condition(br.condition)
                self._statements(br.body)
            if st.orelse is not None:
                self._statements(st.orelse)
        elif isinstance(st, ast.Describe | ast.Export):
            pass

    def _condition(self, cond: ast.Condition) -> None:
        if isinstance(cond, ast.Comparison):
            self._value(cond.left, assigned_to=None)
            self._value(cond.right, assigned_to=None)
            if cond.op in ("~", "!~"):
                self._regex(cond.right)
            return
        self._call(cond)
        sp = SPECS.get(cond.name)
        if sp is not None and sp.returns is not Returns.BOOLEAN:
            self.report(
                _WARN,
                "W322",
                f"{cond.name}[...] does not return true/false: as a condition it is false unless "
                "its text is 'true'",
                cond.span,
            )

    def _regex(self, expr: ast.Expr) -> None:
        if not isinstance(expr, ast.String) or _JAVA_ONLY_REGEX.search(expr.value):
            return
        try:
            re.compile(expr.value)
        except re.error as e:
            self.report(_ERR, "E210", f"invalid regular expression: {e}", expr.span)

    def _target(self, path: ast.TagPath, op: str) -> None:
        self._path(path, value_position=False)
        if not path.is_singular:
            self.report(
                _ERR,
                "E202",
                f"'{op}' needs a path to exactly one element; XNAT fails with 'Assigning to a "
                f"tagpath that maps to multiple attributes in not supported. TagPath: {path.text()}'",
                path.span,
                "use '?=' to overwrite every existing match, or remove the wildcards",
            )
        else:
            self._bracketless_sequence(path)

    def _bracketless_sequence(self, path: ast.TagPath) -> None:
        for step in path.steps[:-1]:
            if isinstance(step, ast.TagStep) and step.item is None:
                self.report(
                    _ERR,
                    "E203",
                    f"sequence step {step.tag.text()} has no item number: XNAT accepts the path as "
                    "singular but fails when it resolves it",
                    step.span,
                    f"write {step.tag.text()}[0] (or the item you mean)",
                )

    def _path(self, path: ast.TagPath, *, value_position: bool) -> None:
        for step in path.steps:
            if isinstance(step, ast.TagStep) and step.item is not None and step.item != "%":
                self._item_number(step)
        if value_position:
            if not path.is_singular:
                self.report(
                    _ERR,
                    "E204",
                    "a tag path read as a value must name exactly one element; XNAT fails with "
                    "'Path matching multiple tags not allowed as term'",
                    path.span,
                )
            else:
                self._bracketless_sequence(path)

    def _item_number(self, step: ast.TagStep) -> None:
        assert step.item is not None
        n = int(step.item)
        if n < 0 or n > 2**31 - 1:
            self.report(
                _ERR,
                "E205",
                f"invalid item number [{step.item}]: items are numbered from 0",
                step.span,
            )

    def _check_item_delete(self, path: ast.TagPath) -> None:
        last = path.steps[-1]
        if isinstance(last, ast.TagStep) and last.item is not None and last.item != "%":
            self.report(
                _WARN,
                "W323",
                f"deleting item {last.text()} empties it but leaves the empty item in the sequence "
                "(XNAT behaviour, DE-91)",
                path.span,
            )

    # -- values ------------------------------------------------------------------------------
    def _value(self, expr: ast.Expr, *, assigned_to: ast.TagPath | None) -> None:
        if isinstance(expr, ast.Variable):
            self._read(expr)
        elif isinstance(expr, ast.TagPath):
            self._path(expr, value_position=True)
        elif isinstance(expr, ast.Call):
            self._call(expr)
            sp = SPECS.get(expr.name)
            if sp is not None and sp.returns is Returns.VOID:
                self.report(
                    _ERR,
                    "E206",
                    f"{expr.name}[...] returns nothing; XNAT fails with 'Assigned value is VOID.'",
                    expr.span,
                    f"call {expr.name}[...] as a statement of its own",
                )
        elif isinstance(expr, ast.ListLiteral):
            self._list(expr)

    def _read(self, var: ast.Variable) -> None:
        self.value_reads.add(var.name)
        if var.name in self.assigned or var.name in HOST_VARIABLES:
            return
        if var.name not in self.read_before:
            self.read_before[var.name] = var.span
            self.report(
                _WARN,
                "W300",
                f"variable {var.name!r} is read before it is assigned; XNAT only supplies "
                "project, subject and session, so it fails with 'Unknown variable' unless an "
                "upload client sets it",
                var.span,
                _constant_hint(var.name),
            )

    def _list(self, lst: ast.ListLiteral, kind: ArgKind | None = None, call: ast.Call | None = None) -> None:
        for item in lst.items:
            if isinstance(item, ast.Variable):
                self._read_argument(item)
            elif isinstance(item, ast.Call):
                self._call(item)
            elif isinstance(item, ast.ListLiteral):
                self._list(item, kind, call)
            elif isinstance(item, ast.TagPath):
                self._path(item, value_position=False)
                if call is not None and call.name == "retainPrivateTags":
                    self._private_only(item, call)
            elif isinstance(item, ast.String):
                if "\\\\" in item.raw:
                    self.report(
                        _WARN,
                        "W324",
                        "inside a list, a string keeps '\\\\' as two backslashes (XNAT quirk)",
                        item.span,
                    )
                if kind is not None and call is not None:
                    self._string_argument(item, kind, call, raw=True)

    def _read_argument(self, var: ast.Variable) -> None:
        if var.name in HOST_VARIABLES and var.name not in self.assigned:
            self.argument_reads.setdefault(var.name, var.span)
        elif var.name not in self.assigned and var.name not in self.read_before:
            self.read_before[var.name] = var.span
            self.report(
                _WARN,
                "W300",
                f"variable {var.name!r} is used before it is assigned; XNAT fails at run time "
                "unless an upload client sets it",
                var.span,
                _constant_hint(var.name),
            )

    def _host_variables_in_arguments(self) -> None:
        for name, span in self.argument_reads.items():
            if name in self.value_reads:
                continue
            self.report(
                _WARN,
                "W311",
                f"XNAT only supplies {name!r} to scripts that read it directly as a value; used "
                "only inside function arguments it stays unset and the call fails at run time",
                span,
                f"read it once first, e.g.  {name}Label := {name}",
            )

    # -- calls -------------------------------------------------------------------------------
    def _call(self, call: ast.Call) -> None:
        sp = SPECS.get(call.name)
        if sp is None:
            self._unknown_function(call)
            for arg in call.args:
                self._argument(arg, ArgKind.VALUE, call)
            return
        n = len(call.args)
        if n < sp.min_args or (sp.max_args is not None and n > sp.max_args and sp.extra is Extra.ERROR):
            self.report(
                _ERR,
                "E201",
                f"{call.name} takes {sp.arity_text()}, got {n}: XNAT fails at run time",
                call.span,
            )
        elif sp.max_args is not None and n > sp.max_args:
            self.report(
                _WARN,
                "W201",
                f"{call.name} takes {sp.arity_text()}; XNAT ignores the other {n - sp.max_args}",
                call.span,
            )
        if sp.network or sp.restricted:
            why = "needs network access" if sp.network else "is commonly restricted by sites"
            if sp.nondeterministic:
                why += " and gives different results on every run"
            self.report(_WARN, "W301", f"{call.name} {why}", call.name_span)
        for i, arg in enumerate(call.args):
            self._argument(arg, sp.arg_kind(i), call)

    def _unknown_function(self, call: ast.Call) -> None:
        hint = None
        if call.name in NOT_IN_DE6:
            hint = NOT_IN_DE6[call.name]
        else:
            other = case_insensitive_match(call.name)
            if other is not None:
                hint = f"function names are case-sensitive: did you mean {other}?"
        self.report(
            _ERR,
            "E200",
            f"unknown function {call.name!r}: XNAT fails with 'Failed to find function: {call.name}'",
            call.name_span,
            hint,
        )

    def _argument(self, arg: ast.Expr, kind: ArgKind, call: ast.Call) -> None:
        if isinstance(arg, ast.Variable):
            self._read_argument(arg)
        elif isinstance(arg, ast.Call):
            self._call(arg)
        elif isinstance(arg, ast.ListLiteral):
            self._list(arg, kind, call)
        elif isinstance(arg, ast.TagPath):
            self._path(arg, value_position=False)
            if call.name == "retainPrivateTags":
                self._private_only(arg, call)
            if kind is ArgKind.PATH_STRING:
                self.report(
                    _WARN,
                    "W312",
                    f"{call.name} ignores tag paths that are not written as strings: this "
                    "argument does nothing",
                    arg.span,
                    f'write it as a string: "{arg.text()}"',
                )
        elif isinstance(arg, ast.String):
            self._string_argument(arg, kind, call, raw=False)
        elif isinstance(arg, ast.Number) and kind is ArgKind.INTEGER and not arg.is_integer:
            self.report(
                _ERR,
                "E207",
                f"{call.name} needs an integer here, got {arg.text}: XNAT fails at run time",
                arg.span,
            )

    def _string_argument(self, arg: ast.String, kind: ArgKind, call: ast.Call, *, raw: bool) -> None:
        text = arg.raw if raw else arg.value
        if kind is ArgKind.INTEGER and not re.fullmatch(r"-?[0-9]+", text):
            self.report(
                _ERR,
                "E207",
                f"{call.name} needs an integer here, got {text!r}: XNAT fails at run time",
                arg.span,
            )
        elif kind in (ArgKind.TAGPATHS, ArgKind.PATH_STRING):
            parsed = parse_tag_path(text)
            if parsed is None:
                self.report(
                    _ERR,
                    "E209",
                    f"{call.name}: {text!r} is not a valid tag path; XNAT fails with 'Argument "
                    "is not a valid tagPath'",
                    arg.span,
                    'write a DicomEdit tag path such as "(0008,0020)" or "*/(0008,1155)"',
                )
            elif call.name == "retainPrivateTags":
                self._private_only(parsed, call, arg.span)
        elif kind is ArgKind.DIRECT_PATH:
            self._direct_notation(text, arg.span, call)

    def _private_only(self, path: ast.TagPath, call: ast.Call, span: Span | None = None) -> None:
        last = path.last_tag
        if last is None or not last.is_private:
            self.report(
                _ERR,
                "E208",
                f"{call.name} takes only private tag paths; XNAT fails with 'TagPath argument in "
                f"retainPrivateTags is not private' for {path.text()}",
                span or path.span,
                "name private elements as (gggg,{CREATOR}ee)",
            )

    def _direct_notation(self, text: str, span: Span, call: ast.Call) -> None:
        try:
            steps = parse_direct(text)
        except DirectNotationError as e:
            self.report(
                _ERR,
                "E211",
                f"{call.name}: {text!r} is not a direct-notation tag path: {e}",
                span,
                'write literal tags with item numbers, e.g. "(0008,1110)[0]/(0008,1155)"',
            )
            return
        if any(step.item is None for step in steps[:-1]):
            self.report(
                _WARN,
                "W325",
                f"{call.name}: a sequence step in {text!r} has no item number; XNAT builds a "
                "malformed path from it",
                span,
                "write the item number after every sequence, e.g. (0008,1110)[0]",
            )


def _constant_hint(name: str) -> str | None:
    if name in ("true", "false"):
        return f'{name} is a variable name here; write the function {name}[] or the string "{name}"'
    return None


def _always_rejects(st: ast.Statement) -> bool:
    if not isinstance(st, ast.CallStatement) or st.call.name != "reject":
        return False
    args = st.call.args
    return not args or (isinstance(args[0], ast.String) and args[0].value.lower() == "true")
