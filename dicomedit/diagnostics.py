"""One diagnostic type for parser errors, checks and lint, and its two renderers."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A region of the *original* script text: 1-based lines and columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(line: int, column: int) -> Span:
        return Span(line, column, line, column + 1)

    def to(self, other: Span) -> Span:
        """The span from the start of ``self`` to the end of ``other``."""
        return Span(self.line, self.column, other.end_line, other.end_column)


NO_SPAN = Span(0, 0, 0, 0)


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A finding about a script: where, how bad, what is wrong and what to do."""

    severity: Severity
    code: str
    message: str
    span: Span = NO_SPAN
    hint: str | None = None
    path: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def with_path(self, path: str | None) -> Diagnostic:
        return Diagnostic(self.severity, self.code, self.message, self.span, self.hint, path)

    def promoted(self) -> Diagnostic:
        """This diagnostic as an error (``--strict``)."""
        if self.severity is Severity.ERROR:
            return self
        return Diagnostic(Severity.ERROR, self.code, self.message, self.span, self.hint, self.path)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.path or "", d.span.line, d.span.column, d.code)


def _caret_lines(source_lines: Sequence[str], span: Span) -> list[str]:
    if span.line < 1 or span.line > len(source_lines):
        return []
    text = source_lines[span.line - 1].rstrip("\r\n")
    if any(ord(ch) < 32 and ch != "\t" for ch in text):
        return []  # not text: never echo binary content
    start = max(span.column - 1, 0)
    if span.end_line == span.line:
        width = max(span.end_column - span.column, 1)
    else:
        width = max(len(text) - start, 1)
    # keep tabs so that the caret lines up under the same character
    prefix = "".join(ch if ch == "\t" else " " for ch in text[:start])
    return [f"  {text}", f"  {prefix}{'^' * width}"]


def render_text(
    diagnostics: Iterable[Diagnostic],
    sources: dict[str, str] | None = None,
    *,
    show_source: bool = True,
) -> str:
    """``PATH:LINE:COL: severity: message`` lines, each followed by the source line and a caret."""
    out: list[str] = []
    split_cache: dict[str, list[str]] = {}
    for d in diagnostics:
        where = d.path or "<script>"
        if d.span.line:
            where = f"{where}:{d.span.line}:{d.span.column}"
        out.append(f"{where}: {d.severity.value}: {d.message} [{d.code}]")
        if show_source and sources is not None and d.path in sources and d.span.line:
            key = d.path or ""
            if key not in split_cache:
                split_cache[key] = sources[key].splitlines()
            out.extend(_caret_lines(split_cache[key], d.span))
        if d.hint:
            out.append(f"  hint: {d.hint}")
    return "\n".join(out)


def render_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2)
