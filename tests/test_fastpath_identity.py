"""The fast path writes exactly the bytes the general path writes (``dicomedit.fastpath``).

Two sources of files:

* every file pydicom ships for its own tests (explicit and implicit VR, big endian, deflate,
  encapsulated pixel data, sequences of every kind, odd VRs, DICOMDIRs, files without preamble),
  each run through a handful of scripts that touch little, touch everything, blank values,
  keep private tags or change the character set;
* every conformance case (spec §11): its inputs written as files, its own script.

Each file goes through ``process_file`` twice — the general path (pydicom reads and writes) and
the fast path — and the results must be equal: status, messages, warnings, and the output
bytes.  Where the fast reader accepts a file, its dataset is also compared with pydicom's
element by element, so that a difference shows where it starts.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.pixels import utils as pixel_utils

from dicomedit import fastpath, uid
from dicomedit.engine import RunContext, compile
from dicomedit.io import FileResult, InputFile, process_file, write_dicom

PYDICOM_FILES = sorted(
    p for p in (Path(pydicom.__file__).parent / "data" / "test_files").rglob("*") if p.is_file()
)
REFERENCE = Path(__file__).parent.parent / "scripts" / "anon_script.das"
VARIABLES = {"project": "P1", "subject": "S1", "session": "E1"}

SCRIPTS = {
    "reference": REFERENCE.read_text(encoding="utf-8"),
    "touch-little": 'version "6.6"\n(0010,0010) := "Anon"\n-(0010,0030)\n(0008,0050) ?= "A1"\n',
    "wildcards": (
        'version "6.6"\n*/(0008,0018) ?= "1.2.3"\n-+/(0010,0020)\n-*/(0018,XXXX)\n'
        'hashUIDList[*/(0020,000D), */(0008,1155)]\n*/(0010,0040) ?= "O"\n'
    ),
    "blank-and-private": (
        'version "6.6"\nblankValues[(0010,0010), (0010,0020), "O"]\n'
        "retainPrivateTags[(0009,{GEMS_IDEN_01}01)]\n-*/(0019,{GEMS_ACQU_01}XX)\n"
    ),
    "charset": 'version "6.6"\n(0008,0005) := "ISO_IR 192"\n(0010,0010) := "Žluťoučký^Kůň"\n',
}


def run_both(script: Any, item: InputFile, out: Path, variables: dict[str, str] | None, run: Any) -> tuple[
    FileResult, FileResult, bytes | None, bytes | None
]:  # fmt: skip
    """(general result, fast result, general bytes, fast bytes) with equal random numbers."""
    results = []
    for name, fast in (("general", False), ("fast", True)):
        with _deterministic_uids():
            result = process_file(script, item, out / name, variables=variables, run=run(), fast=fast)
        results.append(result)
    outputs = [_read_output(r) for r in results]
    return results[0], results[1], outputs[0], outputs[1]


def assert_same(general: FileResult, fast: FileResult, a: bytes | None, b: bytes | None, what: str) -> None:
    assert (fast.status, fast.modified, fast.message, fast.warnings, fast.echoed) == (
        general.status,
        general.modified,
        general.message,
        general.warnings,
        general.echoed,
    ), what
    if a != b:
        assert a is not None and b is not None, what
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        pytest.fail(f"{what}: outputs differ from byte {at} ({len(a)} vs {len(b)} bytes)")


def _read_output(result: FileResult) -> bytes | None:
    if result.output is None or not result.output.exists():
        return None
    data = result.output.read_bytes()
    result.output.unlink()
    return data


class _deterministic_uids:
    """newUID, and pydicom when it decompresses pixel data, draw random UIDs: make both paths
    draw the same ones (the UID maps use the run's secret, fixed below)."""

    def __enter__(self) -> None:
        counter = itertools.count(1)
        self.saved = uid.new_uid, pixel_utils.generate_uid
        uid.new_uid = lambda: f"2.25.{next(counter)}"  # type: ignore[assignment]
        pixel_utils.generate_uid = lambda *args, **kwargs: f"2.25.{next(counter)}"

    def __exit__(self, *exc: object) -> None:
        uid.new_uid, pixel_utils.generate_uid = self.saved  # type: ignore[assignment]


def _fixed_run(**options: Any) -> Any:
    secret = b"\x01" * 32
    return lambda: RunContext(uid_secret=secret, **options)


# ---------------------------------------------------------------------------------------------
# pydicom's test files


@pytest.mark.parametrize("path", PYDICOM_FILES, ids=lambda p: str(p.relative_to(PYDICOM_FILES[0].parents[0])))
def test_the_fast_reader_builds_pydicoms_dataset(path: Path) -> None:
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = fastpath.parse(data, path)
        if source is None:
            return
        expected = pydicom.dcmread(path)
    fast = source.dataset
    assert fast.preamble == expected.preamble
    assert fast.original_encoding == expected.original_encoding
    assert fast.original_character_set == expected.original_character_set
    _assert_same_elements(fast.file_meta, expected.file_meta, "file meta")
    _assert_same_elements(fast, expected, "dataset")


def _assert_same_elements(fast: Dataset, expected: Dataset, where: str) -> None:
    assert list(fast._dict) == list(expected._dict), where
    for tag, elem in fast._dict.items():
        other = expected._dict[tag]
        assert type(elem) is type(other), f"{where} {tag}"
        if isinstance(elem, RawDataElement):
            assert elem == other, f"{where} {tag}"
        else:
            assert (elem.VR, repr(elem.value)) == (other.VR, repr(other.value)), f"{where} {tag}"


def test_the_fast_reader_takes_most_of_pydicoms_files() -> None:
    taken = sum(fastpath.parse(p.read_bytes(), p) is not None for p in PYDICOM_FILES)
    assert taken >= 0.75 * len(PYDICOM_FILES)


@pytest.mark.parametrize("name", SCRIPTS)
def test_pydicom_files_give_the_same_bytes(name: str, tmp_path: Path) -> None:
    script = compile(SCRIPTS[name], name, strict=False)
    fast_paths = 0
    for path in PYDICOM_FILES:
        item = InputFile(path, Path(path.name))
        general, fast, a, b = run_both(script, item, tmp_path, VARIABLES, _fixed_run())
        assert_same(general, fast, a, b, f"{name} on {path.name}")
        fast_paths += fast.fast_path
    if name != "charset":  # a new character set makes pydicom re-encode every element
        assert fast_paths >= 0.6 * len(PYDICOM_FILES), "the fast path took too few files"


@pytest.mark.parametrize("name", ["reference", "touch-little"])
def test_pixel_data_left_in_the_file_give_the_same_bytes(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pixel data the script does not read stay in the file and are copied from it: make every
    file's pixel data count as large, and read small heads so that headers cross them."""
    monkeypatch.setattr(fastpath, "LARGE", 16)
    monkeypatch.setattr(fastpath, "HEAD", 512)
    script = compile(SCRIPTS[name], name, strict=False)
    assert not script.plan.reads_pixel_data
    deferred = 0
    for path in PYDICOM_FILES:
        item = InputFile(path, Path(path.name))
        general, fast, a, b = run_both(script, item, tmp_path, VARIABLES, _fixed_run())
        assert_same(general, fast, a, b, f"{name} on {path.name}")
        source = fastpath.read(path, defer_pixels=True)
        deferred += source is not None and source.deferred
    assert deferred >= 25  # every file with native pixel data (encapsulated ones are read)


def test_a_script_that_reads_pixel_data_reads_them() -> None:
    for text in ("v := (7FE0,0010)", 'blankValues["x"]', 'hashUIDList["*"]', '*/(7FE0,XXXX) ?= ""'):
        assert compile(f'version "6.6"\n{text}\n', strict=False).plan.reads_pixel_data, text
    for text in ("-*/(7FE0,0010)", 'removeTags["*/(7FE0,0010)"]', '(0010,0010) := "x"'):
        assert not compile(f'version "6.6"\n{text}\n', strict=False).plan.reads_pixel_data, text


# ---------------------------------------------------------------------------------------------
# the conformance corpus


def _conformance_runs() -> Iterator[Any]:
    from conformance.cases import load_all

    for case in load_all():
        if case.skip_reason:
            continue
        for number, keys in enumerate(case.variants()):
            if not {"compile", "pipeline", "serve"} & keys.keys():
                yield pytest.param(case, keys, id=f"{case.id}-{number}")


@pytest.mark.parametrize(("case", "keys"), list(_conformance_runs()))
def test_conformance_inputs_give_the_same_bytes(case: Any, keys: dict[str, Any], tmp_path: Path) -> None:
    from conformance import fixtures, runner

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "fixture" in keys and not (keys.get("add") or keys.get("remove") or keys.get("bake")):
            encoded = list(fixtures.files(keys["fixture"]))
        else:
            encoded = []
            for index, ds in enumerate(runner.inputs(keys)):
                path = tmp_path / f"input{index}.dcm"
                write_dicom(ds, path)
                encoded.append(path.read_bytes())
    name = keys.get("script")
    script = compile(case.script_text(name), str(case.script_path(name)), strict=False)
    run = runner._new_run(keys)
    options = {"allow_network": run.allow_network, "reject_enabled": run.reject_enabled, "xnat": run.xnat}

    def fresh() -> RunContext:
        context = _fixed_run(**options)()
        context.lookup_tables = {k: dict(v) for k, v in run.lookup_tables.items()}
        return context

    for index, data in enumerate(encoded):
        path = tmp_path / f"in{index}.dcm"
        path.write_bytes(data)
        item = InputFile(path, Path(path.name))
        general, fast, a, b = run_both(script, item, tmp_path, keys.get("variables"), fresh)
        assert_same(general, fast, a, b, f"{case.id} input {index}")
