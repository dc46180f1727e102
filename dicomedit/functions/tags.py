"""Built-ins that find, remove or write elements (spec §7): removeTags, delete, set, isPresent,
collectValues, blankValues."""

from __future__ import annotations

from pydicom.dataset import Dataset

from ..engine import operations as ops
from ..engine.elements import (
    element_vr,
    is_private_creator,
    is_private_group,
    min_string_length,
    read_bytes,
    read_string,
)
from ..engine.env import Env, node_value
from ..engine.errors import EvaluationError
from ..engine.tagpath import parse_direct
from ..engine.values import VOID, Value
from ..engine.walker import walk
from .registry import implements


@implements("removeTags")
def remove_tags(env: Env, args: list[Value]) -> Value:
    keep = env.context.newer("delete-item-keeps-empty-item")
    keep_creators = env.context.newer("delete-keeps-private-creators")
    for path in env.tag_paths(args, "removeTags"):
        report = ops.delete(env.obj, path, keep_emptied_items=keep, keep_creators=keep_creators)
        if report.emptied_items and keep:
            env.warn(
                f"removeTags[{path.display}] emptied {', '.join(report.emptied_items)} but, as XNAT does, "
                "kept the empty item in its sequence (DE-91)"
            )
    return VOID


def _direct(env: Env, arg: Value, function: str, *, create: bool) -> tuple[Dataset, int, str] | None:
    """Follow a direct-notation path (literal tags, explicit items): (container, tag, text)."""
    text = env.required(arg, function)
    path = parse_direct(text)
    container = env.obj.dataset
    for step in path.steps[:-1]:
        if step.item is None:
            raise EvaluationError(
                f"{function}: the sequence step in '{text}' needs an item number, e.g. [0]", text
            )
        item = env.obj.item(container, step.tag, step.item, create=create)
        if item is None:
            return None
        container = item
    return container, path.steps[-1].tag, text


@implements("delete")
def delete(env: Env, args: list[Value]) -> Value:
    found = _direct(env, args[0], "delete", create=False)
    if found is not None:
        container, tag, _ = found
        env.obj.delete(container, tag)
    return VOID


@implements("set")
def set_(env: Env, args: list[Value]) -> Value:
    value = env.value(args[1])
    found = _direct(env, args[0], "set", create=True)
    if found is None or value is None:
        return VOID
    container, tag, text = found
    existed = env.obj.get(container, tag) is not None
    charset = env.obj.charset_of(container, env.obj.charset)
    env.obj.set_string(container, tag, value, charset, creator=_creator_of(env, container, tag, charset))
    top_level_creator = container is env.obj.dataset and is_private_creator(tag)
    if not existed and not top_level_creator:
        env.warn(
            f'set["{text}", …] created a new element; XNAT\'s set[...] does not reliably create new '
            "private, public or sequence elements (DE-52): check the result in XNAT"
        )
    return VOID


def _creator_of(env: Env, container: Dataset, tag: int, charset: list[str]) -> str | None:
    """The creator owning a literal private element, for its dictionary VR."""
    group, element = tag >> 16, tag & 0xFFFF
    if not is_private_group(group) or element < 0x1000:
        return None
    elem = env.obj.get(container, (group << 16) | (element >> 8))
    return None if elem is None else read_string(elem, charset)


@implements("isPresent")
def is_present(env: Env, args: list[Value]) -> Value:
    paths = env.tag_paths(args, "isPresent")
    for path in paths:
        if not path.singular:
            raise EvaluationError(
                f"isPresent needs tag paths to one element, got {path.display}", path.display
            )
    return all(ops.is_present(env.obj, p) for p in paths)


@implements("collectValues")
def collect_values(env: Env, args: list[Value]) -> Value:
    values: list[Value] = list(env.known_values(args))
    return values


@implements("blankValues")
def blank_values(env: Env, args: list[Value]) -> Value:
    """Empty every leaf, anywhere, whose value is one of the known values (spec §7)."""
    known = set(env.known_values(args))
    if not known:
        return VOID
    known_bytes = {k.encode("utf-8") for k in known}
    byte_lengths = {len(k) for k in known_bytes}
    longest = max(len(k) for k in known)
    doomed = []
    for node in walk(env.obj):
        if not node.is_leaf:
            continue
        elem = node.element()
        vr = element_vr(elem, node.creator)
        if vr == "SQ":
            continue
        if vr == "UN":
            # UN is compared byte for byte: NUL padding prevents a match (spec §8.4, R-114).
            data = read_bytes(elem, node.charset)
            hit = len(data) in byte_lengths and data in known_bytes
        elif min_string_length(elem, node.charset, node.creator) > longest:
            continue  # e.g. pixel data: its text could never be one of the known values
        else:
            hit = node_value(env.obj, node) in known
        if hit:
            doomed.append((node, vr))
    for node, vr in doomed:
        env.obj.set_raw(node.container, node.tag, vr, b"")
    return VOID
