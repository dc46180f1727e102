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


@functools.lru_cache(maxsize=1)
def _table() -> Mapping[int, tuple[str, str, str, str, str]]:
    try:
        spec = importlib.util.find_spec("pydicom")
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        data_spec = importlib.util.spec_from_file_location(
            "_dicomedit_dicom_dict", Path(folders[0]) / "_dicom_dict.py"
        )
        assert data_spec is not None and data_spec.loader is not None
        module = importlib.util.module_from_spec(data_spec)
        data_spec.loader.exec_module(module)
        table: Mapping[int, tuple[str, str, str, str, str]] = module.DicomDictionary
        probe = table[0x00100010]
        if len(probe) == 5 and probe[0] == "PN":
            return table
    except Exception:
        pass
    from pydicom._dicom_dict import DicomDictionary

    return DicomDictionary


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
