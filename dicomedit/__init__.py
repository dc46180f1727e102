"""dicomedit: check, run and deploy XNAT DicomEdit 6 anonymization scripts exactly as XNAT does."""

from __future__ import annotations

from .check import CheckResult, check
from .diagnostics import Diagnostic, Severity, Span
from .distributed import DistributedError, apply_on_dask
from .engine import CompiledScript, Outcome, RunContext, Status, compile, read_value
from .errors import DicomEditError, ScriptError
from .io import FileResult, FileStatus
from .parallel import ParallelError, apply_files
from .profile import (
    LintReport,
    Option,
    Profile,
    ProfileEntry,
    ScanFinding,
    ScanReport,
    lint,
    load_profile,
    scan_dataset,
    scan_file,
)
from .syntax import ast
from .syntax.ast import Script
from .syntax.parser import ParseResult, parse

__version__ = "0.1.0"

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
