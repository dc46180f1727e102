"""What a compiled script can touch, worked out once before it runs on any object.

Most statements of an anonymization script name one attribute that most objects do not hold:
``-*/(0040,A124)``, ``*/(0008,0050) ?= ""``, ``hashUIDList[*/(0020,000D), …]``.  Such a statement
can only act on an element whose concrete path contains the 8 hex digits of its last tag (spec
§6.2: the pattern ends with that literal tag, and ``CompiledPath`` tests exactly that before any
regex), and when it cannot act it has no other effect: no error, no warning, no change.

So consecutive statements of that kind are grouped into a *guarded run*: when the object is
reached, the tags present anywhere in it (``walker.present_tags``) are intersected with the
run's tags, and only the statements that name a present tag run, in their original order.  The
other statements are skipped, which is exactly what running them would have done.  A run stays
sound while it executes because its statements never add an element or change what a concrete
path looks like: they delete elements, or overwrite values of public elements other than the
character set.

The plan also says whether the script edits pixels (then files take the general path, since
the pixel data are decoded and re-encoded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..functions import registry
from ..syntax import ast
from .errors import EvaluationError
from .tagpath import CompiledPath, TagPattern, parse_direct

SPECIFIC_CHARACTER_SET = 0x00080005

# Built-ins that, given literal tag paths, only delete or rewrite the matching elements.
_GUARDABLE_CALLS = frozenset({"removeTags", "hashUIDList"})


@dataclass(frozen=True, slots=True)
class GuardedRun:
    """Consecutive statements that do nothing unless the object holds one of their tags."""

    statements: tuple[ast.Statement, ...]
    needles: frozenset[int]  # the literal tags they name
    by_needle: dict[int, tuple[int, ...]] = field(compare=False)  # literal tag → positions
    patterns: tuple[tuple[int, TagPattern], ...] = ()  # (position, tag with wildcard digits)

    def to_run(self, present: frozenset[int] | None) -> list[ast.Statement]:
        """The statements that may act on an object holding ``present`` (None: unknown)."""
        if present is None:
            return list(self.statements)
        positions = {p for tag in self.needles & present for p in self.by_needle[tag]}
        for position, (mask, value) in self.patterns:
            if position not in positions and any(t & mask == value for t in present):
                positions.add(position)
        return [self.statements[p] for p in sorted(positions)]


Step = ast.Statement | GuardedRun


@dataclass(slots=True)
class Plan:
    """The statement lists of a script with their guarded runs, and what the script needs."""

    programs: dict[int, tuple[Step, ...]]  # id of a statement tuple → its steps
    edits_pixels: bool
    reads_pixel_data: bool = True  # whether some statement may need the bytes of (7FE0,0010)

    def program(self, statements: tuple[ast.Statement, ...]) -> tuple[Step, ...]:
        found = self.programs.get(id(statements))
        return found if found is not None else tuple(statements)


def make_plan(script: ast.Script, paths: dict[int, CompiledPath]) -> Plan:
    """``paths`` maps the identity of every tag-path node of ``script`` to its compiled form."""
    programs: dict[int, tuple[Step, ...]] = {}

    def plan_block(statements: tuple[ast.Statement, ...]) -> None:
        programs[id(statements)] = _steps(statements, paths)
        for st in statements:
            if isinstance(st, ast.If):
                for branch in st.branches:
                    plan_block(branch.body)
                if st.orelse is not None:
                    plan_block(st.orelse)

    plan_block(script.statements)
    edits_pixels = any(
        isinstance(sub, ast.Call) and sub.name == "alterPixels"
        for st in ast.iter_statements(script.statements)
        for expr in ast.own_expressions(st)
        for sub in ast.iter_exprs(expr)
    )
    return Plan(programs, edits_pixels, _reads_pixel_data(script, paths))


def _steps(statements: tuple[ast.Statement, ...], paths: dict[int, CompiledPath]) -> tuple[Step, ...]:
    steps: list[Step] = []
    run: list[tuple[ast.Statement, frozenset[TagPattern]]] = []

    def close() -> None:
        if len(run) == 1:
            steps.append(run[0][0])
        elif run:
            by_needle: dict[int, list[int]] = {}
            patterns: list[tuple[int, TagPattern]] = []
            for position, (_, needles) in enumerate(run):
                for needle in needles:
                    if needle.literal:
                        by_needle.setdefault(needle.value, []).append(position)
                    else:
                        patterns.append((position, needle))
            steps.append(
                GuardedRun(
                    tuple(st for st, _ in run),
                    frozenset(by_needle),
                    {tag: tuple(p) for tag, p in by_needle.items()},
                    tuple(patterns),
                )
            )
        run.clear()

    for st in statements:
        needles = guard(st, paths)
        if needles is None:
            close()
            steps.append(st)
        else:
            run.append((st, needles))
    close()
    return tuple(steps)


def guard(st: ast.Statement, paths: dict[int, CompiledPath]) -> frozenset[TagPattern] | None:
    """The tags one of which must be present for ``st`` to do anything, or None when ``st`` may
    act (or fail, or warn) whatever the object holds."""
    if isinstance(st, ast.Delete):
        return _needles([st.target], paths)
    if isinstance(st, ast.AssignIfExists) and isinstance(st.value, ast.String | ast.Number):
        return _needles([st.target], paths)
    if isinstance(st, ast.CallStatement) and st.call.name in _GUARDABLE_CALLS:
        spec = registry.spec(st.call.name)  # both are implemented (tests/test_engine.py)
        if spec is None:
            return None
        targets = _literal_paths(st.call.args)
        if targets is None or not spec.min_args <= len(st.call.args):
            return None
        if spec.max_args is not None and len(st.call.args) > spec.max_args:
            return None
        return _needles(targets, paths)
    return None


def _literal_paths(args: tuple[ast.Expr, ...]) -> list[ast.TagPath] | None:
    """The tag paths of arguments that are tag paths or lists of them; None for anything else."""
    found: list[ast.TagPath] = []
    for arg in args:
        if isinstance(arg, ast.TagPath):
            found.append(arg)
        elif isinstance(arg, ast.ListLiteral):
            inner = _literal_paths(arg.items)
            if inner is None:
                return None
            found.extend(inner)
        else:
            return None
    return found if found else None


def _needles(targets: list[ast.TagPath], paths: dict[int, CompiledPath]) -> frozenset[TagPattern] | None:
    needles: set[TagPattern] = set()
    for target in targets:
        compiled = paths.get(id(target))
        needle = compiled.last_tag if compiled is not None else None
        if needle is None or needle.matches(SPECIFIC_CHARACTER_SET):
            return None  # changing the character set changes how creators read
        needles.add(needle)
    return frozenset(needles)


# Functions whose results depend on what the run saw before, and their prefix argument.
_MEMO_FUNCTIONS = {"mapUID": 1, "mapReferencedUIDs": 0}


def shared_state_problem(script: ast.Script) -> str | None:
    """Why ``script`` would not give the same results when its files are split between
    processes, or None.

    ``mapUID`` and ``mapReferencedUIDs`` remember the UID they gave each value for the whole
    run.  Processes agree on those UIDs because each is derived from the value and the run's
    secret (``uid.keyed_uid``), but the prefix is the one of the first call for a value: every
    call of a function must therefore give the same literal prefix.
    """
    seen: dict[str, set[str]] = {}
    for st in ast.iter_statements(script.statements):
        for expr in ast.own_expressions(st):
            for call in ast.iter_exprs(expr):
                if not isinstance(call, ast.Call) or call.name not in _MEMO_FUNCTIONS:
                    continue
                index = _MEMO_FUNCTIONS[call.name]
                prefix = call.args[index] if len(call.args) > index else None
                line = call.span.line
                if not isinstance(prefix, ast.String):
                    return (
                        f"{call.name} on line {line} is not given its UID prefix as a literal string: "
                        "the processes of a parallel run could map one value to different UIDs. "
                        "Write the prefix as a string, or run with --jobs 1"
                    )
                seen.setdefault(call.name, set()).add(prefix.value)
    for name, prefixes in seen.items():
        if len(prefixes) > 1:
            shown = ", ".join(sorted(prefixes))
            return (
                f"{name} is called with several prefixes ({shown}): which one a value gets would depend "
                "on the process that met it first. Use one prefix, or run with --jobs 1"
            )
    return None


PIXEL_DATA = 0x7FE00010
# Built-ins whose tag-path arguments are only located or deleted, never read.
_PATHS_NOT_READ = frozenset({"removeTags", "isPresent", "delete"})
_PATH_KINDS = frozenset(
    {
        registry.ArgKind.TAGPATHS,
        registry.ArgKind.PATH_STRING,
        registry.ArgKind.KNOWN_VALUES,
        registry.ArgKind.DIRECT_PATH,
    }
)


def _reads_pixel_data(script: ast.Script, paths: dict[int, CompiledPath]) -> bool:
    """Whether running ``script`` may need the bytes of the pixel data, so that they must be read
    with the rest of the file.  Deleting an element needs no bytes; reading it, assigning to it
    (the old value is compared with the new) or hashing it does; so does blankValues (it compares
    every element), and so does a tag path computed at run time."""
    for st in ast.iter_statements(script.statements):
        reading: list[ast.Expr] = list(ast.own_expressions(st))
        if isinstance(st, ast.Assign | ast.AssignIfExists):
            reading.append(st.target)
        if any(_reads_pixels(expr, paths) for expr in reading):
            return True
    return False


def _reads_pixels(expr: ast.Expr, paths: dict[int, CompiledPath]) -> bool:
    if isinstance(expr, ast.TagPath):
        return _may_name_pixels(paths.get(id(expr)))
    if isinstance(expr, ast.ListLiteral):
        return any(_reads_pixels(item, paths) for item in expr.items)
    if not isinstance(expr, ast.Call):
        return False
    if expr.name == "blankValues":
        return True
    spec = registry.spec(expr.name)
    for index, arg in enumerate(expr.args):
        if isinstance(arg, ast.Call) and _reads_pixels(arg, paths):
            return True
        if spec is None or spec.arg_kind(index) not in _PATH_KINDS:
            if isinstance(arg, ast.TagPath | ast.ListLiteral) and _reads_pixels(arg, paths):
                return True
            continue
        if expr.name not in _PATHS_NOT_READ and _names_pixels(arg, paths):
            return True
    return False


def _names_pixels(arg: ast.Expr, paths: dict[int, CompiledPath]) -> bool:
    """Whether an argument standing for tag paths may name the pixel data."""
    if isinstance(arg, ast.TagPath):
        return _may_name_pixels(paths.get(id(arg)))
    if isinstance(arg, ast.ListLiteral):
        return any(_names_pixels(item, paths) for item in arg.items)
    if isinstance(arg, ast.String):
        from .script import parse_path_string  # script builds plans: imported when first needed

        text = arg.value
        if _may_name_pixels(parse_path_string(text)):
            return True
        try:
            return parse_direct(text).steps[-1].tag == PIXEL_DATA
        except EvaluationError:
            return False
    return not isinstance(arg, ast.Number)  # a variable or a call: known only at run time


def _may_name_pixels(path: CompiledPath | None) -> bool:
    if path is None:
        return False  # not a tag path: the function ignores it or fails
    tag = path.last_tag
    return tag is None or tag.matches(PIXEL_DATA)
