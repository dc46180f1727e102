"""The tag-path operations of the language, shared by statements and built-in functions.

* ``locate``/``read``/``assign``/``is_present``: one element named by a singular path, with
  private creators resolved by name (spec §6.3, §6.5, §6.7);
* ``matching_leaves``/``assign_if_exists``/``delete``: every element whose concrete path
  matches, found by the one walker (spec §6.2, §5, §6.6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from . import elements as el
from .dicomobject import DicomObject
from .errors import EvaluationError
from .tagpath import CompiledPath, PrivateStep, ResolvedStep, TagPattern
from .walker import Node, walk

MULTIPLE_TARGETS = "Assigning to a tagpath that maps to multiple attributes in not supported. TagPath: {}"
MULTIPLE_TERMS = "Path matching multiple tags not allowed as term: {}"


@dataclass(frozen=True, slots=True)
class Location:
    """Where a singular path points: a tag in a container, or an item of a sequence."""

    container: Dataset
    tag: int | None  # None: a private creator that is not there (and was not reserved)
    creator: str | None
    item: int | None  # the path ends with [n]
    charset: list[str]


def _item_number(path: CompiledPath, step: ResolvedStep) -> int:
    if step.item is None:
        # A bracket-less sequence step counts as singular but its item is "%" (spec §6.4).
        raise EvaluationError(
            f"Cannot resolve {path.display}: a sequence step without an item number has item '%' "
            '(NumberFormatException: For input string: "%"); write the item, e.g. [0]',
            path.display,
        )
    return step.item


def _resolve_tag(
    obj: DicomObject,
    container: Dataset,
    step: ResolvedStep,
    *,
    reserve: bool,
    reading: bool,
    path: CompiledPath,
) -> tuple[int | None, str | None]:
    if not isinstance(step, PrivateStep):
        return step.tag, None
    had = obj.find_block(container, step.group, step.creator, reserve=False)
    block = had if had is not None else obj.find_block(container, step.group, step.creator, reserve=reserve)
    if block is None:
        return None, step.creator
    if had is None and reading:
        obj.notes.append(
            f"reading {path.display} wrote the missing private creator '{step.creator}' into "
            f"({step.group:04X},00{block:02X}), as XNAT does (spec §6.3)"
        )
    return (step.group << 16) | (block << 8) | step.low, step.creator


def locate(obj: DicomObject, path: CompiledPath, *, create: bool, reserve_leaf: bool) -> Location | None:
    """Resolve a singular path; None when (reading) a sequence or item on the way is missing."""
    if not path.singular or path.steps is None:
        raise EvaluationError(MULTIPLE_TARGETS.format(path.text), path.display)
    container = obj.dataset
    charset = obj.charset
    last = len(path.steps) - 1
    for index, step in enumerate(path.steps):
        is_last = index == last
        reserve = create or (is_last and reserve_leaf)
        tag, creator = _resolve_tag(obj, container, step, reserve=reserve, reading=not create, path=path)
        if is_last:
            return Location(container, tag, creator, step.item, charset)
        number = _item_number(path, step)
        if tag is None:
            return None
        item = obj.item(container, tag, number, create=create)
        if item is None:
            return None
        container = item
        charset = obj.charset_of(item, charset)
    raise AssertionError("unreachable: a path has at least one step")


def read(obj: DicomObject, path: CompiledPath, *, reserve: bool = True) -> str | None:
    """The value of a singular path in value position, or None when absent (spec §4.2, §6.7).

    Reading a private element reserves its creator slot, as dcm4che2's resolve does (§6.3);
    ``reserve=False`` reads without that side effect.
    """
    if not path.singular:
        raise EvaluationError(MULTIPLE_TERMS.format(path.text), path.display)
    loc = locate(obj, path, create=False, reserve_leaf=reserve)
    if loc is None or loc.tag is None:
        return None
    elem = obj.get(loc.container, loc.tag)
    if elem is None:
        return None
    if loc.item is not None:
        seq = obj.sequence(loc.container, loc.tag, create=False)
        return None if seq is None or loc.item >= len(seq) else ""
    return el.read_string(elem, loc.charset, loc.creator)


def element_vr(obj: DicomObject, path: CompiledPath) -> str | None:
    """The VR the element at ``path`` has, or would get if created (no side effects)."""
    loc = locate(obj, path, create=False, reserve_leaf=False)
    if loc is None:
        return None
    if loc.tag is None:
        return "UN"
    elem = obj.get(loc.container, loc.tag)
    if elem is not None:
        return el.element_vr(elem, loc.creator)
    return el.dictionary_vr(loc.tag, loc.creator)


def is_present(obj: DicomObject, path: CompiledPath) -> bool:
    """``isPresent``: resolves without reserving anything; ``S[n]`` needs item n (spec §7)."""
    loc = locate(obj, path, create=False, reserve_leaf=False)
    if loc is None or loc.tag is None or obj.get(loc.container, loc.tag) is None:
        return False
    if loc.item is None:
        return True
    seq = obj.sequence(loc.container, loc.tag, create=False)
    return seq is not None and loc.item < len(seq)


def assign(obj: DicomObject, path: CompiledPath, text: str) -> None:
    """``TP := value``: create or overwrite one element (spec §6.5)."""
    if not path.singular:
        raise EvaluationError(MULTIPLE_TARGETS.format(path.text), path.display)
    loc = locate(obj, path, create=True, reserve_leaf=True)
    assert loc is not None and loc.tag is not None
    if loc.item is not None:
        obj.item(loc.container, loc.tag, loc.item, create=True)
        return
    obj.set_string(loc.container, loc.tag, text, loc.charset, creator=loc.creator)


def matching_leaves(obj: DicomObject, paths: Iterable[CompiledPath], *, creators: bool = True) -> list[Node]:
    """Every leaf whose concrete path matches one of ``paths`` (whole-string match)."""
    paths = list(paths)
    if not paths:
        return []
    roots = _union_roots(paths)
    found = []
    single = paths[0] if len(paths) == 1 else None
    for node in walk(obj, roots=roots, needles=_union_needles(paths)):
        if node.sequence is not None or (node.is_creator and not creators):
            continue
        if single.matches(node.path) if single is not None else any(p.matches(node.path) for p in paths):
            found.append(node)
    return found


def _union_needles(paths: Iterable[CompiledPath]) -> set[TagPattern] | None:
    needles: set[TagPattern] = set()
    for path in paths:
        if path.last_tag is None:
            return None
        needles.add(path.last_tag)
    return needles


def _union_roots(paths: list[CompiledPath]) -> frozenset[int] | None:
    roots: set[int] = set()
    for p in paths:
        if p.roots is None:
            return None
        roots |= p.roots
    return frozenset(roots)


def assign_if_exists(obj: DicomObject, path: CompiledPath, text: str) -> None:
    """``TP ?= value``: overwrite every existing matching leaf, keeping its VR; create nothing."""
    for node in matching_leaves(obj, [path]):
        obj.set_string(node.container, node.tag, text, node.charset, creator=node.creator)


@dataclass(frozen=True, slots=True)
class DeleteReport:
    emptied_items: tuple[str, ...]  # concrete paths of items emptied (and kept, DE-91)


def delete(
    obj: DicomObject, path: CompiledPath, *, keep_emptied_items: bool = True, keep_creators: bool = True
) -> DeleteReport:
    """``- TP`` (spec §6.6): whole sequences by match, leaves by prefix match, creators kept.

    Deleting ``S[n]`` empties the item but keeps it (XNAT ≥ 1.8.7, DE-91); with
    ``keep_emptied_items=False`` the item itself is removed, and with ``keep_creators=False``
    matching private creators are deleted too, as XNAT did before 1.8.7.
    """
    tag = path.single_top_level_tag
    if tag is not None:
        # XNAT's fast path for a literal 8-digit pattern: the same result without a walk.
        if not keep_creators or not el.is_private_creator(tag):
            for container in obj.top_level_containers():
                if tag in container:
                    obj.delete(container, tag)
        return DeleteReport(())
    doomed: list[Node] = []
    items: list[tuple[Sequence, int, str]] = []

    def descend(node: Node) -> bool:
        if path.matches(node.path):
            doomed.append(node)
            return False
        assert node.sequence is not None
        for i in range(len(node.sequence)):
            item_path = f"{node.path}[{i}]"
            if path.matches(item_path):
                items.append((node.sequence, i, item_path))
        return True

    for node in walk(obj, roots=path.roots, descend=descend, needles=_union_needles([path])):
        if node.is_leaf and not (node.is_creator and keep_creators) and path.prefix_matches(node.path):
            doomed.append(node)
    for node in doomed:
        obj.delete(node.container, node.tag)
    if not keep_emptied_items:
        for seq, i, _ in sorted(items, key=lambda t: -t[1]):
            if i < len(seq):
                del seq[i]
                obj.touch()
    return DeleteReport(tuple(p for _, _, p in items))
