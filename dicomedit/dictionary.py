"""The DICOM data dictionary (public attributes): VR, name and keyword by tag.

Checking and linting a script needs the dictionary but nothing else of pydicom, and importing
pydicom costs about a third of a second.  The table pydicom ships (a plain data module,
``pydicom/_dicom_dict.py``) is loaded on its own when possible; otherwise, or if its shape ever
changes, pydicom's public ``datadict`` API answers.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Entry:
    vr: str  # may read "US or SS" for attributes whose VR depends on context
    name: str
    keyword: str
    retired: bool


Row = tuple[str, str, str, str, str]  # VR, VM, name, "Retired" or "", keyword


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[Mapping[int, Row], Mapping[str, Row]]:
    """pydicom's public dictionary, and its repeating groups (``"60xx3000"``) by mask."""
    try:
        spec = importlib.util.find_spec("pydicom")
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        data_spec = importlib.util.spec_from_file_location(
            "_dicomedit_dicom_dict", Path(folders[0]) / "_dicom_dict.py"
        )
        assert data_spec is not None and data_spec.loader is not None
        module = importlib.util.module_from_spec(data_spec)
        data_spec.loader.exec_module(module)
        table: Mapping[int, Row] = module.DicomDictionary
        repeaters: Mapping[str, Row] = module.RepeatersDictionary
        probe = table[0x00100010]
        if len(probe) == 5 and probe[0] == "PN" and len(repeaters["60xx3000"]) == 5:
            return table, repeaters
    except Exception:
        pass
    from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary

    return DicomDictionary, RepeatersDictionary


def _table() -> Mapping[int, Row]:
    return _tables()[0]


@functools.lru_cache(maxsize=1)
def _repeater_masks() -> tuple[tuple[int, int, Row], ...]:
    """(bits, which bits count, row) of each repeating group, in the dictionary's order."""
    return tuple(
        (int(mask.replace("x", "0"), 16), int("".join("0" if c == "x" else "F" for c in mask), 16), row)
        for mask, row in _tables()[1].items()
    )


@functools.lru_cache(maxsize=4096)
def dictionary_vr(tag: int) -> str:
    """The VR pydicom's dictionary gives ``tag``, repeating groups included, as the engine takes
    it (``engine.elements.dictionary_vr`` without a private creator): the first of ``US or SS``
    and the like, ``LO`` for a private creator, ``UN`` for other private tags and unknown ones.
    Entries added to pydicom's dictionary at run time are not seen."""
    if tag >> 16 & 1:
        return "LO" if 0x10 <= tag & 0xFFFF <= 0xFF else "UN"
    row = _table().get(tag)
    if row is None:
        row = next((r for bits, mask, r in _repeater_masks() if (tag ^ bits) & mask == 0), None)
        if row is None:
            return "UN"
    return unambiguous_vr(row[0])


def unambiguous_vr(vr: str) -> str:
    """One VR for a dictionary VR such as ``US or SS``, ``OB or OW``: the first, what an encoder
    would pick."""
    return vr.split(" or ")[0] if " or " in vr else vr


def entry(tag: int) -> Entry | None:
    """The dictionary entry of a public attribute, or None (unknown or private)."""
    row: Any = _table().get(tag)
    if row is None:
        return None
    vr, _vm, name, retired, keyword = row
    return Entry(vr, name, keyword, retired == "Retired")


def vr_of(tag: int) -> str | None:
    found = entry(tag)
    return found.vr if found is not None else None


@functools.lru_cache(maxsize=1)
def _keywords() -> dict[str, int]:
    return {row[4]: tag for tag, row in _table().items() if row[4]}


def tag_for_keyword(keyword: str) -> int | None:
    return _keywords().get(keyword)
