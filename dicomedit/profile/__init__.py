"""PHI assurance: PS3.15 Table E.1-1 as data, lint of scripts against it, scan of output files."""

from __future__ import annotations

from .table import (
    EDITION,
    OPTIONS_EDITION,
    PRIVATE_ATTRIBUTES,
    Option,
    Profile,
    ProfileEntry,
    action_codes,
    format_tag,
    load_profile,
    tag_int,
)

__all__ = [
    "EDITION",
    "OPTIONS_EDITION",
    "PRIVATE_ATTRIBUTES",
    "Option",
    "Profile",
    "ProfileEntry",
    "action_codes",
    "format_tag",
    "load_profile",
    "tag_int",
]
