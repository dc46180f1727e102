"""Pre-processing of script text exactly as XNAT does it (spec §2.1), with a source map.

XNAT reads the script as lines, joins lines that end in a backslash (also inside strings),
strips end-of-line comments, and lexes the re-joined text.  Every position the lexer sees is
mapped back to the line and column of the original text so that diagnostics point at what the
user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Java: line.trim().matches(".*\"[^\"]*(?<!https?:)//[^\"]*\".*")  (a // between double quotes)
_QUOTED_SLASHES = re.compile(r'.*"[^"]*(?<!http:)(?<!https:)//[^"]*".*', re.DOTALL)
# Java: line.replaceAll("(?<!https?:)//.*$", "")
_PLAIN_COMMENT = re.compile(r"(?<!http:)(?<!https:)//")


def split_lines(text: str) -> list[str]:
    """Lines as Java's ``BufferedReader.lines()`` returns them (``\\n``, ``\\r\\n``, ``\\r``)."""
    if text == "":
        return []
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "" and _LINE_BREAK.search(text[-2:]):
        lines.pop()
    return lines


def comment_start(line: str) -> int | None:
    """Index where XNAT's end-of-line comment removal truncates ``line``, or None (§2.1 step 3)."""
    if _QUOTED_SLASHES.fullmatch(line.strip()):
        in_string = False
        i = 0
        n = len(line)
        while i < n:
            ch = line[i]
            if ch == '"':
                in_string = not in_string
            elif not in_string and line.startswith("//", i) and (i == 0 or line[i - 1] != ":"):
                return i
            i += 1
        return None
    m = _PLAIN_COMMENT.search(line)
    return m.start() if m else None


def strip_comment(line: str) -> str:
    cut = comment_start(line)
    return line if cut is None else line[:cut]


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment removed by pre-processing, at its original position (1-based)."""

    line: int
    column: int
    text: str  # includes the leading //


@dataclass(frozen=True, slots=True)
class _Segment:
    start: int  # column in the processed line, 0-based
    length: int
    orig_line: int  # 1-based
    orig_col: int  # 0-based


@dataclass(slots=True)
class Source:
    """The processed text handed to the lexer and the map back to the original text."""

    original: str
    text: str
    lines: list[str]
    comments: list[Comment]
    continued: list[int]  # original lines that ended in a continuation backslash
    _segments: list[list[_Segment]] = field(repr=False)
    _orig_lines: list[str] = field(repr=False)

    @property
    def original_lines(self) -> Sequence[str]:
        return self._orig_lines

    def unjoined_lines(self) -> list[int]:
        """For each processed line, its original line number when it was not joined, else 0."""
        return [
            segs[0].orig_line if len(segs) == 1 and segs[0].orig_col == 0 else 0 for segs in self._segments
        ]

    def original_position(self, line: int, column: int) -> tuple[int, int]:
        """Map a 1-based (line, column) of the processed text to the original text."""
        if line < 1 or line > len(self._segments):
            last = len(self._orig_lines)
            return (max(last, 1), len(self._orig_lines[-1]) + 1 if self._orig_lines else 1)
        col0 = column - 1
        segments = self._segments[line - 1]
        for seg in segments:
            if col0 < seg.start + seg.length:
                return (seg.orig_line, seg.orig_col + (col0 - seg.start) + 1)
        seg = segments[-1]
        return (seg.orig_line, seg.orig_col + (col0 - seg.start) + 1)


def preprocess(text: str) -> Source:
    """Apply XNAT's pre-processing pipeline to ``text`` (spec §2.1)."""
    orig = split_lines(text)
    out_lines: list[str] = []
    segments: list[list[_Segment]] = []
    comments: list[Comment] = []
    continued: list[int] = []
    i = 0
    while i < len(orig):
        joined = orig[i]
        segs = [_Segment(0, len(joined), i + 1, 0)]
        # a line ending in "\" has the backslash removed and the next line appended directly
        while joined.endswith("\\"):
            continued.append(segs[-1].orig_line)
            joined = joined[:-1]
            last = segs[-1]
            segs[-1] = _Segment(last.start, last.length - 1, last.orig_line, last.orig_col)
            i += 1
            if i >= len(orig):
                break
            segs.append(_Segment(len(joined), len(orig[i]), i + 1, 0))
            joined += orig[i]
        cut = comment_start(joined)
        if cut is not None:
            line_no, col0 = _map(segs, cut)
            comments.append(Comment(line_no, col0 + 1, joined[cut:]))
            joined = joined[:cut]
        out_lines.append(joined)
        segments.append(segs)
        i += 1
    processed = "".join(line + "\n" for line in out_lines)
    return Source(text, processed, out_lines, comments, continued, segments, orig)


def _map(segs: list[_Segment], col0: int) -> tuple[int, int]:
    for seg in segs:
        if col0 < seg.start + seg.length:
            return seg.orig_line, seg.orig_col + (col0 - seg.start)
    seg = segs[-1]
    return seg.orig_line, seg.orig_col + (col0 - seg.start)
