"""``dicomedit check`` and ``dicomedit fmt``."""

from __future__ import annotations

import difflib
import os
import sys

import click

from ..check import check
from ..diagnostics import Diagnostic, render_text
from ..fsutil import atomic_write_bytes
from ..syntax.format import FormatError, format_script
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


@click.command("fmt")
@click.argument("scripts", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if a script would change.")
@click.option("--diff", "show_diff", is_flag=True, help="Write nothing; print a unified diff of the changes.")
def fmt_command(scripts: tuple[str, ...], check_only: bool, show_diff: bool) -> None:
    """Rewrite SCRIPTS in the canonical layout ('-': standard input to standard output).

    Formatting changes layout only: the parsed script stays the same, comments are kept.
    Exits 1 when a script cannot be formatted (syntax errors) or, with --check, would change.
    """
    inputs = read_scripts(scripts)
    changed = failed = unwritable = 0
    for item in inputs:
        try:
            formatted = format_script(item.text, item.name)
        except FormatError as e:
            failed += 1
            click.echo(f"error: {e}", err=True)
            if e.diagnostics:
                click.echo(render_text(list(e.diagnostics), {item.name: item.text}), err=True)  # type: ignore[arg-type]
            continue
        is_stdin = item.name == "<stdin>"
        if is_stdin and not (check_only or show_diff):
            click.echo(formatted, nl=False)
        if formatted == item.text:
            continue
        changed += 1
        if show_diff:
            click.echo(unified_diff(item.text, formatted, item.name), nl=False)
        elif check_only:
            click.echo(f"would reformat {item.name}", err=True)
        elif not is_stdin:
            problem = _rewrite(item.name, formatted.encode(item.encoding))
            if problem is not None:
                unwritable += 1
                changed -= 1
                click.echo(f"error: {item.name}: {problem}", err=True)
                continue
            click.echo(f"reformatted {item.name}", err=True)
    verb = "would be reformatted" if check_only or show_diff else "reformatted"
    unchanged = len(inputs) - changed - failed - unwritable
    click.echo(
        f"{plural(changed, 'script')} {verb}, {plural(unchanged, 'script')} unchanged"
        + (f", {failed} could not be formatted" if failed else "")
        + (f", {unwritable} could not be written" if unwritable else ""),
        err=True,
    )
    sys.exit(2 if unwritable else 1 if failed or (check_only and changed) else 0)


def _rewrite(path: str, data: bytes) -> str | None:
    """Replace the script with ``data`` (its encoding kept: XNAT reads uploads as ISO-8859-1);
    why that was not done, or None."""
    if not os.access(path, os.W_OK):
        return "the file is read-only; not reformatted"
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        return f"cannot write the formatted script: {e.strerror or e}"
    return None


def unified_diff(before: str, after: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"{name}",
            f"{name} (formatted)",
        )
    )
