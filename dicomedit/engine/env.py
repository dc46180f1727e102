"""What a built-in function sees while it runs: the object, the run context, argument helpers.

The argument conventions are those of XNAT's ``BaseFunction`` (spec §7): *value-like*
arguments, *tag-path lists* (tag paths or strings holding one, lists flattened) and
*known values* (literal strings plus the values of every element matching a tag path).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import operations as ops
from .context import RunContext
from .dicomobject import DicomObject
from .elements import read_string
from .errors import EvaluationError
from .tagpath import CompiledPath
from .values import PathArg, Value, as_string, flatten
from .walker import Node


@dataclass(slots=True)
class Env:
    obj: DicomObject
    context: RunContext
    parse_path: Callable[[str], CompiledPath | None]  # a DE6 tag path written in a string
    warnings: list[str] = field(default_factory=list)
    echoed: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def echo(self, line: str) -> None:
        self.echoed.append(line)
        if self.context.echo is not None:
            self.context.echo(line)

    # -- argument conventions ---------------------------------------------------------------------
    def value(self, arg: Value) -> str | None:
        """A value-like argument: a tag path is read (None when absent), anything else a string."""
        if isinstance(arg, PathArg):
            return ops.read(self.obj, arg.path)
        return as_string(arg)

    def required(self, arg: Value, function: str) -> str:
        text = self.value(arg)
        if text is None:
            raise EvaluationError(f"Unable to convert value in {function}. Value is null.", _where(arg))
        return text

    def tag_paths(self, args: list[Value], function: str) -> list[CompiledPath]:
        """Tag paths or strings holding DE6 tag paths, lists flattened; anything else fails."""
        out: list[CompiledPath] = []
        for arg in flatten(args):
            if isinstance(arg, PathArg):
                out.append(arg.path)
            elif isinstance(arg, str):
                path = self.parse_path(arg)
                if path is None:
                    raise EvaluationError.quoting(f"{function}: Argument {{0}} is not a valid tagPath", arg)
                out.append(path)
            else:
                raise EvaluationError.quoting(
                    f"{function}: Arguments must be tagpaths, got {{0}}", as_string(arg)
                )
        return out

    def path_strings(self, args: list[Value], function: str) -> list[CompiledPath]:
        """Tag paths given as strings; a bare tag path is ignored, as XNAT does (spec §7)."""
        out: list[CompiledPath] = []
        for number, arg in enumerate(flatten(args), 1):
            text = arg if isinstance(arg, str) else None
            path = self.parse_path(text) if text is not None else None
            if path is None:
                # a string may be a value read from the data: it is not quoted
                shown = arg.path.display if isinstance(arg, PathArg) else f"number {number}"
                self.warn(
                    f"{function} ignored the argument {shown}: it takes tag paths written as strings, "
                    f'e.g. "*/(0010,0030)" (XNAT silently ignores it too, spec §7)'
                )
                continue
            out.append(path)
        return out

    def known_values(self, args: list[Value]) -> list[str]:
        """Literal strings first, then the values of every leaf matching a tag-path argument."""
        literals: list[str] = []
        paths: list[CompiledPath] = []
        for arg in flatten(args):
            if isinstance(arg, PathArg):
                paths.append(arg.path)
            else:
                text = as_string(arg)
                if text is not None:
                    literals.append(text)
        found = [node_value(self.obj, node) for node in ops.matching_leaves(self.obj, paths)]
        return literals + found


def node_value(obj: DicomObject, node: Node) -> str:
    return read_string(node.element(), node.charset, node.creator)


def _where(arg: Value) -> str | None:
    return arg.path.display if isinstance(arg, PathArg) else None
