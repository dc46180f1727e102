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

from lark import Token

from ..source import Source

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
    pos = 0
    n = len(text)
    match = _MASTER.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            yield ("BAD", text[pos], pos)
            pos += 1
            continue
        kind = m.lastgroup
        assert kind is not None
        value = m.group()
        if kind == "ID":
            kind = KEYWORDS.get(value, "ID")
        if kind != "WS":
            yield (kind, value, pos)
        pos = m.end()


def tokenize(source: Source) -> tuple[list[Token], list[BadCharacter]]:
    """Tokens with positions in the *original* text, and the characters that were skipped."""
    text = source.text
    tokens: list[Token] = []
    bad: list[BadCharacter] = []
    line_starts = [0]
    for text_line in source.lines:
        line_starts.append(line_starts[-1] + len(text_line) + 1)
    line_idx = 0
    to_orig = source.original_position
    for kind, value, pos in raw_tokens(text):
        while line_idx + 1 < len(line_starts) and line_starts[line_idx + 1] <= pos:
            line_idx += 1
        pline = line_idx + 1
        pcol = pos - line_starts[line_idx] + 1
        line, col = to_orig(pline, pcol)
        if kind == "BAD":
            bad.append(BadCharacter(value, line, col))
            continue
        end_pos = pos + len(value)
        if kind == "NEWLINE":
            end_line, end_col = line, col + 1
        else:
            # the end of a token may lie on a later line (strings with raw newlines or joins)
            eidx = line_idx
            while eidx + 1 < len(line_starts) and line_starts[eidx + 1] <= end_pos - 1:
                eidx += 1
            last_line, last_col = to_orig(eidx + 1, end_pos - 1 - line_starts[eidx] + 1)
            end_line, end_col = last_line, last_col + 1
        tokens.append(Token(kind, value, pos, line, col, end_line, end_col, end_pos))
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
