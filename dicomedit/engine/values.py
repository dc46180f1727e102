"""Runtime values of the DicomEdit language and their Java-style conversions (spec §4.1).

A value is a plain Python object: ``str``, ``bool``, a ``list`` of values, a tag path passed as a
function argument (``PathArg``), ``None`` (Java null: an absent tag, a lookup miss) or ``VOID``,
the result of a function called for its side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias

from .errors import EvaluationError, literal

if TYPE_CHECKING:
    from .tagpath import CompiledPath


class _Void:
    """The result of a side-effect function; assigning or echoing it is an error."""

    _instance: _Void | None = None

    def __new__(cls) -> _Void:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "VOID"


VOID: Final = _Void()


@dataclass(frozen=True, slots=True)
class PathArg:
    """A tag path given as a function argument: each function decides what to do with it."""

    path: CompiledPath


Value: TypeAlias = "str | bool | list[Value] | PathArg | _Void | None"


def as_string(value: Value) -> str | None:
    """Java ``toString``: booleans are ``true``/``false``, lists ``[a, b]``, tag paths their text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, PathArg):
        return value.path.text
    if isinstance(value, list):
        return "[" + ", ".join(str(as_string(v)) for v in value) + "]"
    return "VOID"


def as_boolean(value: Value) -> bool | None:
    """Java ``Boolean.valueOf``: true only for a case-insensitive ``true``."""
    if value is None or isinstance(value, bool):
        return value
    text = as_string(value)
    return text is not None and text.lower() == "true"


def as_integer(value: Value, what: str) -> int:
    """Java ``Integer.valueOf``: an optional sign and decimal digits, nothing else."""
    text = as_string(value)
    if text is not None:
        body = text[1:] if text[:1] in "+-" else text
        if body.isascii() and body.isdigit():
            number = int(text)
            if -(2**31) <= number < 2**31:
                return number
    raise EvaluationError.quoting(literal(what) + ': For input string: "{0}" is not an integer', text)


def flatten(values: list[Value]) -> list[Value]:
    """Nested lists flattened into one list (function arguments, spec §7)."""
    out: list[Value] = []
    for v in values:
        if isinstance(v, list):
            out.extend(flatten(v))
        else:
            out.append(v)
    return out
