"""The one walk over a DICOM object that every wildcard operation shares (spec §6.2).

Each element is described by its *concrete path*: steps of 8 lowercase hex digits
(``00100020``), private elements as ``gggg"CREATOR"eeee`` (``NULL`` when the creator element is
missing), items as ``TAG[i]``, joined with ``/``.  A sequence with at least one item is offered
as a ``SEQUENCE`` node and then descended into (unless the consumer says not to); everything
else, including a sequence with no items, is a leaf.  Pixel data is never descended.

Elements are not converted while walking: only sequences are (to reach their items, which stay
raw), so a script that touches a few elements does not pay for decoding the whole object.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from . import elements as el
from .dicomobject import DicomObject

UNDEFINED_LENGTH = 0xFFFFFFFF
NULL_CREATOR = "NULL"


@dataclass(frozen=True, slots=True)
class Node:
    """One element met while walking."""

    path: str  # the concrete path text
    container: Dataset  # the dataset holding the element (file_meta for top-level group 0002)
    tag: int
    charset: list[str]
    creator: str | None  # private elements: the owning creator (a creator element: its value)
    is_creator: bool
    sequence: Sequence | None  # set for a sequence with at least one item
    depth: int
    # (dataset holding the sequence, sequence tag, item index) for each enclosing item
    ancestors: tuple[tuple[Dataset, int, int], ...] = ()

    @property
    def is_leaf(self) -> bool:
        return self.sequence is None

    def element(self) -> el.Element:
        return self.container.get_item(self.tag)


def step_text(tag: int, creator: str | None) -> str:
    if creator is None:
        return f"{tag:08x}"
    return f'{tag >> 16:04x}"{creator}"{tag & 0xFFFF:04x}'


@dataclass(frozen=True, slots=True)
class _Index:
    """A full walk, remembered, with the nodes grouped by the tags and creators of their paths."""

    nodes: list[Node]
    by_tag: dict[int, list[int]]  # tag of any step of the path → node positions
    by_creator: dict[str, list[int]]  # creator of any private step of the path → node positions

    @staticmethod
    def build(obj: DicomObject) -> _Index:
        charset = obj.charset
        nodes = [n for c in obj.top_level_containers() for n in _walk(obj, c, "", charset, (), None, None)]
        by_tag: dict[int, list[int]] = {}
        by_creator: dict[str, list[int]] = {}
        creator_of_item: dict[tuple[int, int], str] = {}  # (id of container, sequence tag) → creator
        for position, node in enumerate(nodes):
            tags = {t for _, t, _ in node.ancestors} | {node.tag}
            for tag in tags:
                by_tag.setdefault(tag, []).append(position)
            creators = {
                creator_of_item[(id(c), t)] for c, t, _ in node.ancestors if (id(c), t) in creator_of_item
            }
            if node.creator is not None:
                creators.add(node.creator)
                if node.sequence is not None:
                    creator_of_item[(id(node.container), node.tag)] = node.creator
            for creator in creators:
                by_creator.setdefault(creator, []).append(position)
        return _Index(nodes, by_tag, by_creator)

    def candidates(self, needles: Collection[str]) -> list[int]:
        """Positions of the nodes whose concrete path may contain one of ``needles`` (8 hex digits)."""
        found: set[int] = set()
        for needle in needles:
            found.update(self.by_tag.get(int(needle, 16), ()))
            for creator, positions in self.by_creator.items():
                if needle in creator.lower():  # a creator's text is part of the path too
                    found.update(positions)
        return sorted(found)


def walk(
    obj: DicomObject,
    *,
    roots: Collection[int] | None = None,
    descend: Callable[[Node], bool] | None = None,
    needles: Collection[str] | None = None,
) -> Iterator[Node]:
    """Every element of ``obj`` in tag order, depth first (group 0002 first, at the top level).

    ``roots`` limits the top level to those tags (a pattern anchored on a literal tag cannot
    match anything else); ``descend(node)`` is asked before entering a sequence's items;
    ``needles`` (public tags as 8 lowercase hex digits) limits the walk to the elements whose
    concrete path contains one of them: the others can match no pattern that ends with them.

    A full walk is remembered until the object's structure changes (``DicomObject.touch``):
    scripts run many wildcard statements in a row, and each would walk again.
    """
    if roots is not None:
        charset = obj.charset
        for container in obj.top_level_containers():
            yield from _walk(obj, container, "", charset, (), roots, descend)
        return
    index = obj.cache.get("index")
    if not isinstance(index, _Index):
        index = _Index.build(obj)
        obj.cache["index"] = index
    nodes = index.nodes
    positions = range(len(nodes)) if needles is None else index.candidates(needles)
    pruned: set[tuple[int, int]] = set()
    for position in positions:
        node = nodes[position]
        if pruned and any((id(c), t) in pruned for c, t, _ in node.ancestors):
            continue
        yield node
        if node.sequence is not None and descend is not None and not descend(node):
            pruned.add((id(node.container), node.tag))


def _walk(
    obj: DicomObject,
    container: Dataset,
    prefix: str,
    inherited: list[str],
    ancestors: tuple[tuple[Dataset, int, int], ...],
    roots: Collection[int] | None,
    descend: Callable[[Node], bool] | None,
) -> Iterator[Node]:
    depth = len(ancestors)
    charset = obj.charset_of(container, inherited) if depth else inherited
    creators: dict[int, dict[int, str]] = {}
    tags = sorted(container.keys()) if roots is None else sorted(t for t in roots if t in container)
    for tag in tags:
        tag = int(tag)
        if tag not in container:  # removed by a consumer meanwhile
            continue
        creator: str | None = None
        is_creator = False
        group = tag >> 16
        if el.is_private_group(group):
            if el.is_private_creator(tag):
                is_creator = True
                creator = el.read_string(container.get_item(tag), charset)
            else:
                if group not in creators:
                    creators[group] = obj.creators(container, group, charset)
                block = (tag & 0xFFFF) >> 8
                creator = creators[group].get(block, NULL_CREATOR) if block >= 0x10 else NULL_CREATOR
        path = prefix + step_text(tag, creator)
        seq = None if is_creator else _items(container, tag, creator)
        node = Node(path, container, tag, charset, creator, is_creator, seq, depth, ancestors)
        yield node
        if seq is not None and (descend is None or descend(node)):
            for i, item in enumerate(list(seq)):
                inner = (*ancestors, (container, tag, i))
                yield from _walk(obj, item, f"{path}[{i}]/", charset, inner, None, descend)


def _items(container: Dataset, tag: int, creator: str | None) -> Sequence | None:
    """The items of the element if it is a sequence with at least one item, else None."""
    if tag == el.PIXEL_DATA:
        return None
    elem = container.get_item(tag)
    if isinstance(elem, RawDataElement):
        vr = elem.VR
        undefined = elem.length == UNDEFINED_LENGTH
        maybe = vr == "SQ" or (vr in (None, "UN") and undefined)
        if vr is None and not maybe:
            maybe = el.dictionary_vr(tag, creator) == "SQ"
        if not maybe:
            return None
        elem = container[tag]
    value = elem.value
    if elem.VR == "SQ" and isinstance(value, Sequence) and len(value) > 0:
        return value
    return None
