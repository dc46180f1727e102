"""Java's number parsing, shared by the checker and the engine (spec §2.3, §6.5)."""

from __future__ import annotations

import math

import pytest

import dicomedit
from dicomedit.numbers import parse_java_double, parse_java_int


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("-666", -666), ("+5", 5), (" 20 ", 20), ("2147483647", 2**31 - 1)]
)
def test_integers_java_accepts(text: str, value: int) -> None:
    assert parse_java_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "1.5", "1_000", "0x10", "2147483648", "99999999999", "fubar", "1e3", "٣"]
)
def test_integers_java_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_java_int(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30.0", 30.0),
        ("1.5f", 1.5),
        ("-3.14159", -3.14159),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1000.0),
        ("0x1p3", 8.0),
        (" 2D ", 2.0),
        ("-Infinity", -math.inf),
    ],
)
def test_doubles_java_accepts(text: str, value: float) -> None:
    assert parse_java_double(text) == value


def test_nan_is_a_double() -> None:
    assert math.isnan(parse_java_double("NaN"))


@pytest.mark.parametrize("text", ["", "nan", "inf", "infinity", "1_000.5", "1.5e", "fubar", "1,5"])
def test_doubles_java_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_java_double(text)


def test_checker_flags_what_the_engine_cannot_store() -> None:
    text = 'version "6.6"\n(0028,0010) := ""\n*/(0028,0011) ?= "99999999999"\n(0018,9182) := "1.5f"\n'
    result = dicomedit.check(text)
    assert [(d.code, d.span.line) for d in result.errors] == [("E411", 2), ("E411", 3)]
    assert "every file that has it" in result.errors[1].message
