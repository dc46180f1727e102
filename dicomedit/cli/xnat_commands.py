"""``publish``, ``pull``, ``status``, ``enable``, ``disable``, ``nifti``, ``fetch`` and ``audit``.

Thin: parse options, build a client, call :mod:`dicomedit.xnat`, print.  Every ``XNATError``
becomes one message on standard error and an exit code, never a traceback.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from ..diagnostics import Diagnostic, render_text
from ..errors import ScriptError
from ..fsutil import atomic_write_bytes
from ..releases import ReleaseError, parse_release
from ..xnat import (
    ClientSettings,
    CredentialsError,
    LocalFileError,
    NotXNATError,
    PollPolicy,
    Scope,
    TransportError,
    UnavailableError,
    XNATClient,
    XNATError,
    publish,
    read_status,
    resolve_credentials,
    set_enabled,
)
from ..xnat.anonymize import AnonymizeAPI
from ..xnat.audit import AuditReport, Finding, UnauditedFile
from ..xnat.events import (
    NiftiChange,
    NiftiStatus,
    find_wrapper,
    nifti_disable,
    nifti_enable,
    nifti_remove,
    nifti_status,
)
from ..xnat.release import ServerRelease
from .common import ScriptInput, plural, read_scripts

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Connection:
    url: str | None
    user: str | None
    ca_bundle: str | None
    insecure: bool
    timeout: float
    jsession: bool


class Seconds(click.FloatRange):
    """A positive, finite number of seconds (``0``, negatives, ``nan`` and ``inf`` are refused)."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(min=0, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(number) or number <= 0:
            self.fail(f"{value!r} is not a positive number of seconds, e.g. 30", param, ctx)
        return number


SECONDS = Seconds()


def _release_option(value: str | None) -> str | None:
    """``--xnat RELEASE`` of publish: a release string this tool can read, or a usage error."""
    if value is None:
        return None
    try:
        parse_release(value)
    except ReleaseError as e:
        raise click.BadParameter(str(e), param_hint="'--xnat'") from None
    return value


def connection_options(f: F) -> F:
    """--url, --user, TLS and timeout options shared by every XNAT command."""
    options = [
        click.option("--url", help="XNAT base URL, e.g. https://xnat.example.org (or set XNAT_URL)."),
        click.option(
            "--user",
            help="XNAT user or alias token (or set XNAT_USER). Password: XNAT_PASSWORD, "
            "~/.netrc, or a prompt.",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False),
            help="PEM file of the certificate authority that signed the server's certificate.",
        ),
        click.option(
            "--insecure", is_flag=True, help="Do not verify the TLS certificate (unsafe; warns loudly)."
        ),
        click.option(
            "--timeout",
            type=SECONDS,
            default=120.0,
            show_default=True,
            help="Seconds to wait for each answer.",
        ),
        click.option(
            "--jsession",
            is_flag=True,
            help="Log in once (POST /data/JSESSION) and send only the session cookie afterwards.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _connection(kwargs: dict[str, Any]) -> Connection:
    return Connection(
        kwargs.pop("url"),
        kwargs.pop("user"),
        kwargs.pop("ca_bundle"),
        kwargs.pop("insecure"),
        kwargs.pop("timeout"),
        kwargs.pop("jsession"),
    )


def _prompt(question: str) -> str:
    if not sys.stdin.isatty():
        return ""
    value: str = click.prompt(question, hide_input=True, default="", show_default=False)
    return value


@contextmanager
def connect(conn: Connection) -> Iterator[XNATClient]:
    credentials = resolve_credentials(conn.url, conn.user, prompt=_prompt)
    if conn.insecure and conn.ca_bundle:
        raise click.UsageError("--insecure and --ca-bundle contradict each other: give one")
    if conn.insecure:
        click.secho(
            "WARNING: --insecure: the server's TLS certificate is NOT verified. Anyone on the network "
            "path can read the password and the data. Use --ca-bundle instead.",
            fg="red",
            bold=True,
            err=True,
        )
    verify: bool | str = False if conn.insecure else (conn.ca_bundle or True)
    settings = ClientSettings(verify=verify, read_timeout=conn.timeout, use_jsession=conn.jsession)
    with XNATClient(credentials, settings) as client:
        yield client


def handle_errors(exit_code: int = 1) -> Callable[[F], F]:
    """Turn library errors into a message and an exit code.

    ``exit_code`` is for what XNAT answered; missing credentials, a server that cannot be
    reached (connection refused, DNS, timeout, TLS) and a local file that cannot be written exit 2
    in every command, like usage errors.
    """

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return f(*args, **kwargs)
            except (CredentialsError, TransportError, LocalFileError, NotXNATError, UnavailableError) as e:
                click.echo(f"error: {e}", err=True)
                sys.exit(2)
            except ScriptError as e:
                diags = [d for d in e.diagnostics if isinstance(d, Diagnostic)]
                if diags:
                    click.echo(render_text(diags, _SOURCES), err=True)
                click.echo(f"error: {e}", err=True)
                sys.exit(exit_code)  # publish refuses the script (1); audit cannot run (2)
            except XNATError as e:
                click.echo(f"error: {e}", err=True)
                sys.exit(exit_code)

        return wrapper  # type: ignore[return-value]

    return decorate


_SOURCES: dict[str, str] = {}


def read_script_file(path: str) -> ScriptInput:
    """The script at ``path`` ('-' = standard input), read and named as every command reads
    scripts; kept so that diagnostics can show its lines."""
    (script,) = read_scripts([path])
    _SOURCES[script.name] = script.text
    return script


def _print_release(client: XNATClient, release_text: str) -> None:
    click.echo(f"XNAT {client.base_url} (user {client.credentials.user}), release {release_text}")


def _warn_override(xnat: str | None, server_release: str) -> None:
    if xnat:
        click.secho(
            f"WARNING: checking against XNAT {xnat} given by --xnat instead of the server's own release "
            f"({server_release}). If the server cannot run this script, EVERY import will fail and only "
            "the server log will say so.",
            fg="red",
            bold=True,
            err=True,
        )


# -- publish ---------------------------------------------------------------------------------


@click.command("publish")
@click.argument("script", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--project", help="Publish as this project's script instead of the site-wide one.")
@click.option("--no-enable", is_flag=True, help="Upload, but leave the enabled setting as it is.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--xnat",
    "xnat",
    metavar="RELEASE",
    callback=lambda _ctx, _param, value: _release_option(value),
    help="Check against this release instead of the server's.",
)
@click.option(
    "--verify-timeout",
    type=SECONDS,
    default=10.0,
    show_default=True,
    help="Seconds to wait for XNAT to show the new script when reading it back.",
)
@connection_options
@handle_errors()
def publish_command(
    script: str,
    project: str | None,
    no_enable: bool,
    dry_run: bool,
    xnat: str | None,
    verify_timeout: float,
    **kwargs: Any,
) -> None:
    """Check SCRIPT, upload it to XNAT, enable it and verify it is live.

    Nothing is uploaded when the script has errors, when the server's release cannot run it, or
    when XNAT already has the same script. If reading back does not show the new script, the
    previous one is restored and the command fails.
    """
    conn = _connection(kwargs)
    source = read_script_file(script)
    scope = Scope(project)
    warned = False

    def on_release(release: ServerRelease) -> None:
        nonlocal warned
        # Printed before anything is uploaded: the override must be seen even if publish fails.
        _print_release(client, release.describe())
        _warn_override(xnat, release.describe())
        warned = True

    with connect(conn) as client:
        try:
            report = publish(
                client,
                source.text,
                scope=scope,
                path=source.name,
                enable=not no_enable,
                dry_run=dry_run,
                xnat=xnat,
                poll=PollPolicy(timeout=verify_timeout),
                on_release=on_release,
            )
        except BaseException:
            if not warned:
                _warn_override(xnat, "not read")
            raise
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    if report.diagnostics:
        click.echo(render_text(list(report.diagnostics), _SOURCES), err=True)
    click.echo(f"checked {source.name} against XNAT {report.target}: no errors")
    if report.diff:
        click.echo(report.diff)
    prefix = "dry run: would have " if dry_run else ""
    if not report.changed:
        click.echo(f"{scope.label} on XNAT is already identical: nothing uploaded")
    else:
        click.echo(f"{prefix}uploaded {scope.label}")
    if report.enable_changed:
        click.echo(f"{prefix}enabled {scope.label}")
    elif not report.enabled_now:
        click.echo(f"warning: {scope.label} is DISABLED on XNAT (--no-enable): it does not run", err=True)
    if dry_run:
        click.echo("dry run: nothing was changed on XNAT")
    elif report.verified:
        click.echo(
            f"verified: XNAT serves {'the new' if report.changed else 'this'} "
            f"{scope.label.removeprefix('the ')}"
            f"{' and it is enabled' if report.enabled_now else ''}"
        )
    else:
        click.echo(
            f"not verified: {scope.label} is disabled, and XNAT does not show a disabled project "
            "script; enable it to verify it"
        )


# -- pull ------------------------------------------------------------------------------------


@click.command("pull")
@click.option("--project", help="Read this project's script instead of the site-wide one.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="Where to write the script ('-' = standard output); missing folders are created.",
)
@connection_options
@handle_errors()
def pull_command(project: str | None, output: str, **kwargs: Any) -> None:
    """Download the anonymization script XNAT runs now."""
    if not output.strip():
        raise click.BadParameter(
            "give a file name, or '-' for standard output", param_hint="'-o' / '--output'"
        )
    conn = _connection(kwargs)
    scope = Scope(project)
    with connect(conn) as client:
        api = AnonymizeAPI(client)
        if project is not None:
            api.ensure_project(project)
        text = api.read_script(scope)
        enabled = api.is_enabled(scope)
    if text is None:
        click.echo(
            f"error: {scope.label} is not set or is disabled (XNAT does not show a disabled project script)",
            err=True,
        )
        sys.exit(1)
    if not enabled:
        click.echo(f"warning: {scope.label} is DISABLED on XNAT", err=True)
    data = text if text.endswith("\n") else text + "\n"
    if output == "-":
        click.echo(data, nl=False)
        return
    try:
        atomic_write_bytes(output, data.encode("utf-8"))
    except OSError as e:
        raise LocalFileError.from_os_error("write the script to", output, e) from None
    click.echo(f"wrote {scope.label} to {output}", err=True)


# -- status ----------------------------------------------------------------------------------


@click.command("status")
@click.option("--project", help="Also show this project's script.")
@click.option(
    "--compare",
    "compare",
    type=click.Path(exists=True, dir_okay=False),
    help="A local script to compare with the live ones.",
)
@connection_options
@handle_errors()
def status_command(project: str | None, compare: str | None, **kwargs: Any) -> None:
    """Show the server's release, its scripts (enabled or not) and its DICOM receivers.

    Exits 1 when something needs attention (a warning below), 0 otherwise.
    """
    conn = _connection(kwargs)
    local = read_script_file(compare).text if compare else None
    with connect(conn) as client:
        status = read_status(client, project=project, local=local)
    click.echo(f"XNAT {status.url} (user {status.user})")
    click.echo(f"  release: {status.release.describe()}")
    for state in (status.site, status.project):
        if state is None:
            continue
        if state.hidden:
            line = (
                f"  {state.scope.label}: not set, or set but DISABLED (XNAT does not show a disabled "
                "project script)"
            )
            if compare:
                line += f"; not compared with {compare}, since its text cannot be read"
        else:
            shown = "not set" if state.script is None else f"{len(state.script.splitlines())} lines"
            line = f"  {state.scope.label}: {'enabled' if state.enabled else 'DISABLED'}, {shown}"
        if state.matches_local is not None:
            line += f", {'same as' if state.matches_local else 'DIFFERENT from'} {compare}"
        click.echo(line)
        for d in state.problems:
            click.echo(f"    error on this release: line {d.span.line}: {d.message}")
    if status.receivers is not None:
        click.echo(f"  DICOM receivers: {len(status.receivers)}")
        for r in status.receivers:
            flags = [
                "enabled" if r.enabled else "disabled",
                "anonymization on" if r.anonymization_enabled else "ANONYMIZATION OFF",
            ]
            if r.direct_archive:
                flags.append("direct archive")
            click.echo(f"    {r.label} (id {r.id}): {', '.join(flags)}")
    for w in status.warnings:
        click.echo(f"warning: {w}", err=True)
    sys.exit(1 if status.warnings else 0)


# -- enable / disable ------------------------------------------------------------------------


def _toggle_command(name: str, on: bool) -> click.Command:
    @click.command(name)
    @click.option("--project", help="Switch this project's script instead of the site-wide one.")
    @connection_options
    @handle_errors()
    def command(project: str | None, **kwargs: Any) -> None:
        conn = _connection(kwargs)
        scope = Scope(project)
        with connect(conn) as client:
            report = set_enabled(client, scope, on)
        state = "enabled" if on else "disabled"
        if report.before == report.after:
            click.echo(f"{scope.label} was already {state}: nothing changed")
        else:
            click.echo(f"{scope.label} is now {state} (verified)")
        if not on:
            click.echo(f"warning: with {scope.label} disabled XNAT does not run it on new data", err=True)

    command.help = (
        f"{'Enable' if on else 'Disable'} the site-wide anonymization script (or a project's with --project)."
    )
    return command


enable_command = _toggle_command("enable", True)
disable_command = _toggle_command("disable", False)


# -- nifti -----------------------------------------------------------------------------------


@click.group("nifti")
def nifti_group() -> None:
    """DICOM-to-NIfTI conversion (dcm2niix on new scans) per project, via the Event Service."""


def _print_nifti(status: NiftiStatus) -> None:
    w = status.wrapper
    es = {True: "enabled", False: "DISABLED", None: "unknown (not visible to this account)"}
    click.echo(f"project {status.project}: NIfTI conversion {'ON' if status.active else 'off'}")
    click.echo(f"  Event Service: {es[status.event_service_enabled]}")
    click.echo(
        f"  command {w.command_name} (id {w.command_id}), wrapper {w.wrapper_name} (id {w.wrapper_id})"
    )
    click.echo(
        f"  wrapper enabled for site: {'yes' if status.enabled_for_site else 'no'}, "
        f"for project: {'yes' if status.enabled_for_project else 'no'}"
    )
    if not status.subscriptions:
        click.echo("  subscription: none")
    for s in status.subscriptions:
        click.echo(f"  subscription {s.id} {s.name!r}: {'active' if s.active else 'inactive'}")
    if len(status.subscriptions) > 1:
        click.echo(
            f"warning: {len(status.subscriptions)} subscriptions convert the same scans twice; "
            "remove the extra ones",
            err=True,
        )


def _print_change(change: NiftiChange) -> None:
    if change.actions:
        for a in change.actions:
            click.echo(a)
    else:
        click.echo("nothing to do: already in that state")
    _print_nifti(change.after)


def _nifti_command(name: str, action: Callable[..., Any], doc: str) -> click.Command:
    @nifti_group.command(name)
    @click.option("--project", required=True, help="Project ID.")
    @click.option(
        "--wrapper-id",
        type=click.IntRange(min=0),
        metavar="ID",
        help="The dcm2niix wrapper to use, by id, when several are installed (the error lists them).",
    )
    @connection_options
    @handle_errors()
    def command(project: str, wrapper_id: int | None, **kwargs: Any) -> None:
        conn = _connection(kwargs)
        with connect(conn) as client:
            if wrapper_id is None:
                result = action(client, project)
            else:
                result = action(client, project, find_wrapper(client, wrapper_id=wrapper_id))
        if isinstance(result, NiftiChange):
            _print_change(result)
        else:
            _print_nifti(result)

    command.help = doc
    return command


_nifti_command("status", nifti_status, "Show whether new scans of the project are converted to NIfTI.")
_nifti_command("enable", nifti_enable, "Convert new DICOM scans of the project to NIfTI (idempotent).")
_nifti_command("disable", nifti_disable, "Stop converting (the subscription is kept, inactive).")
_nifti_command("remove", nifti_remove, "Delete this tool's NIfTI subscription of the project.")


# -- fetch -----------------------------------------------------------------------------------


@click.command("fetch")
@click.option("--project", required=True, help="Project ID.")
@click.option(
    "--session",
    "sessions",
    multiple=True,
    required=True,
    help="Session label (or accession ID); repeat for several.",
)
@click.option(
    "--resource",
    "resources",
    multiple=True,
    help="Resource label, e.g. DICOM or NIFTI; repeat for several. Default: DICOM and secondary.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Folder to put each session's folder in.",
)
@connection_options
@handle_errors(exit_code=2)
def fetch_command(
    project: str, sessions: tuple[str, ...], resources: tuple[str, ...], output: str, **kwargs: Any
) -> None:
    """Download sessions of a project by label, verified file by file against XNAT's file list.

    Prints one folder per session. Exits 1 when a session or resource does not exist.
    """
    from ..xnat.archive import DICOM_RESOURCES
    from ..xnat.errors import NotFoundError
    from ..xnat.fetch import fetch_session

    conn = _connection(kwargs)
    failed = False
    with connect(conn) as client:
        for ref in sessions:
            try:
                result = fetch_session(
                    client, project, ref, Path(output), resources=resources or DICOM_RESOURCES
                )
            except NotFoundError as e:
                click.echo(f"error: {e}", err=True)
                failed = True
                continue
            click.echo(f"{result.directory}\t{len(result.files)} files")
    sys.exit(1 if failed else 0)


# -- audit -----------------------------------------------------------------------------------


@click.command("audit")
@click.option("--project", required=True, help="Project ID.")
@click.option("--session", "sessions", multiple=True, help="Session label to audit; repeat for several.")
@click.option("--all", "everything", is_flag=True, help="Audit every session of the project.")
@click.option("--sample", type=click.IntRange(min=1), help="Audit N sessions picked at random.")
@click.option(
    "--script",
    "script",
    type=click.Path(exists=True, dir_okay=False),
    help="The script that should have run (local file).",
)
@click.option("--live", is_flag=True, help="Use the site and project scripts XNAT has enabled now.")
@click.option(
    "--label-is-identifier",
    "labels",
    multiple=True,
    metavar="LABEL=ATTRIBUTE",
    help="An XNAT label that is itself an identifier, e.g. session=AccessionNumber.",
)
@click.option("--show-values", is_flag=True, help="Print the offending values (patient data!).")
@click.option("--keep", type=click.Path(file_okay=False), help="Keep the downloads in this folder.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@connection_options
@handle_errors(exit_code=2)
def audit_command(
    project: str,
    sessions: tuple[str, ...],
    everything: bool,
    sample: int | None,
    script: str | None,
    live: bool,
    labels: tuple[str, ...],
    show_values: bool,
    keep: str | None,
    output_format: str,
    **kwargs: Any,
) -> None:
    """Download archived sessions and prove no patient data survived and the script ran.

    Exits 0 when everything was audited and nothing was found, 1 when everything was audited
    and something was found, 2 on usage or connection errors and whenever a session or a file
    could not be audited (a cut download, a file that is not DICOM or is truncated), findings
    or not: an incomplete audit never exits like a complete one.
    """
    from ..xnat.archive import ArchiveAPI
    from ..xnat.audit import (
        AuditError,
        AuditOptions,
        audit_project,
        live_scripts,
        parse_label_identifier,
        select_sessions,
    )

    if script and live:
        raise click.UsageError("--script and --live exclude each other")
    if not (sessions or everything or sample):
        raise click.UsageError("say which sessions: --session LABEL (repeatable), --all or --sample N")
    try:
        declared = tuple(parse_label_identifier(text) for text in labels)
    except AuditError as e:
        raise click.UsageError(str(e)) from None
    if keep and Path(keep).is_dir() and any(Path(keep).iterdir()):
        raise click.BadParameter(
            f"{keep} is not empty (an earlier audit's downloads?): give a new or empty folder, or "
            "remove its contents first",
            param_hint="'--keep'",
        )
    conn = _connection(kwargs)
    with connect(conn) as client:
        AnonymizeAPI(client).ensure_project(project)
        if live:
            scripts = live_scripts(client, project)
            origin = " + ".join(name for name, _ in scripts) or "no live script is enabled"
        elif script:
            source = read_script_file(script)
            scripts = ((source.name, source.text),)
            origin = source.name
        else:
            scripts, origin = (
                (),
                ("no script: labels, the residual scan, and every value the profile empties or replaces"),
            )
        chosen = select_sessions(ArchiveAPI(client), project, sessions, everything, sample)
        if not chosen:
            click.echo(f"error: project {project} has no sessions to audit", err=True)
            sys.exit(2)
        options = AuditOptions(scripts=scripts, label_identifiers=declared, keep=Path(keep) if keep else None)
        if sys.stderr.isatty() and output_format == "text":
            with click.progressbar(length=len(chosen), label="auditing", file=sys.stderr) as bar:
                report = audit_project(
                    client,
                    project,
                    chosen,
                    options,
                    script_origin=origin,
                    progress=lambda _ref: bar.update(1),
                )
        else:
            report = audit_project(client, project, chosen, options, script_origin=origin)
    if output_format == "json":
        _print_audit_json(report, show_values)
    else:
        _print_audit_text(report, show_values)
    if not report.complete:
        # Before findings: a run that could not look at everything must not pass for a finding run.
        lost = [
            plural(n, what)
            for n, what in (
                (len(report.unaudited_sessions), "session"),
                (len(report.unaudited_files), "file"),
            )
            if n
        ]
        click.echo(
            f"error: the audit is incomplete: {' and '.join(lost)} could not be audited (NOT AUDITED "
            "above); "
            + (
                "the findings listed are real, but there may be more"
                if report.findings
                else "no findings in what could be audited proves nothing about the rest"
            ),
            err=True,
        )
        sys.exit(2)
    sys.exit(1 if report.findings else 0)


def _print_audit_text(report: AuditReport, show_values: bool) -> None:
    click.echo(f"audit of project {report.project} against {report.script_origin}")
    for s in report.sessions:
        if s.problem:
            click.echo(f"session {s.label}: NOT AUDITED: {s.problem}")
        else:
            skipped = f", {plural(len(s.unaudited), 'file')} NOT AUDITED" if s.unaudited else ""
            click.echo(
                f"session {s.label} ({s.session_id}): {s.files} files, {len(s.findings)} findings{skipped}"
            )
        for u in s.unaudited:
            click.echo(f"  {u.render(show_values)}")
        for f in s.findings:
            click.echo(f"  {f.render(show_values)}")
    files = sum(s.files for s in report.sessions)
    click.echo(
        f"summary: {len(report.sessions)} sessions, {files} files, {len(report.findings)} findings; "
        f"not audited: {len(report.unaudited_sessions)} sessions, {len(report.unaudited_files)} files"
    )


def _print_audit_json(report: AuditReport, show_values: bool) -> None:
    import json

    def finding(f: Finding) -> dict[str, Any]:
        out: dict[str, Any] = {
            "where": f.where,
            "attribute": f.attribute,
            "code": f.code,
            "message": f.message,
        }
        if show_values:
            out["value"] = f.value
        return out

    def unaudited(u: UnauditedFile) -> dict[str, Any]:
        out: dict[str, Any] = {"where": u.where, "reason": u.reason}
        if show_values:
            out["detail"] = u.detail
        return out

    doc = {
        "project": report.project,
        "script": report.script_origin,
        "complete": report.complete,
        "summary": {
            "sessions": len(report.sessions),
            "files": sum(s.files for s in report.sessions),
            "findings": len(report.findings),
            "sessions_not_audited": len(report.unaudited_sessions),
            "files_not_audited": len(report.unaudited_files),
        },
        "sessions": [
            {
                "label": s.label,
                "id": s.session_id,
                "files": s.files,
                "complete": s.complete,
                "problem": s.problem or None,
                "not_audited": [unaudited(u) for u in s.unaudited],
                "findings": [finding(f) for f in s.findings],
            }
            for s in report.sessions
        ],
    }
    click.echo(json.dumps(doc, indent=2))
