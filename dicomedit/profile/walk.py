"""Every element of a pydicom dataset, file meta and sequence items included, with a readable path.

Paths are written as DE6 tag paths a privacy officer can read: ``(0008,1110)[0]/(0008,1155)``,
private elements with their creator: ``(0019,{GEMS_ACQU_01}10)``.  Used by ``scan`` and by the
testing helpers; it only reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.valuerep import VR, PersonName

from ..errors import DicomEditError

PIXEL_DATA_GROUP = 0x7FE0
_MAX_BINARY = 1 << 20  # binary values searched as text up to 1 MiB (pixel data never)
NULL_CREATOR = "NULL"
_VRS = frozenset(VR.__members__)


@dataclass(frozen=True, slots=True)
class Visit:
    path: str
    tag: int
    element: DataElement
    depth: int
    creator: str | None  # private data elements: their creator ("NULL" when missing)
    in_private: bool  # the element or an enclosing sequence is private

    @property
    def is_private(self) -> bool:
        return (self.tag >> 16) % 2 == 1

    @property
    def is_creator(self) -> bool:
        return self.is_private and 0x0010 <= (self.tag & 0xFFFF) <= 0x00FF


def _step(tag: int, creator: str | None) -> str:
    group, element = tag >> 16, tag & 0xFFFF
    if creator is None or 0x0010 <= element <= 0x00FF:
        return f"({group:04X},{element:04X})"
    return f"({group:04X},{{{creator}}}{element & 0xFF:02X})"


class UndecodableValue(DicomEditError, ValueError):
    """A value pydicom cannot decode (e.g. a binary value of the wrong length).

    The message names the element and its VR, never the value: pydicom's own message quotes the
    bytes, which may identify a patient.
    """

    def __init__(self, path: str, vr: str | None, cause: BaseException) -> None:
        if vr is None or vr in _VRS:
            as_vr = f" as {vr}" if vr else ""
            why = f"the value cannot be decoded{as_vr}"
        else:  # the two bytes read as the VR are no VR: they may be anything, not shown either
            vr = None
            why = "the element's VR is not one of DICOM's; its value cannot be decoded"
        super().__init__(f"{path}: {why} ({type(cause).__name__})")
        self.path = path
        self.vr = vr


def _element(ds: Dataset, tag: BaseTag, prefix: str, creator: str | None = None) -> DataElement:
    """``ds[tag]``, decoded now (pydicom decodes a value the first time it is asked for)."""
    try:
        return ds[tag]
    except Exception as e:
        vr = getattr(ds.get_item(tag), "VR", None)
        raise UndecodableValue(prefix + _step(int(tag), creator), vr and str(vr), e) from None


def _creators(ds: Dataset, prefix: str) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    for tag in sorted(ds.keys()):
        if (tag >> 16) % 2 == 1 and 0x0010 <= (tag & 0xFFFF) <= 0x00FF:
            value = _element(ds, tag, prefix).value
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            out[(tag >> 16, tag & 0xFF)] = str(value or "").strip()
    return out


def walk(ds: Dataset, *, include_meta: bool = True) -> Iterator[Visit]:
    """Every element depth first: group 0002 first (when present), then the dataset.

    A value pydicom cannot decode raises ``UndecodableValue`` when the walk reaches it.
    """
    meta = getattr(ds, "file_meta", None)
    if include_meta and meta is not None:
        for tag in sorted(meta.keys()):
            elem = _element(meta, tag, "")
            yield Visit(_step(int(tag), None), int(tag), elem, 0, None, False)
    yield from _walk(ds, "", 0, False)


def _walk(ds: Dataset, prefix: str, depth: int, in_private: bool) -> Iterator[Visit]:
    creators = _creators(ds, prefix)
    for key in sorted(ds.keys()):
        tag = int(key)
        group = tag >> 16
        creator = None
        private = group % 2 == 1
        if private and (tag & 0xFFFF) > 0x00FF:
            creator = creators.get((group, (tag & 0xFFFF) >> 8), NULL_CREATOR)
        elem = _element(ds, key, prefix, creator)
        path = prefix + _step(tag, creator)
        inside = in_private or private
        yield Visit(path, tag, elem, depth, creator, inside)
        if elem.VR == "SQ" and isinstance(elem.value, Sequence):
            for i, item in enumerate(elem.value):
                yield from _walk(item, f"{path}[{i}]/", depth + 1, inside)


def has_value(elem: DataElement) -> bool:
    """Whether the element holds anything: a non-blank value, or a sequence with items."""
    value = elem.value
    if value is None:
        return False
    if isinstance(value, bytes):
        return any(b not in (0, 0x20) for b in value)
    if isinstance(value, Sequence):
        return len(value) > 0
    if isinstance(value, MultiValue | list | tuple):
        return any(_non_blank(v) for v in value)
    return _non_blank(value)


def _non_blank(value: object) -> bool:
    if isinstance(value, Dataset):
        return True
    return str(value).strip("\x00 ") != ""


def texts(elem: DataElement) -> list[str]:
    """The element's value as text(s) to compare: each value, and the joined multi-value."""
    if int(elem.tag) >> 16 == PIXEL_DATA_GROUP or elem.VR == "SQ":
        return []
    value = elem.value
    if value is None:
        return []
    if isinstance(value, bytes):
        if len(value) > _MAX_BINARY:
            return []
        text = value.decode("latin-1").strip("\x00 ")
        return [text] if text else []
    if isinstance(value, MultiValue | list | tuple):
        parts = [_text(v) for v in value]
        parts = [p for p in parts if p]
        joined = "\\".join(parts)
        return [*parts, joined] if len(parts) > 1 else parts
    text = _text(value)
    return [text] if text else []


def _text(value: object) -> str:
    if isinstance(value, PersonName):
        return str(value).strip()
    if isinstance(value, bytes):
        return value.decode("latin-1").strip("\x00 ")
    return str(value).strip("\x00 ")
