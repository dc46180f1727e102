"""The expectation checker: evaluates a case's ``expect`` list on the engine's results.

Every assertion is a small JSON object; most name a ``path`` (see ``paths``) and one check:

``equals`` (string, or list joined with ``\\``; every match must be equal) · ``absent`` ·
``present`` · ``empty`` · ``vr`` · ``items`` (sequence item count) · ``count`` (number of matches)
· ``startswith`` · ``bytes`` (raw value, written as latin-1 text) · ``unchanged`` / ``differs``
(against the same path in the input) · ``same_across_instances`` · ``differs_across_instances``
· ``equals_path`` (same value as another path of the output) · ``hash_of_input`` (the §10 hash
of the input value, computed by ``reference``).

Without ``path``: ``status`` (MODIFIED, UNCHANGED, REJECTED, ERROR) · ``message_contains`` ·
``warns`` · ``echoed`` (the list of echo lines) · ``unchanged`` (whole object identical to the
input) · ``pixels`` (``{"regions": [[x0, x1, y0, y1], …], "value": v}``: inside the union of the
half-open rectangles every frame has ``v``, everywhere else the input pixels) ·
``transfer_syntax``.

``instance`` (0-based) limits an assertion to one object; by default it holds for all of them.
When no ``status`` assertion is given every object must come out MODIFIED or UNCHANGED.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from . import reference
from .paths import Found, resolve
from .render import BYTE_VRS, as_text, is_empty, raw_bytes

OK_STATUSES = {"MODIFIED", "UNCHANGED"}
# Written by whatever wrote the file, not by the script: left out of whole-object comparisons.
WRITER_ELEMENTS = frozenset({0x00020000, 0x00020012, 0x00020013})

PATH_CHECKS = {
    "equals", "absent", "present", "empty", "vr", "items", "count", "startswith", "bytes", "unchanged",
    "differs", "same_across_instances", "differs_across_instances", "equals_path", "hash_of_input",
}  # fmt: skip
OBJECT_CHECKS = {"status", "message_contains", "warns", "echoed", "unchanged", "pixels", "transfer_syntax"}


@dataclass
class Result:
    """What the engine did with one object."""

    index: int
    input: Dataset
    status: str
    message: str | None = None
    warnings: tuple[str, ...] = ()
    echoed: tuple[str, ...] = ()
    output: Dataset | None = None


class ExpectationError(ValueError):
    """An assertion object the checker does not understand."""


def check(expectations: Iterable[dict[str, Any]], results: list[Result]) -> list[str]:
    """All failures (empty when every expectation holds)."""
    expectations = list(expectations)
    failures: list[str] = []
    if not any("status" in e for e in expectations):
        for r in results:
            if r.status not in OK_STATUSES:
                failures.append(f"[{r.index}] status {r.status}: {r.message}")
    for expectation in expectations:
        selected = _select(expectation, results)
        if "path" in expectation:
            failures.extend(_check_path(expectation, selected))
        else:
            failures.extend(_check_object(expectation, selected))
    return failures


def _select(expectation: dict[str, Any], results: list[Result]) -> list[Result]:
    if "instance" in expectation:
        return [r for r in results if r.index == expectation["instance"]]
    return results


def _keys(expectation: dict[str, Any], allowed: set[str]) -> list[str]:
    keys = [k for k in expectation if k not in {"path", "instance", "why"}]
    unknown = set(keys) - allowed
    if unknown or not keys:
        raise ExpectationError(f"cannot read assertion {expectation!r}")
    return keys


# --- object-level checks -------------------------------------------------------------------


def _check_object(expectation: dict[str, Any], results: list[Result]) -> list[str]:
    failures = []
    for key in _keys(expectation, OBJECT_CHECKS):
        want = expectation[key]
        for r in results:
            problem = _object_problem(key, want, r)
            if problem:
                failures.append(f"[{r.index}] {problem}")
    return failures


def _object_problem(key: str, want: Any, r: Result) -> str | None:
    if key == "status":
        return None if r.status == want else f"status {r.status} (message {r.message!r}), expected {want}"
    if key == "message_contains":
        return None if r.message and want in r.message else f"message {r.message!r} does not contain {want!r}"
    if key == "warns":
        return (
            None
            if bool(r.warnings) == bool(want)
            else f"warnings {list(r.warnings)!r}, expected some: {want}"
        )
    if key == "echoed":
        return None if list(r.echoed) == list(want) else f"echoed {list(r.echoed)!r}, expected {want!r}"
    if r.output is None:
        return f"no output dataset (status {r.status}: {r.message})"
    if key == "unchanged":
        diffs = compare_datasets(r.input, r.output)
        return None if not diffs else "object changed: " + "; ".join(diffs[:8])
    if key == "pixels":
        return _pixel_problem(want, r.input, r.output)
    if key == "transfer_syntax":
        found = str(r.output.file_meta.TransferSyntaxUID)
        return None if found == want else f"transfer syntax {found}, expected {want}"
    raise ExpectationError(key)


def _pixel_problem(want: dict[str, Any], before: Dataset, after: Dataset) -> str | None:
    original = np.asarray(before.pixel_array)
    edited = np.asarray(after.pixel_array)
    if original.shape != edited.shape:
        return f"pixel array shape {edited.shape}, expected {original.shape}"
    rows, cols = original.shape[-2:]
    mask = np.zeros((rows, cols), dtype=bool)
    for x0, x1, y0, y1 in want["regions"]:
        mask[max(y0, 0) : min(y1, rows), max(x0, 0) : min(x1, cols)] = True
    expected = original.copy()
    expected[..., mask] = want["value"]
    wrong = np.argwhere(expected != edited)
    if len(wrong) == 0:
        return None
    first = tuple(int(v) for v in wrong[0])
    return f"{len(wrong)} pixels differ from the expected image, first at index {first}"


# --- path checks ---------------------------------------------------------------------------


def _check_path(expectation: dict[str, Any], results: list[Result]) -> list[str]:
    path = expectation["path"]
    failures = []
    keys = _keys(expectation, PATH_CHECKS)
    for key in keys:
        if key in {"same_across_instances", "differs_across_instances"}:
            problem = _across(key, path, results)
            if problem:
                failures.append(problem)
            continue
        for r in results:
            if r.output is None:
                failures.append(f"[{r.index}] {path}: no output dataset (status {r.status}: {r.message})")
                continue
            problem = _path_problem(key, expectation[key], path, r)
            if problem:
                failures.append(f"[{r.index}] {path}: {problem}")
    return failures


def _texts(found: list[Found]) -> list[str]:
    return [as_text(f.element) if f.element is not None else "<item>" for f in found]


def _path_problem(key: str, want: Any, path: str, r: Result) -> str | None:
    assert r.output is not None
    found = resolve(r.output, path)
    if key == "absent":
        return None if not found else f"expected absent, found {_texts(found)!r}"
    if key == "count":
        return None if len(found) == want else f"{len(found)} matches, expected {want}"
    if not found:
        return "absent"
    if key == "present":
        return None
    if key == "empty":
        bad = [f for f in found if not _node_empty(f)]
        return None if not bad else f"expected empty, found {_texts(bad)!r}"
    before = resolve(r.input, path)
    if key in {"unchanged", "differs", "hash_of_input"} and len(before) != len(found):
        return f"{len(found)} matches in the output, {len(before)} in the input"
    if key == "unchanged":
        diffs = [d for b, a in zip(before, found, strict=True) for d in _node_diffs(path, b, a)]
        return None if not diffs else "; ".join(diffs[:5])
    elements = [f.element for f in found if f.element is not None]
    if len(elements) != len(found):
        return f"{key} needs elements, the path names an item"
    if key == "equals":
        text = "\\".join(want) if isinstance(want, list) else want
        got = [as_text(e) for e in elements]
        return None if all(g == text for g in got) else f"expected {text!r}, found {got!r}"
    if key == "startswith":
        got = [as_text(e) for e in elements]
        return (
            None
            if all(g.startswith(want) for g in got)
            else f"expected to start with {want!r}, found {got!r}"
        )
    if key == "vr":
        got = [e.VR for e in elements]
        return None if all(v == want for v in got) else f"VR {got}, expected {want}"
    if key == "items":
        got = [len(e.value or []) if e.VR == "SQ" else None for e in elements]
        return None if all(n == want for n in got) else f"item counts {got}, expected {want}"
    if key == "bytes":
        expected = want.encode("latin-1")
        got = [raw_bytes(e) for e in elements]
        return None if all(g == expected for g in got) else f"bytes {got!r}, expected {expected!r}"
    if key == "equals_path":
        other = _texts(resolve(r.output, want))
        got = _texts(found)
        return (
            None if other and all(g == other[0] for g in got) else f"{got!r} differs from {want} = {other!r}"
        )
    if key == "differs":
        same = [t for t, b in zip(_texts(found), _texts(before), strict=True) if t == b]
        return None if not same else f"expected a new value, still {same!r}"
    if key == "hash_of_input":
        expected = [reference.hash_uid(t) for t in _texts(before)]
        got = _texts(found)
        return None if got == expected else f"expected {expected!r}, found {got!r}"
    raise ExpectationError(key)


def _node_empty(found: Found) -> bool:
    if found.element is None:
        return found.item is not None and len(found.item) == 0
    return is_empty(found.element)


def _node_diffs(where: str, before: Found, after: Found) -> list[str]:
    if before.element is not None and after.element is not None:
        return _element_diffs(where, before.element, after.element)
    if before.item is not None and after.item is not None:
        return compare_datasets(before.item, after.item, where)
    return [f"{where}: element/item mismatch"]


def _across(key: str, path: str, results: list[Result]) -> str | None:
    values = []
    for r in results:
        if r.output is None:
            return f"{path}: instance {r.index} has no output (status {r.status}: {r.message})"
        found = resolve(r.output, path)
        if not found:
            return f"{path}: absent in instance {r.index}"
        values.append(tuple(_texts(found)))
    distinct = len(set(values))
    if key == "same_across_instances":
        return None if distinct == 1 else f"{path}: differs between instances: {values!r}"
    return None if distinct == len(values) else f"{path}: equal in several instances: {values!r}"


# --- whole-object comparison ---------------------------------------------------------------


def compare_datasets(before: Dataset, after: Dataset, where: str = "") -> list[str]:
    """Differences between two datasets (file meta included at the top level)."""
    diffs = _compare_level(before, after, where)
    if not where:
        diffs.extend(_compare_level(_meta(before), _meta(after), "", skip=WRITER_ELEMENTS))
    return diffs


def _meta(ds: Dataset) -> Dataset:
    meta = getattr(ds, "file_meta", None)
    return meta if meta is not None else Dataset()


def _compare_level(
    before: Dataset, after: Dataset, where: str, skip: frozenset[int] = frozenset()
) -> list[str]:
    diffs: list[str] = []
    tags = sorted(set(before.keys()) | set(after.keys()))
    for tag in tags:
        if tag in skip:
            continue
        here = (
            f"{where}/({tag.group:04X},{tag.element:04X})"
            if where
            else f"({tag.group:04X},{tag.element:04X})"
        )
        if tag not in after:
            diffs.append(f"{here} removed")
        elif tag not in before:
            diffs.append(f"{here} added")
        else:
            diffs.extend(_element_diffs(here, before[tag], after[tag]))
    return diffs


def _element_diffs(where: str, before: Any, after: Any) -> list[str]:
    if before.VR != after.VR:
        return [f"{where}: VR {before.VR} → {after.VR}"]
    if before.VR == "SQ":
        items_before, items_after = list(before.value or []), list(after.value or [])
        if len(items_before) != len(items_after):
            return [f"{where}: {len(items_before)} items → {len(items_after)}"]
        return [
            d
            for i, (b, a) in enumerate(zip(items_before, items_after, strict=True))
            for d in _compare_level(b, a, f"{where}[{i}]")
        ]
    if before.VR in BYTE_VRS:
        return [] if raw_bytes(before) == raw_bytes(after) else [f"{where}: bytes changed"]
    b, a = as_text(before), as_text(after)
    return [] if b == a else [f"{where}: {b!r} → {a!r}"]
