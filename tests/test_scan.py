"""``dicomedit scan``: residual identifying data in output files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from click.testing import CliRunner
from pydicom.uid import UID

import dicomedit
from dicomedit.cli import main
from dicomedit.io import read_dicom
from dicomedit.profile import Option
from dicomedit.profile.known import KnownValues, find_in_bytes
from dicomedit.profile.scan import FindingKind, load_known, scan_dataset, scan_file, scan_paths
from dicomedit.profile.walk import UndecodableValue
from tests.conftest import FIXTURES

SCAN = FIXTURES / "scan"
ORIGINAL = SCAN / "original.dcm"
LEAKY = SCAN / "leaky" / "output.dcm"
ODD = SCAN / "odd" / "output.dcm"  # values pydicom warns about, quoting them
UNDECODABLE = SCAN / "undecodable"  # a name in a US value; bad deflated data; a VR that is none
ODD_VALUES = ("1.2.826.0.1.3680043.9.7777.01", "1.2.826.0.1.3680043.9.7777.02", "'1A'", "Quirke")
ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scripts" / "anon_script.das"
TEST_FILES = Path(os.path.dirname(pydicom.data.__file__)) / "test_files"
LABELS = {"project": "PROJ1", "subject": "SUBJ1", "session": "SESS1"}

needs_engine = pytest.mark.skipif(not hasattr(dicomedit, "compile"), reason="the engine is not there yet")


def test_leaky_fixture_findings_are_exactly_the_expected_ones() -> None:
    index = load_known([ORIGINAL])
    (report,) = list(scan_paths([LEAKY], known=index))
    expected = json.loads((SCAN / "leaky" / "expected.json").read_text())
    assert [[f.path, f.kind.value] for f in report.findings] == expected
    assert report.compared_with is not None and "SOP Instance UID" in report.compared_with
    kinds = {f.kind for f in report.findings}
    assert kinds == set(FindingKind) - {FindingKind.NOT_MARKED}


def test_values_are_only_shown_when_asked() -> None:
    runner = CliRunner()
    hidden = runner.invoke(main, ["scan", "--known", str(ORIGINAL), str(LEAKY)])
    assert hidden.exit_code == 1
    assert "Quirke" not in hidden.output and "ACC77120931" not in hidden.output
    shown = runner.invoke(main, ["scan", "--known", str(ORIGINAL), "--show-values", str(LEAKY)])
    assert "Quirke" in shown.output
    as_json = runner.invoke(main, ["scan", "--format", "json", str(LEAKY)])
    assert "Quirke" not in as_json.output
    assert json.loads(as_json.output)[0]["findings"]


def test_directories_skip_stray_files_but_named_files_must_be_dicom(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["scan", str(SCAN / "leaky")])
    assert result.exit_code == 1
    assert "notes.txt: skipped: not a DICOM file" in result.output
    named = runner.invoke(main, ["scan", str(SCAN / "leaky" / "notes.txt")])
    assert named.exit_code == 1
    assert "cannot be scanned: not a DICOM file" in named.output
    truncated = tmp_path / "cut.dcm"
    truncated.write_bytes(ORIGINAL.read_bytes()[:300])
    cut = runner.invoke(main, ["scan", str(truncated)])
    assert cut.exit_code == 1 and "Traceback" not in cut.output
    assert "cut.dcm: cannot be scanned" in cut.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_known = runner.invoke(main, ["scan", "--known", str(SCAN / "leaky" / "notes.txt"), str(LEAKY)])
    assert bad_known.exit_code == 2
    assert "notes.txt" in bad_known.output
    bad_label = runner.invoke(main, ["scan", "--label", "project", str(LEAKY)])
    assert bad_label.exit_code == 2
    missing = runner.invoke(main, ["scan", str(tmp_path / "missing")])
    assert missing.exit_code == 2


def _originals_with_a_truncated_one(tmp_path: Path) -> Path:
    originals = tmp_path / "in"
    originals.mkdir()
    (originals / "a_cut.dcm").write_bytes(ORIGINAL.read_bytes()[:-5])
    shutil.copy(ORIGINAL, originals / "original.dcm")
    return originals


def test_an_unreadable_original_is_skipped_with_a_note_and_the_scan_goes_on(tmp_path: Path) -> None:
    originals = _originals_with_a_truncated_one(tmp_path)
    result = CliRunner().invoke(main, ["scan", "--known", str(originals), str(LEAKY)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    note = [line for line in result.stderr.splitlines() if "a_cut.dcm" in line]
    assert len(note) == 1 and "cannot be read" in note[0] and "the file is truncated" in note[0]
    # the readable original was used: its values are found in the output
    assert "holds the original value of" in result.stdout
    summary = result.stdout.splitlines()[-1]
    assert (
        summary.startswith("scanned 1 file:") and "1 original given with --known could not be read" in summary
    )

    index = load_known([originals])
    assert len(index) == 1
    assert [(Path(u.path).name, u.reason.split(":")[0]) for u in index.unreadable] == [
        ("a_cut.dcm", "the file is truncated")
    ]


def test_unreadable_originals_alone_make_the_exit_status_1(tmp_path: Path) -> None:
    originals = _originals_with_a_truncated_one(tmp_path)
    clean = tmp_path / "clean.dcm"
    ds = pydicom.dcmread(ORIGINAL)
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "InstitutionName"):
        delattr(ds, keyword)
    del ds.ReferencedStudySequence
    del ds[0x00290010]
    del ds[0x00291001]
    ds.StudyDate = ""
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID("2.25.1")
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "2.25.2", "2.25.3"
    ds.PatientIdentityRemoved = "YES"
    ds.save_as(clean)
    assert CliRunner().invoke(main, ["scan", "--known", str(ORIGINAL), str(clean)]).exit_code == 0
    result = CliRunner().invoke(main, ["scan", "--format", "json", "--known", str(originals), str(clean)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["clean"] is True
    assert "a_cut.dcm" in result.stderr


def test_known_without_any_readable_original_is_a_usage_error(tmp_path: Path) -> None:
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(ORIGINAL.read_bytes()[:-5])
    result = CliRunner().invoke(main, ["scan", "--known", str(cut), str(LEAKY)])
    assert result.exit_code == 2
    assert "cut.dcm" in result.output and "the file is truncated" in result.output


def test_values_pydicom_warns_about_are_never_shown() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        index = load_known([ODD])
        reports = [*scan_paths([ODD], known=index), scan_file(ODD), scan_dataset(read_dicom(ODD))]
    assert [str(w.message) for w in caught] == []
    assert all(r.error is None and r.findings for r in reports)

    run = subprocess.run(
        [sys.executable, "-m", "dicomedit", "scan", "--known", str(ODD), str(ODD)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "uid-not-replaced" in run.stdout
    for value in ODD_VALUES:
        assert value not in run.stdout and value not in run.stderr, value


def test_files_pydicom_cannot_decode_are_unreadable_and_their_bytes_are_not_shown(tmp_path: Path) -> None:
    wrong_length, bad_deflate = UNDECODABLE / "wrong_length.dcm", UNDECODABLE / "bad_deflate.dcm"
    report = scan_file(wrong_length)
    assert report.error is not None and not report.findings
    assert "(0028,0010)" in report.error and "US" in report.error and "Quirke" not in report.error
    assert scan_file(bad_deflate).error is not None
    unknown_vr = scan_file(UNDECODABLE / "unknown_vr.dcm").error
    assert unknown_vr is not None and unknown_vr.startswith("(0010,0010): the element's VR is not one")
    assert "\xcf" not in unknown_vr
    with pytest.raises(UndecodableValue, match=r"\(0028,0010\)") as raised:
        scan_dataset(pydicom.dcmread(wrong_length))
    assert "Quirke" not in str(raised.value)

    runner = CliRunner()
    result = runner.invoke(main, ["scan", "--show-values", str(UNDECODABLE)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "wrong_length.dcm: cannot be scanned:" in result.stdout
    assert "bad_deflate.dcm: cannot be scanned:" in result.stdout
    assert "3 unreadable" in result.stdout
    assert "Quirke" not in result.output

    originals = tmp_path / "in"
    shutil.copytree(UNDECODABLE, originals)
    shutil.copy(ORIGINAL, originals / "original.dcm")
    known = runner.invoke(main, ["scan", "--known", str(originals), str(LEAKY)])
    assert known.exit_code == 1 and isinstance(known.exception, SystemExit)
    assert "3 originals given with --known could not be read" in known.stdout
    notes = [line for line in known.stderr.splitlines() if line.startswith("note: --known")]
    assert len(notes) == 3 and "(0028,0010)" in " ".join(notes)
    assert "Quirke" not in known.output


def test_options_and_library_api() -> None:
    ds = pydicom.dcmread(LEAKY)
    report = scan_dataset(ds, options=[Option.RETAIN_SAFE_PRIVATE])
    assert FindingKind.PRIVATE not in {f.kind for f in report.findings}
    assert all(f.value is None for f in report.findings)
    shown = scan_dataset(ds, show_values=True)
    assert any(f.value == "12 Quay Street" for f in shown.findings)
    # Study Description holds a label written on purpose: not a residual value
    relabelled = scan_dataset(ds, replacements=["ACC77120931"])
    assert "(0008,1030)" not in {f.path for f in relabelled.findings if f.kind is FindingKind.PROFILE_VALUE}
    assert scan_file(SCAN / "leaky" / "notes.txt").error is not None


def test_known_values_ignore_digits_inside_longer_numbers() -> None:
    known = KnownValues.from_dataset(pydicom.dcmread(ORIGINAL))
    assert known.find("2.25.81947031512345") == []  # the birth date digits inside a UID
    assert [v.name for v in known.find("born 19470315")] == ["Patient's Birth Date"]
    assert find_in_bytes(b"x\x0019470315 ", ["19470315"]) == ["19470315"]
    assert find_in_bytes(b"x 215102 y", ["215102"]) == []  # short digit runs: decoded search only


@needs_engine
@pytest.mark.parametrize(
    "name",
    [
        "original.dcm",
        "CT_small.dcm",
        "MR_small.dcm",
        "rtplan.dcm",
        "rtstruct.dcm",
        "reportsi.dcm",
        "examples_overlay.dcm",
        "nested_priv_SQ.dcm",
        "liver_1frame.dcm",
    ],
)
def test_reference_script_outputs_scan_clean(name: str, tmp_path: Path) -> None:
    source = ORIGINAL if name == "original.dcm" else TEST_FILES / name
    script = dicomedit.compile(REFERENCE.read_text(), str(REFERENCE))
    outcome = script.apply(read_dicom(source), LABELS)
    assert outcome.status.name == "MODIFIED", outcome.message
    assert outcome.dataset is not None
    target = tmp_path / "out" / name
    target.parent.mkdir()
    outcome.dataset.save_as(target)
    index = load_known([source])
    (report,) = list(scan_paths([target], known=index, replacements=LABELS.values()))
    assert report.clean, [(f.path, f.kind.value, f.message) for f in report.findings]
    assert report.compared_with is not None and "matched by" in report.compared_with


def test_scanning_nothing_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not DICOM")
    result = CliRunner().invoke(main, ["scan", str(tmp_path)])
    assert result.exit_code == 2 and "nothing was scanned" in result.stderr


def test_uid_roots_end_at_a_component_boundary(tmp_path: Path) -> None:
    ds = read_dicom(ORIGINAL)
    ds.InstanceCreatorUID = "1.3.6.1.4.1.5962.3"
    path = tmp_path / "x.dcm"
    ds.save_as(path)
    result = CliRunner().invoke(main, ["scan", "--uid-root", "1.3.6.1.4.1.59", str(path)])
    assert "(0008,0014)" in result.stdout  # 1.3.6.1.4.1.5962.3 is not under 1.3.6.1.4.1.59
    bad = CliRunner().invoke(main, ["scan", "--uid-root", "", str(path)])
    assert bad.exit_code == 2 and "expected a UID root" in bad.stderr


def test_originals_sharing_a_sop_instance_uid_are_all_compared(tmp_path: Path) -> None:
    originals, outputs = tmp_path / "originals", tmp_path / "outputs"
    originals.mkdir()
    outputs.mkdir()
    for name, patient in (("a.dcm", "ALPHA^ONE"), ("b.dcm", "BRAVO^TWO")):
        ds = read_dicom(ORIGINAL)
        ds.PatientName = patient
        ds.save_as(originals / name)
    leaked = read_dicom(ORIGINAL)
    leaked.PatientName = "BRAVO^TWO"  # b's name survived
    leaked.save_as(outputs / "out.dcm")
    result = CliRunner().invoke(main, ["scan", "--known", str(originals), str(outputs)])
    assert result.exit_code == 1
    assert "2 originals sharing its SOP Instance UID" in result.stdout
    assert "(0010,0010) Patient's Name: keeps its original value" in result.stdout
