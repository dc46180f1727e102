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

import dataclasses
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
from ..profile.walk import UndecodableValue, has_value, texts, walk
from ..quiet import quiet_pydicom
from ..syntax import ast
from .anonymize import AnonymizeAPI, Scope
from .archive import DICOM_RESOURCES, ArchiveAPI, SessionInfo, ZipLimits, session_folder
from .client import XNATClient
from .errors import LocalFileError, XNATError

__all__ = [
    "HOST_VARIABLES",
    "AuditOptions",
    "AuditReport",
    "Depth",
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


class Depth(enum.Enum):
    """Where in a dataset a statement reaches (spec §6.2): ``T``, ``*/T``, ``+/T``, ``./T``."""

    TOP = "top level"
    ANY = "every depth"  # */ : top level and inside sequences at any depth
    NESTED = "inside sequences"  # +/ : one or more levels down
    ONE = "one level down"  # ./ : exactly one level down

    def covers(self, depth: int) -> bool:
        if self is Depth.TOP:
            return depth == 0
        if self is Depth.ANY:
            return True
        if self is Depth.NESTED:
            return depth >= 1
        return depth == 1


_WILDCARD_DEPTH = {"*": Depth.ANY, "+": Depth.NESTED, ".": Depth.ONE}

ExpectationKey = tuple[int, Depth]


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one statement of a script guarantees about one attribute, at the depths it reaches."""

    tag: int
    want: Want
    origin: str  # "site script line 4"
    value: str | None = None  # the constant, or the host variable name
    if_present: bool = False  # ?=: holds only when the attribute exists
    depth: Depth = Depth.TOP


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


def _public_tag(step: ast.Step) -> int | None:
    if not isinstance(step, ast.TagStep) or step.tag.is_private or step.tag.has_wildcard:
        return None
    try:
        return int(step.tag.group + step.tag.element, 16)
    except ValueError:
        return None


def _target(path: ast.TagPath) -> ExpectationKey | None:
    """``(tag, depth)`` for ``T``, ``*/T``, ``+/T`` and ``./T`` with a public tag; else ``None``."""
    steps = path.steps
    if len(steps) == 1 and isinstance(steps[0], ast.TagStep) and steps[0].item is None:
        tag = _public_tag(steps[0])
        return None if tag is None else (tag, Depth.TOP)
    if len(steps) == 2 and isinstance(steps[0], ast.SequenceWildcard):
        last = steps[1]
        if isinstance(last, ast.TagStep) and last.item is None and (tag := _public_tag(last)) is not None:
            return tag, _WILDCARD_DEPTH[steps[0].kind]
    return None


def _reach(path: ast.TagPath) -> ExpectationKey | None:
    """The tag a path may write or delete and whether only at the top level (``TOP``) or also
    deeper (``NESTED`` stands for anything below the top level, ``ANY`` for both)."""
    found = _target(path)
    if found is not None:
        return found
    last = path.steps[-1] if path.steps else None
    tag = _public_tag(last) if last is not None else None
    if tag is None:
        return None
    return tag, Depth.NESTED  # a sequence path such as (0040,0275)/(0010,0010): somewhere below


def _touched(statement: ast.Statement) -> Iterator[ExpectationKey]:
    """Every (tag, reach) a (possibly conditional) statement may write or delete."""
    for st in ast.iter_statements((statement,)):
        target = getattr(st, "target", None)
        if isinstance(target, ast.TagPath) and (found := _reach(target)) is not None:
            yield found
        call = st.call if isinstance(st, ast.CallStatement) else None
        if call is not None:
            for expr in ast.iter_exprs(call):
                if isinstance(expr, ast.TagPath) and (found := _reach(expr)) is not None:
                    yield found


def _withdraw(out: dict[ExpectationKey, Expectation], tag: int, depth: Depth) -> None:
    """A later statement reaches ``tag`` at ``depth``: earlier guarantees there no longer hold."""
    reaches_top = depth in (Depth.TOP, Depth.ANY)
    reaches_deep = depth is not Depth.TOP
    if reaches_top and reaches_deep:
        for d in Depth:
            out.pop((tag, d), None)
        return
    if reaches_top:
        out.pop((tag, Depth.TOP), None)
        wide = out.pop((tag, Depth.ANY), None)
        if wide is not None and (tag, Depth.NESTED) not in out:
            out[(tag, Depth.NESTED)] = dataclasses.replace(wide, depth=Depth.NESTED)
        return
    out.pop((tag, Depth.NESTED), None)
    out.pop((tag, Depth.ONE), None)
    wide = out.pop((tag, Depth.ANY), None)
    if wide is not None and (tag, Depth.TOP) not in out:
        out[(tag, Depth.TOP)] = dataclasses.replace(wide, depth=Depth.TOP)


def _put(out: dict[ExpectationKey, Expectation], expectation: Expectation) -> None:
    _withdraw(out, expectation.tag, expectation.depth)
    out[(expectation.tag, expectation.depth)] = expectation


def derive_expectations(script: ast.Script, origin: str) -> dict[ExpectationKey, Expectation]:
    """The guarantees of the unconditional top-level statements of ``script``, by tag and depth.

    ``T`` asserts about the top-level element, ``*/T`` about T at every depth, ``+/T`` inside
    sequences at any depth, ``./T`` exactly one level down (spec §6.2).
    """
    out: dict[ExpectationKey, Expectation] = {}
    reassigned: set[str] = set()
    for st in script.statements:
        where = f"{origin} line {st.span.line}"
        if isinstance(st, ast.Initialize):
            reassigned.add(st.name)
            continue
        if isinstance(st, ast.Delete):
            found = _target(st.target)
            if found is not None:
                _put(out, Expectation(found[0], Want.ABSENT, where, depth=found[1]))
            else:
                _withdraw_all(out, st)
            continue
        if isinstance(st, ast.Assign | ast.AssignIfExists):
            found = _target(st.target)
            if found is None:
                _withdraw_all(out, st)
                continue
            tag, depth = found
            value = _value_expectation(tag, st.value, where, reassigned)
            if value is None:
                _withdraw(out, tag, depth)
                continue
            # ?= holds only where the element exists; := through a wildcard is not relied on to create.
            if_present = isinstance(st, ast.AssignIfExists) or depth is not Depth.TOP
            _put(out, dataclasses.replace(value, if_present=if_present, depth=depth))
            continue
        if isinstance(st, ast.CallStatement) and st.call.name in ("removeTags", "hashUIDList"):
            hashing = st.call.name == "hashUIDList"
            for expr in ast.iter_exprs(st.call):
                if not isinstance(expr, ast.TagPath):
                    continue
                found = _target(expr)
                if found is None:
                    if (reach := _reach(expr)) is not None:
                        _withdraw(out, *reach)
                elif hashing:
                    _put(out, Expectation(found[0], Want.HASHED_UID, where, if_present=True, depth=found[1]))
                else:
                    _put(out, Expectation(found[0], Want.ABSENT, where, depth=found[1]))
            continue
        _withdraw_all(out, st)
    return out


def _withdraw_all(out: dict[ExpectationKey, Expectation], statement: ast.Statement) -> None:
    for tag, depth in _touched(statement):
        _withdraw(out, tag, depth)


def _value_expectation(tag: int, value: ast.Expr, where: str, reassigned: set[str]) -> Expectation | None:
    if isinstance(value, ast.String):
        return Expectation(tag, Want.VALUE, where, value.value)
    if isinstance(value, ast.Variable) and value.name in HOST_VARIABLES and value.name not in reassigned:
        return Expectation(tag, Want.HOST, where, value.name)
    if isinstance(value, ast.Call) and value.name == "hashUID":
        return Expectation(tag, Want.HASHED_UID, where)
    return None


def expectations_of(scripts: Sequence[tuple[str, str]]) -> dict[ExpectationKey, Expectation]:
    merged: dict[ExpectationKey, Expectation] = {}
    for origin, text in scripts:
        result = check(text, origin)
        if not result.ok:
            raise ScriptError(
                f"{origin} has errors: XNAT cannot run it, so it asserts nothing", result.errors
            )
        for expectation in derive_expectations(result.script, origin).values():
            _put(merged, expectation)  # the project script runs after the site script
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
    expectations: Mapping[ExpectationKey, Expectation],
    variables: Mapping[str, str],
    labels: Sequence[LabelIdentifier] = (),
    known_uids: frozenset[str] = frozenset(),
) -> list[tuple[str, str, str, str | None]]:
    """(attribute, code, message, value) for everything wrong with one archived dataset.

    Top-level expectations are looked up directly (group 0002 in the file meta); the others are
    checked on every element the walk meets at a depth they reach.
    """
    out: list[tuple[str, str, str, str | None]] = []
    deep: dict[int, list[Expectation]] = {}
    for (tag, depth), exp in sorted(expectations.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        if depth is not Depth.TOP:
            deep.setdefault(tag, []).append(exp)
            continue
        meta = getattr(ds, "file_meta", None) if tag >> 16 == 0x0002 else None
        element: Any = meta.get(tag) if meta is not None else ds.get(tag)
        if element is None:
            if not exp.if_present and exp.want is not Want.ABSENT:
                out.append(
                    (_attr(tag), "A102", f"absent, but {exp.origin} sets it: the script did not run", None)
                )
            continue
        out.extend(_judge(_attr(tag), element, exp, variables, known_uids))
    if deep:
        for visit in walk(ds, include_meta=False):
            for exp in deep.get(visit.tag, ()):
                if exp.depth.covers(visit.depth):
                    name = f"{visit.path} {_keyword(visit.tag)}".rstrip()
                    out.extend(_judge(name, visit.element, exp, variables, known_uids))
    out.extend(_label_findings(ds, variables, labels))
    return out


def _judge(
    name: str, element: Any, exp: Expectation, variables: Mapping[str, str], known_uids: frozenset[str]
) -> Iterator[tuple[str, str, str, str | None]]:
    """What is wrong with one present element that ``exp`` speaks about."""
    actual = _value_text(element)
    if exp.want is Want.ABSENT:
        deletes = "deletes it" if exp.depth is Depth.TOP else f"deletes it ({exp.depth.value})"
        yield (name, "A101", f"present, but {exp.origin} {deletes}", actual)
    elif exp.want is Want.VALUE and actual != exp.value:
        if exp.value == "":
            yield (name, "A107", f"holds a value, but {exp.origin} empties it", actual)
        else:
            yield (name, "A103", f'holds another value than "{exp.value}" set by {exp.origin}', actual)
    elif exp.want is Want.HOST:
        want = variables.get(exp.value or "", "")
        if actual != want:
            yield (name, "A104", f"does not hold the {exp.value} label that {exp.origin} assigns", actual)
    elif exp.want is Want.HASHED_UID:
        if not (actual or "").startswith("2.25."):
            yield (name, "A105", f"is not a 2.25. UID although {exp.origin} hashes it", actual)
        elif actual in known_uids:
            yield (name, "A106", "still holds a known original UID", actual)


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
    expectations: Mapping[ExpectationKey, Expectation],
    variables: Mapping[str, str],
    labels: Sequence[LabelIdentifier],
) -> list[tuple[str, str, str, str | None]]:
    """The session's header copies (spec §8.4) against the same expectations and labels."""
    out: list[tuple[str, str, str, str | None]] = []
    for name, tag in METADATA_COPIES.items():
        value = str(fields.get(name) or "")
        # The copy is taken from the top-level element, which T and */T both reach.
        exp = expectations.get((tag, Depth.TOP)) or expectations.get((tag, Depth.ANY))
        if not value or exp is None:
            continue
        if exp.want is Want.ABSENT:
            out.append((name, "A121", f"holds a copy of {_attr(tag)}, which {exp.origin} deletes", value))
        elif exp.want is Want.VALUE and exp.value == "":
            out.append((name, "A124", f"holds a copy of {_attr(tag)}, which {exp.origin} empties", value))
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
    expectations: Mapping[ExpectationKey, Expectation],
    options: AuditOptions,
    workdir: Path,
    resolved: SessionInfo | None = None,
) -> SessionAudit:
    api = ArchiveAPI(client)
    try:
        session = resolved or api.resolve_session(project, ref)
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
                if not expectations:
                    file_findings.extend(
                        Finding(session.label, where, attr, code, msg, value)
                        for attr, code, msg, value in _unscripted_values(ds, variables, options)
                    )
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


def _unscripted_values(
    ds: pydicom.Dataset, variables: Mapping[str, str], options: AuditOptions
) -> Iterator[tuple[str, str, str, str | None]]:
    """Without a script, values of attributes the profile empties or replaces (Z, D, ...).

    The residual scan cannot judge them without the originals (a dummy is allowed), and with no
    script there is no dummy to recognise: every such value that is not an XNAT label is reported,
    so an audit of unanonymized files never passes.
    """
    identifiers = {lab.label for lab in options.label_identifiers}
    labels = {v for k, v in variables.items() if v and k not in identifiers}
    profile = _profile()
    for visit in walk(ds, include_meta=False):
        if visit.in_private or visit.element.VR == "SQ":
            continue
        entry = profile.lookup(visit.tag)
        if entry is None or not has_value(visit.element):
            continue
        codes = entry.codes()
        if "K" in codes or "C" in codes or codes == {"X"} or not codes & {"Z", "D"}:
            continue  # kept, cleaned, or removed (the residual scan reports those)
        if "U" in codes and visit.element.VR == "UI":
            continue  # UIDs are judged by the residual scan
        values = set(texts(visit.element))
        if values <= labels:
            continue
        yield (
            f"{visit.path} {_keyword(visit.tag)}".rstrip(),
            "A140",
            f"holds a value the profile empties or replaces ({entry.action()}); with no script "
            "(--script or --live) a dummy cannot be told from the original, so it counts as a residue",
            _value_text(visit.element),
        )


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
        api = ArchiveAPI(client)
        seen: set[str] = set()
        for ref in dict.fromkeys(sessions):  # the same label twice is audited once
            if progress is not None:
                progress(ref)
            try:
                session = api.resolve_session(project, ref)
            except XNATError as e:
                results.append(SessionAudit(project, ref, "", 0, (), str(e)))
                continue
            if session.id in seen:
                continue  # the label and the accession ID of one session
            seen.add(session.id)
            results.append(audit_session(client, project, ref, expectations, options, workdir, session))
    finally:
        if options.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return AuditReport(project, script_origin, tuple(results))
