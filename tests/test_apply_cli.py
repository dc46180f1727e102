"""``dicomedit apply`` and ``dicomedit diff`` through click's test runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pydicom
import pytest
from click.testing import CliRunner

from dicomedit.cli import main

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"

SCRIPT = """version "6.6"
(0010,0010) := subject
(0008,1030) := project
(0010,0020) := hashUID[(0010,0020)]
-(0010,0030)
(0008,0060) = "MR" ? reject[]
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    shutil.copy(TEST_FILES / "CT_small.dcm", tmp_path / "in" / "ct.dcm")
    shutil.copy(TEST_FILES / "MR_small.dcm", tmp_path / "in" / "sub" / "mr.dcm")
    (tmp_path / "in" / "sub" / "notes.txt").write_text("hello")
    (tmp_path / "script.das").write_text(SCRIPT)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.output
    )
    return result.exit_code, result.stdout, result.stderr


def test_apply_writes_rejects_and_skips(workdir: Path) -> None:
    code, out, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "out"),
        "--var", "subject=S1", "--var", "project=P1",
    )  # fmt: skip
    assert code == 0, err
    assert "3 files: 1 written, 1 rejected, 1 skipped, 0 failed" in err
    assert "mr.dcm: rejected" in err and "notes.txt: skipped" in err
    written = pydicom.dcmread(workdir / "out" / "ct.dcm")
    assert written.PatientName == "S1" and written.StudyDescription == "P1"
    assert not (workdir / "out" / "sub" / "mr.dcm").exists()
    assert "CompressedSamples" not in out + err  # no patient value is printed


def test_apply_failure_is_reported_and_batch_goes_on(workdir: Path) -> None:
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "out"),
        "--var", "subject=S1",
    )  # fmt: skip
    assert code == 1
    assert "ct.dcm: Unknown variable: project [script line 3]; pass it with --var project=VALUE" in err
    assert "0 written, 0 rejected, 1 skipped, 2 failed" in err
    assert not (workdir / "out" / "ct.dcm").exists()


def test_apply_reports_tag_path(workdir: Path) -> None:
    (workdir / "bad.das").write_text('version "6.6"\n(0010,0010) := lowercase[(0008,0081)]\n')
    code, _, err = invoke(
        "apply", str(workdir / "bad.das"), str(workdir / "in" / "ct.dcm"), "-o", str(workdir / "o")
    )
    assert code == 1
    assert "ct.dcm: Unable to convert value in lowercase. Value is null. ((0008,0081)) [script line 2]" in err


def test_dry_run_writes_nothing(workdir: Path) -> None:
    code, out, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "--dry-run",
        "--var", "subject=S1", "--var", "project=P1",
    )  # fmt: skip
    assert code == 0
    assert "ct.dcm: 3 changed, 1 deleted" in out
    assert "1 would be written" in err
    assert not (workdir / "out").exists()


def test_refuses_to_overwrite_inputs_and_bad_scripts(workdir: Path) -> None:
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "in")
    )
    assert code == 2 and "input directory" in err
    code, _, err = invoke("apply", str(workdir / "script.das"), str(workdir / "in"))
    assert code == 2 and "--output" in err
    (workdir / "broken.das").write_text('version "6.6"\n(0010,0010) := \n')
    code, _, err = invoke("apply", str(workdir / "broken.das"), str(workdir / "in"), "-o", str(workdir / "o"))
    assert code == 2 and "error" in err and "Traceback" not in err
    code, _, err = invoke("apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "o"),
                          "--var", "novalue")  # fmt: skip
    assert code == 2 and "NAME=VALUE" in err


def test_lookup_option(workdir: Path) -> None:
    (workdir / "table.txt").write_text("// names\npn/CompressedSamples^CT1 = Mapped\n")
    (workdir / "lookup.das").write_text('version "6.6"\n(0010,0010) := lookup["pn", (0010,0010)]\n')
    code, _, err = invoke("apply", str(workdir / "lookup.das"), str(workdir / "in" / "ct.dcm"), "-o",
                          str(workdir / "o"), "--lookup", str(workdir / "table.txt"))  # fmt: skip
    assert code == 0, err
    assert pydicom.dcmread(workdir / "o" / "ct.dcm").PatientName == "Mapped"


def test_diff(workdir: Path) -> None:
    code, out, err = invoke("diff", str(workdir / "script.das"), str(workdir / "in" / "ct.dcm"),
                            "--var", "subject=S1", "--var", "project=P1")  # fmt: skip
    assert code == 0
    assert "changed  (0010,0010) PatientName: 'CompressedSamples^CT1' -> 'S1'" in out
    assert "deleted  (0010,0030) PatientBirthDate" in out
    code, out, err = invoke("diff", str(workdir / "script.das"), str(workdir / "in" / "sub" / "mr.dcm"),
                            "--var", "subject=S1", "--var", "project=P1")  # fmt: skip
    assert code == 0 and "rejected" in err
    code, out, err = invoke("diff", str(workdir / "script.das"), str(workdir / "in" / "sub" / "notes.txt"))
    assert code == 2 and "not a DICOM file" in err
