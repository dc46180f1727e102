"""Argument and assignment checks by value representation, where the target tag is known statically.

The data dictionary gives the VR of every public attribute; when a script names one directly, a
value XNAT cannot store or a function that only accepts some VRs fails on every file — better
found in CI (spec §6.5, §7 shiftDate*, §10).
"""

from __future__ import annotations

from collections.abc import Iterator

from .diagnostics import Diagnostic, Severity
from .dictionary import entry
from .numbers import is_java_double, is_java_int
from .syntax import ast

# spec §6.5: these go through dcm4che2's number parser; text that is not a number is an error.
_BINARY_NUMERIC = {"FD", "FL", "SL", "SS", "UL", "US"}
_INTEGER_VRS = {"SL", "SS", "UL", "US"}
# spec §6.5: "Other VRs (OD, OL, OV, SV, UV, UC in dcm4che2) → error 'Unexpected vr'"
_UNASSIGNABLE = {"OD", "OL", "OV", "SV", "UV", "UC"}
_DATE_FUNCTIONS = {"shiftDateByIncrement": {"DA"}, "shiftDateTimeByIncrement": {"DA", "DT"}}


def dictionary_vr(tag: ast.Tag) -> tuple[str, str] | None:
    """(VR, name) from the data dictionary for a public tag without wildcards, else None."""
    if tag.creator is not None or tag.has_wildcard:
        return None
    found = entry(int(tag.group + tag.element, 16))
    return (found.vr, found.name) if found is not None else None


def _target_tag(expr: ast.Expr) -> ast.Tag | None:
    if isinstance(expr, ast.TagPath) and isinstance(expr.steps[-1], ast.TagStep):
        return expr.steps[-1].tag
    return None


def _calls(script: ast.Script) -> Iterator[ast.Call]:
    for st in ast.iter_statements(script.statements):
        for expr in ast.own_expressions(st):
            for e in ast.iter_exprs(expr):
                if isinstance(e, ast.Call):
                    yield e


def _flatten(args: tuple[ast.Expr, ...]) -> Iterator[ast.Expr]:
    for a in args:
        if isinstance(a, ast.ListLiteral):
            yield from _flatten(a.items)
        else:
            yield a


def vr_diagnostics(script: ast.Script) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for call in _calls(script):
        if call.name in _DATE_FUNCTIONS and call.args:
            out.extend(_date_argument(call, _DATE_FUNCTIONS[call.name]))
        elif call.name == "hashUID" and call.args:
            out.extend(_uid_argument(call, call.args[0]))
        elif call.name == "hashUIDList":
            for arg in _flatten(call.args):
                out.extend(_uid_argument(call, arg))
    for st in ast.iter_statements(script.statements):
        if isinstance(st, ast.Assign | ast.AssignIfExists):
            out.extend(_assignment(st))
    return out


def _date_argument(call: ast.Call, allowed: set[str]) -> Iterator[Diagnostic]:
    tag = _target_tag(call.args[0])
    info = dictionary_vr(tag) if tag is not None else None
    if tag is None or info is None:
        return
    vr, name = info
    if vr not in allowed:
        want = " or ".join(sorted(allowed))
        yield Diagnostic(
            Severity.ERROR,
            "E410",
            f"{call.name} needs a {want} attribute; {tag.text()} {name} is {vr}: XNAT fails on "
            "every file that has it",
            call.args[0].span,
            "use shiftDateTimeByIncrement for DT" if vr == "DT" else None,
        )


def _uid_argument(call: ast.Call, arg: ast.Expr) -> Iterator[Diagnostic]:
    tag = _target_tag(arg)
    info = dictionary_vr(tag) if tag is not None else None
    if tag is None or info is None:
        return
    vr, name = info
    if vr != "UI":
        yield Diagnostic(
            Severity.WARNING,
            "W330",
            f"{call.name} of {tag.text()} {name} ({vr}, not a UID): the result is not a UID, and "
            "an unkeyed hash of a low-entropy identifier can be reversed by trying every value",
            arg.span,
            "remove or replace identifiers instead of hashing them",
        )


def _assignment(st: ast.Assign | ast.AssignIfExists) -> Iterator[Diagnostic]:
    tag = _target_tag(st.target)
    info = dictionary_vr(tag) if tag is not None else None
    if tag is None or info is None:
        return
    vr, name = info
    if vr in _UNASSIGNABLE:
        yield Diagnostic(
            Severity.ERROR,
            "E412",
            f"{tag.text()} {name} has VR {vr}, which XNAT's DicomEdit cannot assign "
            "('Unexpected vr'; DE-119)",
            st.target.span,
        )
        return
    literal = st.value
    where = " that has it" if isinstance(st, ast.AssignIfExists) else ""
    if vr in _BINARY_NUMERIC and isinstance(literal, ast.String | ast.Number):
        text = literal.value if isinstance(literal, ast.String) else literal.text
        valid = is_java_int if vr in _INTEGER_VRS else is_java_double
        bad = [v for v in text.split("\\") if not valid(v)]
        if bad:
            what = "an integer" if vr in _INTEGER_VRS else "a number"
            yield Diagnostic(
                Severity.ERROR,
                "E411",
                f"{tag.text()} {name} is {vr} (binary number): {bad[0]!r} is not {what} "
                f"XNAT can store, so it fails on every file{where}",
                literal.span,
            )
