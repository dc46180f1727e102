"""``compile``: a checked script, its tag paths compiled once, ready to run on many objects."""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import collector
from ..check import check
from ..diagnostics import Diagnostic, render_text
from ..errors import ScriptError
from ..quiet import quiet_pydicom
from ..releases import Release
from ..syntax import ast
from ..syntax.parser import parse
from .context import RunContext
from .errors import EvaluationError, Rejected
from .outcome import Outcome, Status
from .plan import Plan, make_plan
from .table import TablePlan, table_plan
from .tagpath import CompiledPath, compile_path

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from .env import Env


def _all_paths(script: ast.Script) -> list[ast.TagPath]:
    found: list[ast.TagPath] = []

    def expr(e: ast.Expr) -> None:
        for sub in ast.iter_exprs(e):
            if isinstance(sub, ast.TagPath):
                found.append(sub)

    def condition(c: ast.Condition) -> None:
        if isinstance(c, ast.Comparison):
            expr(c.left)
            expr(c.right)
        else:
            expr(c)

    for st in ast.iter_statements(script.statements):
        if isinstance(st, ast.Assign | ast.AssignIfExists):
            found.append(st.target)
            expr(st.value)
        elif isinstance(st, ast.Delete):
            found.append(st.target)
        elif isinstance(st, ast.Initialize):
            expr(st.value)
        elif isinstance(st, ast.CallStatement):
            expr(st.call)
        elif isinstance(st, ast.Echo) and st.value is not None:
            expr(st.value)
        elif isinstance(st, ast.Ternary):
            condition(st.condition)
        elif isinstance(st, ast.If):
            for branch in st.branches:
                condition(branch.condition)
    return found


def external_variables(script: ast.Script, *, described: bool = True) -> frozenset[str]:
    """Names XNAT sets from the host: read in value position before any assignment (spec §4.3).

    Like XNAT's discovery, this does not look inside function arguments; ``describe`` with
    ``hidden``/``const``/``immutable`` also registers a name (unless not ``described``: the
    names a run needs values for are those that are read).
    """
    assigned: set[str] = set()
    external: set[str] = set()

    def reads(e: ast.Expr) -> None:
        if isinstance(e, ast.Variable):
            if e.name not in assigned:
                external.add(e.name)
        elif isinstance(e, ast.ListLiteral):
            for item in e.items:
                reads(item)

    def condition(c: ast.Condition) -> None:
        if isinstance(c, ast.Comparison):
            reads(c.left)
            reads(c.right)

    for st in ast.iter_statements(script.statements):
        if isinstance(st, ast.Assign | ast.AssignIfExists | ast.Echo):
            if st.value is not None:
                reads(st.value)
        elif isinstance(st, ast.Initialize):
            reads(st.value)
            assigned.add(st.name)
        elif isinstance(st, ast.Ternary):
            condition(st.condition)
        elif isinstance(st, ast.If):
            for branch in st.branches:
                condition(branch.condition)
        elif isinstance(st, ast.Describe) and st.kind != "text" and described:
            external.add(st.name)
    return frozenset(external)


@dataclass(slots=True)
class CompiledScript:
    """A script ready to run.  Thread-safe: ``apply`` keeps no state between objects."""

    script: ast.Script
    diagnostics: tuple[Diagnostic, ...] = ()
    paths: dict[ast.TagPath, CompiledPath] = field(default_factory=dict)
    external: frozenset[str] = frozenset()
    _string_paths: dict[str, CompiledPath | None] = field(default_factory=dict, repr=False)
    # every tag-path node of the script by identity: hashing a path by value costs more than
    # most statements do
    _by_id: dict[int, CompiledPath] = field(default_factory=dict, repr=False)
    plan: Plan = field(init=False, repr=False)
    # the script as per-element edits, when it is one (``engine.table``); None otherwise
    table: TablePlan | None = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self._by_id:
            self._by_id.update(_paths_by_id(self.script, self.paths))
        self.plan = make_plan(self.script, self._by_id)
        self.table = table_plan(self.script, self._by_id, self.external)

    @property
    def path(self) -> str | None:
        return self.script.path

    @property
    def required_variables(self) -> frozenset[str]:
        """The variables the script reads before assigning them: without a value for each (XNAT
        supplies ``project``, ``subject`` and ``session``) a run fails on every object that
        reaches the read."""
        return external_variables(self.script, described=False)

    def path_from_string(self, text: str) -> CompiledPath | None:
        """A DE6 tag path written in a string argument, e.g. ``"*/(0010,0030)"`` (spec §7)."""
        with self._lock:
            if text not in self._string_paths:
                self._string_paths[text] = parse_path_string(text)
            return self._string_paths[text]

    def apply(
        self,
        dataset: Dataset,
        variables: Mapping[str, str | None] | None = None,
        *,
        in_place: bool = False,
        run: RunContext | None = None,
    ) -> Outcome:
        """Run the script on ``dataset`` as XNAT would.

        ``variables`` are the host variables (``project``, ``subject``, ``session`` and any
        other).  The input is not modified unless ``in_place`` is set; with ``in_place`` an
        ERROR or REJECTED outcome may leave it partly edited (XNAT works on a copy, so callers
        that need the original should not use ``in_place``).  ``run`` carries what lives for a
        whole batch (UID maps, lookup tables, network permission); a fresh one is used if None.
        """
        # what runs a script on a dataset, imported with pydicom on the first run
        from ..functions import builtins  # noqa: F401  (registers the implementations)
        from .dicomobject import DicomObject, sync_file_meta
        from .env import Env
        from .interpreter import Interpreter

        target = dataset if in_place else copy.deepcopy(dataset)
        obj = DicomObject(target)
        env = Env(obj, run if run is not None else RunContext(), self.path_from_string)
        interpreter = Interpreter(self.paths, self.external, env, variables or {}, self._by_id, self.plan)
        try:
            # pydicom warns about odd data it decodes anyway; outcomes carry what matters
            with quiet_pydicom():
                charset = _charset_text(target)
                interpreter.execute(self.script.statements)
                sync_file_meta(obj)
                _warn_about_result(env, target, charset)
        except Rejected as e:
            return self._outcome(Status.REJECTED, env, message=e.message, line=interpreter.line)
        except EvaluationError as e:
            return self._outcome(
                Status.ERROR,
                env,
                message=e.message,
                safe_message=e.safe_message,
                tag_path=e.tag_path,
                line=interpreter.line,
            )
        except Exception as e:  # malformed data pydicom cannot decode, and the like
            return self._outcome(
                Status.ERROR,
                env,
                message=f"unexpected failure: {type(e).__name__}: {e}",
                safe_message=f"unexpected failure: {type(e).__name__} (details may quote values)",
                line=interpreter.line,
            )
        status = Status.MODIFIED if obj.modified else Status.UNCHANGED
        return self._outcome(status, env, dataset=target)

    @staticmethod
    def _outcome(
        status: Status,
        env: Env,
        *,
        dataset: Dataset | None = None,
        message: str | None = None,
        safe_message: str | None = None,
        tag_path: str | None = None,
        line: int | None = None,
    ) -> Outcome:
        warnings = [*env.warnings, *(f"note: {n}" for n in env.obj.notes)]
        safe = message if safe_message is None else safe_message
        return Outcome(status, dataset, message, tag_path, line, tuple(warnings), tuple(env.echoed), safe)


_SPECIFIC_CHARACTER_SET = 0x00080005
_ITEM_TAG = b"\xfe\xff\x00\xe0"  # (FFFE,E000), little endian


def _charset_text(ds: Dataset) -> str | None:
    from .elements import members, read_string

    elem = members(ds).get(_SPECIFIC_CHARACTER_SET)
    return None if elem is None else read_string(elem, ())


def _warn_about_result(env: Env, ds: Dataset, charset_before: str | None) -> None:
    """What the output holds that the script may not mean: text whose bytes now read with
    another character set, and sequences hidden in UN elements that tag paths cannot reach."""
    from .elements import members, tag_text

    charset = _charset_text(ds)
    if charset != charset_before:
        env.warn(
            f"the script changed (0008,0005) from {charset_before or 'the default'!r} to "
            f"{charset or 'the default'!r}: text it did not write keeps its bytes, as in XNAT, "
            "and is now read with the new character set"
        )
    for tag, elem in members(ds).items():
        if elem.VR == "UN" and isinstance(elem.value, bytes) and elem.value[:4] == _ITEM_TAG:
            env.warn(
                f"{tag_text(tag)} is UN but holds a sequence: tag paths cannot reach into it, so "
                "nothing inside it was edited (it is kept as bytes, as XNAT keeps it); "
                "delete it or remove private tags if it may hold patient data"
            )


def _paths_by_id(script: ast.Script, paths: Mapping[ast.TagPath, CompiledPath]) -> dict[int, CompiledPath]:
    return {id(node): paths[node] for node in _all_paths(script) if node in paths}


def parse_path_string(text: str) -> CompiledPath | None:
    parsed = parse(f"-{text}\n")
    statements = parsed.script.statements
    if parsed.diagnostics and any(d.is_error for d in parsed.diagnostics):
        return None
    if len(statements) != 1 or not isinstance(statements[0], ast.Delete):
        return None
    return compile_path(statements[0].target)


def compile(
    source: str | ast.Script,
    path: str | None = None,
    *,
    strict: bool = True,
    xnat: str | Release | None = None,
) -> CompiledScript:
    """Check ``source`` and prepare it to run; raise ``ScriptError`` if it has errors.

    ``xnat`` is the release that will run the script (default: the newest known): a construct
    or function that release cannot run is an error.  With ``strict=False`` only syntax errors
    are refused: problems that XNAT discovers while running (a wildcard ``:=`` target, an
    unknown function…) become ERROR outcomes with XNAT's message, which is what an offline copy
    of XNAT must reproduce.  An ``ast.Script`` is taken as already checked.
    """
    if isinstance(source, ast.Script):
        script = source
        diagnostics: tuple[Diagnostic, ...] = ()
    else:
        if strict:
            result = check(source, path, xnat=xnat)
            script, diagnostics, errors = result.script, result.diagnostics, result.errors
        else:
            parsed = parse(source, path)
            script, diagnostics = parsed.script, parsed.diagnostics
            errors = tuple(d for d in diagnostics if d.is_error)
        if errors:
            shown = render_text(errors, {path or "<script>": source} if path else None, show_source=False)
            where = path or "the script"
            raise ScriptError(f"{where} has {len(errors)} error(s):\n{shown}", errors)
    with collector.paused():
        nodes = _all_paths(script)
        paths: dict[ast.TagPath, CompiledPath] = {}
        by_id: dict[int, CompiledPath] = {}
        for node in nodes:
            compiled = paths.get(node)
            if compiled is None:
                compiled = paths[node] = compile_path(node)
            by_id[id(node)] = compiled
        return CompiledScript(script, diagnostics, paths, external_variables(script), _by_id=by_id)
