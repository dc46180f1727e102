"""``dicomedit apply --jobs``: the same report, in the same order, and the same files as a serial
run; mapUID consistent across processes; scripts that cannot be split refused."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pydicom
import pytest
from click.testing import CliRunner

from dicomedit import RunContext, parallel
from dicomedit.cli import main
from dicomedit.io import InputFile
from dicomedit.parallel import Job, ParallelError, run

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"

SCRIPT = """version "6.6"
(0010,0010) := subject
study := (0020,000D)
(0020,000D) := mapUID[study, "1.2.826.0.1.3680043.10"]
-(0010,0030)
(0008,0060) = "MR" ? reject[]
echo (0008,0060)
"""


def _corpus(root: Path, studies: int = 3, per_study: int = 8) -> None:
    """Enough files for several chunks: CT images in a few studies, MR images (rejected), a
    text file (skipped) and a truncated image (failed)."""
    for study in range(studies):
        (root / f"s{study}").mkdir(parents=True)
        for n in range(per_study):
            ds = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
            ds.StudyInstanceUID = f"1.2.3.{study}"
            ds.SOPInstanceUID = f"1.2.3.{study}.{n}"
            ds.save_as(root / f"s{study}" / f"ct{n}.dcm", enforce_file_format=True)
    shutil.copy(TEST_FILES / "MR_small.dcm", root / "s0" / "mr.dcm")
    (root / "s1" / "notes.txt").write_text("not DICOM")
    data = (TEST_FILES / "CT_small.dcm").read_bytes()
    (root / "s2" / "cut.dcm").write_bytes(data[: len(data) // 2])


def _apply(workdir: Path, *options: str) -> tuple[int, str, str]:
    out = workdir / f"out{'-'.join(options)}"
    script, inputs = str(workdir / "script.das"), str(workdir / "in")
    arguments = ["apply", script, inputs, "-o", str(out), "--var", "subject=S1", "--show-values", *options]
    result = CliRunner().invoke(main, arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.replace(str(out), "OUT"), result.stderr.replace(str(out), "OUT")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 4 files: the corpus of 27 files then goes to the workers in several chunks,
    as a large batch does (workers are forked, so they see the same setting)."""
    monkeypatch.setattr(parallel, "CHUNK", 4)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parallel")
    _corpus(root / "in")
    (root / "script.das").write_text(SCRIPT)
    return root


def test_two_processes_report_and_write_what_one_does(workdir: Path) -> None:
    serial = _apply(workdir, "--jobs", "1")
    two_jobs = _apply(workdir, "--jobs", "2")
    assert serial == two_jobs
    code, out, err = two_jobs
    assert code == 1  # the truncated file failed
    assert "27 files: 24 written, 1 rejected, 1 skipped, 1 failed" in err
    assert out.count("CT\n") == 24  # echo lines, one per written file, in input order
    one, two = workdir / "out--jobs-1", workdir / "out--jobs-2"
    written_serial = sorted(p.relative_to(one) for p in one.rglob("*"))
    assert written_serial == sorted(p.relative_to(two) for p in two.rglob("*"))
    for relative in written_serial:
        if relative.suffix == ".dcm":
            a, b = pydicom.dcmread(one / relative), pydicom.dcmread(two / relative)
            assert a.PatientName == b.PatientName == "S1"
            assert a.SOPInstanceUID == b.SOPInstanceUID


def test_map_uid_is_consistent_across_processes(workdir: Path) -> None:
    _apply(workdir, "--jobs", "2")
    out = workdir / "out--jobs-2"
    for study in range(3):
        mapped = {pydicom.dcmread(p).StudyInstanceUID for p in (out / f"s{study}").glob("ct*.dcm")}
        assert len(mapped) == 1, f"study {study} got {mapped}"
    across = {pydicom.dcmread(out / f"s{s}" / "ct0.dcm").StudyInstanceUID for s in range(3)}
    assert len(across) == 3


def test_a_computed_prefix_is_refused_with_jobs(workdir: Path, tmp_path: Path) -> None:
    script = tmp_path / "computed.das"
    script.write_text('version "6.6"\n(0020,000D) := mapUID[(0020,000D), (0008,0080)]\n')
    arguments = ["apply", str(script), str(workdir / "in"), "-o", str(tmp_path / "o"), "-j", "2"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2
    assert "mapUID on line 2" in result.stderr and "--jobs 1" in result.stderr
    assert not (tmp_path / "o").exists()


def test_results_come_in_input_order_and_memory_stays_bounded(workdir: Path, tmp_path: Path) -> None:
    items = [InputFile(p, p.relative_to(workdir / "in")) for p in sorted((workdir / "in").rglob("*"))]
    items = [item for item in items if item.path.is_file()] * 3
    job = Job(SCRIPT, "script.das", str(tmp_path / "o"), RunContext(), {"subject": "S1"})
    consumed = 0

    def lazily() -> object:
        nonlocal consumed
        for item in items:
            consumed += 1
            yield item

    results = run(job, lazily(), jobs=2)  # type: ignore[arg-type]
    first = next(results)
    assert first[0] is items[0]
    assert parallel.CHUNK == 4
    bound = 2 * parallel.WINDOW * parallel.CHUNK + parallel.CHUNK
    assert consumed <= bound < len(items)  # bounded look-ahead, not the whole list
    rest = list(results)
    assert [item for item, _ in [first, *rest]] == items


def test_a_run_context_travels_without_its_callback() -> None:
    context = RunContext(echo=print, xnat="1.8.6")
    context.add_lookup_entries("pid", {"A": "B"})
    copy = pickle.loads(pickle.dumps(context.portable()))
    assert copy.echo is None and copy.xnat == context.xnat
    assert copy.uid_secret == context.uid_secret and copy.lookup_tables == {"pid": {"A": "B"}}


def test_shareability_is_checked_per_function() -> None:
    one_prefix = '(0020,000D) := mapUID[(0020,000D), "1.2.3"]\n'
    for text in (
        one_prefix + '(0020,000E) := mapUID[(0020,000E), "1.2.4"]\n',
        'mapReferencedUIDs[prefix, "*/(0008,1155)"]\n',
    ):
        with pytest.raises(ParallelError):
            Job('version "6.6"\n' + text, None, None, RunContext()).check_shareable()
    Job('version "6.6"\n' + one_prefix, None, None, RunContext()).check_shareable()
