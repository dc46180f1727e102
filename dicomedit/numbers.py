"""Numbers as the Java code behind XNAT reads them (spec §2.3, §6.5, §9).

One place for the rules, used by the checker (E411) and by the engine when it stores text into
binary numeric elements, so that the two never disagree.
"""

from __future__ import annotations

import re

JAVA_INT_MIN, JAVA_INT_MAX = -(2**31), 2**31 - 1

# Integer.parseInt: an optional sign and decimal digits, nothing else
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
# Double.parseDouble: surrounding blanks ignored; NaN, Infinity, decimal or hexadecimal
# floating-point literals with an optional type suffix
_JAVA_DOUBLE = re.compile(
    r"[+-]?(?:NaN|Infinity|(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?)"
)


def parse_java_int(text: str) -> int:
    """``Integer.parseInt(text.trim())``; ValueError when Java would throw."""
    body = text.strip()
    if not _JAVA_INT.fullmatch(body):
        raise ValueError(f"{text!r} is not an integer")
    value = int(body)
    if not JAVA_INT_MIN <= value <= JAVA_INT_MAX:
        raise ValueError(f"{text!r} is out of the range of a Java int")
    return value


def parse_java_double(text: str) -> float:
    """``Double.parseDouble(text)``; ValueError when Java would throw."""
    body = text.strip(" \t\n\r\x0b\x0c\x00")
    if not _JAVA_DOUBLE.fullmatch(body):
        raise ValueError(f"{text!r} is not a number")
    if body[-1] in "fFdD" and not body.endswith(("NaN", "Infinity")):
        body = body[:-1]
    sign = -1.0 if body.startswith("-") else 1.0
    unsigned = body.lstrip("+-")
    if unsigned == "NaN":
        return float("nan")
    if unsigned == "Infinity":
        return sign * float("inf")
    if unsigned[:2].lower() == "0x":
        return sign * float.fromhex(unsigned)
    return float(body)


def is_java_int(text: str) -> bool:
    try:
        parse_java_int(text)
    except ValueError:
        return False
    return True


def is_java_double(text: str) -> bool:
    try:
        parse_java_double(text)
    except ValueError:
        return False
    return True
