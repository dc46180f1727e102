"""Download one session's files by label, verified against XNAT's file list (issue 8 item 2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .archive import (
    DICOM_RESOURCES,
    ArchiveAPI,
    DownloadedFile,
    SessionInfo,
    ZipLimits,
    session_folder,
)
from .client import XNATClient
from .errors import NotFoundError

__all__ = ["FetchResult", "fetch_session"]


@dataclass(frozen=True, slots=True)
class FetchResult:
    session: SessionInfo
    directory: Path  # {destination}/{session label}/{scan}/{resource}/{file}
    files: tuple[DownloadedFile, ...]


def fetch_session(
    client: XNATClient,
    project: str,
    ref: str,
    destination: Path,
    *,
    resources: Sequence[str] = DICOM_RESOURCES,
    limits: ZipLimits | None = None,
) -> FetchResult:
    """Resolve ``ref`` (label or accession ID) in ``project`` and download the named resources.

    ``destination`` (and its parents) is created when missing; the session's folder in it must
    be new or empty.
    """
    limits = limits or ZipLimits()
    api = ArchiveAPI(client)
    session = api.resolve_session(project, ref)
    expected = api.list_files(session, resources)
    if not expected:
        raise NotFoundError(
            f"session {session.label} of project {project} has no {' or '.join(resources)} files: see its "
            "resources in XNAT (e.g. NIFTI only appears after conversion)",
            method="GET",
            url=client.url(f"/data/experiments/{session.id}/scans/ALL/resources/{','.join(resources)}/files"),
        )
    directory = destination / session_folder(session)
    files = api.download_verified(session, directory, expected, resources, limits)
    return FetchResult(session, directory, tuple(files))
