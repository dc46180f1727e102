"""Everything the fake XNAT remembers: accounts, scripts, Event Service, receivers, archive."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_SCRIPT",
    "ArchivedFile",
    "ArchivedResource",
    "ArchivedScan",
    "ArchivedSession",
    "Command",
    "Knobs",
    "LoggedRequest",
    "Project",
    "Subscription",
    "User",
    "Wrapper",
]

# XNAT's built-in script (spec §1.2): lines joined with \n, no trailing newline.
DEFAULT_SCRIPT = "\n".join(
    [
        "//",
        "// Default XNAT anonymization script",
        "// XNAT http://www.xnat.org",
        "// Copyright (c) Washington University School of Medicine",
        "// Author: Kevin A. Archie <karchie@wustl.edu>",
        "//",
        'version "6.1"',
        'project != "Unassigned" ? (0008,1030) := project',
        "(0010,0010) := subject",
        "(0010,0020) := session",
    ]
)


@dataclass
class User:
    name: str
    password: str
    admin: bool = False
    failed_logins: int = 0
    locked: bool = False


@dataclass
class Project:
    id: str
    name: str = ""
    secondary_id: str = ""
    description: str = ""
    owners: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    script: str | None = None
    script_enabled: bool = False
    # xsiTypes the project experiment list omits, like XNAT does for types missing from element
    # security (spec §8.3, xnat:dxSessionData).
    hidden_from_project_list: set[str] = field(default_factory=set)

    def can_read(self, user: User) -> bool:
        return user.admin or user.name in self.owners or user.name in self.members

    def can_delete(self, user: User) -> bool:
        return user.admin or user.name in self.owners


@dataclass
class Wrapper:
    id: int
    name: str
    contexts: list[str]
    site_enabled: bool = True
    projects_enabled: set[str] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": f"Run {self.name}",
            "contexts": list(self.contexts),
            "external-inputs": [],
            "derived-inputs": [],
            "output-handlers": [],
        }


@dataclass
class Command:
    id: int
    name: str
    image: str
    version: str
    wrappers: list[Wrapper]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "image": self.image,
            "version": self.version,
            "type": "docker",
            "xnat": [w.as_json() for w in self.wrappers],
        }


@dataclass
class Subscription:
    id: int
    name: str
    active: bool
    action_key: str
    attributes: dict[str, str]
    event_type: str
    project_ids: list[str]
    status: str | None
    payload_filter: str | None
    owner: str
    created: str

    def as_json(self, project: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "active": self.active,
            "action-key": self.action_key,
            "attributes": dict(self.attributes),
            "event-filter": {
                "name": None,
                "event-type": self.event_type,
                "project-ids": list(self.project_ids),
                "status": self.status,
                "payload-filter": self.payload_filter,
                "reactorCriteriaHash": abs(hash((self.event_type, self.status))) % 10**9,
            },
            "act-as-event-user": False,
            "subscription-owner": self.owner,
            "valid": True,
            "validation-message": None,
            "created": self.created,
        }
        if project is not None:
            out["editable"] = self.project_ids == [project]
        return out


@dataclass
class ArchivedFile:
    name: str  # path below the resource's files/ folder
    data: bytes
    format: str = "DICOM"
    content: str = "RAW"


@dataclass
class ArchivedResource:
    id: int
    label: str
    files: list[ArchivedFile]
    format: str = "DICOM"
    content: str = "RAW"
    stored_stats: bool = True  # False: file_count/file_size are "" as in XNAT without stats


@dataclass
class ArchivedScan:
    id: str
    type: str
    series_description: str = ""
    xsi_type: str = "xnat:mrScanData"
    quality: str = "usable"
    resources: list[ArchivedResource] = field(default_factory=list)


@dataclass
class ArchivedSession:
    id: str  # accession ID, e.g. XNAT_E00001
    label: str
    project: str
    subject_id: str
    subject_label: str
    xsi_type: str = "xnat:mrSessionData"
    date: str = ""
    modality: str = ""
    uid: str = ""
    fields: dict[str, Any] = field(default_factory=dict)  # extra data_fields (dcmPatientName, ...)
    scans: list[ArchivedScan] = field(default_factory=list)
    shared_into: dict[str, str] = field(default_factory=dict)  # project -> share label
    insert_date: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S.000"))


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the fake saw it (without the Authorization header)."""

    method: str
    path: str
    query: str
    user_agent: str
    content_type: str
    status: int
    user: str | None


@dataclass
class Knobs:
    """Switches that make the fake misbehave the way real servers do.

    read_lag_reads / read_lag_seconds: after a site script PUT, ``GET /xapi/anonymize/site``
    keeps answering the previous script for that many reads / seconds (spec §1.2).
    lockout_threshold: failed logins after which an account is locked (XNAT default 20).
    release: what ``/xapi/siteConfig/buildInfo`` reports (spec §9).
    initialized: ``False`` redirects authenticated requests to ``/setup`` (spec §2.3).
    event_service_enabled: ``False`` makes subscription writes answer 405 (spec §3.4).
    corrupt_script_writes: the next N script PUTs store a truncated script (to test rollback).
    fail_next: the next N requests answer ``fail_status`` before authentication (502/503/504).
    cut_zip_after / cut_zip_abort: zip downloads stop after that many bytes under a 200, either
    cleanly (``abort`` False: the chunked stream ends normally) or by dropping the connection.
    wrong_digest: file lists report a wrong MD5.
    unknown_experiment_500: ``/data/experiments/{unknown}/scans/.../files`` answers 500 (spec §8.6).
    zip_extra_entries: extra (name, bytes) entries appended to every zip (e.g. ``../evil``).
    zip_link_entries: extra (name, target) symbolic-link entries appended to every zip.
    login_redirect: answer every request with 302 to the login page, as a server behind a
    single-sign-on proxy or one that takes the client for a browser does.
    fail_requests: answer requests matching a rule (method and exact path) with its status,
    ``times`` times (``None``: always) after letting the first ``skip`` through, e.g.
    ``[FailRule("PUT", "/xapi/anonymize/site/enabled")]``.
    """

    read_lag_reads: int = 0
    read_lag_seconds: float = 0.0
    lockout_threshold: int = 20
    release: str = "1.9.2.1"
    initialized: bool = True
    event_service_enabled: bool = False  # a fresh 1.9.2.1 ships with it off
    corrupt_script_writes: int = 0
    fail_next: int = 0
    fail_status: int = 503
    cut_zip_after: int | None = None
    cut_zip_abort: bool = False
    wrong_digest: bool = False
    unknown_experiment_500: bool = True
    zip_extra_entries: list[tuple[str, bytes]] = field(default_factory=list)
    zip_link_entries: list[tuple[str, str]] = field(default_factory=list)
    login_redirect: bool = False
    fail_requests: list[FailRule] = field(default_factory=list)


@dataclass
class FailRule:
    """One kind of request the fake answers with an error (see ``Knobs.fail_requests``)."""

    method: str
    path: str
    status: int = 500
    times: int | None = 1
    skip: int = 0

    def take(self, method: str, path: str) -> bool:
        """Whether this request fails now (and count it)."""
        if method != self.method or path != self.path or self.times == 0:
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.times is not None:
            self.times -= 1
        return True


def new_session_id() -> str:
    return secrets.token_hex(16).upper()
