"""Text and JSON renderings of scan reports (values only when the reports carry them)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .known import UnreadableFile
from .scan import ScanReport


def render_scan_text(
    reports: Sequence[ScanReport], *, known: bool, unreadable_known: Sequence[UnreadableFile] = ()
) -> str:
    """The report for people; ``unreadable_known``: originals (``--known``) that were skipped."""
    out: list[str] = []
    unverified = 0
    for report in reports:
        name = report.path or "<dataset>"
        unverified += report.unverified
        if report.skipped:
            out.append(f"{name}: skipped: not a DICOM file")
            continue
        if report.error is not None:
            out.append(f"{name}: cannot be scanned: {report.error}")
            continue
        compared = f" (compared with {report.compared_with})" if report.compared_with else ""
        if report.clean:
            out.append(f"{name}: clean{compared}")
            continue
        n = len(report.findings)
        out.append(f"{name}: {n} finding{'s' * (n != 1)}{compared}")
        for f in report.findings:
            value = f" = {f.value!r}" if f.value is not None else ""
            out.append(f"  {f.kind.value:<28} {f.path} {f.name}: {f.message}{value}")
    with_findings = sum(1 for r in reports if r.findings)
    clean = sum(1 for r in reports if r.clean and not r.skipped)
    skipped = sum(1 for r in reports if r.skipped)
    unreadable = sum(1 for r in reports if r.error is not None)
    total = sum(len(r.findings) for r in reports)
    originals = ""
    if unreadable_known:
        n = len(unreadable_known)
        originals = f"; {n} original{'s' * (n != 1)} given with --known could not be read"
    out.append(
        f"scanned {len(reports)} file{'s' * (len(reports) != 1)}: {with_findings} with findings "
        f"({total} findings), {clean} clean, {skipped} skipped, {unreadable} unreadable{originals}"
    )
    if unverified and not known:
        out.append(
            f"note: {unverified} values of attributes the profile blanks or replaces (Z, D) could not "
            "be compared with the originals; pass --known with the input files to check them"
        )
    return "\n".join(out)


def render_scan_json(reports: Sequence[ScanReport]) -> str:
    return json.dumps([r.to_dict() for r in reports], indent=2)
