"""Reading what XNAT archived: sessions, scans, resources, file lists and zip downloads (spec §8).

Sessions are listed with the global experiment listing (§8.3: the project listing can omit some
session types), looked up by label or accession ID and checked against the project (§8.4).
Downloads stream to disk in chunks, and extraction trusts nothing in the zip: every entry must
be a file that XNAT's own file list names, with the listed size and MD5 (§8.6), so a stream cut
under a 200 is detected instead of being mistaken for a complete session.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO
from urllib.parse import quote

import requests

from ..fsutil import atomic_output
from .client import XNATClient
from .errors import (
    ArchiveIntegrityError,
    LocalFileError,
    NotFoundError,
    ProtocolError,
    ServerError,
    UnsafeArchiveError,
)

__all__ = [
    "DICOM_RESOURCES",
    "ArchiveAPI",
    "DownloadedFile",
    "RemoteFile",
    "ResourceInfo",
    "ScanInfo",
    "SessionInfo",
    "SessionRef",
    "ZipLimits",
    "extract_verified",
    "session_folder",
]

# DICOM lands in DICOM, or in secondary for secondary captures (spec §8.5).
DICOM_RESOURCES: tuple[str, ...] = ("DICOM", "secondary")
_CHUNK = 1 << 16


def _q(text: str) -> str:
    return quote(text, safe="")


@dataclass(frozen=True, slots=True)
class SessionRef:
    """A row of the experiment listing."""

    id: str
    label: str
    project: str
    xsi_type: str
    date: str
    subject_label: str = ""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One session as XNAT describes it (``data_fields`` keep header copies, spec §8.4)."""

    id: str
    label: str
    project: str
    subject_id: str
    subject_label: str
    xsi_type: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScanInfo:
    id: str
    type: str
    series_description: str
    xsi_type: str


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    scan_id: str
    id: str
    label: str
    format: str
    file_count: int | None  # None: XNAT has no stored statistics ("")


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file as XNAT's file list names it."""

    scan_id: str
    resource: str
    name: str
    size: int
    digest: str  # MD5 hex, or "" when the server does not keep checksums


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    path: Path
    remote: RemoteFile


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Upper bounds for one download; generous for MR/CT sessions, fatal for zip bombs."""

    max_entries: int = 200_000
    max_total_bytes: int = 64 * 1024**3
    max_entry_bytes: int = 4 * 1024**3


def _rows(data: Any, what: str, url: str) -> list[dict[str, Any]]:
    try:
        rows = data["ResultSet"]["Result"]
    except (KeyError, TypeError):
        raise ProtocolError(
            f"XNAT's answer to {what} is not a ResultSet listing", method="GET", url=url, status=200
        ) from None
    return [r for r in rows if isinstance(r, dict)]


class ArchiveAPI:
    """Read-only access to archived data through one :class:`XNATClient`."""

    def __init__(self, client: XNATClient) -> None:
        self.client = client

    def _list(self, path: str, what: str, params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        query = {"format": "json", **(params or {})}
        return _rows(self.client.get_json(path, what=what, params=query), what, self.client.url(path))

    # -- projects and sessions -------------------------------------------------------------
    def list_projects(self) -> list[dict[str, str]]:
        return [{k: str(v) for k, v in r.items()} for r in self._list("/data/projects", "list the projects")]

    def list_sessions(self, project: str, labels: Sequence[str] = ()) -> list[SessionRef]:
        """The sessions whose primary project is ``project`` (global listing, spec §8.3)."""
        params = {
            "project": project,
            "columns": "ID,label,project,xsiType,date,subject_label",
        }
        if labels and not any(ch in label for label in labels for ch in ",*%"):
            params["label"] = ",".join(labels)
        rows = self._list("/data/experiments", f"list the sessions of project {project}", params)
        refs = [
            SessionRef(
                str(r.get("ID", "")),
                str(r.get("label", "")),
                str(r.get("project", "")),
                str(r.get("xsiType", "")),
                str(r.get("date", "")),
                str(r.get("subject_label", "")),
            )
            for r in rows
        ]
        # The filter is a LIKE with ',' '*' '%' special: match labels exactly here (spec §8.3).
        refs = [r for r in refs if r.project == project]
        if labels:
            wanted = set(labels)
            refs = [r for r in refs if r.label in wanted]
        return refs

    def resolve_session(self, project: str, ref: str) -> SessionInfo:
        """Look a session up by label (or accession ID) and make sure it is in ``project``."""
        path = f"/data/projects/{_q(project)}/experiments/{_q(ref)}"
        try:
            doc = self.client.get_json(
                path, what=f"look up session {ref} of project {project}", params={"format": "json"}
            )
        except NotFoundError as e:
            raise e.reworded(
                f"project {project} has no session {ref!r} that user {self.client.credentials.user!r} can "
                "see: check the label (on sites that label by accession number, the accession number) "
                "and the project ID"
            ) from None
        try:
            item = doc["items"][0]
            data = dict(item["data_fields"])
            xsi = str(item.get("meta", {}).get("xsi:type", ""))
        except (KeyError, IndexError, TypeError):
            raise ProtocolError(
                f"XNAT's description of session {ref} has no items[0].data_fields",
                method="GET",
                url=self.client.url(path),
                status=200,
            ) from None
        owner = str(data.get("project", ""))
        session_id = str(data.get("ID", ""))
        # XNAT resolves an accession ID whatever the project in the URL (spec §8.4).
        if owner != project and ref == session_id:
            raise NotFoundError(
                f"session {ref} belongs to project {owner}, not {project}",
                method="GET",
                url=self.client.url(path),
                status=200,
            )
        subject_label = self._subject_label(owner, str(data.get("subject_ID", "")))
        return SessionInfo(
            id=session_id,
            label=str(data.get("label", "")),
            project=owner,
            subject_id=str(data.get("subject_ID", "")),
            subject_label=subject_label,
            xsi_type=xsi,
            fields=data,
        )

    def _subject_label(self, project: str, subject_id: str) -> str:
        rows = self._list(f"/data/projects/{_q(project)}/subjects", f"list the subjects of project {project}")
        for r in rows:
            if str(r.get("ID")) == subject_id:
                return str(r.get("label", ""))
        return ""

    # -- scans, resources, files -----------------------------------------------------------
    def _session_path(self, session: SessionInfo) -> str:
        return f"/data/experiments/{_q(session.id)}"

    def list_scans(self, session: SessionInfo) -> list[ScanInfo]:
        rows = self._list(
            f"{self._session_path(session)}/scans", f"list the scans of session {session.label}"
        )
        return [
            ScanInfo(
                str(r.get("ID", "")),
                str(r.get("type", "")),
                str(r.get("series_description", "")),
                str(r.get("xsiType", "")),
            )
            for r in rows
        ]

    def list_resources(self, session: SessionInfo, scan: ScanInfo) -> list[ResourceInfo]:
        path = f"{self._session_path(session)}/scans/{_q(scan.id)}/resources"
        rows = self._list(path, f"list the resources of scan {scan.id} of session {session.label}")
        out = []
        for r in rows:
            count = str(r.get("file_count", ""))
            out.append(
                ResourceInfo(
                    scan.id,
                    str(r.get("xnat_abstractresource_id", "")),
                    str(r.get("label", "")),
                    str(r.get("format", "")),
                    int(count) if count.isdigit() else None,
                )
            )
        return out

    def list_files(
        self, session: SessionInfo, resources: Sequence[str] = DICOM_RESOURCES
    ) -> list[RemoteFile]:
        """Every file of those resources in every scan; empty when none of them exists."""
        path = f"{self._session_path(session)}/scans/ALL/resources/{','.join(_q(r) for r in resources)}/files"
        try:
            rows = self._list(path, f"list the {'/'.join(resources)} files of session {session.label}")
        except NotFoundError:
            return []
        files = []
        for r in rows:
            try:
                size = int(str(r.get("Size", "")))
            except ValueError:
                raise ProtocolError(
                    f"XNAT's file list of session {session.label} has a file without a size",
                    method="GET",
                    url=self.client.url(path),
                    status=200,
                ) from None
            uri = str(r.get("URI", ""))
            scan = re.search(r"/scans/([^/]+)/resources/", uri)
            files.append(
                RemoteFile(
                    scan.group(1) if scan else "",
                    str(r.get("collection", "")),
                    str(r.get("Name", "")),
                    size,
                    str(r.get("digest", "")).lower(),
                )
            )
        return files

    def download_zip(
        self,
        session: SessionInfo,
        target: Path,
        resources: Sequence[str] = DICOM_RESOURCES,
        limits: ZipLimits = ZipLimits(),
    ) -> Path:
        """Stream the zip of those resources to ``target`` chunk by chunk (bounded memory).

        ``target`` (and its folder) is created only when the whole stream has arrived: a broken
        download leaves nothing behind.
        """
        path = f"{self._session_path(session)}/scans/ALL/resources/{','.join(_q(r) for r in resources)}/files"
        what = f"download session {session.label}"
        written = 0
        try:
            with (
                self.client.stream(path, what=what, params={"format": "zip"}) as response,
                atomic_output(target) as out,
            ):
                for chunk in response.iter_content(_CHUNK):
                    written += len(chunk)
                    if written > limits.max_total_bytes:
                        raise UnsafeArchiveError(
                            f"the download of session {session.label} exceeds {limits.max_total_bytes} "
                            "bytes; "
                            "stopped (raise the limit if the session really is that large)",
                            method="GET",
                            url=self.client.url(path),
                        )
                    out.write(chunk)
        except requests.exceptions.RequestException as e:  # before OSError: they derive from it
            raise ArchiveIntegrityError(
                f"the download of session {session.label} broke off after {written} bytes "
                f"({type(e).__name__}); "
                "nothing of it was used. Try again",
                method="GET",
                url=self.client.url(path),
                status=200,
            ) from None
        except ServerError:
            raise
        except OSError as e:
            raise LocalFileError.from_os_error("write the download to", target, e) from None
        return target

    def download_verified(
        self,
        session: SessionInfo,
        directory: Path,
        expected: Iterable[RemoteFile],
        resources: Sequence[str] = DICOM_RESOURCES,
        limits: ZipLimits = ZipLimits(),
    ) -> list[DownloadedFile]:
        """Download the resources of ``session`` into the new folder ``directory``, verified.

        The zip goes to a temporary folder beside ``directory`` and is removed afterwards; see
        :func:`extract_verified` for what is checked.  Missing parent folders are created.
        """
        parent = directory.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            workspace = tempfile.TemporaryDirectory(prefix=".dicomedit-", dir=parent)
        except OSError as e:
            raise LocalFileError.from_os_error("create a folder in", parent, e) from None
        with workspace as tmp:
            archive = self.download_zip(session, Path(tmp) / "download.zip", resources, limits)
            return extract_verified(archive, directory, expected, limits)


def session_folder(session: SessionInfo) -> str:
    """The folder name for a session: its label, unless the label cannot be a folder name."""
    name = session.label
    if not name or _unsafe_name(name) or "/" in name or name in (".", ".."):
        return session.id
    return name


def _entry_parts(name: str) -> tuple[str, str, str] | None:
    """(scan directory, resource label, path) from a default-layout entry (spec §8.6)."""
    m = re.search(r"(?:^|/)scans/([^/]+)/resources/([^/]+)/files/(.+)$", name)
    return (m.group(1), m.group(2), m.group(3)) if m else None


def _unsafe_name(name: str) -> str:
    """Why an entry or file-list name may not be used as a path, or ''."""
    if "\\" in name or "\x00" in name:
        return "contains a backslash or NUL"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return "contains '..'"
    return ""


def extract_verified(
    zip_path: Path,
    destination: Path,
    expected: Iterable[RemoteFile],
    limits: ZipLimits = ZipLimits(),
) -> list[DownloadedFile]:
    """Extract a session zip safely and prove it holds exactly the files XNAT listed.

    Files are written to ``destination/{scan}/{resource}/{name}``: paths come from the file list,
    never from the zip.  Raises :class:`UnsafeArchiveError` for traversal, links, unknown entries
    or exceeded limits, :class:`ArchiveIntegrityError` for missing files, wrong sizes or wrong
    digests and :class:`LocalFileError` when a file cannot be written; nothing extracted is left
    behind then.  Each file appears under its name only once it is complete and verified.
    """
    wanted = list(expected)
    for f in wanted:
        for part in (f.scan_id, f.resource, f.name):
            why = _unsafe_name(part) or ("is empty" if not part else "")
            if why:
                raise UnsafeArchiveError(f"XNAT's file list names a file whose path {why}: {part!r}; refused")
    index: dict[tuple[str, str], list[RemoteFile]] = {}
    for f in wanted:
        index.setdefault((f.resource, f.name), []).append(f)
    try:
        if destination.is_dir() and any(destination.iterdir()):
            raise UnsafeArchiveError(f"{destination} is not empty: extract into a new folder")
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise LocalFileError.from_os_error("create the folder", destination, e) from None
    try:
        done = _extract(zip_path, destination, index, limits)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    missing = {(f.scan_id, f.resource, f.name) for f in wanted} - {
        (d.remote.scan_id, d.remote.resource, d.remote.name) for d in done
    }
    if missing:
        shutil.rmtree(destination, ignore_errors=True)
        example = sorted(missing)[0]
        raise ArchiveIntegrityError(
            f"the download has {len(done)} of the {len(wanted)} files XNAT lists (missing e.g. scan "
            f"{example[0]} {example[1]}/{example[2]}): the stream was cut or the session changed while "
            "downloading. Nothing of it was used; try again"
        )
    return done


def _extract(
    zip_path: Path, destination: Path, index: dict[tuple[str, str], list[RemoteFile]], limits: ZipLimits
) -> list[DownloadedFile]:
    done: list[DownloadedFile] = []
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError):
        raise ArchiveIntegrityError(
            f"the download ({zip_path.stat().st_size} bytes) is not a complete zip archive: the stream "
            "was probably cut. Nothing of it was used; try again"
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise UnsafeArchiveError(
                f"the zip has {len(infos)} entries, more than the limit {limits.max_entries}"
            )
        total = 0
        for info in infos:
            name = info.filename
            why = _unsafe_name(name)
            if why:
                raise UnsafeArchiveError(f"zip entry {name!r} {why}: refused, nothing was extracted")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchiveError(
                    f"zip entry {name!r} is a symbolic link: refused, nothing was extracted"
                )
            if info.is_dir():
                continue
            if info.file_size > limits.max_entry_bytes:
                raise UnsafeArchiveError(f"zip entry {name!r} is larger than {limits.max_entry_bytes} bytes")
            total += info.file_size
            if total > limits.max_total_bytes:
                raise UnsafeArchiveError(f"the zip unpacks to more than {limits.max_total_bytes} bytes")
            remote = _match(name, index)
            if remote is None:
                raise UnsafeArchiveError(
                    f"zip entry {name!r} is not a file XNAT lists for this session: refused, "
                    "nothing was extracted"
                )
            target = destination / remote.scan_id / remote.resource / remote.name
            try:
                with atomic_output(target) as out:
                    _copy_verified(archive, info, remote, out)
            except OSError as e:
                raise LocalFileError.from_os_error("write", target, e) from None
            done.append(DownloadedFile(target, remote))
    return done


# What reading a damaged or cut zip entry raises.
_ZIP_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, zlib.error)


def _copy_verified(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, remote: RemoteFile, out: BinaryIO
) -> None:
    """Copy one entry to ``out``, checking its size and digest against XNAT's list as it goes."""
    name = info.filename
    digest = hashlib.md5()
    size = 0
    try:
        src: IO[bytes] = archive.open(info)
    except _ZIP_READ_ERRORS as e:
        raise _unreadable_entry(name, e) from None
    with src:
        while True:
            try:
                chunk = src.read(_CHUNK)
            except _ZIP_READ_ERRORS as e:
                raise _unreadable_entry(name, e) from None
            if not chunk:
                break
            size += len(chunk)
            if size > remote.size:
                break
            digest.update(chunk)
            out.write(chunk)  # an OSError here is the local disk's, not the download's
    if size != remote.size:
        raise ArchiveIntegrityError(
            f"zip entry {name!r} has {size} bytes where XNAT lists {remote.size}: incomplete or changed"
        )
    if remote.digest and digest.hexdigest() != remote.digest:
        raise ArchiveIntegrityError(
            f"zip entry {name!r} does not match the MD5 digest XNAT lists for it: the download is "
            "corrupt, or the server's checksum is stale"
        )


def _unreadable_entry(name: str, error: BaseException) -> ArchiveIntegrityError:
    return ArchiveIntegrityError(f"zip entry {name!r} cannot be read ({error}): the stream was probably cut")


def _match(name: str, index: dict[tuple[str, str], list[RemoteFile]]) -> RemoteFile | None:
    parts = _entry_parts(name)
    if parts is None:
        return None
    scan_dir, resource, path = parts
    for remote in index.get((resource, path), []):
        if scan_dir == remote.scan_id or scan_dir.startswith(remote.scan_id + "-"):
            return remote
    return None
