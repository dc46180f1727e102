"""DicomEdit language versions and how XNAT routes a script to an engine (spec §1.1, §1.2)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SUPPORTED_VERSIONS: tuple[str, ...] = ("6.0", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7")

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
