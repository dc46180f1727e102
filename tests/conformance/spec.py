r"""Compact JSON element lists → pydicom datasets.

An element list is a JSON object; each key names an element (and optionally its VR), each value
gives the element's value::

    {"(0010,0010) PN": "Patient^Name",
     "(0008,0008) CS": "ORIGINAL\\PRIMARY",            multi-values: backslash-joined or a list
     "(0028,0010) US": 1024,
     "(0008,1032) SQ": [{"(0010,0010)": "s0"}, {}],    items are element lists; [] is empty
     "(0049,1010) UN": {"hex": "43484F00"},           raw bytes
     "(0400,0520) OB": {"text": "ABC\u0000"},          raw bytes written as latin-1 text
     "(0010,1010) AS": ""}                             an empty value

The VR may be left out for tags of the public dictionary. Private elements are written with
their literal tags, creators included (``"(0019,0010) LO": "GE"``), so that an input says exactly
which slot each creator occupies. Group-0002 keys go to ``file_meta``.

Keys of *edits* (``add`` in a case) may be paths such as ``"(0008,1110)[3]/(0044,000B) DT"``:
missing sequences and items on the way are created empty, the last element is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag

_KEY = re.compile(r"^(?P<path>\S.*?)(?:\s+(?P<vr>[A-Z]{2}))?$")
_STEP = re.compile(r"^\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)(?:\[(\d+)\])?$")

_INT_VRS = {"US", "SS", "UL", "SL", "UV", "SV"}
_FLOAT_VRS = {"FL", "FD"}
_BYTE_VRS = {"OB", "OW", "OD", "OF", "OL", "OV", "UN"}

ElementList = Mapping[str, Any]


class SpecError(ValueError):
    """An element list that cannot be turned into a dataset."""


def parse_key(key: str) -> tuple[list[tuple[int, int | None]], str | None]:
    """``"(0008,1110)[0]/(0008,1155) UI"`` → ``([(0x00081110, 0), (0x00081155, None)], "UI")``."""
    match = _KEY.match(key.strip())
    if not match:
        raise SpecError(f"bad element key {key!r}")
    steps = []
    for text in match["path"].split("/"):
        step = _STEP.match(text.strip())
        if not step:
            raise SpecError(f"bad step {text!r} in {key!r}")
        index = int(step[3]) if step[3] is not None else None
        steps.append((int(step[1] + step[2], 16), index))
    return steps, match["vr"]


def vr_of(tag: int, vr: str | None) -> str:
    if vr:
        return vr
    try:
        found = dictionary_VR(tag)
    except KeyError:
        raise SpecError(f"{Tag(tag)} is not in the dictionary: write its VR") from None
    # Ambiguous dictionary VRs such as "US or SS": the corpus only uses the first.
    return found.split(" or ")[0]


def make_element(tag: int, vr: str | None, value: Any) -> DataElement:
    vr = vr_of(tag, vr)
    return DataElement(tag, vr, _convert(vr, value))


def _convert(vr: str, value: Any) -> Any:
    if vr == "SQ":
        return Sequence([build_dataset(item) for item in value or []])
    if value is None:
        return None
    if isinstance(value, Mapping):
        if "hex" in value:
            return bytes.fromhex(value["hex"])
        if "text" in value:
            return value["text"].encode("latin-1")
        raise SpecError(f"unknown raw value form {value!r}")
    if vr == "AT":
        return [int(v, 16) for v in _values(value)] if _is_multi(value) else int(value, 16)
    if vr in _INT_VRS:
        return [int(v) for v in _values(value)] if _is_multi(value) else int(value)
    if vr in _FLOAT_VRS:
        return [float(v) for v in _values(value)] if _is_multi(value) else float(value)
    if vr in _BYTE_VRS:
        if isinstance(value, str):
            return value.encode("latin-1")
        raise SpecError(f"{vr} values must be strings or raw forms, not {value!r}")
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _is_multi(value: Any) -> bool:
    return isinstance(value, list) or (isinstance(value, str) and "\\" in value)


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else value.split("\\")


def build_dataset(elements: ElementList) -> Dataset:
    """A dataset (with ``file_meta`` when group-0002 keys are present) from an element list."""
    ds = Dataset()
    for key, value in elements.items():
        set_path(ds, key, value)
    return ds


def set_path(root: Dataset, key: str, value: Any) -> None:
    steps, vr = parse_key(key)
    target = _walk(root, steps[:-1], create=True)
    assert target is not None
    tag, index = steps[-1]
    if index is not None:
        raise SpecError(f"{key!r}: the last step of an element key cannot be an item")
    target = _meta_for(root, target, tag)
    target[tag] = make_element(tag, vr, value)


def remove_path(root: Dataset, key: str) -> None:
    steps, _ = parse_key(key)
    target = _walk(root, steps[:-1], create=False)
    if target is None:
        return
    tag, index = steps[-1]
    target = _meta_for(root, target, tag)
    if tag not in target:
        return
    if index is None:
        del target[tag]
    else:
        del target[tag].value[index]


def apply_edits(ds: Dataset, add: ElementList | None = None, remove: Iterable[str] = ()) -> None:
    for key in remove:
        remove_path(ds, key)
    for key, value in (add or {}).items():
        set_path(ds, key, value)


def _meta_for(root: Dataset, target: Dataset, tag: int) -> Dataset:
    if target is root and tag >> 16 == 0x0002:
        if not hasattr(root, "file_meta"):
            root.file_meta = FileMetaDataset()
        return root.file_meta
    return target


def _walk(ds: Dataset, steps: list[tuple[int, int | None]], *, create: bool) -> Dataset | None:
    for tag, index in steps:
        if tag not in ds:
            if not create:
                return None
            ds[tag] = DataElement(tag, "SQ", Sequence())
        items = ds[tag].value
        number = 0 if index is None else index
        while create and len(items) <= number:
            items.append(Dataset())
        if len(items) <= number:
            return None
        ds = items[number]
    return ds
