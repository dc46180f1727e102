"""DICOM-to-NIfTI conversion per project: dcm2niix on ScanEvent CREATED (spec §3).

The action key names the container **wrapper** id (``xnat[].id``), never the command id
(§3.3, §3.7).  Our subscriptions are recognised by project and action key, never by name
alone, so subscriptions made by people or other tools are left alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .anonymize import AnonymizeAPI
from .client import XNATClient
from .errors import (
    ConflictError,
    EventServiceDisabledError,
    NotFoundError,
    PermissionDeniedError,
    ProtocolError,
)

__all__ = [
    "ACTION_PROVIDER",
    "DICOM_PAYLOAD_FILTER",
    "SCAN_EVENT",
    "NiftiChange",
    "NiftiStatus",
    "SubscriptionInfo",
    "WrapperRef",
    "find_wrapper",
    "nifti_disable",
    "nifti_enable",
    "nifti_remove",
    "nifti_status",
]

SCAN_EVENT = "org.nrg.xnat.eventservice.events.ScanEvent"
ACTION_PROVIDER = "org.nrg.containers.services.CommandActionProvider"
DICOM_PAYLOAD_FILTER = '(@.resources.length() > 0 && "DICOM" in @.resources[*].label)'
SUBSCRIPTION_NAME = "DICOM to NIfTI (dicomedit)"


@dataclass(frozen=True, slots=True)
class WrapperRef:
    command_id: int
    command_name: str
    image: str
    wrapper_id: int
    wrapper_name: str

    @property
    def action_key(self) -> str:
        return f"{ACTION_PROVIDER}:{self.wrapper_id}"


@dataclass(frozen=True, slots=True)
class SubscriptionInfo:
    id: int
    name: str
    active: bool
    action_key: str
    event_type: str
    status: str | None
    project_ids: tuple[str, ...]
    payload_filter: str | None


@dataclass(frozen=True, slots=True)
class NiftiStatus:
    project: str
    event_service_enabled: bool | None  # None: the account may not read the preference
    wrapper: WrapperRef
    enabled_for_site: bool
    enabled_for_project: bool
    subscriptions: tuple[SubscriptionInfo, ...]  # ours: this project only, this action key

    @property
    def active(self) -> bool:
        return (
            self.event_service_enabled is not False
            and self.enabled_for_site
            and self.enabled_for_project
            and any(s.active for s in self.subscriptions)
        )


@dataclass(frozen=True, slots=True)
class NiftiChange:
    before: NiftiStatus
    after: NiftiStatus
    actions: tuple[str, ...]  # what was done, in order; empty when nothing needed doing


def _p(project: str) -> str:
    return quote(project, safe="")


def find_wrapper(
    client: XNATClient,
    *,
    command: str = "dcm2niix",
    image: str | None = None,
    wrapper: str | None = None,
    wrapper_id: int | None = None,
) -> WrapperRef:
    """The scan-level wrapper of the dcm2niix command (by name, or by image); ``wrapper_id``
    picks one of several by its id."""
    params = {"image": image} if image else {"name": command}
    rows = client.get_json("/xapi/commands", what="find the dcm2niix container command", params=params)
    if not isinstance(rows, list):
        raise ProtocolError(
            "XNAT answered /xapi/commands with something that is not a list",
            method="GET",
            url=client.url("/xapi/commands"),
            status=200,
        )
    candidates: list[WrapperRef] = []
    for cmd in rows:
        if not isinstance(cmd, dict):
            continue
        for w in cmd.get("xnat") or []:
            if not isinstance(w, dict):
                continue
            contexts = [str(c) for c in w.get("contexts") or []]
            if wrapper is not None and w.get("name") != wrapper:
                continue
            if wrapper is None and contexts and not any("scan" in c.lower() for c in contexts):
                continue
            candidates.append(
                WrapperRef(
                    int(cmd["id"]),
                    str(cmd.get("name", "")),
                    str(cmd.get("image", "")),
                    int(w["id"]),
                    str(w["name"]),
                )
            )
    what = f"image {image}" if image else f"command {command!r}"
    if not candidates:
        raise NotFoundError(
            f"no scan-level container wrapper for {what} is installed on {client.base_url}: install the "
            "dcm2niix command in the Container Service (Administer > Plugin Settings > Images & Commands)",
            method="GET",
            url=client.url("/xapi/commands"),
            status=200,
        )
    names = ", ".join(
        f"wrapper id {c.wrapper_id} ({c.wrapper_name} of command {c.command_id} {c.command_name}, "
        f"image {c.image})"
        for c in candidates
    )
    if wrapper_id is not None:
        chosen = [c for c in candidates if c.wrapper_id == wrapper_id]
        if not chosen:
            raise NotFoundError(
                f"no scan-level wrapper of {what} has id {wrapper_id} on {client.base_url}; "
                f"installed: {names}",
                method="GET",
                url=client.url("/xapi/commands"),
                status=200,
            )
        return chosen[0]
    if len(candidates) > 1:
        raise ConflictError(
            f"several wrappers match {what}: {names}; choose one with --wrapper-id ID",
            method="GET",
            url=client.url("/xapi/commands"),
            status=200,
        )
    return candidates[0]


def _event_service_enabled(client: XNATClient) -> bool | None:
    try:
        prefs = client.get_json("/xapi/events/prefs", what="read the Event Service preferences")
    except (NotFoundError, ProtocolError, PermissionDeniedError):
        return None
    if isinstance(prefs, dict) and isinstance(prefs.get("enabled"), bool):
        return bool(prefs["enabled"])
    return None


def _subscriptions(client: XNATClient, project: str) -> list[dict[str, Any]]:
    rows = client.get_json(
        f"/xapi/projects/{_p(project)}/events/subscriptions",
        what=f"list the event subscriptions of project {project}",
    )
    if not isinstance(rows, list):
        raise ProtocolError(
            "XNAT answered the subscription list with something that is not a list",
            method="GET",
            url=client.url(f"/xapi/projects/{_p(project)}/events/subscriptions"),
            status=200,
        )
    return [r for r in rows if isinstance(r, dict)]


def _info(row: dict[str, Any]) -> SubscriptionInfo:
    ef = row.get("event-filter") or {}
    return SubscriptionInfo(
        id=int(row["id"]),
        name=str(row.get("name") or ""),
        active=bool(row.get("active")),
        action_key=str(row.get("action-key") or ""),
        event_type=str(ef.get("event-type") or ""),
        status=ef.get("status"),
        project_ids=tuple(str(p) for p in ef.get("project-ids") or ()),
        payload_filter=ef.get("payload-filter"),
    )


def nifti_status(client: XNATClient, project: str, wrapper: WrapperRef | None = None) -> NiftiStatus:
    """Whether new DICOM scans of ``project`` are converted; an unknown project is a clear 404."""
    AnonymizeAPI(client).ensure_project(project)
    return _status(client, project, wrapper)


def _status(client: XNATClient, project: str, wrapper: WrapperRef | None) -> NiftiStatus:
    ref = wrapper or find_wrapper(client)
    state = client.get_json(
        f"/xapi/projects/{_p(project)}/wrappers/{ref.wrapper_id}/enabled",
        what=f"read whether {ref.wrapper_name} is enabled for project {project}",
    )
    if not isinstance(state, dict):
        state = {}
    ours = tuple(
        info
        for info in (_info(r) for r in _subscriptions(client, project))
        if info.project_ids == (project,)
        and info.action_key == ref.action_key
        and info.event_type == SCAN_EVENT
    )
    return NiftiStatus(
        project=project,
        event_service_enabled=_event_service_enabled(client),
        wrapper=ref,
        enabled_for_site=bool(state.get("enabled-for-site")),
        enabled_for_project=bool(state.get("enabled-for-project")),
        subscriptions=ours,
    )


def _require_event_service(client: XNATClient, status: NiftiStatus) -> None:
    if status.event_service_enabled is False:
        raise EventServiceDisabledError(
            f"the XNAT Event Service at {client.base_url} is switched off, so no subscription can run "
            "dcm2niix. A site administrator can switch it on under Administer > Event Service "
            '(or PUT /xapi/events/prefs {"enabled": true}); nothing was changed',
            method="GET",
            url=client.url("/xapi/events/prefs"),
        )


def nifti_enable(client: XNATClient, project: str, wrapper: WrapperRef | None = None) -> NiftiChange:
    """Enable the wrapper for the project and make sure one active subscription of ours exists."""
    before = nifti_status(client, project, wrapper)
    _require_event_service(client, before)
    ref = before.wrapper
    actions: list[str] = []
    if not before.enabled_for_site:
        client.request(
            "PUT",
            f"/xapi/wrappers/{ref.wrapper_id}/enabled",
            what=f"enable the {ref.wrapper_name} wrapper for the whole site",
            data=b"",
            forbidden_hint="Enabling a container wrapper for the site needs a site administrator",
        )
        actions.append(f"enabled wrapper {ref.wrapper_name} ({ref.wrapper_id}) for the site")
    if not before.enabled_for_project:
        client.request(
            "PUT",
            f"/xapi/projects/{_p(project)}/wrappers/{ref.wrapper_id}/enabled",
            what=f"enable the {ref.wrapper_name} wrapper for project {project}",
            data=b"",
            forbidden_hint=f"Enabling a container for project {project} needs an owner of the project",
        )
        actions.append(f"enabled wrapper {ref.wrapper_name} ({ref.wrapper_id}) for project {project}")
    if not before.subscriptions:
        body = {
            "name": SUBSCRIPTION_NAME,
            "active": True,
            "action-key": ref.action_key,
            "attributes": {},
            "event-filter": {
                "event-type": SCAN_EVENT,
                "project-ids": [project],
                "status": "CREATED",
                "payload-filter": DICOM_PAYLOAD_FILTER,
            },
        }
        response = client.request(
            "POST",
            f"/xapi/projects/{_p(project)}/events/subscription",
            what=f"create the DICOM-to-NIfTI subscription of project {project}",
            data=json.dumps(body).encode(),
            content_type="application/json",
            expect=(200, 201),
            forbidden_hint=f"Creating subscriptions for project {project} needs an owner of the project",
        )
        created = response.text.strip().rsplit(":", 1)[-1]
        actions.append(f"created subscription {created} (ScanEvent CREATED with DICOM -> {ref.wrapper_name})")
    else:
        if not any(s.active for s in before.subscriptions):
            first = before.subscriptions[0]
            _toggle(client, project, first.id, True)
            actions.append(f"activated subscription {first.id}")
    after = _status(client, project, ref)
    return NiftiChange(before, after, tuple(actions))


def _toggle(client: XNATClient, project: str, sid: int, on: bool) -> None:
    verb = "activate" if on else "deactivate"
    client.request(
        "POST",
        f"/xapi/projects/{_p(project)}/events/subscription/{sid}/{verb}",
        what=f"{verb} event subscription {sid} of project {project}",
        data=b"",
    )


def nifti_disable(client: XNATClient, project: str, wrapper: WrapperRef | None = None) -> NiftiChange:
    """Deactivate our subscriptions (kept, so ``enable`` restores them as they were)."""
    before = nifti_status(client, project, wrapper)
    actions: list[str] = []
    active = [s for s in before.subscriptions if s.active]
    if active:
        _require_event_service(client, before)
    for sub in active:
        _toggle(client, project, sub.id, False)
        actions.append(f"deactivated subscription {sub.id}")
    after = _status(client, project, before.wrapper)
    return NiftiChange(before, after, tuple(actions))


def nifti_remove(client: XNATClient, project: str, wrapper: WrapperRef | None = None) -> NiftiChange:
    """Delete our subscriptions; the wrapper stays enabled for manual runs."""
    before = nifti_status(client, project, wrapper)
    actions: list[str] = []
    if before.subscriptions:
        _require_event_service(client, before)
    for sub in before.subscriptions:
        client.request(
            "DELETE",
            f"/xapi/projects/{_p(project)}/events/subscription/{sub.id}",
            what=f"delete event subscription {sub.id} of project {project}",
            expect=(200, 204),
        )
        actions.append(f"deleted subscription {sub.id}")
    after = _status(client, project, before.wrapper)
    return NiftiChange(before, after, tuple(actions))
