"""The execution engine: runs DicomEdit 6 scripts on pydicom datasets exactly as XNAT does."""

from __future__ import annotations

from pydicom.dataset import Dataset

from ..errors import DicomEditError
from . import operations as _ops
from .context import LookupTableError, RunContext
from .dicomobject import DicomObject
from .errors import EvaluationError
from .outcome import Outcome, Status
from .script import CompiledScript, compile, parse_path_string
from .tagpath import CompiledPath


def read_value(dataset: Dataset, path: str) -> str | None:
    """The value a script would read at ``path`` (a singular DE6 tag path such as
    ``"(0008,1110)[0]/(0008,1155)"``), or None when absent; the dataset is not changed."""
    compiled = parse_path_string(path)
    if compiled is None:
        raise DicomEditError(f"{path!r} is not a DicomEdit tag path")
    try:
        return _ops.read(DicomObject(dataset), compiled, reserve=False)
    except EvaluationError as e:
        raise DicomEditError(e.message) from None


__all__ = [
    "CompiledPath",
    "CompiledScript",
    "LookupTableError",
    "Outcome",
    "RunContext",
    "Status",
    "compile",
    "read_value",
]
