"""PS3.15 Table E.1-1, the Basic Application Level Confidentiality Profile, as typed data.

The table ships as ``data/table_e1_1.csv`` (provenance and editions in ``data/README.md``).
``load_profile()`` reads it once; lookups understand the repeating-group rows ``(50xx,xxxx)``,
``(60xx,3000)`` and ``(60xx,4000)``.
"""

from __future__ import annotations

import csv
import enum
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources

#: Edition of the Basic Profile column and of the attribute list.
EDITION = "2026c"
#: Edition the option columns were transcribed from (see data/README.md).
OPTIONS_EDITION = "2025a"

#: Action codes of PS3.15 E.1.1; combined codes join them with "/".
ACTION_CODES = frozenset({"D", "Z", "X", "K", "C", "U"})


class Option(enum.Enum):
    """The option columns of Table E.1-1 (PS3.15 E.3), in the table's order."""

    RETAIN_SAFE_PRIVATE = "retain-safe-private"
    RETAIN_UIDS = "retain-uids"
    RETAIN_DEVICE_IDENTITY = "retain-device-identity"
    RETAIN_INSTITUTION_IDENTITY = "retain-institution-identity"
    RETAIN_PATIENT_CHARACTERISTICS = "retain-patient-characteristics"
    RETAIN_LONG_FULL_DATES = "retain-long-full-dates"
    RETAIN_LONG_MODIFIED_DATES = "retain-long-modified-dates"
    CLEAN_DESCRIPTORS = "clean-descriptors"
    CLEAN_STRUCTURED_CONTENT = "clean-structured-content"
    CLEAN_GRAPHICS = "clean-graphics"

    @property
    def column(self) -> str:
        """The column of ``table_e1_1.csv`` holding this option's actions."""
        return self.value.replace("-", "_")

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def code_value(self) -> str:
        """The DCM code of the option (CID 7050), as recorded in (0012,0064)."""
        return _CODES[self]

    @classmethod
    def parse(cls, text: str) -> Option:
        """``retain-uids``, ``retain_uids`` or ``Retain UIDs``; raise ValueError naming the choices."""
        wanted = re.sub(r"[\s_]+", "-", text.strip().lower())
        for option in cls:
            if wanted in (option.value, option.title.lower().replace(" ", "-")):
                return option
        choices = ", ".join(o.value for o in cls)
        raise ValueError(f"unknown profile option {text!r}; choose from: {choices}")


_TITLES = {
    Option.RETAIN_SAFE_PRIVATE: "Retain Safe Private Option",
    Option.RETAIN_UIDS: "Retain UIDs Option",
    Option.RETAIN_DEVICE_IDENTITY: "Retain Device Identity Option",
    Option.RETAIN_INSTITUTION_IDENTITY: "Retain Institution Identity Option",
    Option.RETAIN_PATIENT_CHARACTERISTICS: "Retain Patient Characteristics Option",
    Option.RETAIN_LONG_FULL_DATES: "Retain Longitudinal Temporal Information with Full Dates Option",
    Option.RETAIN_LONG_MODIFIED_DATES: "Retain Longitudinal Temporal Information with Modified Dates Option",
    Option.CLEAN_DESCRIPTORS: "Clean Descriptors Option",
    Option.CLEAN_STRUCTURED_CONTENT: "Clean Structured Content Option",
    Option.CLEAN_GRAPHICS: "Clean Graphics Option",
}

_CODES = {
    Option.CLEAN_GRAPHICS: "113103",
    Option.CLEAN_STRUCTURED_CONTENT: "113104",
    Option.CLEAN_DESCRIPTORS: "113105",
    Option.RETAIN_LONG_FULL_DATES: "113106",
    Option.RETAIN_LONG_MODIFIED_DATES: "113107",
    Option.RETAIN_PATIENT_CHARACTERISTICS: "113108",
    Option.RETAIN_DEVICE_IDENTITY: "113109",
    Option.RETAIN_UIDS: "113110",
    Option.RETAIN_SAFE_PRIVATE: "113111",
    Option.RETAIN_INSTITUTION_IDENTITY: "113112",
}

#: DCM code of the Basic Application Confidentiality Profile itself (CID 7050).
BASIC_PROFILE_CODE = "113100"

TagKey = int | tuple[int, int] | str

_PATTERN = re.compile(r"\(([0-9A-Fa-fxX]{4}),([0-9A-Fa-fxX]{4})\)")


def action_codes(action: str) -> frozenset[str]:
    """The alternatives of a (combined) action code: ``"X/Z/U*"`` → ``{"X", "Z", "U"}``."""
    return frozenset(part.rstrip("*") for part in action.split("/"))


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    """One row of Table E.1-1."""

    pattern: str  # "(0010,0010)" or a repeating-group pattern such as "(60xx,3000)"
    name: str
    basic: str  # Basic Profile action as written in the table, e.g. "X/Z/U*"
    option_actions: tuple[tuple[Option, str], ...] = ()
    options_edition: str | None = OPTIONS_EDITION  # None: option columns not available for this row
    mask: int = field(default=0xFFFFFFFF, compare=False, repr=False)
    value: int = field(default=0, compare=False, repr=False)

    @property
    def is_repeating(self) -> bool:
        return self.mask != 0xFFFFFFFF

    @property
    def tag(self) -> int | None:
        """The tag as an int, or None for a repeating-group row."""
        return None if self.is_repeating else self.value

    @property
    def group(self) -> int:
        return self.value >> 16

    def matches(self, tag: int) -> bool:
        return tag & self.mask == self.value

    def option_action(self, option: Option) -> str | None:
        for opt, code in self.option_actions:
            if opt is option:
                return code
        return None

    def action(self, options: Iterable[Option] = ()) -> str:
        """The action the profile requires with ``options`` in force.

        When several chosen options name this attribute, the one that retains most wins (K before
        C before any other code): choosing an option is a decision to keep that information.
        """
        codes = [c for c in (self.option_action(o) for o in options) if c is not None]
        for preferred in ("K", "C"):
            if preferred in codes:
                return preferred
        return codes[0] if codes else self.basic

    def codes(self, options: Iterable[Option] = ()) -> frozenset[str]:
        return action_codes(self.action(options))


#: The table's prose row "Private Attributes (gggg,eeee) where gggg is odd".
PRIVATE_ATTRIBUTES = ProfileEntry(
    "(gggg,eeee) where gggg is odd",
    "Private Attributes",
    "X",
    ((Option.RETAIN_SAFE_PRIVATE, "C"),),
    mask=0x00010000,
    value=0x00010000,
)


def tag_int(key: TagKey) -> int:
    """An int tag from ``0x00100010``, ``(0x0010, 0x0010)``, ``"(0010,0010)"`` or ``"00100010"``."""
    if isinstance(key, int):
        if not 0 <= key <= 0xFFFFFFFF:
            raise ValueError(f"tag {key:#x} is out of range")
        return key
    if isinstance(key, tuple):
        group, element = key
        return (group << 16) | element
    text = key.strip()
    m = re.fullmatch(r"\(?\s*([0-9A-Fa-f]{4})\s*,?\s*([0-9A-Fa-f]{4})\s*\)?", text)
    if m is None:
        raise ValueError(f"{key!r} is not a tag; write it as (gggg,eeee)")
    return (int(m.group(1), 16) << 16) | int(m.group(2), 16)


def format_tag(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


@dataclass(frozen=True, slots=True)
class Profile:
    """Table E.1-1: iterate it, look attributes up by tag, filter by option."""

    entries: tuple[ProfileEntry, ...]
    edition: str = EDITION
    _exact: dict[int, ProfileEntry] = field(default_factory=dict, compare=False, repr=False)
    _repeating: tuple[ProfileEntry, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            if entry.tag is not None:
                self._exact[entry.tag] = entry
        object.__setattr__(self, "_repeating", tuple(e for e in self.entries if e.is_repeating))

    def __iter__(self) -> Iterator[ProfileEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, int | tuple | str):
            return False
        return self.lookup(key) is not None

    def lookup(self, key: TagKey) -> ProfileEntry | None:
        """The row for a tag (int, (group, element) or "(gggg,eeee)"); repeating groups match.

        Private tags (odd groups) are not rows of the table: see ``PRIVATE_ATTRIBUTES``.
        """
        tag = tag_int(key)
        found = self._exact.get(tag)
        if found is not None:
            return found
        for entry in self._repeating:
            if entry.matches(tag):
                return entry
        return None

    def affected_by(self, option: Option) -> tuple[ProfileEntry, ...]:
        """The rows whose action ``option`` changes."""
        return tuple(e for e in self.entries if e.option_action(option) is not None)

    def with_action(self, code: str, options: Iterable[Option] = ()) -> tuple[ProfileEntry, ...]:
        """The rows whose required action (with ``options``) includes ``code``."""
        chosen = tuple(options)
        return tuple(e for e in self.entries if code in e.codes(chosen))


def parse_pattern(pattern: str) -> tuple[int, int]:
    """``(60xx,3000)`` → (mask, value) with the x digits masked out."""
    m = _PATTERN.fullmatch(pattern.strip())
    if m is None:
        raise ValueError(f"{pattern!r} is not a tag pattern (gggg,eeee)")
    digits = m.group(1) + m.group(2)
    mask = value = 0
    for ch in digits:
        mask <<= 4
        value <<= 4
        if ch not in "xX":
            mask |= 0xF
            value |= int(ch, 16)
    return mask, value


class ProfileDataError(ValueError):
    """The bundled table is malformed (a packaging error, never user input)."""


def parse_table(text: str) -> Profile:
    """Parse the CSV text of ``table_e1_1.csv``; raise ProfileDataError naming the bad row."""
    reader = csv.DictReader(io.StringIO(text))
    entries: list[ProfileEntry] = []
    for line, row in enumerate(reader, start=2):
        try:
            entries.append(_entry(row))
        except (KeyError, ValueError) as e:
            raise ProfileDataError(f"table_e1_1.csv line {line}: {e}") from e
    return Profile(tuple(entries))


def _entry(row: dict[str, str]) -> ProfileEntry:
    basic = row["basic"].strip()
    _check_code(basic)
    actions: list[tuple[Option, str]] = []
    for option in Option:
        code = row[option.column].strip()
        if code:
            _check_code(code)
            actions.append((option, code))
    edition = row["options_edition"].strip()
    mask, value = parse_pattern(row["tag"])
    return ProfileEntry(
        pattern=row["tag"].strip(),
        name=row["name"].strip(),
        basic=basic,
        option_actions=tuple(actions),
        options_edition=None if edition == "unavailable" else edition,
        mask=mask,
        value=value,
    )


def _check_code(code: str) -> None:
    if not code or not action_codes(code) <= ACTION_CODES:
        raise ValueError(f"invalid action code {code!r}")


@functools.cache
def load_profile() -> Profile:
    """Table E.1-1 as bundled with dicomedit (read once, then cached)."""
    text = resources.files("dicomedit.profile").joinpath("data", "table_e1_1.csv").read_text(encoding="utf-8")
    return parse_table(text)
