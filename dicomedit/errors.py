"""The exception hierarchy: every error dicomedit raises derives from ``DicomEditError``."""

from __future__ import annotations

import os
from pathlib import Path


class DicomEditError(Exception):
    """Base class of all dicomedit errors."""


class ScriptError(DicomEditError):
    """A script cannot be used: it does not parse, or fails the checks that XNAT would fail."""

    def __init__(self, message: str, diagnostics: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


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


class DicomWriteError(DicomFileError):
    """An output file that could not be written (nothing is left behind)."""


def cannot_read(e: OSError) -> str:
    """What a ``DicomReadError`` says of a file the system cannot read."""
    return f"cannot read the file: {e.strerror or e}"


def cannot_write(target: Path, e: OSError) -> str:
    """What a ``DicomWriteError`` or a failed result says of an output that cannot be written."""
    return f"cannot write {target}: {e.strerror or e}"
