"""Running a script over files and directories: the batch behind ``dicomedit apply``.

* ``find_inputs`` and ``process_file``: the files of a batch, and one file read, run and
  written (by the table path, ``direct``, when the script is a table; else as
  ``dicomfile`` reads and writes it), every failure a result.
* ``read_dicom``, ``write_dicom`` and their errors (``dicomfile``) are here too: a file is
  read or written as XNAT does.

A batch whose every file takes the table path never imports pydicom.
"""

from __future__ import annotations

import dataclasses
import enum
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import direct
from .engine import CompiledScript, Outcome, RunContext, Status
from .engine.table import Bound
from .errors import DicomFileError, DicomReadError, DicomWriteError, cannot_read, cannot_write
from .fsutil import atomic_output, write_pieces
from .quiet import quiet_pydicom

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

    from .dicomfile import PARSE_FAILURE, prepare_file_meta, read_dicom, write_dicom

__all__ = [
    "PARSE_FAILURE",
    "DicomFileError",
    "DicomReadError",
    "DicomWriteError",
    "FileResult",
    "FileStatus",
    "InputFile",
    "colliding_outputs",
    "find_inputs",
    "output_directory_problem",
    "overlapping_output",
    "prepare_file_meta",
    "process_file",
    "read_dicom",
    "write_dicom",
]

_FROM_DICOMFILE = frozenset({"PARSE_FAILURE", "prepare_file_meta", "read_dicom", "write_dicom"})


def __getattr__(name: str) -> Any:
    if name in _FROM_DICOMFILE:  # imported on first use: they need pydicom
        from . import dicomfile

        return getattr(dicomfile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
                    write_pieces(fh.fileno(), output.pieces, source.fd)
            except OSError as e:
                return FileResult(item.path, FileStatus.FAILED, message=cannot_write(target, e))
    except OSError as e:
        return FileResult(item.path, FileStatus.FAILED, message=cannot_read(e))
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
    from .dicomfile import read, write_dicom  # the general path: pydicom's datasets

    try:
        ds, source = read(item.path, fast=fast, defer_pixels=defer)
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
