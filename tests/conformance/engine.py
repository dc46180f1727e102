"""The only module that calls dicomedit: adapting to a renamed API is a one-line change here.

Everything else in the conformance package talks to these functions and never imports dicomedit.
"""

from __future__ import annotations

import importlib
import inspect
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydicom.dataset import Dataset

RUN_CONTEXT = "dicomedit.RunContext"  # the run-context class (lookup tables, UID maps, flags)


def unavailable_reason() -> str | None:
    """Why the corpus cannot run yet, or None when the engine's public API is there."""
    try:
        module = importlib.import_module("dicomedit")
    except ImportError as e:  # pragma: no cover - the package is installed in development
        return f"dicomedit cannot be imported: {e}"
    missing = [name for name in ("compile", "ScriptError") if not hasattr(module, name)]
    if _run_context_class() is None:
        missing.append(RUN_CONTEXT)
    if missing:
        return "the engine API is not there yet (missing " + ", ".join(missing) + ")"
    return None


def _run_context_class() -> Any:
    module_name, _, attr = RUN_CONTEXT.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr, None)
    except ImportError:
        return None


def script_error() -> type[BaseException]:
    error: type[BaseException] = importlib.import_module("dicomedit").ScriptError
    return error


def compile_script(text: str, path: Path | None = None) -> Any:
    """Compile as XNAT does: only syntax errors refuse a script; problems XNAT meets while
    running (a wildcard ``:=`` target, an unknown function) must come out as ERROR outcomes."""
    compile_ = importlib.import_module("dicomedit").compile
    options = {"strict": False} if "strict" in inspect.signature(compile_).parameters else {}
    return compile_(text, path=str(path) if path else None, **options)


def new_run(
    *,
    lookup_lines: Iterable[str] | None = None,
    allow_network: bool = False,
    reject_enabled: bool = True,
    xnat: str | None = None,
) -> Any:
    run = _run_context_class()(allow_network=allow_network, reject_enabled=reject_enabled, xnat=xnat)
    if lookup_lines is not None:
        # Through a real file, so that the table format of spec §7 is exercised as well.
        with tempfile.TemporaryDirectory() as tmp:
            table = Path(tmp) / "lookup.txt"
            table.write_text("\n".join(lookup_lines) + "\n", encoding="utf-8")
            run.load_lookup_table(table)
    return run


def supports_host_option(name: str) -> bool:
    """Host features outside the language (e.g. the de-identification record of §8.3)."""
    return hasattr(_run_context_class(), name)


def apply(script: Any, dataset: Dataset, variables: Mapping[str, str] | None, run: Any) -> Any:
    """In place: the runner keeps its own pristine copy of every input."""
    return script.apply(dataset, variables=dict(variables or {}), in_place=True, run=run)


def status_name(outcome: Any) -> str:
    return str(outcome.status.name)


WRITER = "dicomedit.io.write_dicom"  # (dataset, path): how the engine writes an output file


def write(dataset: Dataset) -> bytes:
    """Encode an output the way the engine writes files (group 0002 re-synced, §8.3)."""
    module_name, _, attr = WRITER.rpartition(".")
    writer = getattr(importlib.import_module(module_name), attr)
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.dcm"
        writer(dataset, target)
        return target.read_bytes()
