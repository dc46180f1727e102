"""``dicomedit check`` and ``dicomedit fmt``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import click

from ..check import check
from ..diagnostics import Diagnostic, render_json, render_text


@dataclass(frozen=True, slots=True)
class ScriptInput:
    name: str  # what diagnostics call the script: its path, or <stdin>
    text: str


def read_scripts(paths: Sequence[str]) -> list[ScriptInput]:
    """Read each path ('-' = standard input) as text; exit 2 with a clear message when unreadable."""
    out: list[ScriptInput] = []
    for p in paths:
        if p == "-":
            data = sys.stdin.buffer.read()
            name = "<stdin>"
        else:
            name = p
            try:
                with open(p, "rb") as fh:
                    data = fh.read()
            except OSError as e:
                raise click.ClickException(f"{p}: cannot read the script: {e.strerror or e}") from e
        out.append(ScriptInput(name, decode_script(data)))
    return out


def decode_script(data: bytes) -> str:
    """UTF-8 as written; bytes that are not UTF-8 are read as ISO-8859-1, as XNAT reads uploads."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def emit_diagnostics(
    diagnostics: list[Diagnostic], sources: dict[str, str], output_format: str, summary: str
) -> None:
    if output_format == "json":
        click.echo(render_json(diagnostics))
        return
    if diagnostics:
        click.echo(render_text(diagnostics, sources))
    click.echo(summary, err=bool(diagnostics))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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
def check_command(scripts: tuple[str, ...], output_format: str, strict: bool) -> None:
    """Parse and check DicomEdit 6 SCRIPTS ('-' reads standard input).

    Exits 0 when no script has errors, 1 when one has.
    """
    inputs = read_scripts(scripts)
    diagnostics: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for item in inputs:
        result = check(item.text, item.name)
        sources[item.name] = item.text
        found = list(result.diagnostics)
        if strict:
            found = [d.promoted() for d in found]
        diagnostics.extend(found)
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    summary = (
        f"checked {_plural(len(inputs), 'script')}: {_plural(errors, 'error')}, "
        f"{_plural(warnings, 'warning')}"
    )
    emit_diagnostics(diagnostics, sources, output_format, summary)
    sys.exit(1 if errors else 0)
