"""Prove what XNAT archived: no patient data survived, and the script really ran (issue 8 item 3).

Two sources of findings per archived file:

* what the script asserts: attributes it deletes must be absent, constants and host variables
  must hold their values (host variables from the session's own project, subject and session
  labels, spec §8.2), hashed UIDs must be ``2.25.`` UIDs.  Only unconditional top-level
  statements assert anything; a later conditional statement on the same attribute withdraws
  the assertion.  Site script first, then the project script (spec §8.1);
* labels declared to be identifiers (``session=AccessionNumber``): any element holding the
  label is a finding.

The session's own metadata fields that copy header values (spec §8.4) are checked the same way.
A file that cannot be looked at (not DICOM, truncated, a value that cannot be decoded) is an
:class:`UnauditedFile`, not a finding: it leaves the audit incomplete.  Patient values are kept
out of messages unless ``show_values`` is set.
"""

from __future__ import annotations

import enum
import functools
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydicom
from pydicom.datadict import dictionary_keyword

from ..check import check
from ..errors import DicomEditError, ScriptError
from ..io import DicomReadError, read_dicom
from ..profile.lint import LabelIdentifier, LintError
from ..profile.lint import parse_label_identifier as _parse_label
from ..profile.scan import scan_dataset
from ..profile.table import Profile, load_profile
from ..profile.walk import UndecodableValue
from ..quiet import quiet_pydicom
from ..syntax import ast
from .anonymize import AnonymizeAPI, Scope
from .archive import DICOM_RESOURCES, ArchiveAPI, ZipLimits, session_folder
from .client import XNATClient
from .errors import LocalFileError, XNATError

__all__ = [
    "HOST_VARIABLES",
    "AuditOptions",
    "AuditReport",
    "Expectation",
    "Finding",
    "LabelIdentifier",
    "SessionAudit",
    "UnauditedFile",
    "audit_project",
    "check_dataset",
    "derive_expectations",
    "parse_label_identifier",
]

HOST_VARIABLES = ("project", "subject", "session")

# Session data_fields that copy header values (spec §8.4), with the attribute they copy.
METADATA_COPIES: Mapping[str, int] = {
    "dcmPatientName": 0x00100010,
    "dcmPatientId": 0x00100020,
    "dcmPatientBirthDate": 0x00100030,
    "dcmAccessionNumber": 0x00080050,
    "operator": 0x00081070,
    "acquisition_site": 0x00080080,
}
_STRUCTURAL_FIELDS = frozenset({"ID", "label", "project", "subject_ID", "date", "UID", "modality", "time"})


class Want(enum.Enum):
    ABSENT = "absent"
    VALUE = "value"  # constant
    HOST = "host"  # project/subject/session label
    HASHED_UID = "hashed UID"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one statement of a script guarantees about one top-level attribute."""

    tag: int
    want: Want
    origin: str  # "site script line 4"
    value: str | None = None  # the constant, or the host variable name
    if_present: bool = False  # ?=: holds only when the attribute exists


@dataclass(frozen=True, slots=True)
class Finding:
    session: str
    where: str  # scan/resource/file, or "session metadata"
    attribute: str  # "(0010,0030) PatientBirthDate" or a metadata field name
    code: str
    message: str  # never contains a patient value
    value: str | None = field(default=None, repr=False)  # the offending value, shown only on request

    def render(self, show_values: bool) -> str:
        shown = f" [value: {self.value!r}]" if show_values and self.value is not None else ""
        return f"{self.where}: {self.attribute}: {self.message}{shown} [{self.code}]"


@dataclass(frozen=True, slots=True)
class UnauditedFile:
    """An archived file the audit could not look at: not DICOM, truncated, or undecodable.

    Not a finding (nothing was found in it) and not a pass: it makes the audit incomplete.
    """

    where: str  # scan/resource/file
    reason: str  # never contains a patient value
    detail: str | None = field(default=None, repr=False)  # pydicom's words, which may quote a value

    def render(self, show_values: bool) -> str:
        shown = f" [{self.detail}]" if show_values and self.detail else ""
        return f"{self.where}: NOT AUDITED: {self.reason}{shown}"


@dataclass(frozen=True, slots=True)
class SessionAudit:
    project: str
    label: str
    session_id: str
    files: int  # files audited
    findings: tuple[Finding, ...]
    problem: str = ""  # why the session could not be audited (then files == 0)
    unaudited: tuple[UnauditedFile, ...] = ()  # files of the session that could not be audited

    @property
    def complete(self) -> bool:
        """Every file of the session was audited."""
        return not self.problem and not self.unaudited


@dataclass(frozen=True, slots=True)
class AuditReport:
    project: str
    script_origin: str  # "local file x.das", "live site + project scripts", or "no script"
    sessions: tuple[SessionAudit, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.sessions for f in s.findings)

    @property
    def incomplete(self) -> tuple[SessionAudit, ...]:
        """Sessions that could not be audited, or not every file of."""
        return tuple(s for s in self.sessions if not s.complete)

    @property
    def unaudited_sessions(self) -> tuple[SessionAudit, ...]:
        """Sessions that could not be audited at all."""
        return tuple(s for s in self.sessions if s.problem)

    @property
    def unaudited_files(self) -> tuple[UnauditedFile, ...]:
        return tuple(f for s in self.sessions for f in s.unaudited)

    @property
    def complete(self) -> bool:
        """Every selected session and every file in them was audited."""
        return not self.incomplete


@dataclass(frozen=True, slots=True)
class AuditOptions:
    scripts: tuple[tuple[str, str], ...] = ()  # (origin, text), site first
    label_identifiers: tuple[LabelIdentifier, ...] = ()
    known_uids: frozenset[str] = frozenset()
    keep: Path | None = None
    resources: tuple[str, ...] = DICOM_RESOURCES
    limits: ZipLimits = field(default_factory=ZipLimits)
    residual_scan: bool = True  # run dicomedit's residual-PHI scan on every file


class AuditError(DicomEditError):
    """The audit cannot start: bad declaration, unusable script."""


# -- declarations ---------------------------------------------------------------------------


def parse_label_identifier(text: str) -> LabelIdentifier:
    """``session=AccessionNumber`` as lint reads it; a bad declaration is an :class:`AuditError`."""
    try:
        return _parse_label(text)
    except LintError as e:
        raise AuditError(str(e)) from None


def _keyword(tag: int) -> str:
    try:
        return str(dictionary_keyword(tag)) or ""
    except KeyError:
        return ""


def _attr(tag: int) -> str:
    text = f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
    kw = _keyword(tag)
    return f"{text} {kw}" if kw else text


# -- what a script asserts -------------------------------------------------------------------


def _tag_of(path: ast.TagPath) -> int | None:
    if not path.is_top_level_tag or not path.is_singular:
        return None
    step = path.steps[0]
    assert isinstance(step, ast.TagStep)
    if step.tag.is_private:
        return None
    try:
        return int(step.tag.group + step.tag.element, 16)
    except ValueError:
        return None


def _touched(statement: ast.Statement) -> Iterator[int]:
    """Every top-level tag a (possibly conditional) statement may write or delete."""
    for st in ast.iter_statements((statement,)):
        target = getattr(st, "target", None)
        if isinstance(target, ast.TagPath):
            tag = _tag_of(target)
            if tag is not None:
                yield tag
        call = st.call if isinstance(st, ast.CallStatement) else None
        if call is not None:
            for expr in ast.iter_exprs(call):
                if isinstance(expr, ast.TagPath):
                    tag = _tag_of(expr)
                    if tag is not None:
                        yield tag


def derive_expectations(script: ast.Script, origin: str) -> dict[int, Expectation]:
    """The guarantees of the unconditional top-level statements of ``script``, by tag."""
    out: dict[int, Expectation] = {}
    reassigned: set[str] = set()
    for st in script.statements:
        where = f"{origin} line {st.span.line}"
        if isinstance(st, ast.Initialize):
            reassigned.add(st.name)
            continue
        if isinstance(st, ast.Delete):
            tag = _tag_of(st.target)
            if tag is not None:
                out[tag] = Expectation(tag, Want.ABSENT, where)
            continue
        if isinstance(st, ast.Assign | ast.AssignIfExists):
            tag = _tag_of(st.target)
            if tag is None:
                continue
            found = _value_expectation(tag, st.value, where, reassigned)
            if found is None:
                out.pop(tag, None)
            else:
                out[tag] = Expectation(
                    found.tag, found.want, found.origin, found.value, isinstance(st, ast.AssignIfExists)
                )
            continue
        if isinstance(st, ast.CallStatement) and st.call.name in ("removeTags", "hashUIDList"):
            hashing = st.call.name == "hashUIDList"
            for expr in ast.iter_exprs(st.call):
                if isinstance(expr, ast.TagPath) and (tag := _tag_of(expr)) is not None:
                    if hashing:
                        out[tag] = Expectation(tag, Want.HASHED_UID, where, if_present=True)
                    else:
                        out[tag] = Expectation(tag, Want.ABSENT, where)
            continue
        for tag in _touched(st):
            out.pop(tag, None)
    return out


def _value_expectation(tag: int, value: ast.Expr, where: str, reassigned: set[str]) -> Expectation | None:
    if isinstance(value, ast.String):
        return Expectation(tag, Want.VALUE, where, value.value)
    if isinstance(value, ast.Variable) and value.name in HOST_VARIABLES and value.name not in reassigned:
        return Expectation(tag, Want.HOST, where, value.name)
    if isinstance(value, ast.Call) and value.name == "hashUID":
        return Expectation(tag, Want.HASHED_UID, where)
    return None


def expectations_of(scripts: Sequence[tuple[str, str]]) -> dict[int, Expectation]:
    merged: dict[int, Expectation] = {}
    for origin, text in scripts:
        result = check(text, origin)
        if not result.ok:
            raise ScriptError(
                f"{origin} has errors: XNAT cannot run it, so it asserts nothing", result.errors
            )
        merged.update(derive_expectations(result.script, origin))
    return merged


# -- checking one dataset ------------------------------------------------------------------


def _value_text(element: Any) -> str:
    value = element.value
    if isinstance(value, bytes):
        return value.decode("latin-1", "replace").rstrip("\x00 ")
    if isinstance(value, pydicom.multival.MultiValue):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value)


def check_dataset(
    ds: pydicom.Dataset,
    expectations: Mapping[int, Expectation],
    variables: Mapping[str, str],
    labels: Sequence[LabelIdentifier] = (),
    known_uids: frozenset[str] = frozenset(),
) -> list[tuple[str, str, str, str | None]]:
    """(attribute, code, message, value) for everything wrong with one archived dataset."""
    out: list[tuple[str, str, str, str | None]] = []
    for tag, exp in sorted(expectations.items()):
        meta = getattr(ds, "file_meta", None) if tag >> 16 == 0x0002 else None
        element: Any = meta.get(tag) if meta is not None else ds.get(tag)
        present = element is not None
        actual = _value_text(element) if element is not None else None
        name = _attr(tag)
        if exp.want is Want.ABSENT:
            if present:
                out.append((name, "A101", f"present, but {exp.origin} deletes it", actual))
            continue
        if not present:
            if not exp.if_present:
                out.append((name, "A102", f"absent, but {exp.origin} sets it: the script did not run", None))
            continue
        if exp.want is Want.VALUE and actual != exp.value:
            out.append((name, "A103", f'holds another value than "{exp.value}" set by {exp.origin}', actual))
        elif exp.want is Want.HOST:
            want = variables.get(exp.value or "", "")
            if actual != want:
                out.append(
                    (name, "A104", f"does not hold the {exp.value} label that {exp.origin} assigns", actual)
                )
        elif exp.want is Want.HASHED_UID:
            if not (actual or "").startswith("2.25."):
                out.append((name, "A105", f"is not a 2.25. UID although {exp.origin} hashes it", actual))
            elif actual in known_uids:
                out.append((name, "A106", "still holds a known original UID", actual))
    out.extend(_label_findings(ds, variables, labels))
    return out


def _label_findings(
    ds: pydicom.Dataset, variables: Mapping[str, str], labels: Sequence[LabelIdentifier]
) -> Iterator[tuple[str, str, str, str | None]]:
    wanted = [(lab, variables.get(lab.label, "")) for lab in labels]
    wanted = [(lab, text) for lab, text in wanted if text]
    if not wanted:
        return
    for element in _walk(ds):
        if element.VR in ("SQ", "OB", "OW", "OF", "OD", "OL", "UN"):
            continue
        text = _value_text(element)
        for lab, label in wanted:
            if text == label or (len(label) >= 4 and label in text):
                yield (
                    _attr(int(element.tag)),
                    "A110",
                    f"holds the {lab.label} label, which on this site is the {lab.keyword or _attr(lab.tag)}",
                    text,
                )


def _walk(ds: pydicom.Dataset) -> Iterator[Any]:
    for element in ds:
        yield element
        if element.VR == "SQ" and element.value:
            for item in element.value:
                yield from _walk(item)


def check_metadata(
    fields: Mapping[str, Any],
    expectations: Mapping[int, Expectation],
    variables: Mapping[str, str],
    labels: Sequence[LabelIdentifier],
) -> list[tuple[str, str, str, str | None]]:
    """The session's header copies (spec §8.4) against the same expectations and labels."""
    out: list[tuple[str, str, str, str | None]] = []
    for name, tag in METADATA_COPIES.items():
        value = str(fields.get(name) or "")
        exp = expectations.get(tag)
        if not value or exp is None:
            continue
        if exp.want is Want.ABSENT:
            out.append((name, "A121", f"holds a copy of {_attr(tag)}, which {exp.origin} deletes", value))
        elif exp.want is Want.VALUE and value != exp.value:
            out.append((name, "A122", f"holds another value than {exp.origin} sets for {_attr(tag)}", value))
        elif exp.want is Want.HOST and value != variables.get(exp.value or "", ""):
            message = f"does not hold the {exp.value} label that {exp.origin} assigns"
            out.append((name, "A123", message, value))
    for lab in labels:
        label = variables.get(lab.label, "")
        for name, raw in fields.items():
            if name in _STRUCTURAL_FIELDS or not isinstance(raw, str) or not label:
                continue
            if raw == label or (len(label) >= 4 and label in raw):
                out.append((name, "A130", f"holds the {lab.label} label ({lab.keyword} on this site)", raw))
    return out


# -- the audit -------------------------------------------------------------------------------


def live_scripts(client: XNATClient, project: str) -> tuple[tuple[str, str], ...]:
    """The site script and the project script as XNAT runs them now (only enabled ones)."""
    api = AnonymizeAPI(client)
    out: list[tuple[str, str]] = []
    site = Scope()
    if api.is_enabled(site):
        text = api.read_script(site)
        if text:
            out.append(("live site script", text))
    api.ensure_project(project)
    text = api.read_script(Scope(project))  # 204 when unset or disabled
    if text:
        out.append((f"live script of project {project}", text))
    return tuple(out)


def select_sessions(
    api: ArchiveAPI,
    project: str,
    labels: Sequence[str],
    everything: bool,
    sample: int | None,
    seed: int | None = None,
) -> list[str]:
    if labels:
        return list(labels)
    refs = api.list_sessions(project)
    names = [r.label for r in refs]
    if sample is not None and sample < len(names):
        return sorted(random.Random(seed).sample(names, sample))
    if everything or sample is not None:
        return names
    return []


def audit_session(
    client: XNATClient,
    project: str,
    ref: str,
    expectations: Mapping[int, Expectation],
    options: AuditOptions,
    workdir: Path,
) -> SessionAudit:
    api = ArchiveAPI(client)
    try:
        session = api.resolve_session(project, ref)
    except XNATError as e:
        return SessionAudit(project, ref, "", 0, (), str(e))
    expected = api.list_files(session, options.resources)
    if not expected:
        return SessionAudit(
            project,
            session.label,
            session.id,
            0,
            (),
            f"session {session.label} has no {' or '.join(options.resources)} files to audit",
        )
    variables = {"project": session.project, "subject": session.subject_label, "session": session.label}
    constants = [e.value for e in expectations.values() if e.want is Want.VALUE and e.value]
    findings = [
        Finding(session.label, "session metadata", attr, code, msg, value)
        for attr, code, msg, value in check_metadata(
            session.fields, expectations, variables, options.label_identifiers
        )
    ]
    target = workdir / session_folder(session)
    try:
        files = api.download_verified(session, target, expected, options.resources, options.limits)
    except XNATError as e:
        return SessionAudit(project, session.label, session.id, 0, tuple(findings), str(e))
    unaudited: list[UnauditedFile] = []
    for item in files:
        where = f"{item.remote.scan_id}/{item.remote.resource}/{item.remote.name}"
        with quiet_pydicom():  # pydicom's warnings quote values; they also come while checking
            try:
                ds = read_dicom(item.path)
            except DicomReadError as e:  # not DICOM, truncated, or not parseable
                unaudited.append(UnauditedFile(where, e.reason, e.detail))
                continue
            try:
                file_findings = [
                    Finding(session.label, where, attr, code, msg, value)
                    for attr, code, msg, value in check_dataset(
                        ds, expectations, variables, options.label_identifiers, options.known_uids
                    )
                ]
                findings.extend(file_findings)
                if options.residual_scan:
                    for found in _residual(
                        ds, session.label, where, file_findings, variables, constants, options
                    ):
                        findings.append(found)
            except UndecodableValue as e:  # from the residual scan; names the element, quotes no value
                unaudited.append(UnauditedFile(where, str(e)))
            except Exception as e:  # a value pydicom cannot decode; its message may quote the value
                reason = f"a value cannot be decoded ({type(e).__name__}), so the file was not fully audited"
                unaudited.append(UnauditedFile(where, reason, str(e)))
    audited = len(files) - len(unaudited)
    return SessionAudit(
        project, session.label, session.id, audited, tuple(findings), unaudited=tuple(unaudited)
    )


def _residual(
    ds: pydicom.Dataset,
    session: str,
    where: str,
    already: Sequence[Finding],
    variables: Mapping[str, str],
    constants: Sequence[str],
    options: AuditOptions,
) -> Iterator[Finding]:
    """The residual-PHI scan of one file; attributes already reported by an assertion are skipped.

    Labels and the script's own constants are written on purpose, so they are not residues,
    except labels declared to be identifiers.
    """
    identifiers = {lab.label for lab in options.label_identifiers}
    replacements = [v for k, v in variables.items() if v and k not in identifiers] + list(constants)
    report = scan_dataset(ds, show_values=True, replacements=replacements, path=where, profile=_profile())
    seen = {f.attribute.split(" ")[0] for f in already}
    for sf in report.findings:
        if sf.path in seen:
            continue
        yield Finding(session, where, f"{sf.path} {sf.name}", f"S:{sf.kind.value}", sf.message, sf.value)


@functools.cache
def _profile() -> Profile:
    return load_profile()


def audit_project(
    client: XNATClient,
    project: str,
    sessions: Sequence[str],
    options: AuditOptions,
    *,
    script_origin: str = "no script",
    progress: Callable[[str], None] | None = None,
) -> AuditReport:
    """Audit the named sessions of ``project``; downloads go to ``options.keep`` or a temp folder."""
    expectations = expectations_of(options.scripts)
    results = []
    try:
        workdir = options.keep or Path(tempfile.mkdtemp(prefix="dicomedit-audit-"))
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        where = options.keep or tempfile.gettempdir()
        raise LocalFileError.from_os_error("create the download folder", where, e) from None
    try:
        for ref in sessions:
            if progress is not None:
                progress(ref)
            results.append(audit_session(client, project, ref, expectations, options, workdir))
    finally:
        if options.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return AuditReport(project, script_origin, tuple(results))
