"""Which profile attributes a script's tag path reaches, and at which depths (spec §6.2).

A script tag such as ``(0010,XXXX)`` or ``(50X@,XXXX)`` is compared digit by digit with the table's
patterns; each digit is a set of hex values (``X`` any, ``#`` odd, ``@`` even).  A path reaches the
top level and/or copies nested inside sequences: a plain ``(gggg,eeee)`` is top level only,
``*/`` every depth, ``+/`` every nested depth, anything else only some nested places.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..syntax import ast
from .table import Profile, ProfileEntry

_ANY = 0xFFFF
_ODD = 0xAAAA  # bits 1, 3, 5, ... F
_EVEN = 0x5555


class Reach(enum.Enum):
    NONE = "none"
    PARTIAL = "partial"  # some places only (one sequence, one depth, one overlay group)
    FULL = "full"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a path acts: the last tag, whether it reaches the top level, how far into sequences."""

    tag: ast.Tag
    top: bool
    nested: Reach
    path: ast.TagPath

    @property
    def everywhere(self) -> bool:
        return self.top and self.nested is Reach.FULL


def _digit_set(ch: str) -> int:
    if ch in "Xx":
        return _ANY
    if ch == "#":
        return _ODD
    if ch == "@":
        return _EVEN
    return 1 << int(ch, 16)


def script_digits(tag: ast.Tag) -> tuple[int, ...] | None:
    """Digit sets of a public script tag; None for private tags (never rows of the table)."""
    if tag.is_private:
        return None
    text = tag.group + tag.element
    if len(text) != 8:
        return None
    try:
        return tuple(_digit_set(ch) for ch in text)
    except ValueError:
        return None


def entry_digits(entry: ProfileEntry) -> tuple[int, ...]:
    """Digit sets of a table row; a repeating group's last group digit is even (odd = private)."""
    out: list[int] = []
    for i in range(8):
        shift = (7 - i) * 4
        if (entry.mask >> shift) & 0xF:
            out.append(1 << ((entry.value >> shift) & 0xF))
        elif i == 3:
            out.append(_EVEN)
        else:
            out.append(_ANY)
    return tuple(out)


def coverage(script: tuple[int, ...], entry: tuple[int, ...]) -> Reach:
    """FULL when every tag of the row matches the script tag, PARTIAL when some do."""
    full = True
    for s, e in zip(script, entry, strict=True):
        if not s & e:
            return Reach.NONE
        if e & ~s:
            full = False
    return Reach.FULL if full else Reach.PARTIAL


def matching_entries(profile: Profile, tag: ast.Tag) -> list[tuple[ProfileEntry, Reach]]:
    """The rows a script tag names, with how completely it names each."""
    digits = script_digits(tag)
    if digits is None:
        return []
    if not tag.has_wildcard:
        value = int(tag.group + tag.element, 16)
        entry = profile.lookup(value)
        if entry is None:
            return []
        return [(entry, Reach.PARTIAL if entry.is_repeating else Reach.FULL)]
    out: list[tuple[ProfileEntry, Reach]] = []
    for entry in profile:
        reach = coverage(digits, entry_digits(entry))
        if reach is not Reach.NONE:
            out.append((entry, reach))
    return out


def target_of(path: ast.TagPath) -> Target | None:
    """Where ``path`` acts on attribute-level elements; None for paths ending in an item or wildcard."""
    last = path.steps[-1]
    if not isinstance(last, ast.TagStep) or last.item not in (None, "%"):
        return None
    prefix = path.steps[:-1]
    if not prefix:
        return Target(last.tag, True, Reach.NONE, path)
    if all(isinstance(s, ast.SequenceWildcard) for s in prefix):
        kinds = [s.kind for s in prefix if isinstance(s, ast.SequenceWildcard)]
        top = all(k == "*" for k in kinds)
        nested = Reach.FULL if any(k in "*+" for k in kinds) else Reach.PARTIAL
        return Target(last.tag, top, nested, path)
    return Target(last.tag, False, Reach.PARTIAL, path)


def exact_tag(tag: ast.Tag) -> int | None:
    """The tag as an int when it is public and has no wildcard digits."""
    if tag.is_private or tag.has_wildcard:
        return None
    try:
        return int(tag.group + tag.element, 16)
    except ValueError:
        return None
