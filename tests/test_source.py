"""Pre-processing (spec §2.1): continuation lines, comment removal, and the source map."""

from __future__ import annotations

import json

import pytest

from dicomedit.source import preprocess, split_lines, strip_comment
from tests.conftest import FIXTURES

VECTORS = json.loads((FIXTURES / "syntax" / "comment_vectors.json").read_text(encoding="utf-8"))["vectors"]


def test_there_are_32_comment_vectors() -> None:
    assert len(VECTORS) == 32


@pytest.mark.parametrize(("line", "expected"), [(v["input"], v["output"]) for v in VECTORS])
def test_comment_removal_vectors(line: str, expected: str) -> None:
    assert strip_comment(line) == expected


def test_lines_split_like_java_buffered_reader() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("\n") == [""]
    assert split_lines("") == []
    assert split_lines("a\n\n") == ["a", ""]


def test_continuation_joins_lines_without_separator_also_inside_strings() -> None:
    src = preprocess('(0008,0100) := "INSERTED \\\nSTR\\\nING"\n')
    assert src.lines == ['(0008,0100) := "INSERTED STRING"']
    assert src.continued == [1, 2]


def test_trailing_backslash_on_last_line_is_dropped() -> None:
    assert preprocess("echo 1\\").lines == ["echo 1"]


def test_continuation_happens_before_comment_removal() -> None:
    # the continued line becomes part of the comment: XNAT never sees "(0010,0010) := 1"
    src = preprocess('-(0008,0020) // note \\\n(0010,0010) := "1"\n')
    assert src.lines == ["-(0008,0020) "]
    assert src.comments[0].text == '// note (0010,0010) := "1"'
    assert (src.comments[0].line, src.comments[0].column) == (1, 14)


def test_source_map_points_into_the_original_lines() -> None:
    src = preprocess('x1 := concatenate["a", \\\n    "b"]  // c\n')
    joined = src.lines[0]
    col = joined.index('"b"') + 1
    assert src.original_position(1, col) == (2, 5)
    assert src.original_position(1, 1) == (1, 1)


def test_processed_text_ends_every_line_with_newline() -> None:
    assert preprocess("a\nb").text == "a\nb\n"
