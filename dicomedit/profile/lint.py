"""``dicomedit lint``: what a script does to every attribute of PS3.15 Table E.1-1, and what is missing.

Codes (all findings are ``Diagnostic``s; attribute findings carry the table row):

====  =======  ===================================================================================
L100  error    attribute kept as it is (the profile requires another action)
L101  warning  attribute handled only conditionally (not in every branch), or by a statement that can
               silently do nothing
L110  warning  attribute handled at top level only; copies inside sequences keep the original
L120  error    UIDs replaced in one place but kept in the attributes that reference them
L121  warning  hashUID of an identifier that is not a UID (an unsalted hash can be recomputed)
L122  warning  a UID replaced by a constant: every file gets the same UID
L123  warning  UIDs that reference each other replaced by different methods
L130  warning  a value assigned and certainly overwritten before anything reads it
L131  warning  a value assigned and then certainly deleted
L140  error    date or time kept
L141  warning  date or time shifted where the profile removes it (that is an option)
L150  error    private data kept: no removeAllPrivateTags / retainPrivateTags
L151  warning  private data removed only conditionally
L152  warning  private elements kept by retainPrivateTags
L160  warning  (0012,0062) Patient Identity Removed not set to YES
L161  warning  (0012,0063) De-identification Method not set
L170  warning  a statement that silently does nothing (spec §12.2)
L171  warning  an argument the function ignores
L172  warning  an assignment to a sequence attribute
L173  warning  echo prints an identifying value to the server log
L180  error    a value written from an XNAT label that the site declares an identifier
L181  error    an attribute gets the original value of an identifying attribute
====  =======  ===================================================================================
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..check import check_parsed
from ..diagnostics import NO_SPAN, Diagnostic, Severity, Span, sort_key
from ..dictionary import entry as dictionary_entry
from ..dictionary import tag_for_keyword, vr_of
from ..syntax import ast
from ..syntax.parser import parse
from .effects import (
    HOST_VARIABLES,
    AttributeState,
    Fate,
    Interpreter,
    Kind,
    PrivateFate,
    PrivateHandling,
    ScriptEffects,
)
from .table import EDITION, OPTIONS_EDITION, Option, Profile, ProfileEntry, format_tag, load_profile, tag_int

_ERR, _WARN, _NOTE = Severity.ERROR, Severity.WARNING, Severity.NOTE

_ACCEPTABLE_ALWAYS = frozenset(
    {
        Kind.DELETED,
        Kind.EMPTIED,
        Kind.CONSTANT,
        Kind.HOST,
        Kind.HASHED,
        Kind.REMAPPED,
        Kind.NEW_UID,
        Kind.LOOKUP,
        Kind.DERIVED,
    }
)
_UID_METHODS = {Kind.HASHED: "hashUID", Kind.REMAPPED: "mapReferencedUIDs", Kind.NEW_UID: "newUID/mapUID"}
_DATE_VRS = frozenset({"DA", "DT", "TM"})

PATIENT_IDENTITY_REMOVED = 0x00120062
DEIDENTIFICATION_METHOD = 0x00120063
MEDIA_STORAGE_SOP_INSTANCE_UID = 0x00020003
SOP_INSTANCE_UID = 0x00080018
REFERENCED_SOP_INSTANCE_UID = 0x00081155

# UIDs that refer to each other across instances (PS3.15 E.1.1 "internally consistent"): where
# one is replaced, the others must be replaced the same way or references break / originals leak.
REFERENCE_GROUPS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("SOP Instance UIDs", (0x00080018, 0x00081155, 0x00041511, 0x00020003, 0x00080058, 0x00001001)),
    ("Study Instance UIDs", (0x0020000D,)),
    ("Series Instance UIDs", (0x0020000E,)),
    ("Frame of Reference UIDs", (0x00200052, 0x30060024, 0x300600C2, 0x00640003)),
)
_NESTED_ONLY = frozenset({0x00081155, 0x00041511, 0x30060024, 0x300600C2, 0x00640003})


class LintError(ValueError):
    """A lint request that cannot be carried out (bad option or declaration); the message says why."""


@dataclass(frozen=True, slots=True)
class LabelIdentifier:
    """``--label-is-identifier session=AccessionNumber``: the XNAT label *is* that attribute's value."""

    label: str
    tag: int
    keyword: str

    def __str__(self) -> str:
        return f"{self.label}={self.keyword}"


def parse_label_identifier(text: str) -> LabelIdentifier:
    """``LABEL=ATTRIBUTE`` with LABEL one of project/subject/session and ATTRIBUTE a keyword or tag."""
    label, sep, attribute = text.partition("=")
    label, attribute = label.strip(), attribute.strip()
    if not sep or not label or not attribute:
        raise LintError(f"{text!r}: write LABEL=ATTRIBUTE, e.g. session=AccessionNumber")
    if label not in HOST_VARIABLES:
        raise LintError(f"{text!r}: the label must be one of {', '.join(HOST_VARIABLES)} (spec §8.2)")
    by_keyword = tag_for_keyword(attribute)
    if by_keyword is not None:
        return LabelIdentifier(label, by_keyword, attribute)
    try:
        tag = tag_int(attribute)
    except ValueError:
        raise LintError(
            f"{text!r}: {attribute!r} is neither a DICOM keyword (e.g. AccessionNumber) nor a tag "
            "(e.g. (0008,0050))"
        ) from None
    found = dictionary_entry(tag)
    keyword = found.keyword if found is not None and found.keyword else format_tag(tag)
    return LabelIdentifier(label, tag, keyword)


class Status(enum.Enum):
    OK = "ok"
    KEPT = "kept"
    MAYBE_KEPT = "maybe kept"
    TOP_LEVEL_ONLY = "top level only"
    COPIED = "identifying value written"
    SHIFTED = "shifted"


@dataclass(frozen=True, slots=True)
class AttributeReport:
    """What the script does to one row of the table, against what the profile requires."""

    entry: ProfileEntry
    required: str
    top: tuple[str, ...]
    nested: tuple[str, ...]
    status: Status
    lines: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "tag": self.entry.pattern,
            "name": self.entry.name,
            "basic_profile": self.entry.basic,
            "required": self.required,
            "top_level": list(self.top),
            "in_sequences": list(self.nested),
            "status": self.status.value,
            "lines": list(self.lines),
        }


@dataclass(frozen=True, slots=True)
class LintFinding:
    diagnostic: Diagnostic
    entry: ProfileEntry | None = None

    def to_dict(self) -> dict[str, object]:
        out = self.diagnostic.to_dict()
        if self.entry is not None:
            out["tag"] = self.entry.pattern
            out["attribute"] = self.entry.name
        return out


@dataclass(frozen=True, slots=True)
class LintReport:
    path: str | None
    options: tuple[Option, ...]
    label_identifiers: tuple[LabelIdentifier, ...]
    findings: tuple[LintFinding, ...]
    attributes: tuple[AttributeReport, ...]
    private_summary: str
    record_summary: str
    analyzed: bool = True  # False when the script does not parse
    edition: str = EDITION
    options_edition: str = OPTIONS_EDITION

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(f.diagnostic for f in self.findings)

    @property
    def errors(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.diagnostic.is_error)

    @property
    def warnings(self) -> tuple[LintFinding, ...]:
        return tuple(f for f in self.findings if f.diagnostic.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, status: Status) -> int:
        return sum(a.status is status for a in self.attributes)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "profile": {"table": "PS3.15 Table E.1-1", "edition": self.edition},
            "options": [o.value for o in self.options],
            "label_identifiers": [str(x) for x in self.label_identifiers],
            "analyzed": self.analyzed,
            "summary": {
                "attributes": len(self.attributes),
                **{s.value: self.count(s) for s in Status},
                "errors": len(self.errors),
                "warnings": len(self.warnings),
            },
            "private_data": self.private_summary,
            "deidentification_record": self.record_summary,
            "findings": [f.to_dict() for f in self.findings],
            "attributes": [a.to_dict() for a in self.attributes],
        }


def lint(
    text: str,
    path: str | None = None,
    *,
    options: Iterable[Option | str] = (),
    label_identifiers: Iterable[LabelIdentifier | str] = (),
    profile: Profile | None = None,
) -> LintReport:
    """Lint ``text`` against Table E.1-1 with ``options``; nothing is raised for script problems.

    Raises ``LintError`` only for a bad option name or label declaration.
    """
    chosen = _options(options)
    labels = tuple(
        x if isinstance(x, LabelIdentifier) else parse_label_identifier(x) for x in label_identifiers
    )
    parsed = parse(text, path)
    checked = check_parsed(parsed)
    errors = tuple(LintFinding(d) for d in checked.errors)
    if not parsed.ok:  # every error check finds is listed, but the rest cannot be analysed
        return LintReport(path, chosen, labels, errors, (), "not analyzed", "not analyzed", analyzed=False)
    report = lint_script(checked.script, options=chosen, label_identifiers=labels, profile=profile)
    found = sorted(errors + report.findings, key=lambda f: sort_key(f.diagnostic))
    return LintReport(
        path,
        chosen,
        labels,
        tuple(found),
        report.attributes,
        report.private_summary,
        report.record_summary,
    )


def lint_script(
    script: ast.Script,
    *,
    options: Iterable[Option] = (),
    label_identifiers: Iterable[LabelIdentifier] = (),
    profile: Profile | None = None,
) -> LintReport:
    """Lint a parsed script (no syntax or check diagnostics are added)."""
    table = profile if profile is not None else load_profile()
    chosen = tuple(options)
    labels = tuple(label_identifiers)
    interpreter = Interpreter(table, chosen, {x.label: x.tag for x in labels})
    effects = interpreter.run(script)
    _resync_file_meta(effects, table)
    evaluation = _Evaluation(table, chosen, labels, effects)
    attributes = tuple(evaluation.attribute(entry) for entry in table)
    evaluation.references()
    private_summary = evaluation.private()
    record_summary = evaluation.record()
    findings = [LintFinding(d.with_path(script.path)) for d in effects.findings]
    findings += [LintFinding(d.with_path(script.path), e) for d, e in evaluation.findings]
    findings.sort(key=lambda f: sort_key(f.diagnostic))
    return LintReport(
        script.path, chosen, labels, tuple(findings), attributes, private_summary, record_summary
    )


def _options(options: Iterable[Option | str]) -> tuple[Option, ...]:
    out: list[Option] = []
    for o in options:
        try:
            option = o if isinstance(o, Option) else Option.parse(o)
        except ValueError as e:
            raise LintError(str(e)) from None
        if option not in out:
            out.append(option)
    return tuple(out)


def _resync_file_meta(effects: ScriptEffects, table: Profile) -> None:
    """Spec §8.3: on write, (0002,0003) is re-synchronised from (0008,0018) unless the script sets it."""
    media = table.lookup(MEDIA_STORAGE_SOP_INSTANCE_UID)
    sop = table.lookup(SOP_INSTANCE_UID)
    if media is None or sop is None or media in effects.attributes:
        return
    source = effects.attributes.get(sop)
    if source is not None:
        effects.attributes[media] = AttributeState(media, source.top, frozenset({Fate(Kind.DELETED)}))


def _scopes(entry: ProfileEntry) -> tuple[bool, bool]:
    """(top level, inside sequences): where the attribute can occur in a stored file."""
    if entry.group in (0x0000, 0x0002):
        return True, False
    if entry.tag in _NESTED_ONLY:
        return False, True
    return True, True


@dataclass(slots=True)
class _Evaluation:
    table: Profile
    options: tuple[Option, ...]
    labels: tuple[LabelIdentifier, ...]
    effects: ScriptEffects
    findings: list[tuple[Diagnostic, ProfileEntry | None]] = field(default_factory=list)

    def _add(
        self,
        severity: Severity,
        code: str,
        message: str,
        entry: ProfileEntry | None = None,
        span: Span = NO_SPAN,
        hint: str | None = None,
    ) -> None:
        self.findings.append((Diagnostic(severity, code, message, span, hint), entry))

    # -- one attribute -----------------------------------------------------------------------
    def attribute(self, entry: ProfileEntry) -> AttributeReport:
        required = entry.action(self.options)
        codes = entry.codes(self.options)
        state = self.effects.attributes.get(entry) or AttributeState(entry)
        at_top, in_sequences = _scopes(entry)
        top = state.top if at_top else frozenset()
        nested = state.nested if in_sequences else frozenset()
        lines = tuple(sorted({a.span.line for a in state.actions if a.span.line}))
        status = self._judge(entry, codes, top, nested, state)
        return AttributeReport(entry, required, _describe(top), _describe(nested), status, lines)

    def _judge(
        self,
        entry: ProfileEntry,
        codes: frozenset[str],
        top: frozenset[Fate],
        nested: frozenset[Fate],
        state: AttributeState,
    ) -> Status:
        copies = self._copies(entry, codes, top | nested)
        if not top:  # attributes that only occur inside sequences: judge them there
            top, nested = nested, frozenset()
        top_bad = {f for f in top if not self._acceptable(f, codes, entry)}
        nested_bad = {f for f in nested if not self._acceptable(f, codes, entry)}
        self._uid_quality(entry, codes, top | nested)
        kept_top = any(f.kind is Kind.KEPT for f in top_bad)
        kept_nested = any(f.kind is Kind.KEPT for f in nested_bad)
        name = f"{entry.pattern} {entry.name}"
        is_date = vr_of(entry.value) in _DATE_VRS
        action = self.table_action_text(entry)
        if kept_top and all(f.kind is Kind.KEPT for f in top):
            where = "" if kept_nested or not nested else " at top level (it is handled only inside sequences)"
            code, what = ("L140", "date/time kept") if is_date else ("L100", "not handled")
            self._add(
                _ERR,
                code,
                f"{what}: {name} keeps its original value{where}; the profile requires {action}",
                entry,
                hint=_hint(entry, codes),
            )
            return Status.KEPT
        if kept_top:
            lines = _lines(state, conditional_only=True)
            self._add(
                _WARN,
                "L101",
                f"{name} may keep its original value: it is handled only conditionally or by a "
                f"statement that can silently do nothing{lines}; the profile requires {action}",
                entry,
                hint="handle it unconditionally first, e.g. delete or blank it at every depth",
            )
            return Status.MAYBE_KEPT
        if kept_nested:
            self._add(
                _WARN,
                "L110",
                f"{name} is handled at top level only: copies inside sequences keep the original "
                "value (a plain tag path never reaches into sequences, spec §6.2)",
                entry,
                hint=f"use */{_script_tag(entry)} (every depth) or +/{_script_tag(entry)}",
            )
            return Status.TOP_LEVEL_ONLY
        if copies:
            return Status.COPIED
        shifted = [f for f in top_bad | nested_bad if f.kind is Kind.SHIFTED]
        if shifted:
            self._add(
                _WARN,
                "L141",
                f"{name} is shifted, but the profile requires {action}: keeping shifted dates is the "
                f"{Option.RETAIN_LONG_MODIFIED_DATES.title}",
                entry,
                shifted[0].span,
                f"delete or blank it, or lint with --option {Option.RETAIN_LONG_MODIFIED_DATES.value}",
            )
            return Status.SHIFTED
        return Status.OK

    def table_action_text(self, entry: ProfileEntry) -> str:
        required = entry.action(self.options)
        meaning = " or ".join(_ACTION_WORDS[c] for c in sorted(entry.codes(self.options), key="XZDUCK".index))
        return f"{required} ({meaning})"

    def _acceptable(self, fate: Fate, codes: frozenset[str], entry: ProfileEntry) -> bool:
        if fate.kind is Kind.KEPT:
            return "K" in codes or self._references_replaced(entry)
        if fate.kind is Kind.COPIED:
            return (
                "K" in codes and fate.label is None and fate.source is not None and entry.matches(fate.source)
            )
        if fate.kind is Kind.SHIFTED:
            return bool(codes & {"K", "C"})
        return fate.kind in _ACCEPTABLE_ALWAYS

    def _references_replaced(self, entry: ProfileEntry) -> bool:
        """U* (PS3.15 E.1.1): a reference sequence may stay when the UIDs inside it are replaced."""
        if not entry.action(self.options).endswith("U*"):
            return False
        referenced = self.table.lookup(REFERENCED_SOP_INSTANCE_UID)
        state = self.effects.attributes.get(referenced) if referenced is not None else None
        return state is not None and all(f.kind in _UID_METHODS for f in state.nested)

    def _copies(self, entry: ProfileEntry, codes: frozenset[str], fates: frozenset[Fate]) -> bool:
        found = False
        seen: set[tuple[int | None, Span]] = set()
        for fate in sorted(fates, key=lambda f: (f.span, f.source or 0)):
            if fate.kind is not Kind.COPIED or self._acceptable(fate, codes, entry):
                continue
            if (fate.source, fate.span) in seen:
                continue
            seen.add((fate.source, fate.span))
            found = True
            source = fate.source or 0
            source_entry = self.table.lookup(source)
            source_name = source_entry.name if source_entry is not None else ""
            if fate.label is not None:
                declared = next((x for x in self.labels if x.label == fate.label), None)
                self._add(
                    _ERR,
                    "L180",
                    f"{entry.pattern} {entry.name} gets the XNAT {fate.label} label, which this site "
                    f"declares to be {format_tag(source)} {source_name} "
                    f"(--label-is-identifier {declared or fate.label})",
                    entry,
                    fate.span,
                    "write a value that identifies nobody, or delete the attribute",
                )
            else:
                self._add(
                    _ERR,
                    "L181",
                    f"{entry.pattern} {entry.name} gets the original value of {format_tag(source)} "
                    f"{source_name}",
                    entry,
                    fate.span,
                    f"replace {format_tag(source)} before copying it, or write a constant",
                )
        return found

    def _uid_quality(self, entry: ProfileEntry, codes: frozenset[str], fates: frozenset[Fate]) -> None:
        hashed = [f for f in fates if f.kind is Kind.HASHED]
        if hashed and vr_of(entry.value) not in (None, "UI") and "U" not in codes:
            self._add(
                _WARN,
                "L121",
                f"{entry.pattern} {entry.name} is replaced by hashUID of its value: the hash has no "
                "secret, so anyone who can guess the original can recompute it",
                entry,
                min(f.span for f in hashed),
                "replace it with an XNAT label or a constant instead",
            )
        constants = [f for f in fates if f.kind is Kind.CONSTANT]
        if constants and codes == {"U"}:
            self._add(
                _WARN,
                "L122",
                f"{entry.pattern} {entry.name} is set to a constant: every file gets the same UID",
                entry,
                min(f.span for f in constants),
                "use hashUIDList (deterministic, keeps references consistent)",
            )

    # -- referential integrity of UIDs -------------------------------------------------------
    def references(self) -> None:
        for title, tags in REFERENCE_GROUPS:
            members = [self.table.lookup(t) for t in tags]
            methods: dict[Kind, list[str]] = {}
            kept: list[str] = []
            for entry in members:
                if entry is None or "U" not in entry.codes(self.options):
                    continue
                state = self.effects.attributes.get(entry) or AttributeState(entry)
                at_top, in_sequences = _scopes(entry)
                for scope, fates in (("top level", state.top if at_top else None),):
                    self._collect(entry, scope, fates, methods, kept)
                if in_sequences:
                    self._collect(entry, "inside sequences", state.nested, methods, kept)
            if methods and kept:
                replaced = sorted({name for names in methods.values() for name in names})
                self._add(
                    _ERR,
                    "L120",
                    f"{title}: {', '.join(replaced)} replaced, but {', '.join(kept)} keep the "
                    "original UIDs: references no longer match and the originals remain",
                    hint="replace every UID of the group with the same method at every depth, e.g. "
                    "hashUIDList[{*/(0008,0018), */(0008,1155)}]",
                )
            if len(methods) > 1:
                used = ", ".join(f"{_UID_METHODS[k]} ({', '.join(v)})" for k, v in methods.items())
                self._add(
                    _WARN,
                    "L123",
                    f"{title} are replaced by different methods: {used}; references between them "
                    "will not match",
                    hint="use one method (hashUIDList) for every UID of the group",
                )

    @staticmethod
    def _collect(
        entry: ProfileEntry,
        scope: str,
        fates: frozenset[Fate] | None,
        methods: dict[Kind, list[str]],
        kept: list[str],
    ) -> None:
        if not fates:
            return
        label = f"{entry.pattern} {scope}"
        for fate in fates:
            if fate.kind in _UID_METHODS:
                names = methods.setdefault(fate.kind, [])
                if label not in names:
                    names.append(label)
        if any(f.kind in (Kind.KEPT, Kind.COPIED) for f in fates):
            kept.append(label)

    # -- private data ------------------------------------------------------------------------
    def private(self) -> str:
        handling: PrivateHandling = self.effects.private
        safe = Option.RETAIN_SAFE_PRIVATE in self.options
        if handling.fates == {PrivateFate.REMOVED}:
            lines = ", ".join(str(s.line) for s, _ in handling.removals)
            return f"all removed by removeAllPrivateTags (line {lines})"
        if handling.retains:
            span, _, kept = handling.retains[0]
            shown = ", ".join(kept)
            if safe:
                severity, extra = _NOTE, "check that each is on the site's list of safe private attributes"
            else:
                severity, extra = (
                    _WARN,
                    (
                        "the Basic Profile removes all private data; keeping some is the "
                        f"{Option.RETAIN_SAFE_PRIVATE.title} (--option {Option.RETAIN_SAFE_PRIVATE.value})"
                    ),
                )
            self._add(severity, "L152", f"retainPrivateTags keeps {shown}: {extra}", span=span)
            if handling.removed:
                return f"removed except {shown} (retainPrivateTags, line {span.line})"
        if handling.maybe_removed:
            spans = [s for s, _ in handling.removals] + [s for s, _, _ in handling.retains]
            lines = ", ".join(str(s.line) for s in spans)
            self._add(
                _WARN,
                "L151",
                f"private data is removed only conditionally (line {lines}): otherwise every private "
                "element is kept",
                span=spans[0],
                hint="call removeAllPrivateTags unconditionally",
            )
            return f"removed only conditionally (line {lines})"
        if safe:
            self._add(
                _WARN,
                "L150",
                "the script keeps every private element; the Retain Safe Private Option keeps only "
                "those known to be safe",
                hint="list the safe ones with retainPrivateTags[...]",
            )
        else:
            self._add(
                _ERR,
                "L150",
                "private data kept: the script calls neither removeAllPrivateTags nor "
                "retainPrivateTags, and private elements often hold names, IDs and dates",
                hint="add removeAllPrivateTags",
            )
        return "kept"

    # -- (0012,0062) / (0012,0063) -------------------------------------------------------------
    def record(self) -> str:
        removed = self._top_fates(PATIENT_IDENTITY_REMOVED)
        method = self._top_fates(DEIDENTIFICATION_METHOD)
        parts = []
        yes = bool(removed) and all(f.kind is Kind.CONSTANT and f.text == "YES" for f in removed)
        if yes:
            parts.append(f'(0012,0062) = "YES" (line {min(f.span.line for f in removed)})')
        else:
            if not removed or all(f.kind is Kind.KEPT for f in removed):
                why = "is not set"
            elif any(f.kind is Kind.KEPT for f in removed):
                why = "is set only conditionally"
            else:
                why = "is not set to YES"
            self._add(
                _WARN,
                "L160",
                f"(0012,0062) Patient Identity Removed {why}: receivers cannot tell the files are "
                "de-identified (PS3.15 E.1.1)",
                hint='add  (0012,0062) := "YES"',
            )
            parts.append(f"(0012,0062) {why}")
        if method and all(f.kind not in (Kind.KEPT, Kind.EMPTIED, Kind.DELETED) for f in method):
            parts.append(f"(0012,0063) set (line {min(f.span.line for f in method)})")
        else:
            self._add(
                _WARN,
                "L161",
                "(0012,0063) De-identification Method is not set (unconditionally): say which "
                "profile and options the script implements (PS3.15 E.1.1)",
                hint='add e.g.  (0012,0063) := "DICOM PS3.15 Basic Application Confidentiality '
                'Profile, dicomedit reference script"',
            )
            parts.append("(0012,0063) not set")
        return "; ".join(parts)

    def _top_fates(self, tag: int) -> frozenset[Fate]:
        entry = self.table.lookup(tag)
        state = self.effects.attributes.get(entry) if entry is not None else self.effects.others.get(tag)
        return state.top if state is not None else frozenset()


_ACTION_WORDS = {
    "X": "remove",
    "Z": "empty or dummy",
    "D": "dummy",
    "U": "new consistent UID",
    "C": "clean",
    "K": "keep",
}


def _describe(fates: frozenset[Fate]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for fate in sorted(fates, key=lambda f: (f.span, f.kind.value)):
        seen.setdefault(fate.describe(), None)
    return tuple(seen)


def _lines(state: AttributeState, *, conditional_only: bool) -> str:
    lines = sorted(
        {a.span.line for a in state.actions if a.span.line and (a.conditional or not conditional_only)}
    )
    if not lines:
        lines = sorted({a.span.line for a in state.actions if a.span.line})
    return f" (line {', '.join(map(str, lines))})" if lines else ""


def _script_tag(entry: ProfileEntry) -> str:
    """The table's pattern as a DE6 tag: repeating groups use X digits and an even last digit."""
    text = entry.pattern.upper()
    if entry.is_repeating:
        group, element = text[1:5], text[6:10]
        group = group[:3] + ("@" if group[3] == "X" else group[3])
        return f"({group},{element})"
    return text


def _hint(entry: ProfileEntry, codes: frozenset[str]) -> str:
    tag = _script_tag(entry)
    if "X" in codes:
        return f"-*/{tag}"
    if "U" in codes:
        return f"hashUIDList[*/{tag}]"
    if "Z" in codes:
        return f'*/{tag} ?= ""  (and {tag} := "" to create it when absent)'
    if "D" in codes:
        return f'*/{tag} ?= "ANONYMIZED"'
    return f"-*/{tag}"


def script_tag(entry: ProfileEntry) -> str:
    """Public form of the pattern-to-DE6-tag conversion, used by the reference script tests."""
    return _script_tag(entry)


def summarize(reports: Sequence[AttributeReport]) -> dict[Status, int]:
    out = dict.fromkeys(Status, 0)
    for report in reports:
        out[report.status] += 1
    return out
