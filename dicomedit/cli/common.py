"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from ..config import ConfigError, load_config
from ..diagnostics import Diagnostic, render_json, render_text
from ..releases import KNOWN_RELEASES, Release, ReleaseError, parse_release

F = TypeVar("F", bound=Callable[..., Any])


class UsageProblem(click.ClickException):
    """Bad input on the command line or an unreadable file: exit status 2."""

    exit_code = 2


class FoundProblem(click.ClickException):
    """A problem in what the user gave us, such as a script with errors: exit status 1."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class ScriptInput:
    name: str  # what diagnostics call the script: its path, or <stdin>
    text: str
    encoding: str = "utf-8"  # how the file was decoded, so that rewriting keeps it


def read_scripts(paths: Sequence[str]) -> list[ScriptInput]:
    """Read each path ('-' = standard input) as text; exit 2 with a clear message when unreadable."""
    out: list[ScriptInput] = []
    if list(paths).count("-") > 1:
        raise UsageProblem("'-' (standard input) can be given only once")
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
                raise UsageProblem(f"{p}: cannot read the script: {e.strerror or e}") from e
        text, encoding = decode_script(data, name)
        out.append(ScriptInput(name, text, encoding))
    return out


def decode_script(data: bytes, name: str = "<script>") -> tuple[str, str]:
    """The text and its encoding: UTF-8 as written, else ISO-8859-1 as XNAT reads uploads.

    Binary input (a DICOM file given by mistake) is refused without echoing its bytes, which
    would print patient data.
    """
    if data[128:132] == b"DICM" or b"\x00" in data:
        kind = "a DICOM file" if data[128:132] == b"DICM" else "a binary file"
        raise UsageProblem(
            f"{name}: this is {kind}, not a DicomEdit script; check the order of the arguments"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("iso-8859-1"), "iso-8859-1"


def emit_diagnostics(
    diagnostics: list[Diagnostic], sources: dict[str, str], output_format: str, summary: str
) -> None:
    if output_format == "json":
        click.echo(render_json(diagnostics))
        return
    if diagnostics:
        click.echo(render_text(diagnostics, sources))
    click.echo(summary, err=True)  # always on standard error: standard output holds only findings


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def xnat_option(fn: F) -> F:
    """``--xnat RELEASE``: the XNAT release that will run the script."""
    known = ", ".join(str(r) for r in KNOWN_RELEASES)
    return click.option(
        "--xnat",
        "xnat",
        metavar="RELEASE",
        default=None,
        help=(
            "XNAT release that will run the script (default: [tool.dicomedit] xnat in "
            f"pyproject.toml, else the newest known). Known: {known}."
        ),
    )(fn)


def resolve_xnat(cli_value: str | None) -> Release:
    """The command line wins over ``[tool.dicomedit] xnat``; neither means the newest release."""
    try:
        if cli_value is not None:
            return parse_release(cli_value)
        config = load_config()
        if config.xnat is not None:
            try:
                return parse_release(config.xnat)
            except ReleaseError as e:
                raise UsageProblem(f"{config.path}: [tool.dicomedit] xnat: {e}") from e
    except (ReleaseError, ConfigError) as e:
        raise UsageProblem(str(e)) from e
    return KNOWN_RELEASES[-1]
