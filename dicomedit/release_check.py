"""Checks against the XNAT release that will run the script (spec §1.2, §1.3; issue: --xnat)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .diagnostics import Diagnostic, Severity, Span
from .functions.registry import SPECS
from .releases import (
    FEATURES,
    SUPPORTED_VERSIONS,
    VERSION_SINCE,
    Release,
    VersionLine,
    newest_version_for,
)
from .source import Source
from .syntax import ast


@dataclass(frozen=True, slots=True)
class Use:
    """One use of a versioned construct or function in a script."""

    what: str  # "<feature key>" or "function:<name>"
    version: str  # the DicomEdit language version that introduced it
    subject: str  # e.g. "if/elseif/else blocks need", "hashUIDList needs"
    span: Span


def uses(script: ast.Script, source: Source) -> list[Use]:
    """Every construct and function in ``script`` that some XNAT release cannot run."""
    found: list[Use] = []
    for line in source.continued:
        text = source.original_lines[line - 1]
        found.append(_feature("line-continuation", Span(line, len(text), line, len(text) + 1)))
    for st in ast.iter_statements(script.statements):
        found.extend(_statement_uses(st))
    return found


def _feature(key: str, span: Span) -> Use:
    f = FEATURES[key]
    return Use(key, f.version, f.description, span)


def _statement_uses(st: ast.Statement) -> Iterator[Use]:
    if isinstance(st, ast.AssignIfExists):
        yield _feature("assign-if-exists", st.span)
        if not st.target.is_singular:
            yield _feature("wildcard-assign-if-exists", st.target.span)
    elif isinstance(st, ast.If):
        for br in st.branches:
            yield from _condition_uses(br.condition)
        yield _feature("if-block", Span(st.span.line, st.span.column, st.span.line, st.span.column + 2))
    elif isinstance(st, ast.Ternary):
        yield from _condition_uses(st.condition)
        for action in (st.then, st.otherwise):
            if isinstance(action, ast.CallStatement):
                yield _feature("ternary-call", action.span)
    for expr in ast.own_expressions(st):
        for e in ast.iter_exprs(expr):
            if isinstance(e, ast.ListLiteral):
                yield _feature("list", e.span)
            elif isinstance(e, ast.Call) and e.name in SPECS:
                version = SPECS[e.name].since
                yield Use(f"function:{e.name}", version, f"{e.name} needs", e.name_span)


def _condition_uses(cond: ast.Condition) -> Iterator[Use]:
    if isinstance(cond, ast.Call):
        yield _feature("function-condition", cond.span)


def _accepted_range(newest: str) -> str:
    return "it accepts only 6.0" if newest == "6.0" else f"it accepts 6.0 to {newest}"


def release_diagnostics(
    script: ast.Script,
    source: Source,
    target: Release,
    routed: VersionLine | None,
) -> list[Diagnostic]:
    """Errors for everything ``target`` cannot run; a warning for a misleading ``version``."""
    out: list[Diagnostic] = []
    found = uses(script, source)
    by_what: dict[str, list[Use]] = {}
    for use in found:
        if VERSION_SINCE[use.version] > target:
            by_what.setdefault(use.what, []).append(use)
    for what, group in by_what.items():
        first = group[0]
        since = VERSION_SINCE[first.version]
        also = sorted({u.span.line for u in group[1:]} - {first.span.line})
        more = ""
        if also:
            shown = ", ".join(str(n) for n in also[:5]) + (", ..." if len(also) > 5 else "")
            more = f" (also used on {len(also)} other line{'s' if len(also) > 1 else ''}: {shown})"
        out.append(
            Diagnostic(
                Severity.ERROR,
                "E402" if what.startswith("function:") else "E401",
                f"{first.subject} XNAT {since} or later (DicomEdit {first.version}); "
                f"the target is XNAT {target}{more}",
                first.span,
                "rewrite without it, or set the release your XNAT runs with --xnat",
            )
        )
    accepted = newest_version_for(target)
    for st in ast.iter_statements(script.statements):
        if isinstance(st, ast.Version) and st.value.value in SUPPORTED_VERSIONS:
            version = st.value.value
            if VERSION_SINCE[version] > target:
                out.append(
                    Diagnostic(
                        Severity.ERROR,
                        "E403",
                        f'XNAT {target} does not know version "{version}" '
                        f"({_accepted_range(accepted)}): every import fails",
                        st.value.span,
                        f'declare version "{accepted}"' + ("" if accepted == "6.0" else " or lower"),
                    )
                )
    if routed is not None and routed.version in SUPPORTED_VERSIONS and found:
        newest_use = max(found, key=lambda u: SUPPORTED_VERSIONS.index(u.version))
        if SUPPORTED_VERSIONS.index(newest_use.version) > SUPPORTED_VERSIONS.index(routed.version):
            out.append(
                Diagnostic(
                    Severity.WARNING,
                    "W401",
                    f'the script declares version "{routed.version}" but uses features of '
                    f"DicomEdit {newest_use.version} ({newest_use.subject.rsplit(' ', 1)[0]}); "
                    "XNAT does not mind, readers may",
                    Span(routed.line, 1, routed.line, len(routed.text) + 1),
                    f'declare version "{newest_use.version}"',
                )
            )
    return out
