"""Reading and writing DICOM files, and running a script over files and directories.

* ``read_dicom``: a Part 10 file, or a bare dataset without preamble; anything else, and
  truncated files, give a ``DicomReadError`` that says what is wrong (never a traceback).
* ``write_dicom``: written as XNAT writes (spec §8.3): group 0002 completed and re-synchronised,
  the transfer syntax kept (Explicit VR Little Endian when absent or after ``alterPixels``),
  through a temporary file in the target directory renamed into place, so no partial file is
  ever left.
* ``find_inputs`` and ``process_file``: the batch behind ``dicomedit apply``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian

from . import direct, fastpath
from .engine import CompiledScript, Outcome, RunContext, Status
from .engine.dicomobject import DicomObject, sync_file_meta
from .engine.elements import element, members
from .engine.table import Bound
from .errors import DicomEditError
from .fsutil import atomic_output
from .quiet import quiet_pydicom

UNDEFINED_LENGTH = 0xFFFFFFFF


class DicomFileError(DicomEditError):
    """A file that cannot be read or written.

    ``reason`` says what is wrong without quoting the data; ``detail`` is the message of the
    library that failed, which may quote values (shown only when values are asked for).
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, *, detail: str | None = None) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason
        self.detail = detail

    @property
    def reason_in_full(self) -> str | None:
        """``reason`` followed by ``detail`` (values included), or None without a detail."""
        return None if self.detail is None else f"{self.reason}: {self.detail}"


class DicomReadError(DicomFileError):
    """A file that cannot be used as DICOM input; ``not_dicom`` means it is some other file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        reason: str,
        *,
        not_dicom: bool = False,
        detail: str | None = None,
    ) -> None:
        super().__init__(path, reason, detail=detail)
        self.not_dicom = not_dicom


def _kind(e: BaseException) -> str:
    cls = type(e)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


PARSE_FAILURE = "cannot parse the DICOM data"


def _unparseable(path: str | os.PathLike[str], e: Exception) -> DicomReadError:
    return DicomReadError(path, f"{PARSE_FAILURE} ({_kind(e)})", detail=str(e) or None)


def _cannot_read(e: OSError) -> str:
    return f"cannot read the file: {e.strerror or e}"


def _cannot_write(target: Path, e: OSError) -> str:
    return f"cannot write {target}: {e.strerror or e}"


class DicomWriteError(DicomFileError):
    """An output file that could not be written (nothing is left behind)."""


def _looks_like_bare_dataset(head: bytes) -> bool:
    """A dataset without preamble starts with a group 0002 or 0008 element (either endianness)."""
    if len(head) < 8:
        return False
    little = int.from_bytes(head[0:2], "little")
    big = int.from_bytes(head[0:2], "big")
    return little in (0x0002, 0x0008) or big == 0x0008


def read_dicom(path: str | os.PathLike[str]) -> Dataset:
    """Read a DICOM file (with or without preamble and file meta information)."""
    return _read(path, fast=False)[0]


def _read(
    path: str | os.PathLike[str], *, fast: bool, defer_pixels: bool = False
) -> tuple[Dataset, fastpath.Source | None]:
    """The dataset, and with ``fast`` the fast path's record of the file when it could read it
    (``defer_pixels``: large pixel data may stay in the file until the output is written)."""
    source = None
    if fast:
        try:
            source = fastpath.read(path, defer_pixels=defer_pixels)
        except OSError as e:
            raise DicomReadError(path, _cannot_read(e)) from None
    if source is not None:
        ds: Dataset = source.dataset
    else:
        ds = _read_general(path)
    try:
        with quiet_pydicom():
            _check_complete(path, ds, source.size if source is not None else None)
            _match_encoding(ds)
    except DicomReadError:
        raise
    except Exception as e:  # an element pydicom cannot convert
        raise _unparseable(path, e) from None
    return ds, source


def _read_general(path: str | os.PathLike[str]) -> Dataset:
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError as e:
        raise DicomReadError(path, _cannot_read(e)) from None
    has_prefix = len(head) >= 132 and head[128:132] == b"DICM"
    if not has_prefix and not _looks_like_bare_dataset(head):
        raise DicomReadError(
            path, "not a DICOM file (no DICM prefix and no dataset at the start)", not_dicom=True
        )
    try:
        with quiet_pydicom():
            ds: Dataset = pydicom.dcmread(path, force=not has_prefix)
    except OSError as e:
        raise DicomReadError(path, _cannot_read(e)) from None
    except Exception as e:  # pydicom's reader: bad structure, broken deflate data, and the like
        raise _unparseable(path, e) from None
    return ds


def _match_encoding(ds: Dataset) -> None:
    """Some files are encoded otherwise than their transfer syntax says; pydicom then reads the
    elements correctly but records the declared encoding, and could not write them back."""
    elements = members(ds)
    for tag in sorted(elements, key=int):
        elem = element(ds, tag)  # as Dataset.elements(): an unread value is converted
        if isinstance(elem, RawDataElement):
            actual = (elem.is_implicit_VR, elem.is_little_endian)
            if actual != ds.original_encoding:
                ds.set_original_encoding(actual[0], actual[1], ds.original_character_set)
            return


def _check_complete(path: str | os.PathLike[str], ds: Dataset, size: int | None = None) -> None:
    """pydicom reads a truncated file without complaint: compare declared and read lengths."""
    elements = members(ds)
    if not elements:
        raise DicomReadError(path, "the file holds no DICOM elements")
    last: RawDataElement | None = None
    for tag in sorted(elements, key=int):
        elem = elements[tag]
        if type(elem) is not RawDataElement:
            continue
        if elem.value is None:
            element(ds, tag)  # as Dataset.elements(): an unread value is converted
            continue
        if elem.length == UNDEFINED_LENGTH:
            continue
        if len(elem.value) < elem.length:
            raise DicomReadError(
                path,
                f"the file is truncated: element ({elem.tag.group:04X},{elem.tag.element:04X}) declares "
                f"{elem.length} bytes but only {len(elem.value)} are there",
            )
        last = elem
    # pydicom also stops quietly at an element header cut short: bytes would be left over.
    size = os.path.getsize(path) if size is None else size
    if last is not None and last.value_tell is not None and isinstance(last.value, bytes):
        end = last.value_tell + len(last.value)
        if end < size and max(elements, key=int) == last.tag:
            raise DicomReadError(
                path,
                f"the file is truncated: {size - end} bytes after the last complete element cannot be read",
            )


def prepare_file_meta(ds: Dataset) -> None:
    """Group 0002 as XNAT writes it: a transfer syntax (Explicit VR Little Endian by default) and
    (0002,0002)/(0002,0003) taken from (0008,0016)/(0008,0018) (spec §8.3)."""
    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = FileMetaDataset()
        ds.file_meta = meta
    if "TransferSyntaxUID" not in meta:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    sync_file_meta(DicomObject(ds))
    _keep_text_bytes(ds)


def _keep_text_bytes(ds: Dataset) -> None:
    """Text the script did not write keeps its bytes, as in XNAT, even when the script changed
    (0008,0005): pydicom would decode it with the old and re-encode it with the new character
    set.  Sequences still undecoded are copied as bytes anyway."""
    current = ds._character_set
    if ds.original_character_set != current:
        implicit, little = ds.original_encoding
        ds.set_original_encoding(implicit, little, current)
    for elem in members(ds).values():
        if type(elem) is not RawDataElement and elem.VR == "SQ":
            for item in cast(DicomSequence, elem.value):
                _keep_text_bytes(item)


def write_dicom(ds: Dataset, path: str | os.PathLike[str], *, source: fastpath.Source | None = None) -> bool:
    """Write ``ds`` to ``path`` atomically: a temporary file in the same directory, renamed.

    ``source`` is the fast path's record of the file ``ds`` was read from: the bytes are then
    those pydicom would write, with the untouched elements copied from the file.  Returns
    whether the fast path wrote them.
    """
    target = Path(path)
    try:
        with quiet_pydicom(), atomic_output(target, durable=False) as fh:
            prepare_file_meta(ds)
            return _write(ds, fh, source)
    except OSError as e:
        raise DicomWriteError(target, _cannot_write(target, e)) from None
    except Exception as e:  # pydicom cannot encode what the dataset holds
        reason = f"cannot write {target}: pydicom cannot encode the data ({_kind(e)})"
        raise DicomWriteError(target, reason, detail=str(e) or None) from None


def _write(ds: Dataset, fh: BinaryIO, source: fastpath.Source | None) -> bool:
    enforce = _has_required_meta(ds)
    pieces = fastpath.encode(ds, source, enforce_file_format=enforce) if source is not None else None
    if pieces is not None:
        assert source is not None
        _write_all(fh.fileno(), pieces, source.path)
        return True
    if source is not None:
        source.materialize(ds)
    with quiet_pydicom():
        # the encoding follows (0002,0010): kept from the input, or set by alterPixels
        pydicom.dcmwrite(fh, ds, enforce_file_format=enforce)
    return False


_IOV_MAX = 1024


def _write_all(fd: int, pieces: list[fastpath.Piece | fastpath.FileRange], source: str | int) -> None:
    """Write the pieces in order with as few system calls as the kernel allows; ranges of the
    source file (a path, or a descriptor open on it) are copied file to file."""
    batch: list[fastpath.Piece] = []
    file_range = fastpath.FileRange
    with contextlib.ExitStack() as stack:
        source_fd: int | None = source if isinstance(source, int) else None
        for piece in pieces:
            if piece.__class__ is not file_range:
                if piece:  # an empty value: nothing to write
                    batch.append(cast(fastpath.Piece, piece))
                continue
            assert isinstance(piece, fastpath.FileRange)
            _writev_all(fd, batch)
            batch = []
            if source_fd is None:
                assert isinstance(source, str)
                source_fd = os.open(source, os.O_RDONLY)
                stack.callback(os.close, source_fd)
            _copy_range(source_fd, fd, piece.offset, piece.length)
        _writev_all(fd, batch)


def _writev_all(fd: int, pieces: list[fastpath.Piece]) -> None:
    while pieces:
        batch = pieces[:_IOV_MAX]
        written = os.writev(fd, batch)
        if written == sum(map(len, batch)):  # the usual case: all of it
            pieces = pieces[len(batch) :]
            continue
        done = 0
        while done < len(batch) and written >= len(batch[done]):
            written -= len(batch[done])
            done += 1
        pieces = pieces[done:]
        if written:
            pieces[0] = memoryview(pieces[0])[written:]  # the rest of a piece written in part


def _copy_range(source_fd: int, fd: int, offset: int, length: int) -> None:
    copy = getattr(os, "copy_file_range", None)
    while length > 0:
        copied = 0
        if copy is not None:
            with contextlib.suppress(OSError):  # e.g. across file systems on older kernels
                copied = copy(source_fd, fd, length, offset)
        if copied <= 0:
            data = os.pread(source_fd, min(length, 1 << 20), offset)
            if not data:
                raise OSError(f"the input shrank while it was copied (at byte {offset})")
            _writev_all(fd, [memoryview(data)])
            copied = len(data)
        offset += copied
        length -= copied


def _has_required_meta(ds: Dataset) -> bool:
    """A dataset without SOP Class/Instance UIDs cannot get a conformant file meta group: it is
    written with the group it has and a preamble, as XNAT writes it."""
    meta = ds.file_meta
    if meta.get("MediaStorageSOPClassUID") and meta.get("MediaStorageSOPInstanceUID"):
        return True
    if getattr(ds, "preamble", None) is None:
        ds.preamble = b"\x00" * 128
    return False


# ---------------------------------------------------------------------------------------------
# batches


@dataclass(frozen=True, slots=True)
class InputFile:
    path: Path
    relative: Path  # where the output goes under the output directory


def find_inputs(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[InputFile]:
    """Files as given, and every file under each directory (recursively, sorted)."""
    for item in inputs:
        root = Path(item)
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                folder = Path(dirpath)
                relative = folder.relative_to(root)
                for name in sorted(filenames):
                    yield InputFile(folder / name, relative / name)
        else:
            yield InputFile(root, Path(root.name))


def overlapping_output(
    inputs: Iterable[str | os.PathLike[str]], output: str | os.PathLike[str]
) -> str | None:
    """Why writing to ``output`` could overwrite an input, or None when it is safe."""
    out = Path(output).resolve()
    for item in inputs:
        src = Path(item).resolve()
        if src.is_dir():
            if out == src:
                return f"the output directory {output} is the input directory {item}"
            if out.is_relative_to(src):
                return f"the output directory {output} is inside the input directory {item}"
        elif src.parent == out:
            return f"the output directory {output} holds the input file {item}, which would be overwritten"
    return None


def colliding_outputs(inputs: Sequence[str | os.PathLike[str]]) -> str | None:
    """Why two inputs would be written to the same output file, or None.

    Each input file goes to its name, each file under an input directory to its path relative
    to that directory: inputs ``a/x.dcm`` and ``b/x.dcm``, or directories holding the same
    relative path, collide.  One input never does; several are walked once to find out.
    """
    if len(inputs) < 2:
        return None
    roots = [Path(item) for item in inputs]
    directories = [root for root in roots if root.is_dir()]
    seen_names: dict[Path, Path] = {}
    for root in roots:
        if root.is_dir():
            continue
        name = Path(root.name)
        first = seen_names.setdefault(name, root)
        if first != root:
            return f"the inputs {first} and {root} would both be written to {name}"
    for i, directory in enumerate(directories):
        others = directories[i + 1 :]
        for item in find_inputs([directory]):
            if item.relative in seen_names:
                clash = seen_names[item.relative]
                return f"the inputs {clash} and {item.path} would both be written to {item.relative}"
            for other in others:
                if (other / item.relative).is_file():
                    return (
                        f"the inputs {item.path} and {other / item.relative} would both be written "
                        f"to {item.relative}"
                    )
    return None


def output_directory_problem(output: str | os.PathLike[str]) -> str | None:
    """Why files cannot be written under ``output``, or None; nothing is created here."""
    target = Path(output).absolute()
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot create the output directory {output}: {existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        action = "write into" if existing == target else "create"
        return f"cannot {action} the output directory {output}: {existing} is not writable"
    return None


class FileStatus(enum.Enum):
    WRITTEN = "written"  # modified or unchanged, output written (or would be, in a dry run)
    REJECTED = "rejected"
    SKIPPED = "skipped"  # not a DICOM file
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class FileResult:
    source: Path
    status: FileStatus
    output: Path | None = None
    message: str | None = None  # what went wrong, never quoting a data value
    tag_path: str | None = None
    line: int | None = None
    modified: bool = False
    warnings: tuple[str, ...] = ()
    echoed: tuple[str, ...] = ()
    before: Dataset | None = field(default=None, repr=False)  # dry runs: the input, for a diff
    after: Dataset | None = field(default=None, repr=False)
    fast_path: bool = False  # read and written by the fast path (``dicomedit.fastpath``)
    summary: str | None = None  # dry runs in another process: the changes, counted
    detail: str | None = None  # ``message`` in full, quoting data values (which may identify a patient)


def process_file(
    script: CompiledScript,
    item: InputFile,
    output_dir: str | os.PathLike[str] | None,
    *,
    variables: Mapping[str, str | None] | None = None,
    run: RunContext | None = None,
    dry_run: bool = False,
    fast: bool = True,
) -> FileResult:
    """Read, apply, write one file; every failure becomes a result, never an exception.

    ``fast`` lets the fast path read and write the file when it can (``dicomedit.fastpath``);
    the output bytes are the same either way.  pydicom's warnings (which quote values) are
    kept off the terminal throughout.
    """
    fast = fast and not dry_run and not script.plan.edits_pixels  # pixel edits re-encode the file
    # Pixel data the script never reads stay in the file until the output is written.
    defer = fast and not script.plan.reads_pixel_data and (run is None or run.echo is None)
    target = Path(output_dir) / item.relative if output_dir is not None else None
    with quiet_pydicom():
        table = script.table.bind(variables or {}) if fast and target is not None and script.table else None
        result = _run_direct(table, item, target) if table is not None and target is not None else None
        if result is None:
            result = _run_one(script, item, target, variables, run, dry_run, fast, defer)
    if result.status in (FileStatus.FAILED, FileStatus.REJECTED) and target is not None and not dry_run:
        return _without_stale_output(result, target)
    return result


def _run_direct(table: Bound, item: InputFile, target: Path) -> FileResult | None:
    """The file run by ``dicomedit.direct``, or None when the general path must run it."""
    try:
        with direct.Source(item.path) as source:
            output = source.run(table)
            if output is None:
                return None
            try:
                with atomic_output(target, durable=False) as fh:
                    _write_all(fh.fileno(), output.pieces, source.fd)
            except OSError as e:
                return FileResult(item.path, FileStatus.FAILED, message=_cannot_write(target, e))
    except OSError as e:
        return FileResult(item.path, FileStatus.FAILED, message=_cannot_read(e))
    return FileResult(item.path, FileStatus.WRITTEN, output=target, modified=output.modified, fast_path=True)


def _without_stale_output(result: FileResult, target: Path) -> FileResult:
    """A file this run did not write must not keep the output of an earlier run: it may hold
    data that this script (now) rejects or fails on."""
    try:
        if not target.is_file() or target.is_symlink():
            return result
        target.unlink()
    except OSError as e:
        note = f"an output of an earlier run is left at {target}: it cannot be removed ({e.strerror or e})"
    else:
        note = f"removed {target}, left by an earlier run: this run did not write it"
    return dataclasses.replace(result, warnings=(*result.warnings, note))


def _run_one(
    script: CompiledScript,
    item: InputFile,
    target: Path | None,
    variables: Mapping[str, str | None] | None,
    run: RunContext | None,
    dry_run: bool,
    fast: bool,
    defer: bool,
) -> FileResult:
    try:
        ds, source = _read(item.path, fast=fast, defer_pixels=defer)
    except DicomReadError as e:
        status = FileStatus.SKIPPED if e.not_dicom else FileStatus.FAILED
        return FileResult(item.path, status, message=e.reason, detail=e.reason_in_full)
    outcome: Outcome = script.apply(ds, variables, in_place=not dry_run, run=run)
    if outcome.status is Status.ERROR and source is not None and source.deferred:
        # Not expected (the plan says the pixel data are not read), but never guessed at: the
        # general path runs the file again.
        return _run_one(script, item, target, variables, run, False, False, False)
    common = {
        "message": outcome.safe_message,
        "detail": outcome.message if outcome.message != outcome.safe_message else None,
        "tag_path": outcome.tag_path,
        "line": outcome.line,
        "warnings": outcome.warnings,
        "echoed": outcome.echoed,
    }
    if outcome.status is Status.ERROR:
        return FileResult(item.path, FileStatus.FAILED, **common)  # type: ignore[arg-type]
    if outcome.status is Status.REJECTED:
        return FileResult(item.path, FileStatus.REJECTED, **common)  # type: ignore[arg-type]
    assert outcome.dataset is not None
    modified = outcome.status is Status.MODIFIED
    if dry_run:
        return FileResult(
            item.path,
            FileStatus.WRITTEN,
            output=target,
            modified=modified,
            before=ds,
            after=outcome.dataset,
            **common,  # type: ignore[arg-type]
        )
    fast_path = False
    if target is not None:
        try:
            fast_path = write_dicom(outcome.dataset, target, source=source)
        except DicomWriteError as e:
            return FileResult(
                item.path,
                FileStatus.FAILED,
                message=e.reason,
                detail=e.reason_in_full,
                warnings=outcome.warnings,
            )
    return FileResult(
        item.path,
        FileStatus.WRITTEN,
        output=target,
        modified=modified,
        fast_path=fast_path,
        **common,  # type: ignore[arg-type]
    )
