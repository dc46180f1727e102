"""What a server runs now: release, site and project scripts, DICOM receivers (spec §1, §4, §9)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..check import check
from ..diagnostics import Diagnostic
from .anonymize import AnonymizeAPI, Scope, normalise_script
from .client import XNATClient
from .errors import PermissionDeniedError, ProtocolError
from .release import ServerRelease, read_release

__all__ = ["Receiver", "ScriptState", "ServerStatus", "list_receivers", "read_status"]


@dataclass(frozen=True, slots=True)
class ScriptState:
    scope: Scope
    script: str | None  # None: no script (or a disabled project script, which XNAT does not show)
    enabled: bool
    matches_local: bool | None  # None when no local file was given
    problems: tuple[Diagnostic, ...] = ()  # errors of the live script on the server's release
    hidden: bool = False  # a project script that reads as 204: not set, or set but disabled


@dataclass(frozen=True, slots=True)
class Receiver:
    """A DICOM C-STORE receiver (``/xapi/dicomscp``)."""

    id: int
    ae_title: str
    port: int
    enabled: bool
    anonymization_enabled: bool
    direct_archive: bool
    custom_processing: bool

    @property
    def label(self) -> str:
        return f"{self.ae_title}:{self.port}"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    url: str
    user: str
    release: ServerRelease
    site: ScriptState
    project: ScriptState | None
    receivers: tuple[Receiver, ...] | None  # None: the account may not list them
    warnings: tuple[str, ...]


def list_receivers(client: XNATClient) -> tuple[Receiver, ...]:
    rows = client.get_json("/xapi/dicomscp", what="list the DICOM SCP receivers")
    if not isinstance(rows, list):
        raise ProtocolError(
            "XNAT answered /xapi/dicomscp with something that is not a list",
            method="GET",
            url=client.url("/xapi/dicomscp"),
            status=200,
        )
    return tuple(_receiver(r) for r in rows if isinstance(r, dict))


def _receiver(row: dict[str, Any]) -> Receiver:
    return Receiver(
        id=int(row.get("id", 0)),
        ae_title=str(row.get("aeTitle", "")),
        port=int(row.get("port", 0)),
        enabled=bool(row.get("enabled", True)),
        # Older XNAT has no such field: scripts always ran there (spec §4, added 2022).
        anonymization_enabled=bool(row.get("anonymizationEnabled", True)),
        direct_archive=bool(row.get("directArchive", False)),
        custom_processing=bool(row.get("customProcessing", False)),
    )


def read_status(client: XNATClient, *, project: str | None = None, local: str | None = None) -> ServerStatus:
    """Read everything ``dicomedit status`` shows; ``local`` is a script text to compare with."""
    api = AnonymizeAPI(client)
    release = read_release(client)
    warnings: list[str] = []
    if release.usable is None:
        warnings.append(f"the XNAT release is {release.describe()}; scripts cannot be checked against it")
    site = _state(api, Scope(), local, release)
    proj = None
    if project is not None:
        api.ensure_project(project)
        proj = _state(api, Scope(project), local, release)
    if not site.enabled:
        warnings.append("the site-wide script is disabled: XNAT archives DICOM without the site script")
    for state in (site, proj):
        if state is not None and state.problems:
            warnings.append(
                f"{state.scope.label} on the server has {len(state.problems)} error(s) for XNAT "
                f"{release.raw}: every import it runs on fails"
            )
    try:
        receivers: tuple[Receiver, ...] | None = list_receivers(client)
    except PermissionDeniedError:
        receivers = None
        warnings.append(
            "this account may not list the DICOM SCP receivers; ask an administrator to check them"
        )
    for r in receivers or ():
        if r.enabled and not r.anonymization_enabled:
            warnings.append(
                f"DICOM receiver {r.label} has anonymization switched off: DICOM sent to it is archived "
                "WITHOUT the site and project scripts. Switch 'anonymizationEnabled' on under "
                "Administer > Site Administration > DICOM SCP Receivers"
            )
    return ServerStatus(
        client.base_url, client.credentials.user, release, site, proj, receivers, tuple(warnings)
    )


def _state(api: AnonymizeAPI, scope: Scope, local: str | None, release: ServerRelease) -> ScriptState:
    script = api.read_script(scope)
    enabled = api.is_enabled(scope)
    # A project script that reads as 204 is unset or disabled: XNAT shows neither (spec §1.4),
    # so it cannot be compared with anything.
    hidden = scope.project is not None and script is None
    matches = None
    if local is not None and not hidden:
        matches = script is not None and normalise_script(script) == normalise_script(local)
    problems: tuple[Diagnostic, ...] = ()
    if script is not None and release.usable is not None:
        problems = check(script, scope.label, xnat=release.usable).errors
    return ScriptState(scope, script, enabled, matches, problems, hidden)
