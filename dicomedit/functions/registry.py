"""The one table of DicomEdit 6 built-in functions (spec §7).

The checker reads names, arities and argument kinds from here; the engine attaches an
implementation to each entry (``implements``) and dispatches through the same table, so the two
can never disagree about what exists.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Extra(enum.Enum):
    """What XNAT does with arguments beyond ``max_args``."""

    ERROR = "error"  # the function fails at run time
    IGNORED = "ignored"  # silently ignored


class ArgKind(enum.Enum):
    VALUE = "value"  # value-like: a tag path is read, anything else converted to a string
    TAGPATHS = "tagpaths"  # tag paths, strings holding tag paths, lists of them (flattened)
    KNOWN_VALUES = "known-values"  # literal strings and tag paths whose values are collected
    PATH_STRING = "path-string"  # a string holding a DE6 tag path (bare tag paths are ignored)
    DIRECT_PATH = "direct-path"  # a string in direct notation, e.g. "(0008,1110)[0]/(0008,1155)"
    INTEGER = "integer"  # Integer.valueOf(text)
    BOOLEAN = "boolean"
    STRING = "string"


class Returns(enum.Enum):
    VALUE = "value"
    BOOLEAN = "boolean"
    LIST = "list"
    VOID = "void"  # side effect only; assigning or echoing it is an error


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None: unbounded
    extra: Extra
    args: tuple[ArgKind, ...]  # kinds of the leading arguments; the last repeats
    returns: Returns
    since: str  # first DicomEdit language version with the function (spec §1.3, §7)
    summary: str
    network: bool = False  # reaches out over the network
    restricted: bool = False  # commonly restricted by sites (network, randomness, pixel edits)
    nondeterministic: bool = False

    def arg_kind(self, index: int) -> ArgKind:
        if not self.args:
            return ArgKind.VALUE
        return self.args[min(index, len(self.args) - 1)]

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        if self.min_args == self.max_args:
            return f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


V, T, K, P, D, N, B, S = (
    ArgKind.VALUE,
    ArgKind.TAGPATHS,
    ArgKind.KNOWN_VALUES,
    ArgKind.PATH_STRING,
    ArgKind.DIRECT_PATH,
    ArgKind.INTEGER,
    ArgKind.BOOLEAN,
    ArgKind.STRING,
)
_E, _IG = Extra.ERROR, Extra.IGNORED
_VAL, _BOOL, _LIST, _VOID = Returns.VALUE, Returns.BOOLEAN, Returns.LIST, Returns.VOID

SPECS: dict[str, FunctionSpec] = {
    s.name: s
    for s in (
        FunctionSpec("concatenate", 0, None, _E, (V,), _VAL, "6.0", "join the values with no separator"),
        FunctionSpec("format", 1, None, _E, (S, V), _VAL, "6.0", "java.text.MessageFormat of the values"),
        FunctionSpec("lowercase", 1, 1, _E, (V,), _VAL, "6.0", "lower-case a value"),
        FunctionSpec("uppercase", 1, 1, _IG, (V,), _VAL, "6.0", "upper-case a value"),
        FunctionSpec("substring", 3, 3, _IG, (V, N, N), _VAL, "6.0", "characters [begin, end) of a value"),
        FunctionSpec(
            "replace", 3, 3, _IG, (V, V, V), _VAL, "6.0", "replace every occurrence of a literal text"
        ),
        FunctionSpec("hashUID", 1, 1, _IG, (V,), _VAL, "6.0", "deterministic 2.25 UID from a value"),
        FunctionSpec(
            "hashUIDList", 1, None, _E, (T,), _VOID, "6.6", "hash every value of the matching elements"
        ),
        FunctionSpec(
            "newUID", 0, 0, _IG, (), _VAL, "6.0", "a random 2.25 UID", restricted=True, nondeterministic=True
        ),
        FunctionSpec(
            "getURL", 1, 1, _IG, (V,), _VAL, "6.0", "the body of an HTTP GET", network=True, restricted=True
        ),
        FunctionSpec(
            "retainPrivateTags", 1, None, _E, (T,), _VOID, "6.3", "delete all private tags except these"
        ),
        FunctionSpec(
            "lookup", 2, 2, _E, (V, V), _VAL, "6.0", "look a value up in the site's table", restricted=True
        ),
        FunctionSpec("shiftDateByIncrement", 2, 3, _IG, (V, N, V), _VAL, "6.2", "shift a DA value"),
        FunctionSpec(
            "shiftDateTimeListByIncrement",
            3,
            3,
            _E,
            (T, N, V),
            _VOID,
            "6.3",
            "shift matching DA/DT/TM elements",
        ),
        FunctionSpec("shiftDateTimeByIncrement", 2, 3, _IG, (V, N, V), _VAL, "6.3", "shift a DA or DT value"),
        FunctionSpec(
            "shiftDateTimeSequenceByIncrement",
            2,
            None,
            _E,
            (N, P),
            _VOID,
            "6.3",
            "shift matching elements (seconds)",
        ),
        FunctionSpec(
            "mapUID",
            2,
            2,
            _IG,
            (V, V),
            _VAL,
            "6.0",
            "random UID under a prefix, memoised per value",
            restricted=True,
            nondeterministic=True,
        ),
        FunctionSpec(
            "mapReferencedUIDs",
            2,
            None,
            _E,
            (V, P),
            _VOID,
            "6.2",
            "replace UIDs by random ones under a prefix, memoised",
            restricted=True,
            nondeterministic=True,
        ),
        FunctionSpec("delete", 1, 1, _IG, (D,), _VOID, "6.3", "remove one element given in direct notation"),
        FunctionSpec("set", 2, 2, _E, (D, V), _VOID, "6.3", "write one element given in direct notation"),
        FunctionSpec("match", 3, 3, _IG, (V, S, N), _VAL, "6.3", "a capture group of the first regex match"),
        FunctionSpec("ismatch", 2, 2, _IG, (V, S), _BOOL, "6.3", "whether the whole value matches a regex"),
        FunctionSpec("isPresent", 1, None, _E, (T,), _BOOL, "6.7", "whether all the tag paths exist"),
        FunctionSpec(
            "alterPixels",
            4,
            4,
            _E,
            (S, S, S, S),
            _VOID,
            "6.3",
            "fill a rectangle of every frame",
            restricted=True,
        ),
        FunctionSpec(
            "removeTags", 1, None, _E, (T,), _VOID, "6.6", "delete every element matching the paths"
        ),
        FunctionSpec("normalizeString", 1, 2, _E, (V, S), _VAL, "6.6", "replace non-ASCII characters"),
        FunctionSpec(
            "scalePatientAgeAndDobFromStudyDate", 0, 0, _IG, (), _VOID, "6.6", "cap patient age at 89 years"
        ),
        FunctionSpec("collectValues", 0, None, _E, (K,), _LIST, "6.6", "the values of the arguments"),
        FunctionSpec(
            "blankValues", 0, None, _E, (K,), _VOID, "6.6", "empty every element holding a known value"
        ),
        FunctionSpec("reject", 0, 1, _IG, (B,), _VOID, "6.6", "do not store this file"),
        FunctionSpec("true", 0, 0, _IG, (), _BOOL, "6.7", "the constant true"),
        FunctionSpec("false", 0, 0, _IG, (), _BOOL, "6.7", "the constant false"),
    )
}

# Names that exist in other DicomEdit dialects but not in DicomEdit 6 (spec §7).
NOT_IN_DE6 = {
    "urlEncode": "urlEncode exists only in DicomEdit 4",
    "hash": "hash is not registered in DicomEdit 6; use hashUID",
    "blankRectangle": "there is no blankRectangle; use alterPixels",
}

Implementation = Callable[..., Any]


@dataclass(slots=True)
class _Registry:
    implementations: dict[str, Implementation] = field(default_factory=dict)


_REGISTRY = _Registry()


def spec(name: str) -> FunctionSpec | None:
    return SPECS.get(name)


def implements(name: str) -> Callable[[Implementation], Implementation]:
    """Decorator: register the engine's implementation of built-in ``name``."""
    if name not in SPECS:
        raise KeyError(f"no built-in function named {name!r} in the registry")

    def register(fn: Implementation) -> Implementation:
        _REGISTRY.implementations[name] = fn
        return fn

    return register


def implementation(name: str) -> Implementation | None:
    return _REGISTRY.implementations.get(name)


def case_insensitive_match(name: str) -> str | None:
    """The built-in whose name differs from ``name`` only in case (``alterpixels``)."""
    lower = name.lower()
    for known in SPECS:
        if known.lower() == lower and known != name:
            return known
    return None
