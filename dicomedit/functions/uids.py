"""UID built-ins (spec §7, §10): hashUID, hashUIDList, newUID, mapUID, mapReferencedUIDs."""

from __future__ import annotations

import functools

from .. import uid
from ..engine import operations as ops
from ..engine.elements import element_vr
from ..engine.env import Env, node_value
from ..engine.errors import EvaluationError
from ..engine.values import VOID, PathArg, Value
from .registry import implements


@implements("hashUID")
def hash_uid(env: Env, args: list[Value]) -> Value:
    # A multi-valued element is hashed as its joined a\b text (spec §8.4).
    text = env.value(args[0])
    return None if text is None else uid.hash_uid(text)


@implements("hashUIDList")
def hash_uid_list(env: Env, args: list[Value]) -> Value:
    paths = env.tag_paths(args, "hashUIDList")
    for node in ops.matching_leaves(env.obj, paths, creators=False):
        vr = element_vr(node.element(), node.creator)
        if vr == "SQ":
            continue
        if vr != "UI":
            env.warn(f"hashUIDList hashed {node.path}, whose VR is {vr}, not UI (XNAT does the same)")
        hashed = "\\".join(uid.hash_uid(v) for v in node_value(env.obj, node).split("\\"))
        env.obj.set_string(node.container, node.tag, hashed, node.charset, creator=node.creator)
    return VOID


@implements("newUID")
def new_uid(env: Env, args: list[Value]) -> Value:
    return uid.new_uid()


@implements("mapUID")
def map_uid(env: Env, args: list[Value]) -> Value:
    # Argument order is (value, prefix).  A tag path is keyed by its *text*, not its value, so
    # every object gets the same UID for that path (spec §7, XNAT quirk).
    value, prefix_arg = args[0], args[1]
    key = value.path.text if isinstance(value, PathArg) else env.value(value)
    prefix = env.required(prefix_arg, "mapUID")
    if isinstance(value, PathArg):
        env.warn(
            f"mapUID[{value.path.display}, …] maps the tag path text '{value.path.text}', not the element's "
            "value: every object gets the same UID (XNAT behaviour, spec §7)"
        )
    try:
        uid.check_prefix(prefix)
    except uid.UIDError as e:
        raise EvaluationError.wrapping(e, "mapUID: ") from None
    context = env.context
    memo_key = "null" if key is None else key
    return context.memo(
        context.uid_map, memo_key, lambda: uid.keyed_uid(prefix, context.uid_secret, "mapUID", memo_key)
    )


@implements("mapReferencedUIDs")
def map_referenced_uids(env: Env, args: list[Value]) -> Value:
    prefix = env.required(args[0], "mapReferencedUIDs")
    try:
        uid.check_prefix(prefix)
    except uid.UIDError as e:
        raise EvaluationError.wrapping(e, "mapReferencedUIDs: ") from None
    paths = env.path_strings(args[1:], "mapReferencedUIDs")
    table = env.context.referenced_uid_map
    for node in ops.matching_leaves(env.obj, paths, creators=False):
        if element_vr(node.element(), node.creator) == "SQ":
            continue
        old = node_value(env.obj, node)
        make = functools.partial(uid.keyed_uid, prefix, env.context.uid_secret, "mapReferencedUIDs", old)
        new = env.context.memo(table, old, make)
        env.obj.set_string(node.container, node.tag, new, node.charset, creator=node.creator)
    return VOID
