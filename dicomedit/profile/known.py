"""Original identifying values, and searching for them in text, in datasets and in raw bytes.

A value that consists of digits (dates, times, numbers, UIDs) only matches where it is not part of a
longer number: ``20100430`` is found in ``20100430`` and ``x 20100430\\y`` but not inside the digits of
a hashed ``2.25.…`` UID.  Other values match anywhere as substrings, case-sensitively.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.dataset import Dataset

from ..quiet import quiet_pydicom
from .table import Option, Profile, load_profile
from .walk import texts, walk

MIN_SEARCH_LENGTH = 3  # shorter originals (e.g. a sex "M") are only compared where they were
_NUMERIC = re.compile(r"[0-9.+\- ]+")


@dataclass(frozen=True, slots=True)
class KnownValue:
    """An identifying value of an original file, and where it was."""

    text: str
    tag: int
    path: str
    name: str


def _pattern(value: str) -> str:
    escaped = re.escape(value)
    if _NUMERIC.fullmatch(value):
        return rf"(?<![0-9.]){escaped}(?![0-9.])"
    return escaped


@dataclass(slots=True)
class KnownValues:
    """The identifying values of one or more original files."""

    values: tuple[KnownValue, ...]
    source: str | None = None
    _by_text: dict[str, list[KnownValue]] = field(default_factory=dict, repr=False)
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for value in self.values:
            self._by_text.setdefault(value.text, []).append(value)
        searchable = sorted(
            {v.text for v in self.values if len(v.text) >= MIN_SEARCH_LENGTH}, key=len, reverse=True
        )
        if searchable:
            self._regex = re.compile("|".join(f"(?:{_pattern(t)})" for t in searchable))

    @classmethod
    def from_dataset(
        cls,
        ds: Dataset,
        *,
        options: Iterable[Option] = (),
        profile: Profile | None = None,
        source: str | None = None,
    ) -> KnownValues:
        """Values of every attribute the profile does not keep (K), at any depth, group 0002 too."""
        table = profile if profile is not None else load_profile()
        chosen = tuple(options)
        found: list[KnownValue] = []
        kept: list[str] = []
        with quiet_pydicom():
            for visit in walk(ds):
                if visit.is_private:
                    continue
                entry = table.lookup(visit.tag)
                if entry is None or "K" in entry.codes(chosen):
                    kept.extend(texts(visit.element))
                    continue
                for text in texts(visit.element):
                    found.append(KnownValue(text, visit.tag, visit.path, entry.name))
        return cls(tuple(_not_in(found, kept)), source)

    @classmethod
    def merge(cls, many: Sequence[KnownValues], source: str | None = None) -> KnownValues:
        return cls(tuple(v for k in many for v in k.values), source)

    def __len__(self) -> int:
        return len(self.values)

    def find(self, text: str) -> list[KnownValue]:
        """Originals that occur in ``text`` (see the module docstring for the rule)."""
        if self._regex is None or not text:
            return []
        out: list[KnownValue] = []
        seen: set[str] = set()
        for m in self._regex.finditer(text):
            hit = m.group(0)
            if hit not in seen:
                seen.add(hit)
                out.extend(self._by_text.get(hit, []))
        return out

    def equal_at(self, tag: int, text: str) -> list[KnownValue]:
        """Originals of attribute ``tag`` that are exactly ``text`` (catches short values too)."""
        return [v for v in self._by_text.get(text, []) if v.tag == tag]


def _not_in(found: list[KnownValue], kept: list[str]) -> Iterator[KnownValue]:
    """Drop originals that the file also holds in attributes the profile keeps: seeing them in an
    output proves nothing (a weight of 0.000000 next to a gantry tilt of 0.000000, an institution
    named like the manufacturer)."""
    for value in found:
        if len(value.text) >= MIN_SEARCH_LENGTH:
            pattern = re.compile(_pattern(value.text))
            if any(pattern.search(text) for text in kept):
                continue
        yield value


def find_in_bytes(
    data: bytes, values: Iterable[str], encodings: Sequence[str] = ("utf-8",), *, min_numeric: int = 8
) -> list[str]:
    """The ``values`` whose encoded form (in any of ``encodings``) occurs in ``data``.

    Raw bytes have no value boundaries (a length field can be the byte of a digit or a dot), so
    values are matched as plain substrings; digit-only values shorter than ``min_numeric`` would
    match the digits of hashed UIDs by chance and are left to a search of the decoded values.
    """
    found: list[str] = []
    for value in dict.fromkeys(values):
        if not value or (_NUMERIC.fullmatch(value) and len(value) < min_numeric):
            continue
        for encoding in encodings:
            try:
                encoded = value.encode(encoding)
            except (UnicodeEncodeError, LookupError):
                continue
            if encoded in data:
                found.append(value)
                break
    return found


@dataclass(frozen=True, slots=True)
class UnreadableFile:
    """An original (``--known``) that could not be read, and why; it is left out of the index."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Original:
    path: Path
    relative: Path
    sop_instance_uid: str | None
    known: KnownValues


class KnownIndex:
    """Originals (``--known``), matched to each scanned file by SOP Instance UID, path or order."""

    def __init__(self, originals: Sequence[_Original], unreadable: Sequence[UnreadableFile] = ()) -> None:
        self._originals = list(originals)
        self.unreadable = tuple(unreadable)  # originals skipped: the outputs are not compared with them
        self._by_uid: dict[str, list[_Original]] = {}
        self._by_relative: dict[Path, _Original] = {}
        for original in originals:
            self._by_relative.setdefault(original.relative, original)
            if original.sop_instance_uid:
                from ..uid import hash_uid

                self._by_uid.setdefault(original.sop_instance_uid, []).append(original)
                self._by_uid.setdefault(hash_uid(original.sop_instance_uid), []).append(original)
        self._all: KnownValues | None = None

    def __len__(self) -> int:
        """The originals that were read (``unreadable`` lists the others)."""
        return len(self._originals)

    @classmethod
    def add(cls, ds: Dataset, path: Path, relative: Path, options: Iterable[Option]) -> _Original:
        known = KnownValues.from_dataset(ds, options=options, source=os.fspath(path))
        return _Original(path, relative, _sop_instance_uid(ds), known)

    def match(
        self, ds: Dataset, relative: Path | None = None, position: int | None = None, total: int | None = None
    ) -> tuple[KnownValues, str]:
        """The originals to compare ``ds`` with, and how they were chosen."""
        uid = _sop_instance_uid(ds)
        if uid and uid in self._by_uid:
            found = self._by_uid[uid]
            if len(found) == 1:
                return found[0].known, f"{found[0].path} (matched by SOP Instance UID)"
            # copies of one instance: any of them may be the one this file came from
            names = ", ".join(str(o.path) for o in found)
            return KnownValues.merge([o.known for o in found], names), (
                f"{len(found)} originals sharing its SOP Instance UID: {names}"
            )
        if relative is not None and relative in self._by_relative:
            original = self._by_relative[relative]
            return original.known, f"{original.path} (matched by path)"
        if position is not None and total == len(self._originals) and position < total:
            original = self._originals[position]
            return original.known, f"{original.path} (matched by file order)"
        if self._all is None:
            self._all = KnownValues.merge([o.known for o in self._originals], "all known files")
        return self._all, f"all {len(self._originals)} known files (no match by UID, path or order)"


def _sop_instance_uid(ds: Dataset) -> str | None:
    with quiet_pydicom():
        uid = ds.get("SOPInstanceUID")
    return str(uid) if uid else None
