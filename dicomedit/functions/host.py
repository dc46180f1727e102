"""Built-ins that depend on the host running the script (spec §7): lookup, getURL, reject,
true, false."""

from __future__ import annotations

import urllib.error
import urllib.request

from ..engine.dicomobject import SOP_INSTANCE_UID
from ..engine.elements import read_string
from ..engine.env import Env
from ..engine.errors import EvaluationError, Rejected
from ..engine.values import VOID, Value, as_boolean
from .registry import implements


@implements("lookup")
def lookup(env: Env, args: list[Value]) -> Value:
    key_type = env.value(args[0])
    key = env.value(args[1])
    table = env.context.lookup_tables.get(key_type or "", {})
    return table.get(key or "")  # a miss is null: the assignment does nothing


@implements("getURL")
def get_url(env: Env, args: list[Value]) -> Value:
    url = env.required(args[0], "getURL")
    if not env.context.allow_network:
        raise EvaluationError.quoting(
            "getURL[{0}] is refused: network access is off. Allow it explicitly (--allow-network) "
            "if this script may contact that server",
            url,
        )
    try:
        with urllib.request.urlopen(url, timeout=env.context.network_timeout) as response:
            body = response.read().decode("utf-8", "replace")
    except ValueError as e:
        raise EvaluationError.quoting("getURL: malformed URL {0!r}: {1}", url, e) from None
    except (urllib.error.URLError, OSError) as e:
        raise EvaluationError.quoting("getURL: cannot read {0}: {1}", url, e) from None
    text = "".join(body.splitlines())  # lines are joined without separators, as XNAT does
    if not text:
        raise EvaluationError("Empty response from external webservice")
    return text


@implements("reject")
def reject(env: Env, args: list[Value]) -> Value:
    if args and as_boolean(env.value(args[0])) is not True:
        return VOID
    elem = env.obj.get(env.obj.dataset, SOP_INSTANCE_UID)
    uid = read_string(elem, env.obj.charset) if elem is not None else "null"
    message = f"Rejected: SOPInstanceUID {uid}"
    if not env.context.reject_enabled:
        env.warn(f"reject[] ran but rejection is disabled for this run ({message})")
        return VOID
    raise Rejected(message)


@implements("true")
def true(env: Env, args: list[Value]) -> Value:
    return True


@implements("false")
def false(env: Env, args: list[Value]) -> Value:
    return False
