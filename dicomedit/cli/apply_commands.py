"""``dicomedit apply`` and ``dicomedit diff``: run a script on DICOM files as XNAT would."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .. import parallel
from ..distributed import DistributedError
from ..engine import CompiledScript, LookupTableError, RunContext, compile
from ..errors import ScriptError
from ..io import (
    DicomReadError,
    FileResult,
    FileStatus,
    InputFile,
    colliding_outputs,
    find_inputs,
    output_directory_problem,
    overlapping_output,
)
from ..parallel import Job, ParallelError
from ..releases import Release
from .common import FoundProblem, UsageProblem, plural, read_scripts, resolve_xnat, xnat_option

if TYPE_CHECKING:
    from ..engine.diff import Change

# The engine's pydicom side (reading files for a diff, comparing datasets) is imported where it
# is used: a run whose files all take the table path never needs pydicom.


def _variables(pairs: Sequence[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            raise UsageProblem(f"--var {pair!r}: expected NAME=VALUE, e.g. --var project=STUDY01")
        if name.strip() in out:
            raise UsageProblem(f"--var {name.strip()} is given twice: give each variable once")
        out[name.strip()] = value
    return out


def _load(script_path: str, lookups: Sequence[str], allow_network: bool, xnat: str | None) -> tuple[
    CompiledScript, RunContext
]:  # fmt: skip
    (source,) = read_scripts([script_path])
    release = resolve_xnat(xnat)
    script = _checked(lambda: compile(source.text, source.name, xnat=release), script_path, release)
    return script, _context(lookups, allow_network, release)


def _checked(make: Callable[[], CompiledScript], script_path: str, release: Release) -> CompiledScript:
    try:
        return make()
    except ScriptError as e:
        raise FoundProblem(
            f"{e}\nRun 'dicomedit check --xnat {release} {script_path}' for details, then fix the script."
        ) from e


def _context(lookups: Sequence[str], allow_network: bool, release: Release) -> RunContext:
    context = RunContext(allow_network=allow_network, xnat=release)
    for table in lookups:
        try:
            context.load_lookup_table(table)
        except LookupTableError as e:
            raise UsageProblem(str(e)) from e
    return context


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


def _problem_line(result: FileResult, show_values: bool) -> str:
    where = f" ({result.tag_path})" if result.tag_path else ""
    line = f" [script line {result.line}]" if result.line else ""
    message = result.message
    if result.detail is not None:
        message = result.detail if show_values else f"{message} (--show-values shows the values)"
    return f"{result.source}: {message}{where}{line}{_hint(result.message)}"


def _hint(message: str | None) -> str:
    if message and message.startswith("Unknown variable: "):
        name = message.removeprefix("Unknown variable: ")
        return f"; pass it with --var {name}=VALUE"
    return ""


def _existing_inputs(inputs: Sequence[str]) -> tuple[str, ...]:
    """The inputs, each once; a path that does not exist is a usage error, not a failed file."""
    seen: dict[Path, str] = {}
    for item in inputs:
        if item == "-":
            raise UsageProblem("apply reads DICOM files from paths, not from standard input ('-')")
        path = Path(item)
        if not path.exists():
            raise UsageProblem(f"{item}: no such file or directory")
        seen.setdefault(path.resolve(), item)
    return tuple(seen.values())


def _require_variables(script: CompiledScript, given: Mapping[str, str | None]) -> None:
    """A variable the script reads but nobody sets fails every file: say so once, up front."""
    missing = sorted(script.required_variables - given.keys())
    if missing:
        names = ", ".join(repr(n) for n in missing)
        example = " ".join(f"--var {n}=VALUE" for n in missing)
        raise UsageProblem(
            f"the script reads {names} before assigning {'it' if len(missing) == 1 else 'them'}: "
            "XNAT supplies project, subject and session on import, and an upload client may set "
            f"others; give the values this run should use: {example}"
        )


@click.command("apply")
@click.argument("script", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--output", "-o", "output", type=click.Path(file_okay=False), help="Directory for the results.")
@click.option("--dry-run", is_flag=True, help="Write nothing; report what would change in each file.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to run in parallel (default: all cores).",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Send the files to the workers of this Dask scheduler, e.g. tcp://scheduler:8786.",
)
@click.option(
    "--show-values",
    is_flag=True,
    help="Quote data values in error messages (they may identify a patient; hidden by default).",
)
@_common
def apply_command(
    script: str,
    inputs: tuple[str, ...],
    output: str | None,
    dry_run: bool,
    jobs: int | None,
    dask_address: str | None,
    show_values: bool,
    variables: tuple[str, ...],
    lookups: tuple[str, ...],
    allow_network: bool,
    xnat: str | None,
) -> None:
    """Run SCRIPT on DICOM files, as XNAT does on import.

    INPUTS are files or directories (searched recursively).  Results are written under --output
    with the same relative paths; inputs are never modified.  A file the script fails on is not
    written and the batch goes on; rejected files are not written; other files are skipped.
    Files are processed in parallel (--jobs, or a Dask cluster with --dask); the report lists
    them in input order either way.  Error messages leave data values out unless
    --show-values is given.  Exits 0 when no file failed, 1 otherwise, 2 on bad usage.
    """
    if output is None and not dry_run:
        raise UsageProblem("--output DIR is required (or use --dry-run to write nothing)")
    inputs = _existing_inputs(inputs)
    if output is not None:
        overlap = overlapping_output(inputs, output)
        if overlap:
            raise UsageProblem(f"{overlap}: choose an output directory outside the inputs")
    (source,) = read_scripts([script])
    release = resolve_xnat(xnat)
    context = _context(lookups, allow_network, release)
    given = _variables(variables)
    job = Job(source.text, source.name, output, context, given, dry_run)
    _require_variables(_checked(job.script, script, release), given)
    first = next(iter(find_inputs(inputs)), None)
    if first is None:
        raise UsageProblem("no input files found")
    if output is not None:
        collision = colliding_outputs(inputs)
        if collision:
            raise UsageProblem(f"{collision}: give them in separate runs, or as one directory")
        problem = None if dry_run else output_directory_problem(output)
        if problem:
            raise UsageProblem(problem)
    counts: Counter[FileStatus] = Counter()
    warnings: dict[str, list[Path]] = {}
    total = hidden_echoes = 0
    interrupted = False
    try:
        for item, result in _run(job, inputs, jobs, dask_address):
            total += 1
            counts[result.status] += 1
            for message in result.warnings:
                warnings.setdefault(message, []).append(result.source)
            if show_values:
                for line in result.echoed:
                    click.echo(line)
            else:
                hidden_echoes += len(result.echoed)
            _report(item, result, dry_run, show_values)
    except KeyboardInterrupt:
        # what was reported was written (each output is complete or absent); the rest was not
        interrupted = True
    if hidden_echoes:
        click.echo(
            f"note: the script's echo printed {plural(hidden_echoes, 'line')}, not shown because "
            "they may quote data values; --show-values shows them",
            err=True,
        )
    for message, files in warnings.items():
        where = f"{files[0]}" if len(files) == 1 else f"{plural(len(files), 'file')}, first {files[0]}"
        click.echo(f"warning: {message} ({where})", err=True)
    written = "would be written" if dry_run else "written"
    click.echo(
        f"{plural(total, 'file')}: {counts[FileStatus.WRITTEN]} {written}, "
        f"{counts[FileStatus.REJECTED]} rejected, {counts[FileStatus.SKIPPED]} skipped, "
        f"{counts[FileStatus.FAILED]} failed"
        + ("; INTERRUPTED: the other files were not processed" if interrupted else ""),
        err=True,
    )
    sys.exit(130 if interrupted else 1 if counts[FileStatus.FAILED] else 0)


def _run(
    job: Job, inputs: tuple[str, ...], jobs: int | None, dask_address: str | None
) -> Iterator[tuple[InputFile, FileResult]]:
    """The results in input order; the inputs are listed as they are needed, never all at once."""
    try:
        if dask_address is not None:
            from .. import distributed  # dask is an optional extra

            results = distributed.run(job, find_inputs(inputs), dask_address)
        else:
            results = parallel.run(job, find_inputs(inputs), jobs=jobs or parallel.default_jobs())
        if sys.stderr.isatty():
            count = sum(1 for _ in find_inputs(inputs))
            with click.progressbar(length=count, label="Applying", file=sys.stderr) as bar:
                for pair in results:
                    bar.update(1)
                    yield pair
        else:
            yield from results
    except (ParallelError, DistributedError) as e:
        raise UsageProblem(str(e)) from e


def _report(item: InputFile, result: FileResult, dry_run: bool, show_values: bool) -> None:
    # Values appear only when asked for: file names, tag paths and XNAT's messages otherwise.
    if result.status is FileStatus.FAILED:
        click.echo(f"error: {_problem_line(result, show_values)}", err=True)
    elif result.status is FileStatus.REJECTED:
        click.echo(f"{result.source}: rejected, not written ({result.message})", err=True)
    elif result.status is FileStatus.SKIPPED:
        click.echo(f"{result.source}: skipped: {result.message}", err=True)
    elif dry_run:
        if result.summary is not None:
            changes = result.summary
        else:
            from ..engine.diff import diff, summarize

            assert result.before is not None and result.after is not None
            changes = summarize(diff(result.before, result.after))
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
    from ..engine.diff import diff, summarize
    from ..io import read_dicom

    compiled, context = _load(script, lookups, allow_network, xnat)
    given = _variables(variables)
    _require_variables(compiled, given)
    try:
        before = read_dicom(Path(file))
    except DicomReadError as e:  # diff shows values anyway: pydicom's words too
        raise UsageProblem(f"{e.path}: {e.reason_in_full or e.reason}") from e
    outcome = compiled.apply(before, given, run=context)
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
    click.echo(f"{file}: {summarize(changes)}", err=True)


def _change_line(change: Change) -> str:
    from ..engine.diff import ChangeKind

    head = f"{change.kind.value:<8} {change.path} {change.keyword}"
    if change.kind is ChangeKind.ADDED:
        return f"{head}: {change.after!r}"
    if change.kind is ChangeKind.DELETED:
        return f"{head}: {change.before!r}"
    return f"{head}: {change.before!r} -> {change.after!r}"
