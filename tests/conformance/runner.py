"""Running one conformance case: build the inputs, compile, apply, check.

Three kinds of cases:

* ordinary: every input object goes through the script with one shared run context (so
  ``mapUID``/``mapReferencedUIDs`` stay consistent across the objects of a batch), then the
  ``expect`` list is checked;
* ``compile``: ``"ok"`` or ``"error"`` — the script must (not) be refused by ``dicomedit.compile``;
* ``pipeline``: XNAT's site/project sequence for rejection (§8.1): ``route`` ``prearchive``
  (C-STORE or zip to the prearchive: the site script at receipt, the project script when the
  session is archived) or ``archive`` (direct archive: both at import); ``stored`` lists the
  surviving objects per stage as ``SeriesNumber/InstanceNumber``.
"""

from __future__ import annotations

import http.server
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydicom.dataset import Dataset, FileMetaDataset

from . import engine, fixtures
from .cases import Case, shared_input
from .expect import Result, check
from .paths import resolve
from .render import as_text
from .spec import apply_edits, build_dataset

EXPLICIT_LE = "1.2.840.10008.1.2.1"


class CaseFailure(AssertionError):
    pass


def run_case(case: Case) -> None:
    if case.skip_reason:
        pytest.skip(case.skip_reason)
    reason = engine.unavailable_reason()
    if reason:
        pytest.skip(reason)
    failures: list[str] = []
    for number, keys in enumerate(case.variants()):
        label = f"variant {number}: " if case.get("variants") else ""
        failures.extend(label + f for f in _run_keys(case, keys))
    if failures:
        raise CaseFailure(f"{case.id} ({case.get('title', '')}):\n  " + "\n  ".join(failures))


def _run_keys(case: Case, keys: dict[str, Any]) -> list[str]:
    for option in keys.get("host", {}):
        if not engine.supports_host_option(option):
            pytest.skip(f"the engine offers no host option {option!r} (a host feature, §8.3)")
    if "compile" in keys:
        return _compile_only(case, keys)
    if "pipeline" in keys:
        return _pipeline(case, keys)
    with _served(keys.get("serve")) as url:
        text = case.script_text(keys.get("script"))
        if url is not None:
            text = text.replace("%URL%", url)
        script = engine.compile_script(text, case.script_path(keys.get("script")))
        results = _apply_all(script, inputs(keys), inputs(keys), keys)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return check(keys.get("expect", []), results)


def inputs(keys: dict[str, Any]) -> list[Dataset]:
    """Fresh input objects; every call builds new ones (cheaper than deep copies)."""
    with warnings.catch_warnings():
        # inputs deliberately hold odd values (a DA "fubar", a charset "if" written by a script)
        warnings.simplefilter("ignore", UserWarning)
        return _inputs(keys)


def _inputs(keys: dict[str, Any]) -> list[Dataset]:
    if "fixture" in keys:
        datasets = fixtures.load(keys["fixture"])
    elif "inputs" in keys:
        datasets = [_element_input(spec) for spec in keys["inputs"]]
    else:
        datasets = [_element_input(keys.get("input", {}))]
    for ds in datasets:
        apply_edits(ds, keys.get("add"), keys.get("remove", ()))
    if keys.get("bake"):
        # The edits become part of the file, in its transfer syntax, and are read back: a
        # private LT written in an implicit-VR file with an unknown creator then reads as UN.
        datasets = [fixtures.read(fixtures.write(ds)) for ds in datasets]
    if keys.get("needs_decoder"):
        _require_decoder(datasets[0])
    return datasets


def _require_decoder(ds: Dataset) -> None:
    try:
        ds.pixel_array  # noqa: B018 - decoding is the point
    except Exception as e:
        pytest.skip(f"no pixel decoder for {ds.file_meta.TransferSyntaxUID.name} here ({type(e).__name__})")


def _element_input(spec: Any) -> Dataset:
    if isinstance(spec, str) and spec.startswith("@"):
        spec = shared_input(spec[1:])
    ds = build_dataset(spec)
    if not hasattr(ds, "file_meta"):
        ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = EXPLICIT_LE
    return ds


def _new_run(keys: dict[str, Any]) -> Any:
    run = keys.get("run", {})
    return engine.new_run(
        lookup_lines=keys.get("lookup"),
        allow_network=run.get("allow_network", "serve" in keys),
        reject_enabled=run.get("reject_enabled", True),
        xnat=run.get("xnat"),
    )


def _apply_all(
    script: Any, datasets: list[Dataset], pristine: list[Dataset], keys: dict[str, Any]
) -> list[Result]:
    """Apply to ``datasets`` (edited in place); ``pristine`` are equal copies kept for comparison."""
    run = _new_run(keys)
    roundtrip = keys.get("roundtrip", "fixture" in keys)
    results = []
    for index, (ds, original) in enumerate(zip(datasets, pristine, strict=True)):
        outcome = engine.apply(script, ds, keys.get("variables"), run)
        output = outcome.dataset
        if output is not None and roundtrip:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                output = fixtures.read(engine.write(output))
        results.append(
            Result(
                index=index,
                input=original,
                status=engine.status_name(outcome),
                message=outcome.message,
                warnings=tuple(outcome.warnings),
                echoed=tuple(outcome.echoed),
                output=output,
            )
        )
    return results


def _compile_only(case: Case, keys: dict[str, Any]) -> list[str]:
    text = case.script_text(keys.get("script"))
    try:
        engine.compile_script(text, case.script_path(keys.get("script")))
    except engine.script_error() as e:
        return [] if keys["compile"] == "error" else [f"refused by compile: {e}"]
    return [] if keys["compile"] == "ok" else ["compile accepted a script XNAT cannot parse"]


def _pipeline(case: Case, keys: dict[str, Any]) -> list[str]:
    spec = keys["pipeline"]
    site = _compiled(case, spec.get("site"))
    project = _compiled(case, spec.get("project"))
    run = _new_run(keys)
    received = inputs(keys)
    stored: dict[str, list[Dataset]] = {}
    if spec["route"] == "prearchive":
        stored["prearchive"] = _survivors(site, received, run)
        stored["archive"] = _survivors(project, stored["prearchive"], run)
    else:
        stored["archive"] = _survivors(project, _survivors(site, received, run), run)
    failures = []
    for stage, expected in keys["stored"].items():
        got = sorted(_label(ds) for ds in stored[stage])
        if got != sorted(expected):
            failures.append(f"{spec['route']} route, {stage}: stored {got}, expected {sorted(expected)}")
    if keys.get("expect"):
        archived = [
            Result(index=i, input=ds, status="MODIFIED", output=ds) for i, ds in enumerate(stored["archive"])
        ]
        failures.extend(check(keys["expect"], archived))
    return failures


def _compiled(case: Case, name: str | None) -> Any:
    return None if name is None else engine.compile_script(case.script_text(name), case.script_path(name))


def _survivors(script: Any, datasets: list[Dataset], run: Any) -> list[Dataset]:
    if script is None:
        return datasets
    kept = []
    for ds in datasets:
        outcome = engine.apply(script, ds, None, run)
        status = engine.status_name(outcome)
        if status == "ERROR":
            raise CaseFailure(f"{_label(ds)}: {outcome.message}")
        if status != "REJECTED":
            kept.append(outcome.dataset)
    return kept


def _label(ds: Dataset) -> str:
    return f"{ds.SeriesNumber}/{ds.InstanceNumber}"


@contextmanager
def _served(spec: dict[str, Any] | None) -> Iterator[str | None]:
    """A local HTTP server answering every GET with ``spec["body"]`` (for getURL, R-045)."""
    if spec is None:
        yield None
        return
    body = spec["body"].encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/siteConfig/siteId"
    finally:
        server.shutdown()
        server.server_close()


def evaluate(script_text: str, target: str) -> tuple[str, str | None, str | None]:
    """Run a one-object script on an empty object: (status, message, value at ``target``).

    Used by the vector tables, which exercise the engine through scripts only.
    """
    reason = engine.unavailable_reason()
    if reason:
        pytest.skip(reason)
    script = engine.compile_script(script_text)
    outcome = engine.apply(script, _element_input({}), None, engine.new_run())
    value = None
    if outcome.dataset is not None:
        found = resolve(outcome.dataset, target)
        value = as_text(found[0].element) if found and found[0].element is not None else None
    return engine.status_name(outcome), outcome.message, value
