"""Which XNAT release runs what: the one release model read by the checker and the engine.

Data, not scattered ifs: the DicomEdit language versions each XNAT release accepts (spec §1.2),
the first release of every construct and built-in function (spec §1.3, §7), and the behaviours
that changed between releases (the "XNAT ≥ …" notes of spec §11–§12).  Also how XNAT routes a
script to an engine by its ``version`` line (spec §1.1).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import DicomEditError

SUPPORTED_VERSIONS: tuple[str, ...] = ("6.0", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7")


class ReleaseError(DicomEditError, ValueError):
    """A release string that cannot be read as an XNAT release."""


@functools.total_ordering
@dataclass(frozen=True, slots=True)
class Release:
    """An XNAT release such as ``1.8.10.1``; a suffix (``-SNAPSHOT``, ``-RC2``) sorts before it."""

    numbers: tuple[int, ...]
    suffix: str = ""

    @property
    def text(self) -> str:
        base = ".".join(str(n) for n in self.numbers)
        return f"{base}-{self.suffix}" if self.suffix else base

    def __str__(self) -> str:
        return self.text

    def _key(self) -> tuple[tuple[int, ...], int]:
        padded = self.numbers + (0,) * (4 - len(self.numbers))
        return (padded, 0 if self.suffix else 1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Release):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Release):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


_RELEASE = re.compile(r"(\d+(?:\.\d+){1,3})(?:[-_.]?([A-Za-z][A-Za-z0-9.-]*))?")


def parse_release(text: str) -> Release:
    """Read ``1.8.10``, ``1.9.2.1`` or ``1.10.0-RC2-SNAPSHOT``; anything else is an error."""
    m = _RELEASE.fullmatch(text.strip())
    if not m:
        raise ReleaseError(
            f"{text!r} is not an XNAT release; write it like 1.8.10 or 1.9.2.1 "
            f"(known: {', '.join(str(r) for r in KNOWN_RELEASES)})"
        )
    numbers = tuple(int(p) for p in m.group(1).split("."))
    if numbers[0] != 1:
        raise ReleaseError(f"{text!r} is not an XNAT 1.x release")
    return Release(numbers, m.group(2) or "")


def _r(text: str) -> Release:
    return parse_release(text)


# The releases where something changed, oldest first; the newest is the default target.
KNOWN_RELEASES: tuple[Release, ...] = tuple(
    Release(tuple(int(p) for p in t.split(".")))
    for t in ("1.7.0", "1.7.3", "1.7.6", "1.8.0", "1.8.7", "1.8.8", "1.8.10", "1.9.0", "1.10.0", "1.10.1")
)
NEWEST = KNOWN_RELEASES[-1]

# spec §1.2: the first release that accepts each `version "6.x"` string.  The matrix gives
# 1.7.3–1.7.6 as 6.0–6.1 while the 6.1 reference page says 6.2 applies from 1.7.6; we follow
# the page, which is the permissive reading.
VERSION_SINCE: dict[str, Release] = {
    "6.0": _r("1.7.0"),
    "6.1": _r("1.7.3"),
    "6.2": _r("1.7.6"),
    "6.3": _r("1.8.0"),
    "6.4": _r("1.8.7"),
    "6.5": _r("1.8.8"),
    "6.6": _r("1.8.10"),
    "6.7": _r("1.9.0"),
}


def newest_version_for(release: Release) -> str:
    accepted = [v for v, since in VERSION_SINCE.items() if since <= release]
    return accepted[-1] if accepted else "6.0"


@dataclass(frozen=True, slots=True)
class Feature:
    """A language construct with the version that introduced it (spec §1.3)."""

    key: str
    description: str  # used as the subject of "… need(s) XNAT 1.8.7 or later"
    version: str

    @property
    def since(self) -> Release:
        return VERSION_SINCE[self.version]


FEATURES: dict[str, Feature] = {
    f.key: f
    for f in (
        Feature("assign-if-exists", "'?=' assignments need", "6.3"),
        Feature("if-block", "if/elseif/else blocks need", "6.4"),
        Feature("ternary-call", "function calls as actions of '?:' need", "6.4"),
        Feature("wildcard-assign-if-exists", "'?=' on paths with wildcards needs", "6.5"),
        Feature("list", "list literals need", "6.6"),
        Feature("line-continuation", "statements continued with '\\' need", "6.6"),
        Feature("function-condition", "a function call as a condition needs", "6.7"),
    )
}


def function_since(version: str) -> Release:
    return VERSION_SINCE[version]


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Engine behaviour that changed in a release; before ``since`` XNAT did ``before``."""

    key: str
    since: Release
    now: str
    before: str


BEHAVIOURS: dict[str, Behaviour] = {
    b.key: b
    for b in (
        Behaviour(
            "delete-item-keeps-empty-item",
            _r("1.8.7"),
            "deleting an item S[n] empties it and keeps the empty item (R-040, DE-91)",
            "deleting an item S[n] removed the item",
        ),
        Behaviour(
            "delete-keeps-private-creators",
            _r("1.8.7"),
            "'-' and removeTags never delete private creator elements (R-010)",
            "private creator elements matching a deleted path were deleted too",
        ),
        Behaviour(
            "normalize-string-decodes-un",
            _r("1.10.0"),
            "normalizeString decodes UN bytes as text and writes ASCII back (R-126, R-127)",
            "normalizeString on UN elements produced other bytes (DE-124, DE-126)",
        ),
        Behaviour(
            "retain-private-high-groups",
            _r("1.10.1"),
            "retainPrivateTags keeps private groups at or above 0x8000 (R-091, DE-125)",
            "retainPrivateTags lost private groups at or above 0x8000",
        ),
    )
}


def behaves_like_newer(key: str, release: Release | None) -> bool:
    """Whether ``release`` (None = newest) has the newer form of behaviour ``key``."""
    return release is None or release >= BEHAVIOURS[key].since


# ---------------------------------------------------------------------------------------------
# spec §1.1: XNAT picks the engine from the text, not from the parsed script.

# XS: a version written like an assignment gets a specific "malformed version declaration" error.
_MALFORMED = re.compile(r'version\s*:?=\s*"[\d.]+"')


@dataclass(frozen=True, slots=True)
class VersionLine:
    """The line XNAT uses to choose the engine: the first one starting with ``version``."""

    line: int  # 1-based, in the original text
    text: str
    version: str  # token #1 after splitting on single whitespace characters, quotes removed
    malformed: bool


def find_version_line(lines: Sequence[str]) -> VersionLine | None:
    """Reproduce ``AbstractMizer.parseVersionString``: first raw line starting with ``version``."""
    for i, text in enumerate(lines, start=1):
        if text.startswith("version"):
            parts = re.split(r"\s", text)
            token = parts[1] if len(parts) > 1 else ""
            return VersionLine(i, text, token.replace('"', ""), bool(_MALFORMED.match(text)))
    return None
