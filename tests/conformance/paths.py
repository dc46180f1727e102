"""An independent resolver for the DE6-notation paths used in expectations.

Deliberately small and walk-based (no regexes over path strings, nothing shared with the
engine), so that it can serve as an oracle. Supported notation:

* ``(0008,0080)``: a public element; group 0002 is looked up in ``file_meta``;
* ``(2001,{Philips Imaging DD 001}0c)``: a private element, found through every creator slot
  ``(2001,0010)``…``(2001,00FF)`` whose value is that creator (all blocks, if several);
* ``(0029,1019)``: a literal private element or creator slot;
* ``S[n]/T``: item ``n`` of sequence ``S``; ``S[%]/T`` and ``S/T``: every item of ``S``;
* a path ending in ``S[n]`` resolves to the item itself;
* hex wildcards in any step: ``X``/``x`` any digit, ``#`` odd, ``@`` even (for absence checks
  such as ``(2001,108@)``);
* ``*``: zero or more sequence levels, any items (``*/(2001,XXXX)`` = anywhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

_HEX = "[0-9A-Fa-fXx#@]"
_STEP = re.compile(
    rf"^\(\s*(?P<group>{_HEX}{{4}})\s*,\s*"
    rf"(?:\{{(?P<creator>[^}}]*)\}}(?P<low>{_HEX}{{2}})|(?P<element>{_HEX}{{4}}))\s*\)"
    r"\s*(?:\[\s*(?P<index>\d+|%)\s*\])?$"
)

ODD = set("13579bdfBDF")
EVEN = set("02468aceACE")


class PathSyntaxError(ValueError):
    """An expectation path the resolver does not understand."""


@dataclass(frozen=True)
class Step:
    group: str
    element: str  # 4 pattern chars, or 2 for private steps
    creator: str | None
    index: int | None  # None: any item (or the element itself when last)
    any_item: bool = False

    @property
    def is_private(self) -> bool:
        return self.creator is not None


@dataclass(frozen=True)
class Wildcard:
    """``*``: zero or more sequence levels."""


@dataclass(frozen=True)
class Found:
    """One resolved node: an element in ``parent``, or an item (``element`` is None)."""

    parent: Dataset
    element: DataElement | None
    item: Dataset | None = None

    @property
    def is_item(self) -> bool:
        return self.element is None


def parse(path: str) -> list[Step | Wildcard]:
    steps: list[Step | Wildcard] = []
    for text in _split(path):
        if text == "*":
            steps.append(Wildcard())
            continue
        match = _STEP.match(text)
        if not match:
            raise PathSyntaxError(f"cannot read step {text!r} of {path!r}")
        index = match["index"]
        steps.append(
            Step(
                group=match["group"],
                element=match["low"] if match["creator"] is not None else match["element"],
                creator=match["creator"],
                index=int(index) if index not in (None, "%") else None,
                any_item=index == "%",
            )
        )
    return steps


def _split(path: str) -> list[str]:
    """Split on ``/`` outside ``{creator}`` names."""
    parts, depth, current = [], 0, []
    for ch in path:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "/" and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return parts


def digit_matches(pattern: str, digit: str) -> bool:
    if pattern in "Xx":
        return True
    if pattern == "#":
        return digit in ODD
    if pattern == "@":
        return digit in EVEN
    return pattern.lower() == digit.lower()


def hex_matches(pattern: str, value: int, width: int) -> bool:
    digits = f"{value:0{width}x}"
    return all(digit_matches(p, d) for p, d in zip(pattern, digits, strict=True))


def resolve(root: Dataset, path: str) -> list[Found]:
    """Every node ``path`` designates in ``root`` (an empty list when there is none)."""
    steps = parse(path)
    frontier: list[Dataset] = [root]
    found: list[Found] = []
    for position, step in enumerate(steps):
        last = position == len(steps) - 1
        if isinstance(step, Wildcard):
            frontier = [ds for start in frontier for ds in _all_datasets(start)]
            if last:
                return [Found(parent=ds, element=None, item=ds) for ds in frontier]
            continue
        next_frontier: list[Dataset] = []
        found = []
        for ds in frontier:
            for elem in _matching_elements(root, ds, step):
                if last and step.index is None and not step.any_item:
                    found.append(Found(parent=ds, element=elem))
                    continue
                for item in _items(elem, step):
                    if last:
                        found.append(Found(parent=ds, element=None, item=item))
                    else:
                        next_frontier.append(item)
        frontier = next_frontier
    return found


def _items(elem: DataElement, step: Step) -> list[Dataset]:
    if elem.VR != "SQ" or elem.value is None:
        return []
    items = list(elem.value)
    if step.index is None:
        return items
    return [items[step.index]] if step.index < len(items) else []


def _all_datasets(ds: Dataset) -> list[Dataset]:
    result = [ds]
    for elem in ds:
        if elem.VR == "SQ" and elem.value:
            for item in elem.value:
                result.extend(_all_datasets(item))
    return result


def _containers(root: Dataset, ds: Dataset, step: Step) -> list[Dataset]:
    containers = [ds]
    if ds is root and hex_matches(step.group, 0x0002, 4) and getattr(root, "file_meta", None) is not None:
        containers.append(root.file_meta)
    return containers


def _literal(pattern: str) -> int | None:
    """The value of a pattern without wildcards, else None."""
    try:
        return int(pattern, 16)
    except ValueError:
        return None


def _matching_elements(root: Dataset, ds: Dataset, step: Step) -> list[DataElement]:
    result: list[DataElement] = []
    for container in _containers(root, ds, step):
        if step.is_private:
            result.extend(_private_elements(container, step))
            continue
        group, element = _literal(step.group), _literal(step.element)
        if group is not None and element is not None:
            tag = (group << 16) | element
            if tag in container:
                result.append(container[tag])
            continue
        for tag in list(container.keys()):
            if hex_matches(step.group, tag.group, 4) and hex_matches(step.element, tag.element, 4):
                result.append(container[tag])
    return result


def creator_blocks(ds: Dataset, group: int, creator: str) -> list[int]:
    """The block numbers whose creator slot in ``group`` holds exactly ``creator``."""
    blocks = []
    for slot in range(0x10, 0x100):
        tag = (group << 16) | slot
        if tag in ds and _creator_text(ds[tag]) == creator:
            blocks.append(slot)
    return blocks


def _creator_text(elem: DataElement) -> str | None:
    value = elem.value
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    return value.rstrip(" \x00")


def _private_elements(ds: Dataset, step: Step) -> list[DataElement]:
    assert step.creator is not None
    tags = list(ds.keys())
    groups = sorted({tag.group for tag in tags if hex_matches(step.group, tag.group, 4)})
    result = []
    for group in groups:
        for block in creator_blocks(ds, group, step.creator):
            for tag in tags:
                if (
                    tag.group == group
                    and tag.element >> 8 == block
                    and hex_matches(step.element, tag.element & 0xFF, 2)
                ):
                    result.append(ds[tag])
    return result
