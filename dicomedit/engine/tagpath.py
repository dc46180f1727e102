"""Tag paths compiled once per script: XNAT's matching regex and the steps to resolve (spec §6).

Matching is string based, as in XNAT: the script path becomes a regular expression that is
matched against the concrete path of every element (``walker``).  The rules of §6.2 are
implemented literally, quirks included:

* hex digits match either case, ``X``/``x`` any digit, ``#`` odd, ``@`` even;
* a private step matches any block owned by the creator: ``gggg"CREATOR"[0-9a-fA-F]{2}ee``;
* ``S[n]`` → ``S\\[n\\]``; ``S[%]`` and a bracket-less sequence step → ``S(\\[[0-9]+\\])?+``;
* ``*`` → ``[\\s\\S]*``, ``.`` → ``(/?[^/]+/){1}``, ``+`` → ``(?!NEXT)([^/]*/)*``;
* no ``/`` is written after or before a wildcard step (it carries its own slashes).

A *match* is a whole-string match; an *extended match* (deletion of leaves) a prefix match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from ..syntax import ast
from .errors import EvaluationError

_DIGIT = {
    "X": "[0-9a-fA-F]",
    "x": "[0-9a-fA-F]",
    "#": "[13579bdfBDF]",
    "@": "[02468aceACE]",
}
_ANY_ITEM = r"(\[[0-9]+\])?+"
_WILDCARD = {"*": r"[\s\S]*", ".": r"(/?[^/]+/){1}"}


def _digits(text: str) -> str:
    out = []
    for ch in text:
        if ch in _DIGIT:
            out.append(_DIGIT[ch])
        elif ch in "0123456789":
            out.append(ch)
        elif ch.lower() in "abcdef":
            out.append(f"[{ch.lower()}{ch.upper()}]")
        else:
            raise EvaluationError(f"Invalid character {ch!r} in tag {text}")
    return "".join(out)


def _tag_regex(tag: ast.Tag) -> str:
    if tag.creator is None:
        return _digits(tag.group) + _digits(tag.element)
    return _digits(tag.group) + '"' + re.escape(tag.creator) + '"[0-9a-fA-F]{2}' + _digits(tag.element)


def _step_regex(steps: tuple[ast.Step, ...], index: int) -> str:
    step = steps[index]
    if isinstance(step, ast.SequenceWildcard):
        if step.kind == "+":
            following = _step_regex(steps, index + 1) if index + 1 < len(steps) else ""
            return f"(?!{following})([^/]*/)*"
        return _WILDCARD[step.kind]
    regex = _tag_regex(step.tag)
    last = index == len(steps) - 1
    if step.item is not None and step.item != "%":
        return regex + r"\[" + re.escape(step.item) + r"\]"
    if step.item == "%" or not last:
        return regex + _ANY_ITEM
    return regex


def pattern_text(path: ast.TagPath) -> str:
    """The regex XNAT builds for ``path`` (spec §6.2)."""
    out = ""
    previous_wild = True  # nothing to separate from at the start
    for i, step in enumerate(path.steps):
        wild = isinstance(step, ast.SequenceWildcard)
        if i > 0 and not wild and not previous_wild:
            out += "/"
        out += _step_regex(path.steps, i)
        previous_wild = wild
    return out


def internal_text(path: ast.TagPath) -> str:
    """The path as XNAT prints it in messages and uses as a ``mapUID`` key (``0018901X``)."""
    parts: list[str] = []
    for step in path.steps:
        if isinstance(step, ast.SequenceWildcard):
            parts.append(step.kind)
            continue
        tag = step.tag
        text = tag.group + tag.element if tag.creator is None else f'{tag.group}"{tag.creator}"{tag.element}'
        parts.append(text if step.item is None else f"{text}[{step.item}]")
    return "/".join(parts)


class TagPattern(NamedTuple):
    """Tags ``t`` with ``t & mask == value``: a public tag with its wildcard digits (spec §6.2)."""

    mask: int
    value: int

    @property
    def literal(self) -> bool:
        return self.mask == 0xFFFFFFFF

    def matches(self, tag: int) -> bool:
        return tag & self.mask == self.value


@dataclass(frozen=True, slots=True)
class PublicStep:
    tag: int
    item: int | None  # None: no brackets (an error where an item is needed, spec §6.4)


@dataclass(frozen=True, slots=True)
class PrivateStep:
    group: int
    creator: str
    low: int  # the two element digits after the block byte
    item: int | None


ResolvedStep = PublicStep | PrivateStep


@dataclass(frozen=True, slots=True)
class CompiledPath:
    """A script tag path, ready for matching and resolution."""

    node: ast.TagPath
    text: str  # XNAT's internal text, e.g. 00081110[0]/00081155
    display: str  # as written in scripts, e.g. (0008,1110)[0]/(0008,1155)
    regex: str  # XNAT's pattern (spec §6.2), compiled when first needed
    singular: bool
    steps: tuple[ResolvedStep, ...] | None  # for singular paths
    roots: frozenset[int] | None  # top-level tags a match must start from, when known
    is_private: bool  # the last tag is private
    needle: str | None  # text every matching concrete path contains: a cheap test before the regex
    # (mask, value) of the last step when it is a public tag, wildcard digits included: every
    # matching concrete path holds 8 hex digits ``t`` with ``t & mask == value`` (a step's tag,
    # or digits in a creator's text), so an object without such a tag cannot match
    last_tag: TagPattern | None = None
    # the compiled patterns: most paths of a long script are never matched against anything,
    # and compiling them all would be most of the time ``compile`` takes
    _compiled: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The whole-string match of spec §6.2."""
        found = self._compiled.get("match")
        if found is None:
            found = self._compiled["match"] = re.compile(self.regex)
        return found

    @property
    def extended(self) -> re.Pattern[str]:
        """The prefix match used to delete leaves (pattern + ``.*``)."""
        found = self._compiled.get("prefix")
        if found is None:
            found = self._compiled["prefix"] = re.compile(self.regex + ".*")
        return found

    def _may_match(self, concrete: str) -> bool:
        needle = self.needle
        if needle is None or needle in concrete:
            return True
        # hex digits match either case, and a creator's text may hold some
        return self.public_needle is not None and '"' in concrete and needle in concrete.lower()

    def matches(self, concrete: str) -> bool:
        return self._may_match(concrete) and self.pattern.fullmatch(concrete) is not None

    def prefix_matches(self, concrete: str) -> bool:
        return self._may_match(concrete) and self.extended.fullmatch(concrete) is not None

    @property
    def public_needle(self) -> str | None:
        """The last step's public tag as 8 lowercase hex digits, when it is a literal."""
        return self.needle if self.needle is not None and not self.needle.startswith('"') else None

    @property
    def single_top_level_tag(self) -> int | None:
        """The tag when the path is one public literal tag without item (XNAT's fast path)."""
        steps = self.steps
        if steps is not None and len(steps) == 1:
            step = steps[0]
            if type(step) is PublicStep and step.item is None:
                return step.tag
        return None


def compile_path(path: ast.TagPath) -> CompiledPath:
    regex = pattern_text(path)
    last = path.last_tag
    return CompiledPath(
        node=path,
        text=internal_text(path),
        display=path.text(),
        regex=regex,
        singular=path.is_singular,
        steps=_resolved_steps(path) if path.is_singular else None,
        roots=_roots(path),
        is_private=last is not None and last.is_private,
        needle=_needle(path),
        last_tag=_last_tag(path),
    )


def _last_tag(path: ast.TagPath) -> TagPattern | None:
    step = path.steps[-1]
    if not isinstance(step, ast.TagStep) or step.tag.creator is not None:
        return None
    mask = value = 0
    for ch in step.tag.group + step.tag.element:
        mask, value = mask << 4, value << 4
        if ch in "Xx":
            continue
        if ch in "#@":  # odd or even: only the lowest bit of the digit is fixed
            mask, value = mask | 1, value | (ch == "#")
        else:
            mask, value = mask | 0xF, value | int(ch, 16)
    return TagPattern(mask, value)


def _needle(path: ast.TagPath) -> str | None:
    """The last step's literal text when it has one (concrete paths are lowercase hex)."""
    step = path.steps[-1]
    if not isinstance(step, ast.TagStep):
        return None
    tag = step.tag
    if tag.creator is not None:
        return f'"{tag.creator}"'
    if tag.has_wildcard:
        return None
    return (tag.group + tag.element).lower()


def _resolved_steps(path: ast.TagPath) -> tuple[ResolvedStep, ...]:
    out: list[ResolvedStep] = []
    for step in path.steps:
        assert isinstance(step, ast.TagStep)
        item = None if step.item is None else int(step.item)
        tag = step.tag
        if tag.creator is None:
            out.append(PublicStep(int(tag.group + tag.element, 16), item))
        else:
            out.append(PrivateStep(int(tag.group, 16), tag.creator, int(tag.element, 16), item))
    return tuple(out)


def _roots(path: ast.TagPath) -> frozenset[int] | None:
    first = path.steps[0]
    if isinstance(first, ast.TagStep) and first.tag.creator is None and not first.tag.has_wildcard:
        return frozenset({int(first.tag.group + first.tag.element, 16)})
    return None


# ---------------------------------------------------------------------------------------------
# Direct notation, used by set[...] and delete[...] (spec §7): literal hex, no creators.

_DIRECT_STEP = re.compile(r"\(\s*([0-9a-fA-F]{4})\s*,\s*([0-9a-fA-F]{4})\s*\)(?:\[(\d+)\])?")


@dataclass(frozen=True, slots=True)
class DirectPath:
    text: str
    steps: tuple[PublicStep, ...]


def parse_direct(text: str) -> DirectPath:
    steps: list[PublicStep] = []
    for part in text.strip().split("/"):
        m = _DIRECT_STEP.fullmatch(part.strip())
        if m is None:
            raise EvaluationError.quoting("Argument '{0}' is not a valid tag path in direct notation", text)
        item = None if m.group(3) is None else int(m.group(3))
        steps.append(PublicStep(int(m.group(1) + m.group(2), 16), item))
    return DirectPath(text, tuple(steps))
