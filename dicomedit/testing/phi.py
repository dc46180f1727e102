"""Prove that a script removes identifying values: apply it, write the file, search the bytes.

The search looks for every planted value in the written bytes, encoded in the dataset's character
sets (and in UTF-8 and Latin-1), and in every decoded value of the file read back — so a value
that survives anywhere (a nested sequence, a private block, group 0002) is found.
"""

from __future__ import annotations

import copy
import functools
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydicom.charset import convert_encodings
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from ..profile.known import KnownValue, KnownValues, find_in_bytes
from ..profile.walk import texts, walk

#: XNAT labels used when a test gives none; chosen so that they never look like planted values.
DEFAULT_LABELS: Mapping[str, str] = {
    "project": "XNATPROJECT",
    "subject": "XNATSUBJECT",
    "session": "XNATSESSION",
}


class PHILeak(AssertionError):
    """Planted identifying values found in the written output."""

    def __init__(self, message: str, found: Sequence[str]) -> None:
        super().__init__(message)
        self.found = tuple(found)


@functools.lru_cache(maxsize=16)
def _compile_file(path: str, mtime_ns: int) -> Any:
    import dicomedit

    compile_script = getattr(dicomedit, "compile", None)
    if compile_script is None:
        raise RuntimeError("this dicomedit has no script engine (dicomedit.compile)")
    text = Path(path).read_text(encoding="utf-8")
    return compile_script(text, path)


def compiled(script: Any) -> Any:
    """A compiled script from a path (compiled once per file version) or a compiled script."""
    if isinstance(script, str | os.PathLike):
        path = os.fspath(script)
        return _compile_file(os.path.abspath(path), os.stat(path).st_mtime_ns)
    return script


def _planted_values(dataset: Any, planted: Iterable[Any] | None) -> tuple[Dataset, list[str], list[str]]:
    """(dataset, values, encodings) from a Dataset or a PHIDataset and optional planted values."""
    if hasattr(dataset, "planted") and hasattr(dataset, "dataset"):
        ds = dataset.dataset
        given = list(planted) if planted is not None else list(dataset.planted)
    else:
        ds = dataset
        given = list(planted or [])
    values = [getattr(p, "text", p) for p in given]
    charset = ds.get("SpecificCharacterSet", "")
    names = list(charset) if isinstance(charset, list | tuple | MultiValue) else [charset]
    encodings = list(dict.fromkeys([*convert_encodings(names or [""]), "utf-8", "latin-1"]))
    return ds, [str(v) for v in values if v], encodings


def written_bytes(ds: Dataset) -> bytes:
    """``ds`` as XNAT writes it (group 0002 completed and re-synchronised, spec §8.3)."""
    from ..io import write_dicom

    with tempfile.TemporaryDirectory(prefix="dicomedit-phi-") as tmp:
        target = Path(tmp) / "out.dcm"
        write_dicom(ds, target)
        return target.read_bytes()


def assert_no_phi(
    script: Any,
    dataset: Any,
    planted: Iterable[Any] | None = None,
    *,
    variables: Mapping[str, str | None] | None = None,
) -> bytes:
    """Apply ``script`` to a copy of ``dataset``, write it, and fail if a planted value remains.

    ``planted`` are strings or ``Planted`` values; with a ``PHIDataset`` they default to its own.
    A rejected file passes (XNAT stores nothing); a script error fails. Returns the written bytes.
    """
    ds, values, encodings = _planted_values(dataset, planted)
    outcome = compiled(script).apply(copy.deepcopy(ds), dict(variables or DEFAULT_LABELS))
    status = getattr(outcome.status, "name", str(outcome.status))
    if status == "REJECTED":
        return b""
    if status == "ERROR" or outcome.dataset is None:
        raise AssertionError(f"the script failed on this dataset ({status}): {outcome.message}")
    data = written_bytes(outcome.dataset)
    found, in_values = find_planted(data, values, encodings)
    if found:
        where = "; ".join(f"{value!r} at {path}" for value, path in in_values) or "in the raw bytes"
        raise PHILeak(
            f"{len(found)} identifying value(s) survived the script: {', '.join(map(repr, found))} ({where})",
            found,
        )
    return data


def find_planted(
    data: bytes, values: Sequence[str], encodings: Sequence[str]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Planted values found in written ``data``: in the raw bytes, and in every value read back.

    Returns (values found, (value, tag path) pairs for those found in decoded values).
    """
    import io

    import pydicom

    in_bytes = find_in_bytes(data, values, encodings)
    back = pydicom.dcmread(io.BytesIO(data), force=True)
    in_values = list(dict.fromkeys(_find_in_values(back, values)))
    found = list(dict.fromkeys(in_bytes + [v for v, _ in in_values]))
    return found, in_values


def _find_in_values(ds: Dataset, values: Sequence[str]) -> list[tuple[str, str]]:
    known = KnownValues(tuple(KnownValue(v, 0, "", "") for v in values))
    out: list[tuple[str, str]] = []
    for visit in walk(ds):
        for text in texts(visit.element):
            for hit in known.find(text):
                out.append((hit.text, visit.path))
    return out
