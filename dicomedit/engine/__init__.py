"""The execution engine: runs DicomEdit 6 scripts on pydicom datasets exactly as XNAT does.

Compiling a script does not import pydicom (a third of a second): a script that runs as a
table on the bytes (``dicomedit.direct``) never needs it.  Running one on a dataset does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DicomEditError
from .context import LookupTableError, RunContext
from .errors import EvaluationError
from .outcome import Outcome, Status
from .script import CompiledScript, compile, parse_path_string
from .tagpath import CompiledPath

if TYPE_CHECKING:
    from pydicom.dataset import Dataset


def read_value(dataset: Dataset, path: str) -> str | None:
    """The value a script would read at ``path`` (a singular DE6 tag path such as
    ``"(0008,1110)[0]/(0008,1155)"``), or None when absent; the dataset is not changed."""
    from . import operations
    from .dicomobject import DicomObject

    compiled = parse_path_string(path)
    if compiled is None:
        raise DicomEditError(f"{path!r} is not a DicomEdit tag path")
    try:
        return operations.read(DicomObject(dataset), compiled, reserve=False)
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
