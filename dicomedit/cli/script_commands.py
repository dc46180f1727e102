"""``dicomedit check`` and ``dicomedit fmt``."""

from __future__ import annotations

import sys

import click

from ..check import check
from ..diagnostics import Diagnostic
from .common import emit_diagnostics, plural, read_scripts, resolve_xnat, xnat_option


@click.command("check")
@click.argument("scripts", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: PATH:LINE:COL lines with the source and a caret; json: one array for machines.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@xnat_option
def check_command(scripts: tuple[str, ...], output_format: str, strict: bool, xnat: str | None) -> None:
    """Parse and check DicomEdit 6 SCRIPTS ('-' reads standard input).

    Exits 0 when no script has errors, 1 when one has, 2 on usage errors.
    """
    target = resolve_xnat(xnat)
    inputs = read_scripts(scripts)
    diagnostics: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for item in inputs:
        result = check(item.text, item.name, xnat=target)
        sources[item.name] = item.text
        found = list(result.diagnostics)
        if strict:
            found = [d.promoted() for d in found]
        diagnostics.extend(found)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    summary = (
        f"checked {plural(len(inputs), 'script')} for XNAT {target}: {plural(errors, 'error')}, "
        f"{plural(warnings, 'warning')}"
    )
    emit_diagnostics(diagnostics, sources, output_format, summary)
    sys.exit(1 if errors else 0)
