"""The ``/data`` routes of the fake: JSESSION, alias tokens and archived data (spec §2.1, §8).

Lists answer XNAT's ``ResultSet`` envelope with every cell a string (§8.1); errors are Restlet's
HTML status page even when JSON was asked (§7 item 29).
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import re
import stat
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .http import Request, Response, Router, iter_chunks, restlet_error
from .state import ArchivedResource, ArchivedScan, ArchivedSession, Project, User

if TYPE_CHECKING:
    from .server import FakeXNAT

__all__ = ["register"]

_NOT_FOUND = "Unable to find the specified experiment."
_SEG = r"[^/]+"
_LIST_KEYS = ("ID", "project", "date", "xsiType", "label", "insert_date")


def _result_set(rows: list[dict[str, Any]], *, total: bool = True, **extra: Any) -> Response:
    cells = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    result: dict[str, Any] = {"Result": cells, **extra}
    if total:
        result["totalRecords"] = str(len(cells))
    return Response.json({"ResultSet": result})


def _wants_json(request: Request) -> bool:
    fmt = request.param("format")
    if fmt is not None:
        return fmt.lower() == "json"
    accept = request.headers.get("Accept") or "*/*"
    return "json" in accept or "*/*" in accept


def _html_document(title: str) -> Response:
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return Response(200, page.encode(), "text/html;charset=UTF-8")


def _like(value: str, patterns: str) -> bool:
    """XNAT list filters: comma = OR, ``*`` / ``%`` = wildcard (spec §8.3)."""
    for pattern in patterns.split(","):
        pattern = pattern.strip()
        if "*" in pattern or "%" in pattern:
            if fnmatch.fnmatchcase(value, pattern.replace("%", "*")):
                return True
        elif value == pattern:
            return True
    return False


def _type_dir(scan: ArchivedScan) -> str:
    kind = re.sub(r"\W", "_", scan.type)
    return f"{scan.id}-{kind}" if kind else scan.id


def _digest(data: bytes, wrong: bool) -> str:
    md5 = hashlib.md5(data).hexdigest()
    return md5[::-1] if wrong else md5


def register(router: Router, fake: FakeXNAT) -> None:
    def user(request: Request) -> User:
        assert request.user is not None
        return request.user

    # -- sessions and tokens (spec §2.1) -------------------------------------------------------
    def jsession(request: Request, m: re.Match[str]) -> Response:
        cookie = request.headers.get("Cookie") or ""
        if request.method == "DELETE":
            with fake.lock:
                for part in cookie.split(";"):
                    key, _, value = part.strip().partition("=")
                    if key == "JSESSIONID":
                        fake.sessions.pop(value, None)
            return Response.empty()
        return Response.text(request.session_id or "")

    router.add("GET POST DELETE", r"/data/JSESSION", jsession)

    def issue_token(request: Request, m: re.Match[str]) -> Response:
        alias, secret = fake.issue_token(user(request).name)
        return Response.json(
            {
                "alias": alias,
                "secret": secret,
                "xdatUserId": user(request).name,
                "singleUse": False,
                "estimatedExpirationTime": 0,
            }
        )

    router.add("GET", r"/data/services/tokens/issue", issue_token)
    router.add("GET", r"/data/version", lambda r, m: restlet_error(404))

    # -- projects and subjects (spec §8.2) -----------------------------------------------------
    def readable(request: Request, project_id: str) -> Project | None:
        project = fake.projects.get(project_id)
        if project is None or not project.can_read(user(request)):
            return None
        return project

    def list_projects(request: Request, m: re.Match[str]) -> Response:
        rows = [
            {
                "ID": p.id,
                "secondary_ID": p.secondary_id,
                "name": p.name,
                "description": p.description,
                "pi_firstname": "",
                "pi_lastname": "",
                "URI": f"/data/projects/{p.id}",
            }
            for p in fake.projects.values()
            if p.can_read(user(request))
        ]
        return _result_set(rows, title="Projects")

    def one_project(request: Request, m: re.Match[str]) -> Response:
        project = readable(request, m.group("p"))
        if project is None:
            return restlet_error(404, _NOT_FOUND)
        if request.param("format") != "json":
            return _html_document(f"Project {project.id}")
        fields = {"ID": project.id, "secondary_ID": project.secondary_id, "name": project.name}
        return Response.json(
            {
                "items": [
                    {
                        "meta": {"isHistory": False, "xsi:type": "xnat:projectData"},
                        "data_fields": fields,
                        "children": [],
                    }
                ]
            }
        )

    def list_subjects(request: Request, m: re.Match[str]) -> Response:
        project = readable(request, m.group("p"))
        if project is None:
            return restlet_error(404, f"Unable to identify project {m.group('p')}")
        rows = [
            {
                "ID": sid,
                "label": label,
                "project": pid,
                "insert_date": "",
                "insert_user": "admin",
                "URI": f"/data/subjects/{sid}",
            }
            for (pid, label), sid in fake.subject_ids.items()
            if pid == project.id
        ]
        return _result_set(rows)

    router.add("GET", r"/data/projects", list_projects)
    router.add("GET", rf"/data/projects/(?P<p>{_SEG})", one_project)
    router.add("GET", rf"/data/projects/(?P<p>{_SEG})/subjects", list_subjects)

    # -- experiment lists (spec §8.3) ----------------------------------------------------------
    def row(session: ArchivedSession, label: str, project: str) -> dict[str, Any]:
        return {
            "ID": session.id,
            "project": project,
            "date": session.date,
            "xsiType": session.xsi_type,
            "label": label,
            "insert_date": session.insert_date,
        }

    def project_experiments(request: Request, m: re.Match[str]) -> Response:
        pid = m.group("p")
        project = fake.projects.get(pid)
        if project is None:
            return restlet_error(404, f"Unable to identify project {pid}")
        if not project.can_read(user(request)):
            return restlet_error(403, f"Unable to read experiments for Project: {pid}")
        rows = []
        for s in fake.experiments.values():
            if s.xsi_type in project.hidden_from_project_list:
                continue
            if s.project == pid:
                label = s.label
            elif pid in s.shared_into:
                label = s.shared_into[pid]
            else:
                continue
            r = row(s, label, pid)
            r["xnat:subjectassessordata/id"] = s.id
            r["URI"] = f"/data/experiments/{s.id}"
            rows.append(r)
        return _result_set(rows)

    def global_experiments(request: Request, m: re.Match[str]) -> Response:
        rows = []
        for s in fake.experiments.values():
            project = fake.projects.get(s.project)
            if project is None or not project.can_read(user(request)):
                continue
            r = row(s, s.label, s.project)
            xsi = request.param("xsiType")
            if xsi:
                r["subject_ID"] = s.subject_id
                r["subject_label"] = s.subject_label
            full = {
                **r,
                "subject_ID": s.subject_id,
                "subject_label": s.subject_label,
                "modality": s.modality,
                "UID": s.uid,
            }
            if not all(_like(str(full.get(k, "")), v) for k, v in _filters(request).items()):
                continue
            if (
                xsi
                and not _like(s.xsi_type, xsi)
                and xsi not in ("xnat:subjectAssessorData", "xnat:imageSessionData")
            ):
                continue
            columns = request.param("columns")
            if columns:
                r = {c: full[c] for c in columns.split(",") if c in full}
            r["URI"] = f"/data/experiments/{s.id}"
            rows.append(r)
        limit, offset = request.param("limit"), request.param("offset")
        if limit is not None or offset is not None:
            start = int(offset or 0)
            stop = None if (limit or "100") == "*" else start + int(limit or 100)
            return _result_set(rows[start:stop], total=False)
        return _result_set(rows)

    router.add("GET", rf"/data/projects/(?P<p>{_SEG})/experiments", project_experiments)
    router.add("GET", r"/data/experiments", global_experiments)

    # -- one experiment (spec §8.4) ----------------------------------------------------------
    def resolve(
        request: Request, pid: str | None, ref: str, sid_label: str | None = None
    ) -> ArchivedSession | None:
        session = fake.experiments.get(ref)
        if session is None and pid is not None:
            for s in fake.experiments.values():
                if (s.project == pid and s.label == ref) or s.shared_into.get(pid) == ref:
                    session = s
                    break
        if session is None:
            return None
        project = fake.projects.get(session.project)
        visible = project is not None and project.can_read(user(request))
        if not visible and pid is not None and pid in session.shared_into:
            shared = fake.projects.get(pid)
            visible = shared is not None and shared.can_read(user(request))
        if not visible:
            return None
        if sid_label is not None and sid_label not in (session.subject_id, session.subject_label):
            return None
        return session

    def item(session: ArchivedSession) -> dict[str, Any]:
        fields = {
            "ID": session.id,
            "label": session.label,
            "project": session.project,
            "subject_ID": session.subject_id,
            "date": session.date,
            "UID": session.uid,
            "modality": session.modality,
            **session.fields,
        }
        scans = [
            {
                "meta": {"isHistory": False, "xsi:type": sc.xsi_type},
                "data_fields": {
                    "ID": sc.id,
                    "type": sc.type,
                    "series_description": sc.series_description,
                    "quality": sc.quality,
                    "image_session_ID": session.id,
                },
                "children": [],
            }
            for sc in session.scans
        ]
        return {
            "items": [
                {
                    "meta": {"isHistory": False, "xsi:type": session.xsi_type},
                    "data_fields": fields,
                    "children": [{"field": "scans/scan", "items": scans}],
                }
            ]
        }

    def experiment(request: Request, m: re.Match[str]) -> Response:
        groups = m.groupdict()
        session = resolve(request, groups.get("p"), groups["e"], groups.get("s"))
        if session is None:
            return restlet_error(404, _NOT_FOUND)
        if request.param("format") != "json":
            return _html_document(f"Experiment {session.label}")
        return Response.json(item(session))

    pre = rf"/data/projects/(?P<p>{_SEG})"
    router.add("GET", r"/data/experiments/(?P<e>[^/]+)", experiment)
    router.add("GET", rf"{pre}/experiments/(?P<e>{_SEG})", experiment)
    router.add("GET", rf"{pre}/subjects/(?P<s>{_SEG})/experiments/(?P<e>{_SEG})", experiment)

    # -- scans, resources, files (spec §8.5, §8.6) ---------------------------------------------
    def session_for(request: Request, groups: dict[str, Any]) -> ArchivedSession | Response:
        session = resolve(request, groups.get("p"), groups["e"], groups.get("s"))
        if session is None:
            if groups.get("p") is None and fake.knobs.unknown_experiment_500 and "/files" in request.path:
                return restlet_error(500, "Internal Server Error")
            return restlet_error(404, _NOT_FOUND)
        return session

    def select_scans(session: ArchivedSession, selector: str) -> list[ArchivedScan]:
        if selector.upper() == "ALL":
            return list(session.scans)
        wanted = selector.split(",")
        return [s for s in session.scans if s.id in wanted or s.type in wanted]

    def select_resources(scan: ArchivedScan, selector: str | None) -> list[ArchivedResource]:
        if selector is None:
            return list(scan.resources)
        wanted = selector.split(",")
        return [r for r in scan.resources if r.label in wanted or str(r.id) in wanted]

    def list_scans(request: Request, m: re.Match[str]) -> Response:
        session = session_for(request, m.groupdict())
        if isinstance(session, Response):
            return session
        rows = [
            {
                "xnat_imagescandata_id": str(i + 1),
                "ID": s.id,
                "type": s.type,
                "quality": s.quality,
                "xsiType": s.xsi_type,
                "note": "",
                "series_description": s.series_description,
                "URI": f"/data/experiments/{session.id}/scans/{s.id}",
            }
            for i, s in enumerate(session.scans)
        ]
        return _result_set(rows)

    def list_resources(request: Request, m: re.Match[str]) -> Response:
        groups = m.groupdict()
        session = session_for(request, groups)
        if isinstance(session, Response):
            return session
        rows = []
        for scan in select_scans(session, groups["scan"]):
            for r in scan.resources:
                size = sum(len(f.data) for f in r.files)
                rows.append(
                    {
                        "xnat_abstractresource_id": r.id,
                        "label": r.label,
                        "element_name": "xnat:resourceCatalog",
                        "category": "scans",
                        "cat_id": scan.id,
                        "cat_desc": scan.type,
                        "file_count": len(r.files) if r.stored_stats else "",
                        "file_size": size if r.stored_stats else "",
                        "tags": "",
                        "content": r.content,
                        "format": r.format,
                    }
                )
        return _result_set(rows)

    def entries(
        session: ArchivedSession, scans: list[ArchivedScan], res: str | None
    ) -> Iterator[tuple[ArchivedScan, ArchivedResource, Any]]:
        for scan in scans:
            for r in select_resources(scan, res):
                for f in r.files:
                    yield scan, r, f

    def files(request: Request, m: re.Match[str]) -> Response:
        groups = m.groupdict()
        session = session_for(request, groups)
        if isinstance(session, Response):
            return session
        scans = select_scans(session, groups["scan"])
        found = list(entries(session, scans, groups.get("res")))
        if request.param("format") == "zip":
            if not found:
                if request.param("accept-not-found") == "true":
                    return Response.empty(204)
                return restlet_error(404, "")
            return zip_response(session, found, request.param("structure"))
        rows = [
            {
                "Name": f.name,
                "Size": len(f.data),
                "URI": f"/data/experiments/{session.id}/scans/{scan.id}/resources/{r.id}/files/{f.name}",
                "collection": r.label,
                "file_tags": "",
                "file_format": f.format,
                "file_content": f.content,
                "cat_ID": r.id,
                "digest": _digest(f.data, fake.knobs.wrong_digest),
            }
            for scan, r, f in found
        ]
        return _result_set(rows, total=False, title="Files", Columns=list(rows[0]) if rows else [])

    def one_file(request: Request, m: re.Match[str]) -> Response:
        groups = m.groupdict()
        session = session_for(request, groups)
        if isinstance(session, Response):
            return session
        for _scan, _r, f in entries(session, select_scans(session, groups["scan"]), groups["res"]):
            if f.name == groups["path"]:
                return Response(200, f.data, "application/octet-stream", {"Cache-Control": "must-revalidate"})
        if request.param("accept-not-found") == "true":
            return Response.empty(204)
        return restlet_error(404, "")

    def zip_response(session: ArchivedSession, found: list[Any], structure: str | None) -> Response:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for scan, r, f in found:
                archive.writestr(_zip_name(session, scan, r, f.name, structure), f.data)
            for name, data in fake.knobs.zip_extra_entries:
                archive.writestr(zipfile.ZipInfo(name), data)
            for name, target in fake.knobs.zip_link_entries:
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, target)
        data = buffer.getvalue()
        cut = fake.knobs.cut_zip_after
        if cut is not None:
            data = data[:cut]
        return Response(
            200,
            content_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{session.label}.zip"'},
            chunks=iter_chunks(data, 8192),
            abort_after_chunks=cut is not None and fake.knobs.cut_zip_abort,
        )

    for base in (
        r"/data/experiments/(?P<e>[^/]+)",
        rf"{pre}/subjects/(?P<s>{_SEG})/experiments/(?P<e>{_SEG})",
    ):
        router.add("GET", rf"{base}/scans", list_scans)
        router.add("GET", rf"{base}/scans/(?P<scan>{_SEG})/resources", list_resources)
        router.add("GET", rf"{base}/scans/(?P<scan>{_SEG})/files", files)
        router.add("GET", rf"{base}/scans/(?P<scan>{_SEG})/resources/(?P<res>{_SEG})/files", files)
        router.add(
            "GET", rf"{base}/scans/(?P<scan>{_SEG})/resources/(?P<res>{_SEG})/files/(?P<path>.+)", one_file
        )

    # No scan routes below /data/projects/{p}/experiments/{e}: Restlet's prefix routing hands the
    # request to the experiment resource (spec §8.1, §7 item 28).
    router.add("GET", rf"{pre}/experiments/(?P<e>{_SEG})/(?P<tail>.+)", experiment)


def _filters(request: Request) -> dict[str, str]:
    skip = {"format", "columns", "limit", "offset", "sortBy", "sortOrder", "xsiType"}
    return {k: v[-1] for k, v in request.query.items() if k not in skip}


def _zip_name(
    session: ArchivedSession, scan: ArchivedScan, r: ArchivedResource, name: str, structure: str | None
) -> str:
    kind = re.sub(r"\W", "_", scan.type)
    if structure == "simplified":
        return f"{session.label}/scans/{scan.id}/{r.label}/{name}"
    if structure == "improved":
        return f"scans/{scan.id}_{kind}/{r.label}/{name}"
    if structure == "legacy":
        return f"{session.label}/SCANS/{scan.id}/{r.label}/{name}"
    return f"{session.label}/scans/{_type_dir(scan)}/resources/{r.label}/files/{name}"
