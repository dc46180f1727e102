"""Tokenizer with ANTLR's matching rule, on pre-processed text.

ANTLR takes the longest match at each position and, on a tie, the rule defined first.  For
DicomEdit's token set that rule is reproduced by one ordered alternation (each alternative that
can be a longer match of the same text comes before the shorter one), followed by the keyword
check on identifiers.  ``tests/test_lexer.py`` compares it with a brute-force longest-match
lexer built from the grammar's terminal definitions.

Characters that start no token are reported and skipped, as ANTLR's default lexer error
handling does in XNAT (spec §2.1 step 5).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..source import Source


class Token:
    """A token with its text and its position in the original script (1-based lines/columns).

    Lighter than ``lark.Token``: scripts of thousands of statements make tens of thousands.
    """

    __slots__ = ("column", "end_column", "end_line", "end_pos", "line", "start_pos", "type", "value")

    def __init__(
        self,
        type: str,
        value: str,
        start_pos: int,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        end_pos: int,
    ) -> None:
        self.type = type
        self.value = value
        self.start_pos = start_pos
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.end_pos = end_pos

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.line}:{self.column})"


KEYWORDS = {
    "if": "IF",
    "elseif": "ELSEIF",
    "else": "ELSE",
    "describe": "DESCRIBE",
    "hidden": "HIDDEN",
    "const": "CONST",
    "immutable": "IMMUTABLE",
    "export": "EXPORT",
    "echo": "ECHO",
    "removeAllPrivateTags": "REMOVE_ALL_PRIVATE_TAGS",
    "version": "VERSION_WORD",
    "X": "HEXDIGIT_WILDCARD",
    "x": "HEXDIGIT_WILDCARD",
}

_H = r"[0-9a-fA-FXx#@]"

# Ordered so that the first alternative that matches is ANTLR's longest match.
_ALTERNATIVES: list[tuple[str, str]] = [
    ("WS", r"[ \t]+"),
    ("NEWLINE", r"\r?\n"),
    ("STRING", r'"(?:\\[nrtbf()\\]|\\[0-7][0-7][0-7]|[^\\"])*"'),
    ("D_QUOTE", r'"'),
    ("PUBLIC_GROUP", r"\(" + _H + "{3}[02468aAcCeE@]"),
    ("PVT_GROUP", r"\(" + _H + "{3}[13579bBdDfF#]"),
    ("L_PAREN", r"\("),
    ("PVT_ELEMENT", r"\{[A-Za-z][A-Za-z0-9 \-_.:]*\}" + _H + r"{2}\)"),
    ("L_BRACE", r"\{"),
    ("PUBLIC_ELEMENT", _H + r"{4}\)"),
    ("FLOAT", r"-?(?:0\.[0-9]+|[1-9][0-9]*\.[0-9]+)"),
    ("INTEGER", r"0|-?[1-9][0-9]*"),
    ("OP_DELETE", r"-"),
    ("ID", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("COMMENT", r"//[^\r\n]*"),
    ("SLASH", r"/"),
    ("OP_ASSIGN", r":="),
    ("COLON", r":"),
    ("OP_ASSIGN_IF_EXISTS", r"\?="),
    ("QUESTION_MARK", r"\?"),
    ("NOT_EQUALS", r"!="),
    ("NOT_MATCHES", r"!~"),
    ("EQUALS", r"="),
    ("MATCHES", r"~"),
    ("COMMA", r","),
    ("R_PAREN", r"\)"),
    ("L_BRACKET", r"\["),
    ("R_BRACKET", r"\]"),
    ("R_BRACE", r"\}"),
    ("ITEM_WILDCARD", r"%"),
    ("SEQ_WILDCARD", r"[*+.]"),
]

_MASTER = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _ALTERNATIVES))

# ``(gggg`` ``,`` ``eeee)`` with only blanks between them, as one token: at a '(' the longest
# match is the group, then the comma, then the element, so trying the joined form first changes
# no token boundary.  The parser takes a third of the tokens for every tag (its time is per
# token); the grammar keeps the three-token form for tags with skipped characters inside.
_BLANKS_COMMA = r"[ \t]*,[ \t]*"
_FUSED = [
    ("PUBLIC_TAG", r"\(" + _H + "{3}[02468aAcCeE@]" + _BLANKS_COMMA + _H + r"{4}\)"),
    (
        "PRIVATE_TAG",
        r"\(" + _H + "{3}[13579bBdDfF#]" + _BLANKS_COMMA + r"\{[A-Za-z][A-Za-z0-9 \-_.:]*\}" + _H + r"{2}\)",
    ),
]
_MASTER_FUSED = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _FUSED + _ALTERNATIVES))

# Token types in ANTLR rule order (used by the reference lexer in the tests).
TOKEN_ORDER = [
    "WS",
    "D_QUOTE",
    "COMMA",
    "L_PAREN",
    "R_PAREN",
    "L_BRACKET",
    "R_BRACKET",
    "L_BRACE",
    "R_BRACE",
    "SLASH",
    "OP_ASSIGN",
    "OP_ASSIGN_IF_EXISTS",
    "OP_DELETE",
    "QUESTION_MARK",
    "COLON",
    "EQUALS",
    "NOT_EQUALS",
    "MATCHES",
    "NOT_MATCHES",
    "IF",
    "ELSEIF",
    "ELSE",
    "DESCRIBE",
    "HIDDEN",
    "CONST",
    "IMMUTABLE",
    "EXPORT",
    "ECHO",
    "REMOVE_ALL_PRIVATE_TAGS",
    "VERSION_WORD",
    "HEXDIGIT_WILDCARD",
    "ITEM_WILDCARD",
    "SEQ_WILDCARD",
    "ID",
    "INTEGER",
    "FLOAT",
    "STRING",
    "PUBLIC_GROUP",
    "PVT_GROUP",
    "PUBLIC_ELEMENT",
    "PVT_ELEMENT",
    "COMMENT",
    "NEWLINE",
]

SEPARATORS = frozenset({"NEWLINE", "COMMENT"})


@dataclass(frozen=True, slots=True)
class BadCharacter:
    """A character no token can start with; XNAT's lexer prints an error and skips it."""

    char: str
    line: int
    column: int


def raw_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """(type, text, offset) for every token of ``text``; type ``BAD`` for a skipped character."""
    return _scan(text, _MASTER)


def _scan(text: str, master: re.Pattern[str]) -> Iterator[tuple[str, str, int]]:
    # ``finditer`` searches on from where a match fails: what it steps over starts no token
    pos = 0
    keywords = KEYWORDS
    for m in master.finditer(text):
        start = m.start()
        while pos < start:
            yield ("BAD", text[pos], pos)
            pos += 1
        kind = m.lastgroup
        pos = m.end()
        if kind == "WS":
            continue
        value = m.group()
        if kind == "ID":
            kind = keywords.get(value, "ID")
        yield (kind, value, start)  # type: ignore[misc]  # every alternative is a named group
    while pos < len(text):
        yield ("BAD", text[pos], pos)
        pos += 1


def tokenize(source: Source) -> tuple[list[Token], list[BadCharacter]]:
    """Tokens with positions in the *original* text, and the characters that were skipped.

    A tag written ``(gggg,eeee)`` (blanks allowed around the comma) is one ``PUBLIC_TAG`` or
    ``PRIVATE_TAG`` token.
    """
    text = source.text
    tokens: list[Token] = []
    bad: list[BadCharacter] = []
    starts = [0]
    for text_line in source.lines:
        starts.append(starts[-1] + len(text_line) + 1)
    # processed line -> original line, when the line was not joined from several (the usual case)
    simple = source.unjoined_lines()
    to_orig = source.original_position
    n_lines = len(starts) - 1
    idx = 0
    line_start, next_start = 0, starts[1] if n_lines else len(text) + 1
    append = tokens.append
    for kind, value, start in _scan(text, _MASTER_FUSED):
        while start >= next_start and idx + 1 < n_lines:
            idx += 1
            line_start, next_start = next_start, starts[idx + 1]
        orig_line = simple[idx]
        if orig_line:
            line, col = orig_line, start - line_start + 1
        else:
            line, col = to_orig(idx + 1, start - line_start + 1)
        if kind == "BAD":
            bad.append(BadCharacter(value, line, col))
            continue
        end = start + len(value)
        if kind == "NEWLINE":
            end_line, end_col = line, col + 1
        elif orig_line and end < next_start:
            end_line, end_col = line, col + len(value)
        else:
            # the token ends on a later line: a string with a raw newline, or a joined line
            eidx = idx
            while eidx + 1 < n_lines and starts[eidx + 1] <= end - 1:
                eidx += 1
            end_line, last_col = to_orig(eidx + 1, end - 1 - starts[eidx] + 1)
            end_col = last_col + 1
        append(Token(kind, value, start, line, col, end_line, end_col, end))
    return tokens, bad


def drop_separators_before_else(tokens: list[Token]) -> list[Token]:
    """Remove separators directly before ``elseif``/``else``.

    ANTLR lets ``if_elseif_else`` look past any number of separators for a further branch; an
    LALR(1) parser cannot.  ``elseif``/``else`` are reserved words that are valid nowhere else,
    so dropping the separators before them accepts exactly the same scripts.
    """
    out: list[Token] = []
    for tok in tokens:
        if tok.type in ("ELSEIF", "ELSE"):
            while out and out[-1].type in SEPARATORS:
                out.pop()
        out.append(tok)
    return out
