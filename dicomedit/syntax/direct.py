"""Direct-notation tag paths, the strings taken by ``delete[...]`` and ``set[...]`` (spec §7).

``(gggg,eeee)`` steps with literal hex digits only, an optional ``[n]`` after every step but the
last, ``/`` between steps; spaces and tabs are insignificant.  Private elements are written
with their block, e.g. ``(2001,105F)[0]/(2005,10A3)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t]+")
_STEP = re.compile(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)(?:\[([0-9A-Fa-f]{1,10})\])?")


@dataclass(frozen=True, slots=True)
class DirectStep:
    group: int
    element: int
    item: int | None  # None: no item number written (only valid on the last step)

    @property
    def tag(self) -> int:
        return (self.group << 16) | self.element


class DirectNotationError(ValueError):
    """A string that is not a direct-notation tag path; the message says what is wrong."""


def parse_direct(text: str) -> tuple[DirectStep, ...]:
    """Parse ``text``; raise ``DirectNotationError`` with a reason when it is malformed."""
    compact = _WS.sub("", text)
    if not compact:
        raise DirectNotationError("empty tag path")
    steps: list[DirectStep] = []
    parts = compact.split("/")
    for i, part in enumerate(parts):
        m = _STEP.fullmatch(part)
        if m is None:
            raise DirectNotationError(
                f"{part!r} is not a step of the form (gggg,eeee) or (gggg,eeee)[n] "
                "with hexadecimal digits (no wildcards, no {creator})"
            )
        item_text = m.group(3)
        item: int | None = None
        if item_text is not None:
            if not item_text.isdigit():
                raise DirectNotationError(f"item number [{item_text}] is not a decimal number")
            if i == len(parts) - 1:
                raise DirectNotationError("the last step cannot have an item number")
            item = int(item_text)
        steps.append(DirectStep(int(m.group(1), 16), int(m.group(2), 16), item))
    return tuple(steps)
