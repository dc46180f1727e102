"""``dicomedit apply --dask`` and ``dicomedit.apply_on_dask`` on a small local Dask cluster: the
same files and report as a serial run, mapUID consistent, clear messages when Dask is missing
or the scheduler cannot be reached."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest
from click.testing import CliRunner

from dicomedit import apply_on_dask, distributed
from dicomedit.cli import main
from dicomedit.io import FileStatus

distributed_dask = pytest.importorskip("dask.distributed")

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
SCRIPT = """version "6.6"
(0010,0010) := subject
study := (0020,000D)
(0020,000D) := mapUID[study, "1.2.826.0.1.3680043.10"]
(0008,0060) = "MR" ? reject[]
"""


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    # Workers in this process (threads): starts in a moment and needs no network.
    with distributed_dask.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask")
    (root / "in").mkdir()
    for n in range(40):  # several chunks
        ds = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
        ds.StudyInstanceUID = f"1.2.3.{n % 2}"
        ds.SOPInstanceUID = f"1.2.3.{n % 2}.{n}"
        ds.save_as(root / "in" / f"ct{n:02}.dcm", enforce_file_format=True)
    shutil.copy(TEST_FILES / "MR_small.dcm", root / "in" / "mr.dcm")
    (root / "in" / "readme.txt").write_text("not DICOM")
    (root / "script.das").write_text(SCRIPT)
    return root


def _apply(workdir: Path, out: str, *options: str) -> tuple[int, str]:
    arguments = ["apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / out)]
    result = CliRunner().invoke(main, [*arguments, "--var", "subject=S1", *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stderr.replace(str(workdir / out), "OUT")


def test_the_cli_on_dask_writes_and_reports_what_a_serial_run_does(workdir: Path, scheduler: str) -> None:
    serial = _apply(workdir, "serial", "--jobs", "1")
    on_dask = _apply(workdir, "dask", "--dask", scheduler)
    assert serial == on_dask
    assert "42 files: 40 written, 1 rejected, 1 skipped, 0 failed" in on_dask[1]
    names = sorted(p.name for p in (workdir / "dask").iterdir())
    assert names == sorted(p.name for p in (workdir / "serial").iterdir())
    studies = {pydicom.dcmread(workdir / "dask" / name).StudyInstanceUID for name in names}
    assert len(studies) == 2  # one new UID per original study, whichever worker met it


def test_the_python_api_yields_results_in_input_order(workdir: Path, scheduler: str, tmp_path: Path) -> None:
    results = list(
        apply_on_dask(
            workdir / "script.das",
            [workdir / "in"],
            tmp_path,
            scheduler=scheduler,
            variables={"subject": "S2"},
        )
    )
    assert [r.source.name for r in results] == sorted(p.name for p in (workdir / "in").iterdir())
    assert sum(r.status is FileStatus.WRITTEN for r in results) == 40
    assert pydicom.dcmread(tmp_path / "ct07.dcm").PatientName == "S2"


def test_an_unreachable_scheduler_is_a_clear_error(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 0.5)
    code, err = _apply(workdir, "nowhere", "--dask", "tcp://127.0.0.1:9")
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err


def test_without_dask_a_message_says_what_to_install(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    code, err = _apply(workdir, "none", "--dask", "tcp://127.0.0.1:8786")
    assert code == 2
    assert "pip install 'dicomedit[dask]'" in err
    assert "Traceback" not in err
