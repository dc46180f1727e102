"""dicomedit: check, run and deploy XNAT DicomEdit 6 anonymization scripts exactly as XNAT does.

The public API is importable from here.  Names are loaded on first use, so that ``dicomedit
check`` does not pay for pydicom, numpy and the HTTP stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The front end is light and loaded now (a submodule import would otherwise shadow the
# function of the same name: dicomedit.check); everything that needs pydicom loads on use.
from .check import CheckResult, check
from .diagnostics import Diagnostic, Severity, Span
from .errors import DicomEditError, ScriptError
from .syntax import ast
from .syntax.ast import Script
from .syntax.parser import ParseResult, parse

__version__ = "0.1.0"

# public name -> module that defines it, imported on first use
_EXPORTS: dict[str, str] = {
    "DistributedError": "distributed",
    "apply_on_dask": "distributed",
    "CompiledScript": "engine",
    "Outcome": "engine",
    "RunContext": "engine",
    "Status": "engine",
    "compile": "engine",
    "read_value": "engine",
    "FileResult": "io",
    "FileStatus": "io",
    "ParallelError": "parallel",
    "apply_files": "parallel",
    "LintReport": "profile",
    "Option": "profile",
    "Profile": "profile",
    "ProfileEntry": "profile",
    "ScanFinding": "profile",
    "ScanReport": "profile",
    "lint": "profile",
    "load_profile": "profile",
    "scan_dataset": "profile",
    "scan_file": "profile",
}

if TYPE_CHECKING:
    from .distributed import DistributedError, apply_on_dask
    from .engine import CompiledScript, Outcome, RunContext, Status, compile, read_value
    from .io import FileResult, FileStatus
    from .parallel import ParallelError, apply_files
    from .profile import (
        LintReport,
        Option,
        Profile,
        ProfileEntry,
        ScanFinding,
        ScanReport,
        load_profile,
        scan_dataset,
        scan_file,
    )
    from .profile.lint import lint


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dicomedit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "CheckResult",
    "CompiledScript",
    "Diagnostic",
    "DicomEditError",
    "DistributedError",
    "FileResult",
    "FileStatus",
    "LintReport",
    "Option",
    "Outcome",
    "ParallelError",
    "ParseResult",
    "Profile",
    "ProfileEntry",
    "RunContext",
    "ScanFinding",
    "ScanReport",
    "Script",
    "ScriptError",
    "Severity",
    "Span",
    "Status",
    "__version__",
    "apply_files",
    "apply_on_dask",
    "ast",
    "check",
    "compile",
    "lint",
    "load_profile",
    "parse",
    "read_value",
    "scan_dataset",
    "scan_file",
]
