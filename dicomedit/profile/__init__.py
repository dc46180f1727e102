"""PHI assurance: PS3.15 Table E.1-1 as data, lint of scripts against it, scan of output files."""

from __future__ import annotations

from .known import KnownIndex, KnownValue, KnownValues, UnreadableFile, find_in_bytes
from .lint import (
    AttributeReport,
    LabelIdentifier,
    LintError,
    LintFinding,
    LintReport,
    Status,
    lint,
    lint_script,
    parse_label_identifier,
)
from .scan import (
    FindingKind,
    KnownFilesError,
    ScanFinding,
    ScanReport,
    load_known,
    scan_dataset,
    scan_file,
    scan_paths,
)
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
from .walk import UndecodableValue

__all__ = [
    "EDITION",
    "OPTIONS_EDITION",
    "PRIVATE_ATTRIBUTES",
    "AttributeReport",
    "FindingKind",
    "KnownFilesError",
    "KnownIndex",
    "KnownValue",
    "KnownValues",
    "LabelIdentifier",
    "LintError",
    "LintFinding",
    "LintReport",
    "Option",
    "Profile",
    "ProfileEntry",
    "ScanFinding",
    "ScanReport",
    "Status",
    "UndecodableValue",
    "UnreadableFile",
    "action_codes",
    "find_in_bytes",
    "format_tag",
    "lint",
    "lint_script",
    "load_known",
    "load_profile",
    "parse_label_identifier",
    "scan_dataset",
    "scan_file",
    "scan_paths",
    "tag_int",
]
