"""Private-tag built-ins: the ``removeAllPrivateTags`` statement and ``retainPrivateTags``
(spec §5, §7)."""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from ..engine.dicomobject import DicomObject
from ..engine.elements import element_vr, encode_value, is_private_group, members, read_string
from ..engine.env import Env
from ..engine.errors import EvaluationError
from ..engine.tagpath import CompiledPath, compile_path
from ..engine.values import VOID, Value
from ..engine.walker import Node, public_containers, walk
from ..syntax import ast
from .registry import implements

HIGH_GROUP = 0x8000


def _delete_private(obj: DicomObject) -> list[tuple[Sequence, Dataset]]:
    """Remove every private element, descending only into public sequences (spec §5).

    Returns the (sequence, item) pairs of the items that held something before, so a caller can
    find the ones left empty.
    """
    doomed: list[tuple[Dataset, list[int]]] = []
    items: list[tuple[Sequence, Dataset]] = []
    for container, holder in public_containers(obj):
        if holder is not None and len(container):
            items.append((holder, container))
        doomed.append((container, [t for t in members(container) if t >> 16 & 1]))
    for container, tags in doomed:
        obj.delete_all(container, tags)
    return items


def remove_all_private_tags(env: Env) -> None:
    """The ``removeAllPrivateTags`` statement: private creators and sequences included."""
    _delete_private(env.obj)


@dataclass(frozen=True, slots=True)
class _Kept:
    location: tuple[tuple[int, int], ...]  # (sequence tag, item index) from the top level
    tag: int
    vr: str
    data: bytes


def _location(node: Node) -> tuple[tuple[int, int], ...]:
    return tuple((tag, index) for _, tag, index in node.ancestors)


def _value_bytes(obj: DicomObject, node: Node, vr: str) -> bytes:
    elem = node.element()
    if isinstance(elem, RawDataElement):
        return bytes(elem.value or b"")
    little = True if node.tag >> 16 == 2 else obj.little_endian
    return encode_value(vr, read_string(elem, node.charset, node.creator), node.charset, little)


def _creator_records(obj: DicomObject, node: Node) -> list[_Kept]:
    """The creator elements of every private step on the node's path (enclosing ones too)."""
    out: list[_Kept] = []
    steps = [*node.ancestors, (node.container, node.tag, -1)]
    for depth, (container, tag, _) in enumerate(steps):
        group, element = tag >> 16, tag & 0xFFFF
        if not is_private_group(group) or element < 0x1000:
            continue
        slot = (group << 16) | (element >> 8)
        if slot not in container:
            continue
        location = tuple((t, i) for _, t, i in node.ancestors[:depth])
        out.append(_Kept(location, slot, "LO", bytes(_raw_or_encoded(obj, container, slot))))
    return out


def _raw_or_encoded(obj: DicomObject, container: Dataset, tag: int) -> bytes:
    elem = container.get_item(tag)
    if isinstance(elem, RawDataElement):
        return bytes(elem.value or b"")
    charset = obj.charset
    return encode_value("LO", read_string(elem, charset), charset, obj.little_endian)


def _with_children(path: CompiledPath) -> CompiledPath:
    """``T/*``: naming a private sequence keeps everything inside it (step 1)."""
    return compile_path(ast.TagPath((*path.node.steps, ast.SequenceWildcard("*"))))


@implements("retainPrivateTags")
def retain_private_tags(env: Env, args: list[Value]) -> Value:
    """Delete every private element except the ones named (the six steps of spec §7)."""
    paths = env.tag_paths(args, "retainPrivateTags")
    for path in paths:
        if not path.is_private:
            raise EvaluationError("TagPath argument in retainPrivateTags is not private", path.display)
    patterns = paths + [_with_children(p) for p in paths]
    high_lost = not env.context.newer("retain-private-high-groups")
    obj = env.obj
    kept: list[_Kept] = []
    creators: dict[tuple[tuple[tuple[int, int], ...], int], _Kept] = {}
    high_seen = False
    for node in walk(obj):
        has_private_step = any(is_private_group(t >> 16) for _, t, _ in node.ancestors) or is_private_group(
            node.tag >> 16
        )
        if not has_private_step:
            continue
        if not any(p.matches(node.path) for p in patterns):
            continue
        if high_lost and _in_high_group(node):
            high_seen = True
            continue
        for record in _creator_records(obj, node):
            creators[(record.location, record.tag)] = record
        if node.is_leaf:
            vr = element_vr(node.element(), node.creator)
            kept.append(_Kept(_location(node), node.tag, vr, _value_bytes(obj, node, vr)))
    touched = _delete_private(obj)
    for record in [*sorted(creators.values(), key=lambda r: (r.location, r.tag)), *kept]:
        _write_back(obj, record)
    for seq, item in touched:
        if len(item) == 0:
            index = next((i for i, other in enumerate(seq) if other is item), None)
            if index is not None:
                del seq[index]
                obj.touch()
    if high_seen:
        env.warn(
            "retainPrivateTags removed retained elements of private groups 8000-FFFF, as XNAT did before "
            "1.10.1 (DE-125)"
        )
    return VOID


def _in_high_group(node: Node) -> bool:
    tags = [t for _, t, _ in node.ancestors] + [node.tag]
    return any(is_private_group(t >> 16) and t >> 16 >= HIGH_GROUP for t in tags)


def _write_back(obj: DicomObject, record: _Kept) -> None:
    container = obj.dataset
    for tag, index in record.location:
        item = obj.item(container, tag, index, create=True)
        assert item is not None
        container = item
    if record.vr == "SQ":
        obj.sequence(container, record.tag, create=True)
    else:
        obj.set_raw(container, record.tag, record.vr, record.data)
