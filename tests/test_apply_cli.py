"""``dicomedit apply`` and ``dicomedit diff`` through click's test runner."""

from __future__ import annotations

import shutil
import warnings
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


def test_apply_refuses_a_run_without_the_variables_the_script_reads(workdir: Path) -> None:
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "out"),
        "--var", "subject=S1",
    )  # fmt: skip
    assert code == 2
    assert err.count("'project'") == 1 and "--var project=VALUE" in err
    assert not (workdir / "out").exists()  # refused before anything was created


def test_apply_failure_is_reported_and_batch_goes_on(workdir: Path) -> None:
    # Rows (US) cannot hold a name: both DICOM files fail, the text file is skipped
    (workdir / "fails.das").write_text('version "6.6"\n(0028,0010) := (0010,0010)\n')
    code, _, err = invoke(
        "apply", str(workdir / "fails.das"), str(workdir / "in"), "-o", str(workdir / "out")
    )
    assert code == 1
    assert "ct.dcm: Cannot store '<value hidden>' in a US element: not a Java int" in err
    assert "--show-values shows the values" in err and "[script line 2]" in err
    assert "CompressedSamples" not in err  # the patient's name is not printed
    assert "0 written, 0 rejected, 1 skipped, 2 failed" in err
    assert not (workdir / "out" / "ct.dcm").exists()


def test_apply_show_values_quotes_the_data(workdir: Path) -> None:
    (workdir / "fails.das").write_text('version "6.6"\n(0028,0010) := (0010,0010)\n')
    code, _, err = invoke(
        "apply", str(workdir / "fails.das"), str(workdir / "in" / "ct.dcm"), "-o", str(workdir / "out"),
        "--show-values",
    )  # fmt: skip
    assert code == 1
    assert "ct.dcm: Cannot store 'CompressedSamples^CT1' in a US element" in err


def test_apply_refuses_inputs_that_would_overwrite_each_other(workdir: Path) -> None:
    (workdir / "other").mkdir()
    shutil.copy(workdir / "in" / "ct.dcm", workdir / "other" / "ct.dcm")
    for inputs in (
        [workdir / "in" / "ct.dcm", workdir / "other" / "ct.dcm"],  # two files of one name
        [workdir / "in", workdir / "other"],  # two directories holding the same relative path
        [workdir / "other" / "ct.dcm", workdir / "in"],  # a file and a directory
    ):
        code, _, err = invoke(
            "apply", str(workdir / "script.das"), *map(str, inputs), "-o", str(workdir / "out"),
            "--var", "subject=S1", "--var", "project=P1",
        )  # fmt: skip
        assert code == 2, err
        assert "would both be written to ct.dcm" in err
        assert not (workdir / "out").exists()


def test_apply_refuses_an_output_that_cannot_be_created(workdir: Path) -> None:
    (workdir / "taken").write_text("not a directory")
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "taken" / "out"),
        "--var", "subject=S1", "--var", "project=P1",
    )  # fmt: skip
    assert code == 2
    assert err.count("cannot create the output directory") == 1  # once, not once per file
    assert "taken is not a directory" in err
    assert "Traceback" not in err


def test_apply_names_the_files_a_warning_is_about(workdir: Path) -> None:
    (workdir / "map.das").write_text('version "6.6"\n(0020,0010) := mapUID[(0010,0020), "1.2.3"]\n')
    code, _, err = invoke("apply", str(workdir / "map.das"), str(workdir / "in"), "-o", str(workdir / "out"))
    assert code == 0, err
    assert err.count("warning: mapUID[(0010,0020), …] maps the tag path text") == 1
    assert f"(2 files, first {workdir / 'in' / 'ct.dcm'})" in err


def test_apply_reports_an_undecodable_file_without_a_traceback(workdir: Path) -> None:
    broken = Path(__file__).parent / "fixtures" / "scan" / "undecodable" / "bad_deflate.dcm"
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(broken), "-o", str(workdir / "out"),
        "--var", "subject=S1", "--var", "project=P1",
    )  # fmt: skip
    assert code == 1
    assert "bad_deflate.dcm: cannot parse the DICOM data (zlib.error)" in err
    assert "Traceback" not in err and not (workdir / "out").exists()


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


@pytest.mark.parametrize("command", ["apply", "diff"])
def test_dry_runs_and_diffs_keep_pydicoms_warnings_quiet(workdir: Path, command: str) -> None:
    # pydicom warns about values it decodes, quoting them: a dry run compares every value
    ds = pydicom.dcmread(workdir / "in" / "ct.dcm")
    ds.SpecificCharacterSet = "ISO_IR 999"
    ds.save_as(workdir / "odd.dcm")
    extra = ["--dry-run", "--jobs", "1"] if command == "apply" else []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = invoke(
            command, str(workdir / "script.das"), str(workdir / "odd.dcm"), *extra,
            "--var", "subject=S1", "--var", "project=P1",
        )  # fmt: skip
    assert code == 0, err
    assert "changed" in out
    assert [str(w.message) for w in caught] == []


def test_refuses_to_overwrite_inputs_and_bad_scripts(workdir: Path) -> None:
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "in")
    )
    assert code == 2 and "input directory" in err
    code, _, err = invoke("apply", str(workdir / "script.das"), str(workdir / "in"))
    assert code == 2 and "--output" in err
    (workdir / "broken.das").write_text('version "6.6"\n(0010,0010) := \n')
    code, _, err = invoke("apply", str(workdir / "broken.das"), str(workdir / "in"), "-o", str(workdir / "o"))
    assert code == 1 and "error" in err and "Traceback" not in err  # a script with errors: exit 1
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
    code, out, err = invoke("diff", str(workdir / "script.das"), str(workdir / "in" / "sub" / "notes.txt"),
                            "--var", "subject=S1", "--var", "project=P1")  # fmt: skip
    assert code == 2 and "not a DICOM file" in err


def test_echo_output_is_shown_only_with_show_values(workdir: Path) -> None:
    (workdir / "echo.das").write_text('version "6.6"\necho (0010,0010)\n')
    ct = str(workdir / "in" / "ct.dcm")
    code, out, err = invoke("apply", str(workdir / "echo.das"), ct, "-o", str(workdir / "o"))
    assert code == 0 and "CompressedSamples" not in out + err
    assert "echo printed 1 line, not shown" in err
    code, out, _ = invoke("apply", str(workdir / "echo.das"), ct, "-o", str(workdir / "o2"), "--show-values")
    assert "CompressedSamples^CT1" in out


def test_a_rejected_file_does_not_keep_the_output_of_an_earlier_run(workdir: Path) -> None:
    out = workdir / "out"
    keep = 'version "6.6"\n(0010,0010) := "A"\n'
    (workdir / "keep.das").write_text(keep)
    (workdir / "reject.das").write_text('version "6.6"\n(0008,0060) = "CT" ? reject[]\n')
    assert invoke("apply", str(workdir / "keep.das"), str(workdir / "in"), "-o", str(out))[0] == 0
    assert (out / "ct.dcm").exists()
    code, _, err = invoke("apply", str(workdir / "reject.das"), str(workdir / "in"), "-o", str(out))
    assert code == 0 and not (out / "ct.dcm").exists()
    assert "left by an earlier run: this run did not write it" in err


def test_missing_and_repeated_inputs(workdir: Path) -> None:
    ct = str(workdir / "in" / "ct.dcm")
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "nope"), ct, "-o", str(workdir / "o")
    )
    assert code == 2 and "nope: no such file or directory" in err and not (workdir / "o").exists()
    v = ["--var", "subject=S1", "--var", "project=P1"]
    code, _, err = invoke("apply", str(workdir / "script.das"), ct, ct, "-o", str(workdir / "o1"), *v)
    assert code == 0 and "1 file: 1 written" in err  # the same file given twice is one input
    inp = str(workdir / "in")
    code, _, err = invoke("apply", str(workdir / "script.das"), inp, inp + "/", "-o", str(workdir / "o2"), *v)
    assert code == 0 and "3 files: 1 written, 1 rejected, 1 skipped" in err
    code, _, err = invoke("apply", str(workdir / "script.das"), ct, inp, "-o", str(workdir / "o3"), *v)
    assert code == 2 and "would both be written to ct.dcm" in err


def test_a_bad_lookup_line_is_not_quoted(workdir: Path) -> None:
    (workdir / "table.txt").write_text("patientid/MRN0099999 ANON2\n")
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "-o", str(workdir / "o"),
        "--lookup", str(workdir / "table.txt"), "--var", "subject=S1", "--var", "project=P1",
    )  # fmt: skip
    assert code == 2 and "table.txt: line 1: expected 'keyType/key = value'" in err
    assert "MRN0099999" not in err


def test_a_variable_given_twice_is_a_usage_error(workdir: Path) -> None:
    code, _, err = invoke(
        "apply", str(workdir / "script.das"), str(workdir / "in"), "--dry-run",
        "--var", "subject=S1", "--var", "project=P1", "--var", "subject=S2",
    )  # fmt: skip
    assert code == 2 and "--var subject is given twice" in err
