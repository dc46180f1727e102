"""``dicomedit lint`` and ``dicomedit scan``: PHI assurance against PS3.15 Table E.1-1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..profile.lint import LintError, LintReport, lint, parse_label_identifier
from ..profile.lint_render import render_lint_json, render_lint_text
from ..profile.scan import DEFAULT_UID_ROOTS, KnownFilesError, load_known, scan_paths
from ..profile.scan_render import render_scan_json, render_scan_text
from ..profile.table import Option
from ..uid import is_uid
from .common import UsageProblem, read_scripts

_OPTION_NAMES = [o.value for o in Option]
F = TypeVar("F", bound=Callable[..., Any])


def _format_option(fn: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text: a grouped report for people; json: one document for machines.",
    )(fn)


def _profile_option(fn: F) -> F:
    return click.option(
        "--option",
        "options",
        multiple=True,
        type=click.Choice(_OPTION_NAMES),
        metavar="NAME",
        help="A PS3.15 profile option in force (repeatable): " + ", ".join(_OPTION_NAMES) + ".",
    )(fn)


@click.command("lint")
@click.argument("scripts", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@_profile_option
@click.option(
    "--label-is-identifier",
    "label_identifiers",
    multiple=True,
    metavar="LABEL=ATTRIBUTE",
    help="Declare that an XNAT label holds an identifier, e.g. session=AccessionNumber (repeatable).",
)
@_format_option
def lint_command(
    scripts: tuple[str, ...], options: tuple[str, ...], label_identifiers: tuple[str, ...], output_format: str
) -> None:
    """Check what SCRIPTS do to every attribute of the DICOM Basic Confidentiality Profile.

    Static analysis of the script (no DICOM input) against PS3.15 Table E.1-1: attributes not
    handled, handled only at top level, only conditionally, dead stores, UID references, private
    data, dates, (0012,0062)/(0012,0063), statements that silently do nothing.

    Exits 0 when no script has errors, 1 when one has, 2 on usage errors.
    """
    try:
        labels = [parse_label_identifier(x) for x in label_identifiers]
        chosen = [Option(o) for o in options]
    except LintError as e:
        raise UsageProblem(f"--label-is-identifier {e}") from e
    reports: list[LintReport] = []
    texts: dict[str, str] = {}
    for item in read_scripts(scripts):
        texts[item.name] = item.text
        reports.append(lint(item.text, item.name, options=chosen, label_identifiers=labels))
    if output_format == "json":
        click.echo(render_lint_json(reports))
    else:
        click.echo("\n\n".join(render_lint_text(r, texts[r.path or ""]) for r in reports))
    sys.exit(1 if any(not r.ok for r in reports) else 0)


def _uid_root(text: str) -> str:
    """A UID root as a prefix that ends at a component boundary: ``1.2.3`` accepts ``1.2.3.4``,
    never ``1.2.34``."""
    root = text.strip().rstrip(".")
    if not is_uid(root):
        raise UsageProblem(f"--uid-root {text!r}: expected a UID root such as 2.25 or 1.2.826.0.1.3680043")
    return root + "."


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--known",
    "known_paths",
    multiple=True,
    type=click.Path(exists=True),
    metavar="FILE_OR_DIR",
    help="The original files (repeatable): values equal to theirs are reported wherever they occur.",
)
@_profile_option
@click.option(
    "--label",
    "--var",
    "labels",
    multiple=True,
    metavar="NAME=VALUE",
    help=(
        "A value the script writes on purpose, e.g. project=PROJ1 for the XNAT labels "
        "(repeatable; the --var values given to apply)."
    ),
)
@click.option(
    "--uid-root",
    "uid_roots",
    multiple=True,
    metavar="PREFIX",
    help="Accept replaced UIDs under this root (default 2.25., as hashUID writes; repeatable).",
)
@_format_option
@click.option("--show-values", is_flag=True, help="Print the values found (they may identify patients).")
def scan_command(
    paths: tuple[str, ...],
    known_paths: tuple[str, ...],
    options: tuple[str, ...],
    labels: tuple[str, ...],
    uid_roots: tuple[str, ...],
    output_format: str,
    show_values: bool,
) -> None:
    """Scan DICOM files (PATHS: files or directories) for identifying data left behind.

    Reports attributes the Basic Profile removes that still hold values, UIDs that were not
    replaced, private data, values equal to the originals given with --known (matched by SOP
    Instance UID, path or order; searched at every depth, private blocks and group 0002 too),
    and burned-in annotation. Values are never printed unless --show-values.

    An original that cannot be read is skipped with a note (on standard error) saying why, and
    the scan goes on; the summary counts such originals.

    Exits 0 when nothing is found; 1 when something is, or a file cannot be read (a scanned file,
    or an original given with --known); 2 on usage errors, including --known without any
    readable original.
    """
    chosen = [Option(o) for o in options]
    replacements = []
    for item in labels:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value:
            raise UsageProblem(f"--label {item!r}: write NAME=VALUE, e.g. project=PROJ1")
        replacements.append(value)
    index = None
    if known_paths:
        try:
            index = load_known(known_paths, options=chosen)
        except KnownFilesError as e:
            raise UsageProblem(f"--known: {e}") from e
        for skipped in index.unreadable:
            click.echo(
                f"note: --known {skipped.path}: cannot be read: {skipped.reason}; skipped, no output "
                "is compared with it",
                err=True,
            )
    unreadable = index.unreadable if index is not None else ()
    roots = tuple(_uid_root(root) for root in uid_roots) or DEFAULT_UID_ROOTS
    reports = list(
        scan_paths(
            paths,
            options=chosen,
            known=index,
            show_values=show_values,
            uid_roots=roots,
            replacements=replacements,
        )
    )
    if not any(not r.skipped for r in reports):
        raise UsageProblem(f"no DICOM file found in {', '.join(paths)}: nothing was scanned; check the path")
    if output_format == "json":
        click.echo(render_scan_json(reports))
    else:
        click.echo(render_scan_text(reports, known=index is not None, unreadable_known=unreadable))
    sys.exit(1 if unreadable or any(not r.clean and not r.skipped for r in reports) else 0)
