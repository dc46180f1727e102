"""String built-ins (spec §7): concatenate, format, lowercase, uppercase, substring, replace,
match, ismatch, normalizeString."""

from __future__ import annotations

from ..engine import operations as ops
from ..engine.env import Env
from ..engine.errors import EvaluationError
from ..engine.javaregex import compile_java, java_replacement
from ..engine.values import PathArg, Value, as_integer, flatten
from .registry import implements


def _java(text: str | None) -> str:
    return "null" if text is None else text


@implements("concatenate")
def concatenate(env: Env, args: list[Value]) -> Value:
    # No flattening: a list contributes its Java text "[a, b]"; an absent tag the text "null".
    return "".join(_java(env.value(a)) for a in args)


@implements("format")
def format_(env: Env, args: list[Value]) -> Value:
    pattern = env.required(args[0], "format")
    values = [env.value(a) for a in flatten(args[1:])]
    return message_format(pattern, values)


def message_format(pattern: str, values: list[str | None]) -> str:
    """The ``java.text.MessageFormat`` subset DicomEdit scripts use.

    ``{n}`` placeholders (a format type such as ``{0,number}`` is accepted and the value
    inserted as text), ``'…'`` quoted literals and ``''`` for one quote.  A placeholder without
    an argument stays as written, as in Java.
    """
    out: list[str] = []
    i = 0
    quoted = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            if i + 1 < len(pattern) and pattern[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            quoted = not quoted
            i += 1
            continue
        if quoted or ch != "{":
            if ch == "}" and not quoted:
                raise EvaluationError("IllegalArgumentException: Unmatched braces in the pattern.")
            out.append(ch)
            i += 1
            continue
        end = pattern.find("}", i)
        if end < 0:
            raise EvaluationError("IllegalArgumentException: Unmatched braces in the pattern.")
        body = pattern[i + 1 : end]
        index_text = body.split(",", 1)[0].strip()
        if not index_text.isdigit():
            raise EvaluationError.quoting(
                "IllegalArgumentException: can't parse argument number: {0}", index_text
            )
        index = int(index_text)
        out.append(_java(values[index]) if index < len(values) else "{" + index_text + "}")
        i = end + 1
    return "".join(out)


@implements("lowercase")
def lowercase(env: Env, args: list[Value]) -> Value:
    return env.required(args[0], "lowercase").lower()


@implements("uppercase")
def uppercase(env: Env, args: list[Value]) -> Value:
    return env.required(args[0], "uppercase").upper()


@implements("substring")
def substring(env: Env, args: list[Value]) -> Value:
    text = env.required(args[0], "substring")
    begin = as_integer(env.value(args[1]), "substring")
    end = as_integer(env.value(args[2]), "substring")
    if begin < 0 or end > len(text) or begin > end:
        raise EvaluationError(
            f"substring: StringIndexOutOfBoundsException: begin {begin}, end {end}, length {len(text)}"
        )
    return text[begin:end]


@implements("replace")
def replace(env: Env, args: list[Value]) -> Value:
    text = env.required(args[0], "replace")
    target = env.required(args[1], "replace")
    replacement = env.required(args[2], "replace")
    return text.replace(target, replacement)


@implements("match")
def match(env: Env, args: list[Value]) -> Value:
    text = env.required(args[0], "match")
    regex = compile_java(env.required(args[1], "match"))
    group = as_integer(env.value(args[2]), "match")
    found = regex.search(text)  # Java find(): a search, not a whole-string match
    if found is None:
        return None
    if group < 0 or group > (regex.groups or 0):
        raise EvaluationError(f"match: IndexOutOfBoundsException: No group {group}")
    return found.group(group)


@implements("ismatch")
def ismatch(env: Env, args: list[Value]) -> Value:
    text = env.required(args[0], "ismatch")
    return compile_java(env.required(args[1], "ismatch")).fullmatch(text) is not None


_NON_ASCII = compile_java("[^\\p{ASCII}]")


@implements("normalizeString")
def normalize_string(env: Env, args: list[Value]) -> Value:
    text = env.value(args[0])
    if text is None:
        return None
    replacement = env.required(args[1], "normalizeString") if len(args) > 1 else "_"
    arg = args[0]
    if (
        isinstance(arg, PathArg)
        and not env.context.newer("normalize-string-decodes-un")
        and ops.element_vr(env.obj, arg.path) == "UN"
    ):
        env.warn(
            "normalizeString: XNAT releases before 1.10 produced different bytes for UN elements "
            "(DE-124, DE-126); this result follows XNAT 1.10"
        )
    # Per code point, on the decoded text (spec §8.4); the replacement is a Java template.
    return _NON_ASCII.sub(java_replacement(replacement), text)
