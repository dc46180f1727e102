"""The exception hierarchy: every error dicomedit raises derives from ``DicomEditError``."""

from __future__ import annotations


class DicomEditError(Exception):
    """Base class of all dicomedit errors."""


class ScriptError(DicomEditError):
    """A script cannot be used: it does not parse, or fails the checks that XNAT would fail."""

    def __init__(self, message: str, diagnostics: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics
