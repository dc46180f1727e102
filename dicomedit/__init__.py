"""dicomedit: check, run and deploy XNAT DicomEdit 6 anonymization scripts exactly as XNAT does."""

from __future__ import annotations

from .check import CheckResult, check
from .diagnostics import Diagnostic, Severity, Span
from .errors import DicomEditError, ScriptError
from .syntax import ast
from .syntax.ast import Script
from .syntax.parser import ParseResult, parse

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Diagnostic",
    "DicomEditError",
    "ParseResult",
    "Script",
    "ScriptError",
    "Severity",
    "Span",
    "__version__",
    "ast",
    "check",
    "parse",
]
