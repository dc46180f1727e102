"""The ``dicomedit`` command line: thin click commands on top of the library.

Commands are imported only when they run, so ``dicomedit check`` does not pay for pydicom or the
HTTP stack.  Each entry maps a command name to ``module:attribute`` under ``dicomedit.cli``.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .. import __version__

COMMANDS: dict[str, str] = {
    "apply": "apply_commands:apply_command",
    "check": "script_commands:check_command",
    "diff": "apply_commands:diff_command",
    "fmt": "script_commands:fmt_command",
    "publish": "xnat_commands:publish_command",
    "pull": "xnat_commands:pull_command",
    "status": "xnat_commands:status_command",
    "enable": "xnat_commands:enable_command",
    "disable": "xnat_commands:disable_command",
    "nifti": "xnat_commands:nifti_group",
    "fetch": "xnat_commands:fetch_command",
    "audit": "xnat_commands:audit_command",
    "lint": "phi_commands:lint_command",
    "scan": "phi_commands:scan_command",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(f"{__name__}.{module_name}")
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dicomedit")
def main() -> None:
    """Check, format, run and deploy XNAT DicomEdit 6 anonymization scripts."""


def run(*args: Any) -> None:  # pragma: no cover - convenience for python -m
    main(*args)
