"""The pydicom baseline: read, delete the tags a script deletes, hash the UIDs it hashes, write.

    python benchmarks/baseline_pydicom.py SCRIPT INPUT_DIR OUTPUT_DIR

What to delete and hash is read from SCRIPT (the reference script): the last tags of its ``-``
and ``removeTags`` paths, deleted at every depth (digit wildcards included), every private
element if it says ``removeAllPrivateTags``, and the UIDs named in ``hashUIDList``, hashed as
DicomEdit hashes them.  The rest is the loop one would write with pydicom alone: every element
is visited (and so converted) once, at every depth.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from dicomedit import ast, compile


def plan(script_path: Path) -> tuple[bool, set[int], list[tuple[int, int]], set[int]]:
    """(remove private elements, tags to delete, wildcard tags to delete, UID tags to hash)."""
    compiled = compile(script_path.read_text(encoding="utf-8"), str(script_path))
    private = False
    delete: set[int] = set()
    patterns: list[tuple[int, int]] = []
    uids: set[int] = set()
    for st in ast.iter_statements(compiled.script.statements):
        if isinstance(st, ast.RemoveAllPrivateTags):
            private = True
        targets: list[ast.TagPath] = []
        if isinstance(st, ast.Delete):
            targets = [st.target]
        elif isinstance(st, ast.CallStatement) and st.call.name in ("removeTags", "hashUIDList"):
            targets = [e for e in ast.iter_exprs(st.call) if isinstance(e, ast.TagPath)]
        for target in targets:
            tag = compiled.paths[target].last_tag  # (mask, value); None for a private tag
            if tag is None:
                continue
            if isinstance(st, ast.CallStatement) and st.call.name == "hashUIDList":
                uids.add(tag.value)
            elif tag.literal:
                delete.add(tag.value)
            else:
                patterns.append((tag.mask, tag.value))
    return private, delete, patterns, uids


def hash_uid(value: str) -> str:
    digest = bytearray(hashlib.sha1(value.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return f"2.25.{int.from_bytes(digest, 'big')}"


Plan = tuple[bool, set[int], list[tuple[int, int]], set[int]]


def clean(ds: Dataset, what: Plan) -> None:
    private, delete, patterns, uids = what
    for elem in list(ds):
        tag = elem.tag
        if (private and tag.is_private) or tag in delete or any(tag & m == v for m, v in patterns):
            del ds[tag]
        elif tag in uids and elem.VR == "UI" and elem.value:
            values = elem.value if elem.VM > 1 else [elem.value]
            elem.value = [hash_uid(str(v)) for v in values] if elem.VM > 1 else hash_uid(str(values[0]))
        elif elem.VR == "SQ":
            for item in elem.value:
                clean(item, what)


def main() -> None:
    script_path, source, target = (Path(a) for a in sys.argv[1:4])
    what = plan(script_path)
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        ds = pydicom.dcmread(path)
        clean(ds, what)
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.save_as(target / path.name)


if __name__ == "__main__":
    main()
