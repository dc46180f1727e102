"""The tokenizer reproduces ANTLR's longest-match rule (spec §2.2)."""

from __future__ import annotations

import functools
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark

from dicomedit.source import preprocess
from dicomedit.syntax.lexer import KEYWORDS, TOKEN_ORDER, raw_tokens, tokenize
from dicomedit.syntax.parser import grammar_text


def kinds(text: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v, _ in raw_tokens(text)]


@functools.lru_cache(maxsize=1)
def _terminal_patterns() -> list[tuple[str, re.Pattern[str]]]:
    lark = Lark(grammar_text(), parser="lalr", lexer="basic", start=["start", "tagpath_text"])
    by_name = {t.name: t for t in lark.terminals}
    out: list[tuple[str, re.Pattern[str]]] = []
    for name in TOKEN_ORDER:
        term = by_name.get(name)
        if term is None:  # unused by the rules, defined for completeness (D_QUOTE etc.)
            pattern = {"D_QUOTE": '"', "HEXDIGIT_WILDCARD": "[Xx]"}[name]
        else:
            pattern = term.pattern.to_regexp()
        out.append((name, re.compile(pattern)))
    return out


def reference_tokens(text: str) -> list[tuple[str, str]]:
    """Brute force: at each position every terminal is tried; longest wins, then rule order."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        best: tuple[str, str] | None = None
        for name, rx in _terminal_patterns():
            m = rx.match(text, pos)
            if m and m.end() > pos and (best is None or len(m.group()) > len(best[1])):
                best = (name, m.group())
        if best is None:
            out.append(("BAD", text[pos]))
            pos += 1
            continue
        if best[0] != "WS":
            out.append(best)
        pos += len(best[1])
    return out


ALPHABET = st.sampled_from(
    [*'0123456789abcdefABCDEFXx#@()[]{},/:=?~!-+*.%" \t\n\\_', "if", "else", "version", "SIEMENS"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_tokenizer_matches_longest_match_reference(text: str) -> None:
    assert kinds(text) == reference_tokens(text)


def test_number_followed_by_paren_is_an_element() -> None:
    assert kinds("1234)") == [("PUBLIC_ELEMENT", "1234)")]
    assert kinds("12345)") == [("INTEGER", "12345"), ("R_PAREN", ")")]


def test_group_tokens_need_the_right_last_digit() -> None:
    assert kinds("(001@,0010)")[0] == ("PUBLIC_GROUP", "(001@")
    assert kinds("(001#,{STENTOR}10)") == [
        ("PVT_GROUP", "(001#"),
        ("COMMA", ","),
        ("PVT_ELEMENT", "{STENTOR}10)"),
    ]
    # a group ending in X matches neither group token
    assert kinds("(001x,0020)")[:2] == [("L_PAREN", "("), ("INTEGER", "0")]


def test_no_space_inside_the_parentheses_of_a_tag() -> None:
    assert kinds("( 0008,1024)")[0] == ("L_PAREN", "(")
    assert kinds("(0008,1024 )")[-2:] == [("INTEGER", "1024"), ("R_PAREN", ")")]
    assert [k for k, _ in kinds("(0008 , 1024) [%] / (00ab , {Foo}10)")] == [
        "PUBLIC_GROUP",
        "COMMA",
        "PUBLIC_ELEMENT",
        "L_BRACKET",
        "ITEM_WILDCARD",
        "R_BRACKET",
        "SLASH",
        "PVT_GROUP",
        "COMMA",
        "PVT_ELEMENT",
    ]


def test_keywords_and_hex_wildcard_names() -> None:
    assert kinds("x X ifx if elseif") == [
        ("HEXDIGIT_WILDCARD", "x"),
        ("HEXDIGIT_WILDCARD", "X"),
        ("ID", "ifx"),
        ("IF", "if"),
        ("ELSEIF", "elseif"),
    ]
    assert set(KEYWORDS.values()) <= set(TOKEN_ORDER)


def test_minus_numbers_and_wildcards() -> None:
    assert kinds("-5 -(0008,0020) -*/ 3.14 .") == [
        ("INTEGER", "-5"),
        ("OP_DELETE", "-"),
        ("PUBLIC_GROUP", "(0008"),
        ("COMMA", ","),
        ("PUBLIC_ELEMENT", "0020)"),
        ("OP_DELETE", "-"),
        ("SEQ_WILDCARD", "*"),
        ("SLASH", "/"),
        ("FLOAT", "3.14"),
        ("SEQ_WILDCARD", "."),
    ]


def test_strings_take_only_the_new_escapes() -> None:
    assert kinds(r'"a\\b\n\(\)\101"') == [("STRING", r'"a\\b\n\(\)\101"')]
    # \d is not an escape: the quote is a stray D_QUOTE, the backslash is skipped
    assert kinds(r'"\d"')[:2] == [("D_QUOTE", '"'), ("BAD", "\\")]
    assert kinds(r'"\"') == [("D_QUOTE", '"'), ("BAD", "\\"), ("D_QUOTE", '"')]


def test_strings_may_contain_raw_newlines() -> None:
    assert kinds('"a\nb"') == [("STRING", '"a\nb"')]


def test_unknown_characters_are_skipped() -> None:
    assert kinds("a;b") == [("ID", "a"), ("BAD", ";"), ("ID", "b")]


def _fused_reference(text: str) -> list[tuple[str, str]]:
    """``raw_tokens`` with ``(gggg`` ``,`` ``eeee)`` joined when only blanks separate them."""
    toks = list(raw_tokens(text))
    joined = {"PUBLIC_GROUP": ("PUBLIC_ELEMENT", "PUBLIC_TAG"), "PVT_GROUP": ("PVT_ELEMENT", "PRIVATE_TAG")}
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(toks):
        kind, value, pos = toks[i]
        pair = joined.get(kind)
        if pair is not None and i + 2 < len(toks):
            (ck, _, cpos), (ek, ev, epos) = toks[i + 1], toks[i + 2]
            gap = text[pos + len(value) : cpos] + text[cpos + 1 : epos]
            if ck == "COMMA" and ek == pair[0] and not gap.strip(" \t"):
                out.append((pair[1], text[pos : epos + len(ev)]))
                i += 3
                continue
        if kind != "BAD":
            out.append((kind, value))
        i += 1
    return out


def _tokenized(text: str) -> list[tuple[str, str]]:
    tokens = [(t.type, t.value) for t in tokenize(preprocess(text))[0]]
    return tokens[:-1] if tokens and tokens[-1][0] == "NEWLINE" else tokens


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.one_of(ALPHABET, st.sampled_from(["(0010, 0010)", "(0029 ,{A b}1x)", "\t,", ";", "(0008"])),
        max_size=40,
    ).map("".join)
)
def test_tokenize_joins_exactly_the_tags_written_without_skipped_characters(text: str) -> None:
    processed = preprocess(text).text
    assert [(t.type, t.value) for t in tokenize(preprocess(text))[0]] == _fused_reference(processed)


def test_a_tag_with_a_skipped_character_inside_stays_three_tokens() -> None:
    assert [k for k, _ in _tokenized("(0010,;0010) (0010;,0010) (0010 , 0010)")] == [
        "PUBLIC_GROUP",
        "COMMA",
        "PUBLIC_ELEMENT",
        "PUBLIC_GROUP",
        "COMMA",
        "PUBLIC_ELEMENT",
        "PUBLIC_TAG",
    ]
    assert _tokenized("(0029\t,\t{Acme 1.0}10)") == [("PRIVATE_TAG", "(0029\t,\t{Acme 1.0}10)")]
