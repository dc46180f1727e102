"""Executes the statements of a script on one object (spec §4, §5).

Statements run top to bottom; an ``EvaluationError`` stops the script (XNAT's error result)
and ``Rejected`` ends it with a reject result.  Variables are global to the run and start
empty for every object (spec §4.3, §14.5); host variables are supplied only for the names
XNAT would recognise as external.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..functions import registry
from ..functions.privatetags import remove_all_private_tags
from ..releases import SUPPORTED_VERSIONS
from ..syntax import ast
from . import operations as ops
from .env import Env
from .errors import EvaluationError
from .javaregex import compile_java
from .plan import GuardedRun, Plan
from .tagpath import CompiledPath
from .values import VOID, PathArg, Value, as_string
from .walker import present_tags


class Interpreter:
    """One run of a compiled script over one object."""

    def __init__(
        self,
        paths: Mapping[ast.TagPath, CompiledPath],
        external: frozenset[str],
        env: Env,
        host_variables: Mapping[str, str | None],
        by_id: Mapping[int, CompiledPath] | None = None,
        plan: Plan | None = None,
    ) -> None:
        self.paths = paths
        self.plan = plan
        self._by_id = by_id if by_id is not None else {id(node): path for node, path in paths.items()}
        self.env = env
        self.obj = env.obj
        self.line: int | None = None
        self.variables: dict[str, Value] = {
            name: value for name, value in host_variables.items() if name in external and value is not None
        }

    def path(self, node: ast.TagPath) -> CompiledPath:
        found = self._by_id.get(id(node))
        return found if found is not None else self.paths[node]

    # -- statements ---------------------------------------------------------------------------
    def execute(self, statements: tuple[ast.Statement, ...]) -> None:
        if self.plan is None:
            for st in statements:
                self.statement(st)
            return
        for step in self.plan.program(statements):
            if isinstance(step, GuardedRun):
                for st in step.to_run(present_tags(self.obj)):
                    self.statement(st)
            else:
                self.statement(step)

    def statement(self, st: ast.Statement) -> None:
        if st.span.line:
            self.line = st.span.line
        if isinstance(st, ast.Assign):
            self._assign(st)
        elif isinstance(st, ast.AssignIfExists):
            value = self.value(st.value)
            text = self._assignable(value)
            if text is not None:
                ops.assign_if_exists(self.obj, self.path(st.target), text)
        elif isinstance(st, ast.Initialize):
            value = self.value(st.value)
            if value is VOID:
                raise EvaluationError("Assigned value is VOID.")
            self.variables[st.name] = value
        elif isinstance(st, ast.Delete):
            self._delete(self.path(st.target))
        elif isinstance(st, ast.CallStatement):
            self.call(st.call)
        elif isinstance(st, ast.Echo):
            self._echo(st)
        elif isinstance(st, ast.Ternary):
            if self.condition(st.condition):
                self.statement(st.then)
            elif st.otherwise is not None:
                self.statement(st.otherwise)
        elif isinstance(st, ast.If):
            self._if(st)
        elif isinstance(st, ast.Version):
            self._version(st)
        elif isinstance(st, ast.RemoveAllPrivateTags):
            remove_all_private_tags(self.env)
        # describe and export are metadata for upload clients: nothing happens (spec §4.3)

    def _assign(self, st: ast.Assign) -> None:
        value = self.value(st.value)  # the value is evaluated first (spec §5)
        target = self.path(st.target)
        text = self._assignable(value)
        if not target.singular:
            raise EvaluationError(ops.MULTIPLE_TARGETS.format(target.text), target.display)
        if text is None:
            if isinstance(st.value, ast.TagPath):
                self.env.warn(
                    f"line {self.line}: {st.value.text()} is absent, so '{target.display} := …' did "
                    "nothing; XNAT does the same (DE-47: DicomEdit 4 wrote an empty value)"
                )
            return
        ops.assign(self.obj, target, text)

    @staticmethod
    def _assignable(value: Value) -> str | None:
        if value is VOID:
            raise EvaluationError("Assigned value is VOID.")
        return as_string(value)

    def _delete(self, target: CompiledPath) -> None:
        context = self.env.context
        keep = context.newer("delete-item-keeps-empty-item")
        creators = context.newer("delete-keeps-private-creators")
        report = ops.delete(self.obj, target, keep_emptied_items=keep, keep_creators=creators)
        if report.emptied_items and keep:
            self.env.warn(
                f"line {self.line}: -{target.display} emptied {', '.join(report.emptied_items)} but, as "
                "XNAT does, kept the empty item in its sequence (DE-91)"
            )

    def _echo(self, st: ast.Echo) -> None:
        if st.value is None:
            raise EvaluationError("echo needs a value (XNAT fails on a bare echo)")
        value = self.value(st.value)
        if value is VOID:
            raise EvaluationError("Assigned value is VOID.")
        text = as_string(value)
        self.env.echo("null" if text is None else text)

    def _if(self, st: ast.If) -> None:
        for branch in st.branches:
            if self.condition(branch.condition):
                self.execute(branch.body)
                return
        if st.orelse is not None:
            self.execute(st.orelse)

    def _version(self, st: ast.Version) -> None:
        version = st.value.value
        if version not in SUPPORTED_VERSIONS:
            raise EvaluationError(
                f"Unsupported version: {version}. Supported versions are [{', '.join(SUPPORTED_VERSIONS)}]"
            )

    # -- conditions (spec §4.4) ---------------------------------------------------------------------
    def condition(self, cond: ast.Condition) -> bool:
        if isinstance(cond, ast.Call):
            result = self.call(cond)
            if isinstance(result, bool):
                return result
            if result is None:
                raise EvaluationError(f"{cond.name}[...] returned null where a condition was expected")
            return (as_string(result) or "").lower() == "true"
        left = as_string(self.value(cond.left))
        right = as_string(self.value(cond.right))
        if cond.op == "=":
            return left is not None and left == right
        if cond.op == "!=":
            return left is None or left != right
        if right is None:
            raise EvaluationError("A regular expression cannot be null")
        matched = left is not None and compile_java(right).fullmatch(left) is not None
        return matched if cond.op == "~" else not matched

    # -- expressions (spec §4.2) --------------------------------------------------------------------
    def value(self, expr: ast.Expr) -> Value:
        """An expression in value position: a tag path is read."""
        if isinstance(expr, ast.TagPath):
            return ops.read(self.obj, self.path(expr))
        if isinstance(expr, ast.Variable):
            if expr.name not in self.variables:
                raise EvaluationError(f"Unknown variable: {expr.name}")
            return self.variables[expr.name]
        return self._common(expr)

    def argument(self, expr: ast.Expr) -> Value:
        """An expression in argument position: a tag path is passed as it is."""
        if isinstance(expr, ast.TagPath):
            return PathArg(self.path(expr))
        if isinstance(expr, ast.Variable):
            if expr.name not in self.variables:
                raise EvaluationError(
                    f"NullPointerException: variable {expr.name} has no value. XNAT supplies host "
                    "variables only when the script reads them outside function arguments (spec §4.3)"
                )
            return self.variables[expr.name]
        return self._common(expr)

    def _common(self, expr: ast.Expr) -> Value:
        if isinstance(expr, ast.String):
            return expr.value
        if isinstance(expr, ast.Number):
            return expr.text
        if isinstance(expr, ast.Call):
            return self.call(expr)
        if isinstance(expr, ast.ListLiteral):
            return [item.raw if isinstance(item, ast.String) else self.argument(item) for item in expr.items]
        raise AssertionError(f"unexpected expression {expr!r}")

    def call(self, call: ast.Call) -> Value:
        spec = registry.spec(call.name)
        impl = registry.implementation(call.name)
        if spec is None or impl is None:
            raise EvaluationError(f"Failed to find function: {call.name}")
        args = [self.argument(a) for a in call.args]
        n = len(args)
        too_many = spec.max_args is not None and n > spec.max_args and spec.extra is registry.Extra.ERROR
        if n < spec.min_args or too_many:
            raise EvaluationError(f"{call.name} takes {spec.arity_text()}, got {n}")
        value: Value = impl(self.env, args)
        return value
