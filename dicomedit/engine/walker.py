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

from collections.abc import Callable, Collection, Iterable, Iterator
from typing import NamedTuple

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from . import elements as el
from .dicomobject import DicomObject
from .tagpath import TagPattern

UNDEFINED_LENGTH = 0xFFFFFFFF
_HEX = frozenset("0123456789abcdef")
_MAYBE_SEQUENCE = frozenset({"SQ", "UN", None})  # VRs of raw elements that may hold items
NULL_CREATOR = "NULL"

Ancestors = tuple[tuple[Dataset, int, int], ...]


class Node(NamedTuple):
    """One element met while walking (a tuple: a walk makes one per element)."""

    path: str  # the concrete path text
    container: Dataset  # the dataset holding the element (file_meta for top-level group 0002)
    tag: int
    charset: list[str]
    creator: str | None  # private elements: the owning creator (a creator element: its value)
    is_creator: bool
    sequence: Sequence | None  # set for a sequence with at least one item
    depth: int
    # (dataset holding the sequence, sequence tag, item index) for each enclosing item
    ancestors: Ancestors = ()

    @property
    def is_leaf(self) -> bool:
        return self.sequence is None

    def element(self) -> el.Element:
        found = el.element(self.container, self.tag)
        assert found is not None
        return found

    def is_alive(self) -> bool:
        """Whether the element is still there (a remembered walk outlives deletions)."""
        if self.tag not in el.members(self.container):
            return False
        return all(tag in el.members(container) for container, tag, _ in self.ancestors)


def step_text(tag: int, creator: str | None) -> str:
    if creator is None:
        return f"{tag:08x}"
    return f'{tag >> 16:04x}"{creator}"{tag & 0xFFFF:04x}'


class _Index:
    """A full walk, remembered, with the nodes grouped by the tags and creators of their paths.

    Deleting elements does not make it stale (``DicomObject.touch``): walks skip the nodes that
    are gone, so the positions below may name dead nodes, never miss live ones.
    """

    __slots__ = ("by_creator", "by_tag", "countable", "nodes", "windows")

    def __init__(self, obj: DicomObject) -> None:
        charset = obj.charset
        containers = obj.top_level_containers()
        self.nodes = [n for c in containers for n in _walk(obj, c, "", charset, (), None, None)]
        by_tag: dict[int, list[int]] = {}
        by_creator: dict[str, list[int]] = {}
        creator_of_item: dict[tuple[int, int], str] = {}  # (id of container, sequence tag) → creator
        enclosing: tuple[set[int], set[str]] = (set(), set())
        enclosing_key: int | None = None
        for position, node in enumerate(self.nodes):
            if node.ancestors:
                if id(node.ancestors) != enclosing_key:  # all the nodes of one item share the tuple
                    enclosing_key = id(node.ancestors)
                    enclosing = (
                        {int(t) for _, t, _ in node.ancestors},
                        {
                            creator_of_item[(id(c), t)]
                            for c, t, _ in node.ancestors
                            if (id(c), t) in creator_of_item
                        },
                    )
                for tag in enclosing[0]:
                    by_tag.setdefault(tag, []).append(position)
                for creator in enclosing[1]:
                    by_creator.setdefault(creator, []).append(position)
            if not node.ancestors or int(node.tag) not in enclosing[0]:
                by_tag.setdefault(int(node.tag), []).append(position)
            if node.creator is not None:
                by_creator.setdefault(node.creator, []).append(position)
                if node.sequence is not None:
                    creator_of_item[(id(node.container), node.tag)] = node.creator
        self.by_tag = by_tag
        self.by_creator = by_creator
        # A creator's text is part of the paths too: any 8 hex digits in it are a tag a path
        # pattern could find there (hex digits match either case).
        windows: dict[int, list[str]] = {}
        for creator in by_creator:
            text = creator.lower()
            for i in range(len(text) - 7):
                if all(ch in _HEX for ch in text[i : i + 8]):
                    windows.setdefault(int(text[i : i + 8], 16), []).append(creator)
        self.windows = windows
        # Item numbers are digits in the paths as well; from 10,000,000 items on they could
        # spell a tag, and deleting items renumbers them.
        self.countable = all(len(n.sequence) < 10_000_000 for n in self.nodes if n.sequence is not None)

    def candidates(self, needles: Collection[TagPattern]) -> list[int]:
        """Positions of the nodes whose concrete path may hold a tag of one of ``needles``."""
        if not self.countable:
            return list(range(len(self.nodes)))
        if len(needles) == 1:  # the common case: one literal tag, no creator spelling it
            needle = next(iter(needles))
            if needle.literal and needle.value not in self.windows:
                return self.by_tag.get(needle.value, [])  # in walk order, each node once
        found: set[int] = set()
        for needle in needles:
            if needle.literal:
                tags: Iterable[int] = (needle.value,)
                texts: Iterable[int] = (needle.value,)
            else:
                tags = [t for t in self.by_tag if needle.matches(t)]
                texts = [t for t in self.windows if needle.matches(t)]
            for tag in tags:
                found.update(self.by_tag.get(tag, ()))
            for window in texts:
                for creator in self.windows.get(window, ()):
                    found.update(self.by_creator[creator])
        return sorted(found)

    def present(self) -> frozenset[int] | None:
        """Every tag whose 8 hex digits occur in a concrete path of the object, or None when
        that cannot be told from the tags and creators."""
        if not self.countable:
            return None
        return frozenset(self.by_tag.keys() | self.windows.keys())


def _index(obj: DicomObject) -> _Index:
    index = obj.cache.get("index")
    if not isinstance(index, _Index):
        index = _Index(obj)
        obj.cache["index"] = index
    return index


def present_tags(obj: DicomObject) -> frozenset[int] | None:
    """A superset of the tags whose 8 hex digits occur in some concrete path of ``obj`` (None:
    unknown).  A path pattern ending with a literal tag outside it matches nothing; ``plan``
    skips the statements that only have such paths."""
    index = _index(obj)
    if "present" not in obj.cache:
        obj.cache["present"] = index.present()
    found = obj.cache["present"]
    return found if isinstance(found, frozenset) else None


def walk(
    obj: DicomObject,
    *,
    roots: Collection[int] | None = None,
    descend: Callable[[Node], bool] | None = None,
    needles: Collection[TagPattern] | None = None,
) -> Iterator[Node]:
    """Every element of ``obj`` in tag order, depth first (group 0002 first, at the top level).

    ``roots`` limits the top level to those tags (a pattern anchored on a literal tag cannot
    match anything else); ``descend(node)`` is asked before entering a sequence's items;
    ``needles`` (public tags, wildcard digits allowed) limits the walk to the elements whose
    concrete path holds one of them: the others can match no pattern that ends with them.

    A full walk is remembered until the object's structure changes (``DicomObject.touch``):
    scripts run many wildcard statements in a row, and each would walk again.
    """
    if roots is not None:
        charset = obj.charset
        for container in obj.top_level_containers():
            yield from _walk(obj, container, "", charset, (), roots, descend)
        return
    index = _index(obj)
    nodes = index.nodes
    positions = range(len(nodes)) if needles is None else index.candidates(needles)
    pruned: set[tuple[int, int]] = set()
    for position in positions:
        node = nodes[position]
        if not node.is_alive():
            continue
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
    ancestors: Ancestors,
    roots: Collection[int] | None,
    descend: Callable[[Node], bool] | None,
) -> Iterator[Node]:
    depth = len(ancestors)
    charset = obj.charset_of(container, inherited) if depth else inherited
    members = el.members(container)
    # Tags sort as plain integers: pydicom's tag type compares in Python, which a walk of every
    # element would pay for thousands of times.  Nodes keep pydicom's own key objects, so later
    # look-ups find them by identity.
    tags = sorted(members, key=int) if roots is None else sorted((t for t in members if t in roots), key=int)
    creators: dict[int, str] = {}  # (group << 8 | block) → creator; creators sort before their blocks
    if roots is not None:
        for group in {t >> 16 for t in tags if t >> 16 & 1}:
            creators.update({group << 8 | b: c for b, c in obj.creators(container, group, charset).items()})
    new = tuple.__new__
    for tag in tags:
        elem = members.get(tag)
        if elem is None:  # removed by a consumer meanwhile
            continue
        if type(elem) is RawDataElement and elem.value is None:
            elem = container[tag]  # converted, as Dataset.get_item does
        group = tag >> 16
        if not group & 1:
            path = f"{prefix}{tag:08x}"
            creator: str | None = None
            is_creator = False
            vr = elem.VR if type(elem) is RawDataElement else "SQ"
            seq = None if vr not in _MAYBE_SEQUENCE else _items(container, tag, elem, None)
        else:
            is_creator = False
            block = (tag & 0xFFFF) >> 8
            if block == 0 and (tag & 0xFF) >= 0x10:
                is_creator = True
                creator = el.read_string(elem, charset)
                creators[(group << 8) | (tag & 0xFF)] = creator
            elif block >= 0x10:
                creator = creators.get((group << 8) | block, NULL_CREATOR)
            else:
                creator = NULL_CREATOR
            path = f'{prefix}{group:04x}"{creator}"{tag & 0xFFFF:04x}'
            seq = None if is_creator else _items(container, tag, elem, creator)
        node: Node = new(Node, (path, container, tag, charset, creator, is_creator, seq, depth, ancestors))
        yield node
        if seq is not None and (descend is None or descend(node)):
            for i, item in enumerate(list(seq)):
                inner = (*ancestors, (container, tag, i))
                yield from _walk(obj, item, f"{path}[{i}]/", charset, inner, None, descend)


Reached = tuple[Dataset, Sequence | None]


def public_containers(obj: DicomObject) -> Iterator[Reached]:
    """Every dataset of ``obj`` that is reached without entering a private sequence, with the
    sequence holding it (None at the top level): parents before their items, in tag order.

    No paths are built: ``removeAllPrivateTags`` only needs to know which elements are private.
    """
    for container in obj.top_level_containers():
        yield from _public_containers(container, None)


def _public_containers(container: Dataset, holder: Sequence | None) -> Iterator[Reached]:
    yield container, holder
    members = el.members(container)
    for tag in sorted(members, key=int):
        if tag >> 16 & 1:
            continue
        elem = members.get(tag)
        if type(elem) is RawDataElement:
            if elem.value is None:
                elem = container[tag]  # converted, as Dataset.get_item does
            elif elem.VR not in _MAYBE_SEQUENCE:
                continue
        if elem is None:
            continue
        seq = _items(container, tag, elem, None)
        if seq is not None:
            for item in list(seq):
                yield from _public_containers(item, seq)


def _items(container: Dataset, tag: int, elem: el.Element, creator: str | None) -> Sequence | None:
    """The items of the element if it is a sequence with at least one item, else None."""
    if tag == el.PIXEL_DATA:
        return None
    if isinstance(elem, RawDataElement):
        vr = elem.VR
        if vr != "SQ":
            undefined = elem.length == UNDEFINED_LENGTH
            if vr is None:
                if not undefined and el.dictionary_vr(tag, creator) != "SQ":
                    return None
            elif vr != "UN" or not undefined:
                return None
        elem = container[tag]  # converts the sequence; its items stay raw
    value = elem.value
    if elem.VR == "SQ" and isinstance(value, Sequence) and len(value) > 0:
        return value
    return None
