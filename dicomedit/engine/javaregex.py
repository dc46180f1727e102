"""Java regular expressions (``String.matches``, ``Pattern.find``) on Python's ``re`` (spec §9).

Python 3.11 ``re`` accepts most Java syntax, including possessive quantifiers and atomic
groups.  What it lacks are the POSIX-style ``\\p{Name}`` classes, translated here; a pattern
Java would reject fails with Java's exception name.
"""

from __future__ import annotations

import functools
import re

from .errors import EvaluationError, literal

_POSIX = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
    "javaLowerCase": "a-z",
    "javaUpperCase": "A-Z",
}
_CLASS = re.compile(r"\\([pP])\{(?:Is)?(\w+)\}")


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            m = _CLASS.match(pattern, i)
            if m and m.group(2) in _POSIX:
                body = _POSIX[m.group(2)]
                negated = m.group(1) == "P"
                if in_class:
                    if negated:
                        raise EvaluationError(
                            f"PatternSyntaxException: unsupported \\P{{...}} in a class: {pattern}"
                        )
                    out.append(body)
                else:
                    out.append(f"[{'^' if negated else ''}{body}]")
                i = m.end()
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=512)
def compile_java(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(_translate(pattern))
    except re.error as e:
        template = f"PatternSyntaxException: {literal(str(e))} in regular expression {{0!r}}"
        raise EvaluationError.quoting(template, pattern) from None


def java_replacement(replacement: str) -> str:
    """A Java ``replaceAll`` replacement (``$1``, ``\\$``) as a Python ``re.sub`` template."""
    out: list[str] = []
    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch == "\\":
            if i + 1 >= len(replacement):
                raise EvaluationError("IllegalArgumentException: character to be escaped is missing")
            nxt = replacement[i + 1]
            out.append("\\\\" if nxt == "\\" else nxt)
            i += 2
        elif ch == "$":
            m = re.match(r"\$(\d+)|\$\{(\w+)\}", replacement[i:])
            if m is None:
                raise EvaluationError("IllegalArgumentException: Illegal group reference")
            out.append(f"\\g<{m.group(1) or m.group(2)}>")
            i += m.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out)
