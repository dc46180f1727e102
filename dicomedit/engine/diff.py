"""Element-by-element differences between a dataset before and after a script ran."""

from __future__ import annotations

import enum
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset

from ..quiet import quiet_pydicom
from .dicomobject import DicomObject
from .elements import BYTES_VRS, element_vr, read_bytes, read_string
from .walker import Node, walk

_SHOWN_BYTES = 64


class ChangeKind(enum.Enum):
    ADDED = "added"
    CHANGED = "changed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    path: str  # DicomEdit notation with literal tags, e.g. (0008,1110)[0]/(0008,1155)
    keyword: str  # dictionary keyword, or the private creator
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class _Leaf:
    path: str
    keyword: str
    vr: str
    value: str


def _display(node: Node) -> str:
    steps = [f"({t >> 16:04X},{t & 0xFFFF:04X})[{i}]" for _, t, i in node.ancestors]
    steps.append(f"({node.tag >> 16:04X},{node.tag & 0xFFFF:04X})")
    return "/".join(steps)


def _keyword(node: Node) -> str:
    if node.creator is not None:
        return "private creator" if node.is_creator else f"private [{node.creator}]"
    return keyword_for_tag(node.tag) or "unknown"


def _leaves(dataset: Dataset) -> dict[str, _Leaf]:
    out: dict[str, _Leaf] = {}
    for node in walk(DicomObject(dataset)):
        if not node.is_leaf:
            continue
        elem = node.element()
        vr = element_vr(elem, node.creator)
        if vr in BYTES_VRS or vr in ("OF", "OD", "OL", "OV"):
            data = read_bytes(elem, node.charset)
            if len(data) > _SHOWN_BYTES:
                value = f"<{len(data)} bytes, crc32 {zlib.crc32(data):08x}>"
            else:
                value = read_string(elem, node.charset)
        else:
            value = read_string(elem, node.charset, node.creator)
        out[node.path] = _Leaf(_display(node), _keyword(node), vr, value)
    return out


def diff(before: Dataset, after: Dataset) -> list[Change]:
    """Added, changed and deleted leaf elements (a VR change counts as a change).  pydicom's
    warnings about the values it decodes (which quote them) are kept off the terminal."""
    with quiet_pydicom():
        old, new = _leaves(before), _leaves(after)
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            changes.append(Change(ChangeKind.ADDED, b.path, b.keyword, None, b.value))
        elif b is None and a is not None:
            changes.append(Change(ChangeKind.DELETED, a.path, a.keyword, a.value, None))
        elif a is not None and b is not None and (a.value != b.value or a.vr != b.vr):
            changes.append(Change(ChangeKind.CHANGED, b.path, b.keyword, a.value, b.value))
    return changes


def summarize(changes: Iterable[Change]) -> str:
    """``"2 changed, 1 deleted"``, or ``"no change"``."""
    counts = Counter(c.kind for c in changes)
    parts = [f"{counts[k]} {k.value}" for k in ChangeKind if counts[k]]
    return ", ".join(parts) if parts else "no change"
