"""Text and JSON renderings of a ``LintReport``: a grouped table a privacy officer can read."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..diagnostics import Severity, render_text
from .lint import AttributeReport, LintFinding, LintReport, Status
from .table import ProfileEntry

TITLES = {
    "L100": "not handled: kept as they are",
    "L101": "handled only conditionally or by statements that can silently do nothing",
    "L110": "handled at top level only: copies inside sequences are kept",
    "L120": "UIDs replaced in one place but kept where they are referenced",
    "L121": "identifiers replaced by an unsalted hash",
    "L122": "UIDs replaced by a constant",
    "L123": "UIDs that reference each other replaced by different methods",
    "L130": "values overwritten before use",
    "L131": "values assigned and then deleted",
    "L140": "dates and times kept",
    "L141": "dates and times shifted where the profile removes them",
    "L150": "private data kept",
    "L151": "private data removed only conditionally",
    "L152": "private elements kept",
    "L160": "Patient Identity Removed not recorded",
    "L161": "De-identification Method not recorded",
    "L170": "statements that silently do nothing",
    "L171": "arguments that are ignored",
    "L172": "assignments to sequences",
    "L173": "identifying values printed to the server log",
    "L180": "XNAT labels that are identifiers written into the files",
    "L181": "identifying values copied into other attributes",
}

_NAME_WIDTH = 44


def render_lint_text(report: LintReport, source: str | None = None) -> str:
    """The human report: header, summary, then findings grouped by severity and code."""
    out = [f"dicomedit lint: {report.path or '<script>'}"]
    options = ", ".join(o.value for o in report.options) or "none (Basic Profile)"
    out.append(
        f"Profile: DICOM PS3.15 Table E.1-1, edition {report.edition} "
        f"(option columns from {report.options_edition}); options: {options}"
    )
    if report.label_identifiers:
        out.append("Labels declared identifiers: " + ", ".join(str(x) for x in report.label_identifiers))
    if report.analyzed:
        counts = {s: report.count(s) for s in Status}
        detail = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
        out.append(f"Attributes: {len(report.attributes)} in the table: {detail}")
        out.append(f"Private data: {report.private_summary}")
        out.append(f"De-identification record: {report.record_summary}")
    else:
        out.append("The script does not parse, so what it does cannot be analysed.")
    by_entry = {a.entry: a for a in report.attributes}
    sources = {report.path: source} if source is not None and report.path is not None else None
    for severity, title in (
        (Severity.ERROR, "Errors"),
        (Severity.WARNING, "Warnings"),
        (Severity.NOTE, "Notes"),
    ):
        group = [f for f in report.findings if f.diagnostic.severity is severity]
        if not group:
            continue
        out.append("")
        out.append(f"{title} ({len(group)})")
        out.extend(_render_group(group, by_entry, sources))
    out.append("")
    out.append(_result_line(report))
    return "\n".join(out)


def _render_group(
    findings: Sequence[LintFinding],
    by_entry: dict[ProfileEntry, AttributeReport],
    sources: dict[str, str] | None,
) -> list[str]:
    out: list[str] = []
    codes = sorted({f.diagnostic.code for f in findings})
    for code in codes:
        members = [f for f in findings if f.diagnostic.code == code]
        out.append(f"  {code} {TITLES.get(code, '')} ({len(members)})")
        table = [f for f in members if f.entry is not None and not f.diagnostic.span.line]
        if table:
            out.append(f"    {'Tag':<13}{'Attribute':<{_NAME_WIDTH}}{'Requires':<10}Script does")
            for f in table:
                assert f.entry is not None
                row = by_entry.get(f.entry)
                required = row.required if row is not None else f.entry.basic
                does = _does(row) if row is not None else ""
                name = _fit(f.entry.name, _NAME_WIDTH - 1)
                out.append(f"    {f.entry.pattern:<13}{name:<{_NAME_WIDTH}}{required:<10}{does}")
        rest = [f.diagnostic for f in members if f not in table]
        if rest:
            text = render_text(rest, sources)
            out.extend("    " + line for line in text.splitlines())
    return out


def _does(row: AttributeReport) -> str:
    top = "; ".join(row.top)
    nested = "; ".join(row.nested)
    if not row.top or not row.nested or row.top == row.nested:
        return top or nested
    return f"top level: {top} | in sequences: {nested}"


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _result_line(report: LintReport) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "FAILED" if errors else "passed"
    return f"lint {verdict}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def render_lint_json(reports: Sequence[LintReport]) -> str:
    """One JSON object per script, in a list (a single script still gives a list)."""
    return json.dumps([r.to_dict() for r in reports], indent=2)
