"""Loading the conformance corpus: one folder per case under ``tests/fixtures/conformance/cases``.

A case folder is named ``<ID>-<slug>`` (``U-03d-delete-even``, ``R-041-level-wildcard``) and holds

* ``script.das`` — the script (other ``*.das`` files may be named by ``scripts`` in pipelines);
* ``case.json``  — everything else; see ``tests/fixtures/conformance/README.md`` for the keys.

``like`` copies the keys of another case (used by table rows such as R-068…R-074 that share their
expectations); ``variants`` runs the case several times with some keys replaced.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "conformance"
CASES = CORPUS / "cases"
INPUTS = CORPUS / "inputs"

_ID = re.compile(r"^(?P<id>[UR]-\d+[a-z]*)(?:-|$)")

KNOWN_KEYS = {
    "id", "title", "source", "like", "script", "input", "inputs", "fixture", "add", "remove",
    "variables", "lookup", "run", "release", "xfail", "skip", "roundtrip", "serve", "pipeline",
    "variants", "expect", "compile", "host", "note", "stored", "bake", "needs_decoder",
}  # fmt: skip


class CaseError(ValueError):
    """A case folder that cannot be read."""


@dataclass
class Case:
    id: str
    folder: Path
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @property
    def skip_reason(self) -> str | None:
        return self.data.get("skip")

    def script_text(self, name: str | None = None) -> str:
        path = self.folder / (name or self.data.get("script", "script.das"))
        return path.read_text(encoding="utf-8")

    def script_path(self, name: str | None = None) -> Path:
        return self.folder / (name or self.data.get("script", "script.das"))

    def variants(self) -> list[dict[str, Any]]:
        """The key sets to run: the case itself, or one per variant (base keys + overrides)."""
        base = {k: v for k, v in self.data.items() if k != "variants"}
        variants = self.data.get("variants")
        if not variants:
            return [base]
        return [{**base, **variant} for variant in variants]


def case_id(folder: Path) -> str:
    match = _ID.match(folder.name)
    if not match:
        raise CaseError(f"{folder.name}: a case folder name starts with its id, e.g. R-041-slug")
    return match["id"]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise CaseError(f"{path}: {e}") from e


def load_all() -> list[Case]:
    folders = sorted(p for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []
    raw = {case_id(folder): (folder, _read_json(folder / "case.json")) for folder in folders}
    cases = []
    for cid, (folder, data) in raw.items():
        unknown = set(data) - KNOWN_KEYS
        if unknown:
            raise CaseError(f"{folder.name}: unknown keys {sorted(unknown)}")
        if "like" in data:
            parent = raw.get(data["like"])
            if parent is None:
                raise CaseError(f"{folder.name}: 'like' names unknown case {data['like']!r}")
            inherited = {k: v for k, v in parent[1].items() if k not in {"id", "title", "source", "script"}}
            data = {**inherited, **data}
        cases.append(Case(id=cid, folder=folder, data=data))
    return sorted(cases, key=lambda c: sort_key(c.id))


def sort_key(cid: str) -> tuple[str, int, str]:
    family, rest = cid.split("-", 1)
    digits = re.match(r"\d+", rest)
    assert digits is not None
    return family, int(digits.group()), rest[digits.end() :]


def shared_input(name: str) -> dict[str, Any]:
    return _read_json(INPUTS / f"{name}.json")


VECTORS = CORPUS / "vectors"


def load_vectors(name: str) -> dict[str, Any]:
    """A vector table: ``hashuid.json`` or ``dateshift.json``."""
    return _read_json(VECTORS / name)
