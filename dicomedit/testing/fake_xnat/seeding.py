"""Seeding the fake's archive with projects, subjects and sessions from DICOM files.

The fake applies no script: what a test archives is what the fake serves, so a test decides
whether a session looks anonymized, half-anonymized or raw (issue 8).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pydicom

from .state import ArchivedFile, ArchivedResource, ArchivedScan, ArchivedSession, Project

__all__ = ["DicomInput", "Seeder"]

DicomInput = Path | str | bytes | pydicom.Dataset

_SESSION_TYPES = {
    "MR": "xnat:mrSessionData",
    "CT": "xnat:ctSessionData",
    "PT": "xnat:petSessionData",
    "DX": "xnat:dxSessionData",
    "CR": "xnat:crSessionData",
    "US": "xnat:usSessionData",
}


def _as_bytes(item: DicomInput) -> tuple[str | None, bytes]:
    if isinstance(item, bytes):
        return None, item
    if isinstance(item, pydicom.Dataset):
        buffer = io.BytesIO()
        item.save_as(buffer, enforce_file_format=True)
        return None, buffer.getvalue()
    path = Path(item)
    return path.name, path.read_bytes()


def _text(ds: pydicom.Dataset, keyword: str) -> str:
    value = ds.get(keyword)
    return "" if value is None else str(value)


class Seeder:
    """Mixin of :class:`FakeXNAT` that fills the archive (spec §7 items 21-29)."""

    lock: threading.RLock
    projects: dict[str, Project]
    experiments: dict[str, ArchivedSession]
    subject_ids: dict[tuple[str, str], str]
    _ids: dict[str, int]

    def next_id(self, kind: str, start: int = 1) -> int:
        with self.lock:
            value = self._ids.get(kind, start - 1) + 1
            self._ids[kind] = value
            return value

    def add_project(
        self,
        project_id: str,
        *,
        owners: Iterable[str] = (),
        members: Iterable[str] = (),
        name: str = "",
        secondary_id: str = "",
    ) -> Project:
        with self.lock:
            project = Project(
                project_id,
                name=name or project_id,
                secondary_id=secondary_id or project_id,
                owners=set(owners),
                members=set(members),
            )
            self.projects[project_id] = project
            return project

    def archive_session(
        self,
        project: str,
        subject: str,
        label: str,
        files: Iterable[DicomInput],
        *,
        resource: str = "DICOM",
        xsi_type: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> ArchivedSession:
        """Archive DICOM files as one session; scans are grouped by Series Number.

        ``fields`` add or override the session's ``data_fields``; by default XNAT's header copies
        (``dcmPatientName``, ``dcmPatientId``, ``dcmAccessionNumber``, ...) come from the first file.
        """
        with self.lock:
            if project not in self.projects:
                self.add_project(project)
            subject_id = self.subject_ids.get((project, subject))
            if subject_id is None:
                subject_id = f"XNAT_S{self.next_id('subject'):05d}"
                self.subject_ids[(project, subject)] = subject_id
            session = ArchivedSession(
                id=f"XNAT_E{self.next_id('experiment'):05d}",
                label=label,
                project=project,
                subject_id=subject_id,
                subject_label=subject,
            )
            first: pydicom.Dataset | None = None
            scans: dict[str, ArchivedScan] = {}
            for index, item in enumerate(files, start=1):
                name, data = _as_bytes(item)
                ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
                first = first or ds
                scan_id = _text(ds, "SeriesNumber") or "1"
                scan = scans.get(scan_id)
                if scan is None:
                    description = _text(ds, "SeriesDescription")
                    scan = ArchivedScan(scan_id, description or _text(ds, "Modality"), description)
                    scan.xsi_type = f"xnat:{_text(ds, 'Modality').lower() or 'mr'}ScanData"
                    scan.resources.append(ArchivedResource(self.next_id("resource"), resource, []))
                    scans[scan_id] = scan
                file_name = name or f"{_text(ds, 'SOPInstanceUID') or index}.dcm"
                scan.resources[0].files.append(ArchivedFile(file_name, data))
            session.scans = [scans[k] for k in sorted(scans, key=lambda s: (len(s), s))]
            if first is not None:
                modality = _text(first, "Modality")
                session.modality = modality
                session.xsi_type = _SESSION_TYPES.get(modality, "xnat:otherDicomSessionData")
                session.uid = _text(first, "StudyInstanceUID")
                date = _text(first, "StudyDate")
                session.date = f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 else ""
                session.fields = {
                    "dcmPatientName": _text(first, "PatientName"),
                    "dcmPatientId": _text(first, "PatientID"),
                    "dcmAccessionNumber": _text(first, "AccessionNumber"),
                    "dcmPatientBirthDate": _text(first, "PatientBirthDate"),
                    "operator": _text(first, "OperatorsName"),
                    "acquisition_site": _text(first, "InstitutionName"),
                }
            if xsi_type:
                session.xsi_type = xsi_type
            session.fields.update(fields or {})
            self.experiments[session.id] = session
            return session

    def add_resource(
        self,
        session: ArchivedSession,
        scan_id: str,
        label: str,
        files: Mapping[str, bytes],
        *,
        format: str = "DICOM",
        scan_type: str = "",
    ) -> ArchivedResource:
        """Add a resource (e.g. ``secondary`` DICOM, or ``SNAPSHOTS`` images) to a scan."""
        with self.lock:
            scan = next((s for s in session.scans if s.id == scan_id), None)
            if scan is None:
                scan = ArchivedScan(scan_id, scan_type or "OT", scan_type)
                session.scans.append(scan)
            resource = ArchivedResource(
                self.next_id("resource"),
                label,
                [ArchivedFile(n, d, format) for n, d in files.items()],
                format,
            )
            scan.resources.append(resource)
            return resource

    def share_session(self, session: ArchivedSession, project: str, label: str | None = None) -> None:
        """Share a session into another project, optionally under another label."""
        with self.lock:
            if project not in self.projects:
                self.add_project(project)
            session.shared_into[project] = label or session.label
