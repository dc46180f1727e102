"""``dicomedit scan``: residual identifying data in output files, judged against Table E.1-1.

Per element (group 0002, sequences and private blocks included):

* an attribute the profile removes (X) that still holds a value;
* a UID the profile replaces (U) that is not under an accepted root (``2.25.`` by default), or that
  equals an original;
* a private element (reported per private block), unless the Retain Safe Private Option is chosen;
* a value equal to, or containing, an identifying value of the originals (``known``);
* (0028,0301) Burned In Annotation = YES, and (0012,0062) Patient Identity Removed not YES.

Attributes the profile empties or replaces by a dummy (Z, D, X/Z …) legitimately hold values; they
can only be judged against the originals, so without ``known`` they are counted as unverified.
Values appear in findings only when asked (``show_values``).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydicom.dataset import Dataset

from ..dictionary import entry
from ..io import DicomReadError, find_inputs, read_dicom
from ..quiet import quiet_pydicom
from .known import KnownIndex, KnownValues, UnreadableFile
from .table import PRIVATE_ATTRIBUTES, Option, Profile, format_tag, load_profile
from .walk import UndecodableValue, Visit, has_value, texts, walk

BURNED_IN_ANNOTATION = 0x00280301
PATIENT_IDENTITY_REMOVED = 0x00120062
DEFAULT_UID_ROOTS = ("2.25.",)


class FindingKind(enum.Enum):
    PROFILE_VALUE = "profile-value"
    UID_NOT_REPLACED = "uid-not-replaced"
    KNOWN_VALUE = "known-value"
    PRIVATE = "private-data"
    BURNED_IN = "burned-in-annotation"
    NOT_MARKED = "identity-not-marked-removed"


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One piece of residual identifying data; ``value`` only when values were asked for."""

    path: str
    tag: int
    kind: FindingKind
    name: str
    action: str | None
    message: str
    value: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "tag": format_tag(self.tag),
            "kind": self.kind.value,
            "attribute": self.name,
            "action": self.action,
            "message": self.message,
        }
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass(frozen=True, slots=True)
class ScanReport:
    """The result for one file (or one dataset, ``path`` None)."""

    path: str | None
    findings: tuple[ScanFinding, ...] = ()
    error: str | None = None  # the file could not be read
    skipped: bool = False  # not a DICOM file met while walking a directory
    unverified: int = 0  # Z/D values that could not be compared with originals
    compared_with: str | None = None

    @property
    def clean(self) -> bool:
        return not self.findings and self.error is None

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "clean": self.clean,
            "error": self.error,
            "skipped": self.skipped,
            "compared_with": self.compared_with,
            "unverified_values": self.unverified,
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class ScanSettings:
    options: tuple[Option, ...] = ()
    show_values: bool = False
    uid_roots: tuple[str, ...] = DEFAULT_UID_ROOTS
    replacements: frozenset[str] = frozenset()  # values a script wrote on purpose (XNAT labels)


def scan_dataset(
    ds: Dataset,
    *,
    options: Iterable[Option] = (),
    known: KnownValues | None = None,
    show_values: bool = False,
    uid_roots: Sequence[str] = DEFAULT_UID_ROOTS,
    replacements: Iterable[str] = (),
    path: str | None = None,
    profile: Profile | None = None,
) -> ScanReport:
    """Scan one dataset; nothing is printed for what the dataset holds.

    A value pydicom cannot decode raises ``UndecodableValue`` (its message quotes no value):
    the dataset cannot be judged.

    ``replacements`` are values a script writes on purpose, such as the XNAT project, subject and
    session labels: an attribute holding only such a value is not reported as a residual value
    (it is still reported when the value equals an original).
    """
    settings = ScanSettings(tuple(options), show_values, tuple(uid_roots), frozenset(replacements))
    scanner = _Scanner(profile if profile is not None else load_profile(), settings, known)
    with quiet_pydicom():
        scanner.run(ds)
    return ScanReport(
        path,
        tuple(scanner.findings),
        unverified=scanner.unverified,
        compared_with=known.source if known is not None else None,
    )


def scan_file(
    path: str | os.PathLike[str],
    *,
    options: Iterable[Option] = (),
    known: KnownValues | None = None,
    show_values: bool = False,
    uid_roots: Sequence[str] = DEFAULT_UID_ROOTS,
    replacements: Iterable[str] = (),
) -> ScanReport:
    """Read and scan one file; an unreadable file (or value) gives a report with ``error`` set."""
    name = os.fspath(path)
    try:
        ds = read_dicom(path)
        return scan_dataset(
            ds,
            options=options,
            known=known,
            show_values=show_values,
            uid_roots=uid_roots,
            replacements=replacements,
            path=name,
        )
    except DicomReadError as e:
        return ScanReport(name, error=e.reason)
    except UndecodableValue as e:
        return ScanReport(name, error=str(e))


class KnownFilesError(ValueError):
    """``--known`` names something that cannot be used; the message says what."""


def load_known(paths: Iterable[str | os.PathLike[str]], *, options: Iterable[Option] = ()) -> KnownIndex:
    """The originals under ``paths`` (files or directories).

    An original that cannot be read is left out and listed in ``unreadable`` with the reason, as
    is a file named in ``paths`` that is not DICOM; other files met in a directory that are not
    DICOM are passed over.  ``KnownFilesError`` when a path does not exist or no original at all
    could be read.
    """
    chosen = tuple(options)
    originals = []
    unreadable: list[UnreadableFile] = []
    for item in paths:
        if not Path(item).exists():
            raise KnownFilesError(f"{os.fspath(item)}: no such file or directory")
        for found in find_inputs([item]):
            try:
                ds = read_dicom(found.path)
                originals.append(KnownIndex.add(ds, found.path, found.relative, chosen))
            except DicomReadError as e:
                if not (e.not_dicom and found.path != Path(item)):
                    unreadable.append(UnreadableFile(e.path, e.reason))
                # else: a stray non-DICOM file in a directory of originals is no original
            except UndecodableValue as e:
                unreadable.append(UnreadableFile(os.fspath(found.path), str(e)))
    if not originals:
        where = ", ".join(os.fspath(p) for p in paths)
        if unreadable:
            why = "; ".join(f"{u.path}: {u.reason}" for u in unreadable)
            raise KnownFilesError(f"no original could be read in {where}: {why}")
        raise KnownFilesError("no DICOM files found in " + where)
    return KnownIndex(originals, unreadable)


def scan_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    options: Iterable[Option] = (),
    known: KnownIndex | None = None,
    show_values: bool = False,
    uid_roots: Sequence[str] = DEFAULT_UID_ROOTS,
    replacements: Iterable[str] = (),
) -> Iterator[ScanReport]:
    """Scan every file under ``paths``; non-DICOM files inside directories are reported as skipped."""
    chosen = tuple(options)
    labels = tuple(replacements)
    inputs = []
    for item in paths:
        given = Path(item)
        for found in find_inputs([item]):
            inputs.append((found, found.path == given))
    total = len(inputs)
    for position, (found, explicit) in enumerate(inputs):
        name = os.fspath(found.path)
        try:
            ds = read_dicom(found.path)
        except DicomReadError as e:
            skipped = e.not_dicom and not explicit
            yield ScanReport(name, error=None if skipped else e.reason, skipped=skipped)
            continue
        originals: KnownValues | None = None
        how = None
        if known is not None:
            originals, how = known.match(ds, found.relative, position, total)
        try:
            report = scan_dataset(
                ds,
                options=chosen,
                known=originals,
                show_values=show_values,
                uid_roots=uid_roots,
                replacements=labels,
                path=name,
            )
        except UndecodableValue as e:
            yield ScanReport(name, error=str(e))
            continue
        yield replace(report, compared_with=how)


@dataclass(slots=True)
class _Scanner:
    profile: Profile
    settings: ScanSettings
    known: KnownValues | None
    findings: list[ScanFinding] = field(default_factory=list)
    unverified: int = 0
    _private_blocks: dict[tuple[str, int, str], tuple[int, Visit]] = field(default_factory=dict)

    def _add(self, visit: Visit, kind: FindingKind, name: str, action: str | None, message: str) -> None:
        value = None
        if self.settings.show_values:
            value = "\\".join(texts(visit.element)[:1]) or ""
        self.findings.append(ScanFinding(visit.path, visit.tag, kind, name, action, message, value))

    def run(self, ds: Dataset) -> None:
        marked = False
        for visit in walk(ds):
            if visit.tag == PATIENT_IDENTITY_REMOVED and visit.depth == 0:
                marked = "YES" in texts(visit.element)
            if visit.is_private:
                self._private(visit)
            else:
                self._public(visit)
            self._known(visit)
        self._flush_private()
        if not marked:
            self.findings.append(
                ScanFinding(
                    format_tag(PATIENT_IDENTITY_REMOVED),
                    PATIENT_IDENTITY_REMOVED,
                    FindingKind.NOT_MARKED,
                    "Patient Identity Removed",
                    None,
                    "(0012,0062) Patient Identity Removed is not YES: the file does not say it was "
                    "de-identified",
                )
            )

    # -- public attributes -------------------------------------------------------------------
    def _public(self, visit: Visit) -> None:
        if visit.tag == BURNED_IN_ANNOTATION and "YES" in texts(visit.element):
            self._add(
                visit,
                FindingKind.BURNED_IN,
                "Burned In Annotation",
                None,
                "the pixel data carry burned-in annotation: identifying text may be in the image",
            )
            return
        entry = self.profile.lookup(visit.tag)
        if entry is None or not has_value(visit.element):
            return
        codes = entry.codes(self.settings.options)
        action = entry.action(self.settings.options)
        if "K" in codes:
            return
        if "U" in codes and visit.element.VR == "UI":
            self._uid(visit, entry.name, action)
            return
        if action.endswith("U*") or "C" in codes:
            return  # a reference sequence whose UIDs are judged one by one; C cannot be verified
        if self.settings.replacements and set(texts(visit.element)) <= self.settings.replacements:
            return
        if codes == {"X"}:
            self._add(
                visit,
                FindingKind.PROFILE_VALUE,
                entry.name,
                action,
                f"still holds a value; the profile removes it ({action})",
            )
        elif self.known is None:
            self.unverified += 1

    def _uid(self, visit: Visit, name: str, action: str) -> None:
        for uid in texts(visit.element):
            if "\\" in uid:
                continue
            if not uid.startswith(self.settings.uid_roots):
                roots = " or ".join(self.settings.uid_roots)
                self._add(
                    visit,
                    FindingKind.UID_NOT_REPLACED,
                    name,
                    action,
                    f"UID not replaced: it is not under {roots} ({action})",
                )
                return

    # -- private data ------------------------------------------------------------------------
    def _private(self, visit: Visit) -> None:
        if Option.RETAIN_SAFE_PRIVATE in self.settings.options or visit.is_creator:
            return
        prefix = visit.path[: len(visit.path) - len(_last_step(visit.path))]
        if _inside_private(prefix):
            return  # counted with the private sequence that holds it
        key = (prefix, visit.tag >> 16, visit.creator or "NULL")
        count, first = self._private_blocks.get(key, (0, visit))
        self._private_blocks[key] = (count + 1, first)

    def _flush_private(self) -> None:
        action = PRIVATE_ATTRIBUTES.action(self.settings.options)
        for (prefix, group, creator), (count, first) in self._private_blocks.items():
            block = f"{prefix}({group:04X},{{{creator}}}xx)"
            plural = "s" if count != 1 else ""
            self.findings.append(
                ScanFinding(
                    block,
                    first.tag,
                    FindingKind.PRIVATE,
                    f"private block {creator}",
                    action,
                    f"{count} private element{plural} of creator {creator!r}; the profile removes "
                    f"private data ({action})",
                )
            )

    # -- original values ---------------------------------------------------------------------
    def _known(self, visit: Visit) -> None:
        if self.known is None:
            return
        hits = []
        for text in texts(visit.element):
            hits += [(h, h.tag == visit.tag and h.text == text) for h in self.known.find(text)]
            hits += [(h, True) for h in self.known.equal_at(visit.tag, text)]
        if not hits:
            return
        if any(same for _, same in hits):
            message = "keeps its original value"
        else:
            sources = list(dict.fromkeys(f"{h.path} {h.name}" for h, _ in hits))
            more = f" and {len(sources) - 2} more" if len(sources) > 2 else ""
            message = f"holds the original value of {', '.join(sources[:2])}{more}"
        entry = self.profile.lookup(visit.tag) if not visit.is_private else None
        name = entry.name if entry is not None else _keyword(visit.tag, visit.creator)
        action = entry.action(self.settings.options) if entry is not None else None
        self._add(visit, FindingKind.KNOWN_VALUE, name, action, message)


def _last_step(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _inside_private(prefix: str) -> bool:
    """Whether a path prefix passes through a private element (a private sequence)."""
    for step in prefix.split("/"):
        if len(step) > 5 and step.startswith("(") and int(step[1:5], 16) % 2 == 1:
            return True
    return False


def _keyword(tag: int, creator: str | None = None) -> str:
    if (tag >> 16) % 2 == 1:
        return f"private element of {creator or 'NULL'}"
    found = entry(tag)
    return found.name if found is not None else format_tag(tag)
