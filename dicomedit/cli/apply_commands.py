"""``dicomedit apply`` and ``dicomedit diff``: run a script on DICOM files as XNAT would."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from ..engine import CompiledScript, LookupTableError, RunContext, compile
from ..engine.diff import Change, ChangeKind, diff
from ..errors import ScriptError
from ..io import (
    DicomReadError,
    FileResult,
    FileStatus,
    InputFile,
    find_inputs,
    overlapping_output,
    process_file,
    read_dicom,
)
from .common import UsageProblem, plural, read_scripts, resolve_xnat, xnat_option


def _variables(pairs: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            raise UsageProblem(f"--var {pair!r}: expected NAME=VALUE, e.g. --var project=STUDY01")
        out[name.strip()] = value
    return out


def _load(script_path: str, lookups: Sequence[str], allow_network: bool, xnat: str | None) -> tuple[
    CompiledScript, RunContext
]:  # fmt: skip
    (source,) = read_scripts([script_path])
    release = resolve_xnat(xnat)
    try:
        script = compile(source.text, source.name, xnat=release)
    except ScriptError as e:
        raise UsageProblem(
            f"{e}\nRun 'dicomedit check --xnat {release} {script_path}' for details, then fix the script."
        ) from e
    context = RunContext(allow_network=allow_network, xnat=release)
    for table in lookups:
        try:
            context.load_lookup_table(table)
        except LookupTableError as e:
            raise UsageProblem(str(e)) from e
    return script, context


def _common(fn: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option(
            "--var",
            "variables",
            multiple=True,
            metavar="NAME=VALUE",
            help="A host variable (XNAT supplies project, subject and session). Repeatable.",
        ),
        click.option(
            "--lookup",
            "lookups",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="A lookup table for lookup[...]: lines 'keyType/key = value'. Repeatable.",
        ),
        click.option("--allow-network", is_flag=True, help="Let getURL[...] make HTTP requests."),
        xnat_option,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _problem_line(result: FileResult) -> str:
    where = f" ({result.tag_path})" if result.tag_path else ""
    line = f" [script line {result.line}]" if result.line else ""
    return f"{result.source}: {result.message}{where}{line}{_hint(result.message)}"


def _hint(message: str | None) -> str:
    if message and message.startswith("Unknown variable: "):
        name = message.removeprefix("Unknown variable: ")
        return f"; pass it with --var {name}=VALUE"
    return ""


def _change_counts(changes: Iterable[Change]) -> str:
    counts = Counter(c.kind for c in changes)
    parts = [f"{counts[k]} {k.value}" for k in ChangeKind if counts[k]]
    return ", ".join(parts) if parts else "no change"


@click.command("apply")
@click.argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--output", "-o", "output", type=click.Path(file_okay=False), help="Directory for the results.")
@click.option("--dry-run", is_flag=True, help="Write nothing; report what would change in each file.")
@_common
def apply_command(
    script: str,
    inputs: tuple[str, ...],
    output: str | None,
    dry_run: bool,
    variables: tuple[str, ...],
    lookups: tuple[str, ...],
    allow_network: bool,
    xnat: str | None,
) -> None:
    """Run SCRIPT on DICOM files, as XNAT does on import.

    INPUTS are files or directories (searched recursively).  Results are written under --output
    with the same relative paths; inputs are never modified.  A file the script fails on is not
    written and the batch goes on; rejected files are not written; other files are skipped.
    Exits 0 when no file failed, 1 otherwise, 2 on bad usage.
    """
    if output is None and not dry_run:
        raise UsageProblem("--output DIR is required (or use --dry-run to write nothing)")
    if output is not None:
        overlap = overlapping_output(inputs, output)
        if overlap:
            raise UsageProblem(f"{overlap}: choose an output directory outside the inputs")
    compiled, context = _load(script, lookups, allow_network, xnat)
    host = _variables(variables)
    items = list(find_inputs(inputs))
    if not items:
        raise UsageProblem("no input files found")
    counts: Counter[FileStatus] = Counter()
    warnings: Counter[str] = Counter()
    for item, result in _run(compiled, items, output, host, context, dry_run):
        counts[result.status] += 1
        warnings.update(result.warnings)
        for line in result.echoed:
            click.echo(line)
        _report(item, result, dry_run)
    for message, n in sorted(warnings.items()):
        suffix = f" ({plural(n, 'file')})" if n > 1 else ""
        click.echo(f"warning: {message}{suffix}", err=True)
    written = "would be written" if dry_run else "written"
    click.echo(
        f"{plural(len(items), 'file')}: {counts[FileStatus.WRITTEN]} {written}, "
        f"{counts[FileStatus.REJECTED]} rejected, {counts[FileStatus.SKIPPED]} skipped, "
        f"{counts[FileStatus.FAILED]} failed",
        err=True,
    )
    sys.exit(1 if counts[FileStatus.FAILED] else 0)


def _run(
    compiled: CompiledScript,
    items: list[InputFile],
    output: str | None,
    host: dict[str, str | None],
    context: RunContext,
    dry_run: bool,
) -> Iterable[tuple[InputFile, FileResult]]:
    def one(item: InputFile) -> tuple[InputFile, FileResult]:
        return item, process_file(compiled, item, output, variables=host, run=context, dry_run=dry_run)

    if sys.stderr.isatty():
        with click.progressbar(items, label="Applying", file=sys.stderr) as bar:
            for item in bar:
                yield one(item)
    else:
        for item in items:
            yield one(item)


def _report(item: InputFile, result: FileResult, dry_run: bool) -> None:
    # Values never appear here: file names, tag paths and XNAT's messages only.
    if result.status is FileStatus.FAILED:
        click.echo(f"error: {_problem_line(result)}", err=True)
    elif result.status is FileStatus.REJECTED:
        click.echo(f"{result.source}: rejected, not written ({result.message})", err=True)
    elif result.status is FileStatus.SKIPPED:
        click.echo(f"{result.source}: skipped: {result.message}", err=True)
    elif dry_run:
        assert result.before is not None and result.after is not None
        changes = _change_counts(diff(result.before, result.after))
        target = f" -> {result.output}" if result.output else ""
        click.echo(f"{result.source}{target}: {changes}")


@click.command("diff")
@click.argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("file", type=click.Path(dir_okay=False))
@_common
def diff_command(
    script: str,
    file: str,
    variables: tuple[str, ...],
    lookups: tuple[str, ...],
    allow_network: bool,
    xnat: str | None,
) -> None:
    """Show what SCRIPT does to FILE, element by element (values included).

    Exits 0 when the script ran (or rejected the file), 1 when it failed on the file.
    """
    compiled, context = _load(script, lookups, allow_network, xnat)
    try:
        before = read_dicom(Path(file))
    except DicomReadError as e:
        raise UsageProblem(str(e)) from e
    outcome = compiled.apply(before, _variables(variables), run=context)
    for line in outcome.echoed:
        click.echo(f"echo: {line}")
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if outcome.dataset is None:
        where = f" ({outcome.tag_path})" if outcome.tag_path else ""
        line = f" [script line {outcome.line}]" if outcome.line else ""
        kind = "rejected" if outcome.status.value == "rejected" else "error"
        click.echo(f"{kind}: {file}: {outcome.message}{where}{line}", err=True)
        sys.exit(0 if kind == "rejected" else 1)
    changes = diff(before, outcome.dataset)
    for change in changes:
        click.echo(_change_line(change))
    click.echo(f"{file}: {_change_counts(changes)}", err=True)


def _change_line(change: Change) -> str:
    head = f"{change.kind.value:<8} {change.path} {change.keyword}"
    if change.kind is ChangeKind.ADDED:
        return f"{head}: {change.after!r}"
    if change.kind is ChangeKind.DELETED:
        return f"{head}: {change.before!r}"
    return f"{head}: {change.before!r} -> {change.after!r}"
