"""A script as a table of per-element edits, for the scripts whose statements each act on the
elements of one tag alone.

Most site scripts (the reference script among them) are a list of ``-*/(gggg,eeee)``,
``*/(gggg,eeee) ?= "…"``, ``hashUIDList[…]``, ``removeAllPrivateTags`` and a few ``:=`` at the
top level.  Each such statement changes the elements of its tag and reads nothing else, so
running the statements one after the other over the whole object gives what running, for each
element, the statements that name its tag, in script order, gives.  ``TablePlan`` is that
table; ``dicomedit.direct`` applies it to a file's bytes in one pass.

``table_plan`` returns None for any script with another construct (``if``, variables assigned
in the script, other functions, private tags, item numbers, a condition reading a tag that an
earlier statement may change, tags whose change would need more than the element itself: the
character set, pixel data, group 0002 other than hashed UIDs).  Those scripts run on the
general path only.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from ..dictionary import dictionary_vr
from ..layout import PIXEL_DATA
from ..releases import SUPPORTED_VERSIONS
from ..syntax import ast
from .tagpath import CompiledPath, TagPattern

SPECIFIC_CHARACTER_SET = 0x00080005
FILE_META_GROUP = 0x0002
# VRs a ``:=`` may create an element with (text VRs dcm4che2's putString writes)
SETTABLE_VRS = frozenset(
    {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UI", "UR", "UT"}
)


@dataclass(frozen=True, slots=True)
class Edit:
    """One statement's edit of the elements it names: ``delete``, ``set`` (``?=``; ``:=`` when
    ``create``) or ``hash`` (``hashUIDList``)."""

    kind: str
    patterns: tuple[TagPattern, ...]
    top_only: bool  # a path without ``*/``: top-level elements only
    value: ast.String | ast.Variable | None = None
    create: bool = False

    def applies(self, tag: int, top: bool) -> bool:
        return (top or not self.top_only) and any(tag & p.mask == p.value for p in self.patterns)


@dataclass(frozen=True, slots=True)
class Guard:
    """``left = right ? …`` / ``left != right ? …`` with a top-level tag or a variable on the
    left and a string on the right; ``then`` is an ``Edit`` or None for ``reject[]``."""

    tag: int | None
    variable: str | None
    op: str
    literal: str
    then: Edit | None

    def holds(self, left: str | None) -> bool:
        """The comparison as the interpreter makes it (spec §4.4)."""
        if self.op == "=":
            return left is not None and left == self.literal
        return left is None or left != self.literal


Step = Edit | Guard


@dataclass(frozen=True, slots=True)
class BoundEdit:
    kind: str
    top_only: bool
    text: str | None
    create: bool


@dataclass(slots=True)
class TablePlan:
    """The script's steps in order; ``remove_private``: ``removeAllPrivateTags`` runs first."""

    steps: tuple[Step, ...]
    remove_private: bool
    external: frozenset[str]
    _bound: dict[tuple[tuple[str, str | None], ...], Bound | None] = field(default_factory=dict, repr=False)

    def bind(self, variables: Mapping[str, str | None]) -> Bound | None:
        """The table for one set of host variables, or None when the general path must run (a
        variable the script reads has no value: the interpreter reports that)."""
        key = tuple(sorted((k, v) for k, v in variables.items() if k in self.external))
        if key not in self._bound:
            self._bound[key] = self._bind(dict(key))
        return self._bound[key]

    def _bind(self, variables: Mapping[str, str | None]) -> Bound | None:
        edits: list[tuple[Edit, BoundEdit]] = []
        rejects: list[Guard] = []

        def bound(edit: Edit) -> BoundEdit | None:
            text = None
            if isinstance(edit.value, ast.String):
                text = edit.value.value
            elif isinstance(edit.value, ast.Variable):
                text = variables.get(edit.value.name)
                if text is None:
                    return None
            return BoundEdit(edit.kind, edit.top_only, text, edit.create)

        for step in self.steps:
            if isinstance(step, Edit):
                made = bound(step)
                if made is None:
                    return None
                edits.append((step, made))
                continue
            if step.variable is not None:
                left = variables.get(step.variable)
                if left is None:
                    return None
                if not step.holds(left):
                    continue
                if step.then is None:
                    return None  # every object is rejected: the general path says so
                made = bound(step.then)
                if made is None:
                    return None
                edits.append((step.then, made))
            else:
                assert step.tag is not None
                if step.then is not None:
                    return None  # not built: a guarded edit that depends on each object
                rejects.append(step)
        return Bound(tuple(edits), self.remove_private, tuple(rejects))


@dataclass(slots=True)
class Bound:
    """A table ready to run: the edits of each tag, found once per tag and remembered."""

    edits: tuple[tuple[Edit, BoundEdit], ...]
    remove_private: bool
    # ``reject[]`` guards on a top-level tag; none of the edits before one can change its tag
    # (checked when the table was made), so the file's own value decides
    rejects: tuple[Guard, ...]
    _top: dict[int, tuple[BoundEdit, ...]] = field(default_factory=dict, repr=False)
    _nested: dict[int, tuple[BoundEdit, ...]] = field(default_factory=dict, repr=False)
    _top_deleted: set[int] = field(default_factory=set, repr=False)
    creatable: tuple[int, ...] = field(init=False)  # top-level tags a ``:=`` may create, in order
    # group 0002 elements hashUIDList hashes, once for each statement that names them
    meta_hashes: tuple[int, ...] = field(init=False)
    # which edits may apply to a tag: by its literal tags, and those with wildcard digits
    _literal: dict[int, list[int]] = field(init=False, repr=False)
    _patterned: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._literal = {}
        self._patterned = []
        for index, (edit, _) in enumerate(self.edits):
            if all(p.literal for p in edit.patterns):
                for p in edit.patterns:
                    self._literal.setdefault(p.value, []).append(index)
            else:
                self._patterned.append(index)
        self.creatable = tuple(sorted({p.value for e, b in self.edits if b.create for p in e.patterns}))
        self.meta_hashes = tuple(
            p.value
            for e, b in self.edits
            if b.kind == "hash" and b.top_only
            for p in e.patterns
            if p.value >> 16 == FILE_META_GROUP
        )

    @property
    def top_edits_known(self) -> Mapping[int, tuple[BoundEdit, ...]]:
        """The top-level edits ``for_tag`` has found so far, by tag (for the loop over every
        top-level element: a lookup there, ``for_tag`` for a tag not seen yet)."""
        return self._top

    @property
    def top_deletes_known(self) -> AbstractSet[int]:
        """The top-level tags among those ``for_tag`` has found so far whose only edit is a
        ``delete``: such an element is left out whatever it holds."""
        return self._top_deleted

    def for_tag(self, tag: int, top: bool) -> tuple[BoundEdit, ...]:
        cache = self._top if top else self._nested
        found = cache.get(tag)
        if found is None:
            candidates = sorted({*self._literal.get(tag, ()), *self._patterned})
            edits = self.edits
            found = cache[tag] = tuple(edits[i][1] for i in candidates if edits[i][0].applies(tag, top))
            if top and len(found) == 1 and found[0].kind == "delete" and not found[0].create:
                self._top_deleted.add(tag)
        return found


# ---------------------------------------------------------------------------------------------
# building the table


class _Unsupported(Exception):
    pass


def table_plan(
    script: ast.Script, path_of: Mapping[int, CompiledPath], external: frozenset[str]
) -> TablePlan | None:
    """The script as a table, or None when some statement is not one of those described above."""
    try:
        return _Builder(path_of, external).build(script)
    except _Unsupported:
        return None


def _edits(step: Step) -> tuple[Edit, ...]:
    if isinstance(step, Edit):
        return (step,)
    return () if step.then is None else (step.then,)


def _may_match_group(pattern: TagPattern, group: int) -> bool:
    high = pattern.mask & 0xFFFF0000
    return (group << 16) & high == pattern.value & high


class _Builder:
    def __init__(self, path_of: Mapping[int, CompiledPath], external: frozenset[str]) -> None:
        self.path_of = path_of
        self.external = external
        self.steps: list[Step] = []
        self.remove_private = False

    def build(self, script: ast.Script) -> TablePlan:
        for st in script.statements:
            self.statement(st)
        if not any(_edits(s) for s in self.steps):
            raise _Unsupported  # nothing to gain
        return TablePlan(tuple(self.steps), self.remove_private, self.external)

    def statement(self, st: ast.Statement) -> None:
        if isinstance(st, ast.Version):
            if st.value.value not in SUPPORTED_VERSIONS:
                raise _Unsupported
        elif isinstance(st, ast.Describe):
            pass  # metadata for upload clients: nothing happens
        elif isinstance(st, ast.RemoveAllPrivateTags):
            if any(_edits(s) for s in self.steps):
                raise _Unsupported  # private elements must be gone before any other edit
            self.remove_private = True
        elif isinstance(st, ast.Ternary):
            if st.otherwise is not None:
                raise _Unsupported
            self.steps.append(self.guard(st.condition, st.then))
        else:
            self.steps.append(self.edit(st))

    def edit(self, st: ast.Statement | ast.Action) -> Edit:
        if isinstance(st, ast.Delete):
            pattern, top_only = self.target(st.target)
            if _may_match_group(pattern, FILE_META_GROUP):
                raise _Unsupported
            return self.checked(Edit("delete", (pattern,), top_only))
        if isinstance(st, ast.AssignIfExists | ast.Assign):
            pattern, top_only = self.target(st.target)
            create = isinstance(st, ast.Assign)
            if not pattern.literal or (create and not top_only):
                raise _Unsupported
            if pattern.value >> 16 in (0, FILE_META_GROUP):
                raise _Unsupported
            if create and dictionary_vr(pattern.value) not in SETTABLE_VRS:
                raise _Unsupported
            value = st.value
            if isinstance(value, ast.Variable):
                if value.name not in self.external:
                    raise _Unsupported
            elif not isinstance(value, ast.String):
                raise _Unsupported
            return self.checked(Edit("set", (pattern,), top_only, value, create))
        if isinstance(st, ast.CallStatement) and st.call.name == "hashUIDList":
            return self.hash_list(st.call)
        raise _Unsupported

    def hash_list(self, call: ast.Call) -> Edit:
        paths: list[ast.TagPath] = []
        for arg in call.args:
            items = arg.items if isinstance(arg, ast.ListLiteral) else (arg,)
            for item in items:
                if not isinstance(item, ast.TagPath):
                    raise _Unsupported
                paths.append(item)
        if not paths:
            raise _Unsupported
        found = [self.target(p) for p in paths]
        if any(not p.literal for p, _ in found):
            raise _Unsupported
        top_level = [p for p, top in found if top]
        anywhere = [p for p, top in found if not top]
        # a group 0002 element is hashed where it is, in the file meta information
        if any(p.value >> 16 == FILE_META_GROUP for p in anywhere):
            raise _Unsupported
        if top_level and anywhere:
            # one statement, two reaches: split, keeping "each element hashed once"
            nested_only = set(anywhere) - set(top_level)
            if nested_only != set(anywhere):
                raise _Unsupported
            self.steps.append(self.checked(Edit("hash", tuple(top_level), True)))
            return self.checked(Edit("hash", tuple(anywhere), False))
        return self.checked(Edit("hash", tuple(top_level or anywhere), not anywhere))

    def checked(self, edit: Edit) -> Edit:
        for p in edit.patterns:
            for fixed in (SPECIFIC_CHARACTER_SET, PIXEL_DATA):
                if fixed & p.mask == p.value:
                    raise _Unsupported
            if not p.literal and edit.kind != "delete":
                raise _Unsupported
        return edit

    def target(self, path: ast.TagPath) -> tuple[TagPattern, bool]:
        """(pattern, top level only) for ``T`` or ``*/T`` with a public tag T."""
        steps = path.steps
        if len(steps) == 2 and isinstance(steps[0], ast.SequenceWildcard) and steps[0].kind == "*":
            top_only = False
        elif len(steps) == 1:
            top_only = True
        else:
            raise _Unsupported
        last = steps[-1]
        if not isinstance(last, ast.TagStep) or last.item is not None or last.tag.creator is not None:
            raise _Unsupported
        compiled = self.path_of.get(id(path))
        if compiled is None or compiled.last_tag is None:
            raise _Unsupported
        pattern = compiled.last_tag
        if pattern.literal and pattern.value >> 16 & 1:
            raise _Unsupported
        return pattern, top_only

    def guard(self, cond: ast.Condition, then: ast.Action) -> Guard:
        if not isinstance(cond, ast.Comparison) or cond.op not in ("=", "!="):
            raise _Unsupported
        if not isinstance(cond.right, ast.String):
            raise _Unsupported
        action: Edit | None
        if isinstance(then, ast.CallStatement) and then.call.name == "reject" and not then.call.args:
            action = None
        else:
            action = self.edit(then)
        left = cond.left
        if isinstance(left, ast.Variable):
            if left.name not in self.external:
                raise _Unsupported
            return Guard(None, left.name, cond.op, cond.right.value, action)
        if isinstance(left, ast.TagPath):
            pattern, top_only = self.target(left)
            tag = pattern.value
            if not top_only or not pattern.literal or tag >> 16 in (0, FILE_META_GROUP) or action is not None:
                raise _Unsupported
            if not tag & 0xFFFF:
                raise _Unsupported  # a group length: the bytes path leaves it out before reading it
            if any(edit.applies(tag, True) for s in self.steps for edit in _edits(s)):
                raise _Unsupported  # the value read may be one an earlier statement wrote
            return Guard(tag, None, cond.op, cond.right.value, None)
        raise _Unsupported
