"""``dicomedit fetch`` and ``dicomedit audit`` against archived sessions in the fake XNAT (issue 8)."""

from __future__ import annotations

import json
import uuid
from io import BytesIO
from pathlib import Path

import pydicom
import pytest
from click.testing import CliRunner, Result
from pydicom.dataset import FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

from dicomedit.cli import main
from dicomedit.testing.fake_xnat import ArchivedSession, FakeXNAT
from dicomedit.testing.fake_xnat.seeding import DicomInput
from dicomedit.xnat import ArchiveAPI, ArchiveIntegrityError, Credentials, UnsafeArchiveError, XNATClient
from dicomedit.xnat.fetch import fetch_session

pytest_plugins = ["dicomedit.testing.fake_xnat.fixture"]

SCRIPTS = Path(__file__).parent / "fixtures" / "xnat" / "scripts"
SITE = str(SCRIPTS / "site.das")  # subject/session/project relabel, deletes birth date and referrer
MR = UID("1.2.840.10008.5.1.4.1.1.4")


def dicom(series: int, instance: int, **attrs: str) -> pydicom.Dataset:
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = MR
    ds.SOPClassUID = MR
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID = "2.25.1"
    ds.SeriesInstanceUID = f"2.25.1{series}"
    ds.Modality = "MR"
    ds.SeriesNumber = series
    ds.InstanceNumber = instance
    ds.SeriesDescription = f"series {series}"
    ds.StudyDate = "20240102"
    for key, value in attrs.items():
        setattr(ds, key, value)
    return ds


def anonymized(
    series: int, instance: int, *, subject: str = "SUBJ01", session: str = "ACC0001", **extra: str
) -> pydicom.Dataset:
    attrs = {
        "PatientName": subject,
        "PatientID": session,
        "StudyDescription": "P",
        "PatientIdentityRemoved": "YES",
    }
    ds = dicom(series, instance, **{**attrs, **extra})
    del ds.SeriesDescription
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID(f"2.25.{uuid.uuid4().int}")
    return ds


def raw(series: int, instance: int) -> pydicom.Dataset:
    return dicom(
        series,
        instance,
        PatientName="Doe^Jane",
        PatientID="MRN-998877",
        PatientBirthDate="19700101",
        ReferringPhysicianName="Smith^Ann",
        StudyDescription="Brain MRI for Jane",
    )


def seed(fake: FakeXNAT, label: str, files: list[DicomInput], **kw: object) -> ArchivedSession:
    return fake.archive_session("P", "SUBJ01", label, files, **kw)  # type: ignore[arg-type]


def run(fake: FakeXNAT, *args: str) -> Result:
    env = {"XNAT_URL": fake.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(SCRIPTS)}
    return CliRunner().invoke(main, list(args), env=env)


def session_files(fake: FakeXNAT, session: ArchivedSession) -> dict[str, bytes]:
    return {
        f"{sc.id}/{r.label}/{f.name}": f.data for sc in session.scans for r in sc.resources for f in r.files
    }


# -- fetch -------------------------------------------------------------------------------------


def test_fetch_reproduces_a_multi_scan_session_byte_for_byte(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    session = seed(fake_xnat, "ACC0001", [anonymized(s, i) for s in (1, 2, 3) for i in (1, 2)])
    fake_xnat.add_resource(session, "2", "secondary", {"sc.dcm": anonymized(2, 9).SOPInstanceUID.encode()})
    fake_xnat.add_resource(session, "1", "SNAPSHOTS", {"thumb.gif": b"GIF89a"}, format="GIF")
    result = run(fake_xnat, "fetch", "--project", "P", "--session", "ACC0001", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "ACC0001"
    assert f"{folder}\t7 files" in result.output
    wanted = {k: v for k, v in session_files(fake_xnat, session).items() if "/SNAPSHOTS/" not in k}
    got = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert got == wanted
    assert not list(tmp_path.glob(".dicomedit-*"))  # the zip is gone


def test_fetch_by_accession_id_and_other_resources(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    session = seed(fake_xnat, "ACC0002", [anonymized(1, 1)])
    fake_xnat.add_resource(session, "1", "NIFTI", {"image.nii.gz": b"\x1f\x8b nifti"}, format="NIFTI")
    result = run(
        fake_xnat,
        "fetch",
        "--project",
        "P",
        "--session",
        session.id,
        "--resource",
        "NIFTI",
        "-o",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ACC0002" / "1" / "NIFTI" / "image.nii.gz").read_bytes() == b"\x1f\x8b nifti"


def test_fetch_unknown_session_and_missing_resource_are_clear(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "ACC0003", [anonymized(1, 1)])
    result = run(
        fake_xnat,
        "fetch",
        "--project",
        "P",
        "--session",
        "NOPE",
        "--session",
        "ACC0003",
        "--resource",
        "NIFTI",
        "-o",
        str(tmp_path),
    )
    assert result.exit_code == 1
    assert "project P has no session 'NOPE'" in result.output
    assert "session ACC0003 of project P has no NIFTI files" in result.output


def test_session_id_of_another_project_is_refused(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    other = fake_xnat.archive_session("Q", "S9", "ACC0009", [anonymized(1, 1)])
    fake_xnat.add_project("P")
    result = run(fake_xnat, "fetch", "--project", "P", "--session", other.id, "-o", str(tmp_path))
    assert result.exit_code == 1
    assert f"session {other.id} belongs to project Q, not P" in result.output


@pytest.mark.parametrize(
    ("knob", "entry", "message"),
    [
        (
            "zip_extra_entries",
            ("ACC0004/scans/1-x/resources/DICOM/files/../../../../evil.dcm", b"x"),
            "contains '..'",
        ),
        ("zip_extra_entries", ("/etc/evil", b"x"), "absolute path"),
        (
            "zip_link_entries",
            ("ACC0004/scans/1-x/resources/DICOM/files/link", "/etc/passwd"),
            "symbolic link",
        ),
        (
            "zip_extra_entries",
            ("ACC0004/scans/1-x/resources/DICOM/files/extra.dcm", b"x"),
            "not a file XNAT lists",
        ),
    ],
)
def test_unsafe_zips_are_refused_and_nothing_is_left(
    fake_xnat: FakeXNAT, tmp_path: Path, knob: str, entry: tuple[str, object], message: str
) -> None:
    seed(fake_xnat, "ACC0004", [anonymized(1, 1)])
    getattr(fake_xnat.knobs, knob).append(entry)
    with (
        XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as c,
        pytest.raises(UnsafeArchiveError) as info,
    ):
        fetch_session(c, "P", "ACC0004", tmp_path)
    assert message in str(info.value)
    assert not (tmp_path / "ACC0004").exists()
    assert not (tmp_path.parent / "evil.dcm").exists()


@pytest.mark.parametrize("abort", [False, True])
def test_a_cut_stream_is_detected(fake_xnat: FakeXNAT, tmp_path: Path, abort: bool) -> None:
    seed(fake_xnat, "ACC0005", [anonymized(1, i) for i in range(1, 6)])
    fake_xnat.knobs.cut_zip_after = 900
    fake_xnat.knobs.cut_zip_abort = abort
    with (
        XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as c,
        pytest.raises(ArchiveIntegrityError) as info,
    ):
        fetch_session(c, "P", "ACC0005", tmp_path)
    assert "cut" in str(info.value) or "broke off" in str(info.value)
    assert not (tmp_path / "ACC0005").exists()


def test_a_broken_download_leaves_no_partial_zip(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    session = seed(fake_xnat, "ACC0005", [anonymized(1, i) for i in range(1, 6)])
    target = tmp_path / "missing" / "folder" / "session.zip"
    with XNATClient(Credentials(fake_xnat.url, "admin", "admin")) as c:
        api = ArchiveAPI(c)
        info = api.resolve_session("P", session.label)
        assert api.download_zip(info, target).stat().st_size > 900  # the folder is created
        target.unlink()
        fake_xnat.knobs.cut_zip_after, fake_xnat.knobs.cut_zip_abort = 900, True
        with pytest.raises(ArchiveIntegrityError):
            api.download_zip(info, target)
    assert list(target.parent.iterdir()) == []


def test_fetch_into_a_missing_folder_creates_it(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    out = tmp_path / "new" / "folder"
    result = run(fake_xnat, "fetch", "--project", "P", "--session", "ACC0001", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert len(list((out / "ACC0001").rglob("*.dcm"))) == 1
    assert [p.name for p in out.iterdir()] == ["ACC0001"]


@pytest.mark.parametrize("blocked", ["output", "session folder"])
def test_fetch_where_no_folder_can_be_made_is_a_clear_error(
    fake_xnat: FakeXNAT, tmp_path: Path, blocked: str
) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    if blocked == "output":
        (tmp_path / "a-file").write_text("x")
        out = tmp_path / "a-file" / "downloads"
    else:
        (tmp_path / "ACC0001").write_text("x")  # where the session's folder would go
        out = tmp_path
    result = run(fake_xnat, "fetch", "--project", "P", "--session", "ACC0001", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "error: cannot create " in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def test_audit_keep_where_no_folder_can_be_made_is_a_clear_error(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    (tmp_path / "a-file").write_text("x")
    keep = tmp_path / "a-file" / "kept"
    result = run(
        fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE, "--keep", str(keep)
    )
    assert result.exit_code == 2, result.output
    assert f"error: cannot create the download folder {keep}: " in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def test_a_wrong_digest_is_detected(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "ACC0006", [anonymized(1, 1)])
    fake_xnat.knobs.wrong_digest = True
    result = run(fake_xnat, "fetch", "--project", "P", "--session", "ACC0006", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "MD5" in result.output


# -- audit -------------------------------------------------------------------------------------


def test_a_correctly_anonymized_session_passes(fake_xnat: FakeXNAT) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(s, i) for s in (1, 2) for i in (1, 2)])
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE)
    assert result.exit_code == 0, result.output
    assert "session ACC0001" in result.output and "4 files, 0 findings" in result.output


def test_a_session_archived_without_anonymization_is_caught(fake_xnat: FakeXNAT) -> None:
    seed(fake_xnat, "ACC0001", [raw(1, 1), raw(1, 2)])
    result = run(fake_xnat, "audit", "--project", "P", "--all", "--script", SITE)
    assert result.exit_code == 1
    out = result.output
    assert "1/DICOM/" in out
    assert "(0010,0030) PatientBirthDate: present, but " in out and "site.das line 6 deletes it" in out
    assert "(0010,0010) PatientName: does not hold the subject label" in out
    assert "session metadata: dcmPatientName" in out
    for secret in ("Doe^Jane", "MRN-998877", "19700101", "Smith^Ann"):
        assert secret not in out
    shown = run(fake_xnat, "audit", "--project", "P", "--all", "--script", SITE, "--show-values")
    assert "Doe^Jane" in shown.output


def test_a_project_script_that_overwrote_the_site_script_is_caught(fake_xnat: FakeXNAT) -> None:
    # The project script ran after the site script and put the referrer back into Patient Name.
    seed(fake_xnat, "ACC0001", [anonymized(1, 1, subject="Smith^Ann")])
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE)
    assert result.exit_code == 1
    assert "(0010,0010) PatientName: does not hold the subject label" in result.output


def test_live_audit_uses_the_enabled_site_and_project_scripts(fake_xnat: FakeXNAT) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(1, 1, StudyDescription="Research")])
    fake_xnat.site_script = (SCRIPTS / "site.das").read_text()
    project = fake_xnat.projects["P"]
    project.script, project.script_enabled = 'version "6.3"\n(0008,1030) := "Research"\n', True
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--live")
    assert result.exit_code == 0, result.output
    assert "live site script + live script of project P" in result.output
    project.script = 'version "6.3"\n(0008,1030) := "Other"\n'
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--live")
    assert result.exit_code == 1
    assert 'holds another value than "Other"' in result.output


def test_label_that_is_an_accession_number_is_caught(fake_xnat: FakeXNAT) -> None:
    script = SCRIPTS / "site.das"
    seed(fake_xnat, "ACC0001", [anonymized(1, 1, StudyDescription="ACC0001")])
    result = run(
        fake_xnat,
        "audit",
        "--project",
        "P",
        "--session",
        "ACC0001",
        "--label-is-identifier",
        "session=AccessionNumber",
    )
    assert result.exit_code == 1
    assert (
        "(0008,1030) StudyDescription: holds the session label, which on this site is the AccessionNumber"
        in result.output
    )
    assert "(0010,0020) PatientID: holds the session label" in result.output
    assert script.exists()


def test_unknown_session_and_session_without_dicom_are_reported(fake_xnat: FakeXNAT) -> None:
    session = seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    empty = fake_xnat.archive_session("P", "SUBJ02", "ACC0002", [])
    fake_xnat.add_resource(empty, "1", "SNAPSHOTS", {"a.gif": b"GIF"}, format="GIF")
    result = run(
        fake_xnat,
        "audit",
        "--project",
        "P",
        "--session",
        "NOPE",
        "--session",
        "ACC0002",
        "--session",
        session.label,
        "--script",
        SITE,
    )
    assert result.exit_code == 2, result.output
    assert "session NOPE: NOT AUDITED: project P has no session 'NOPE'" in result.output
    assert "session ACC0002: NOT AUDITED: session ACC0002 has no DICOM or secondary files" in result.output
    assert "1 files, 0 findings" in result.output


def test_a_cut_stream_is_not_audited_as_complete(fake_xnat: FakeXNAT) -> None:
    seed(fake_xnat, "ACC0001", [raw(1, i) for i in range(1, 6)])
    fake_xnat.knobs.cut_zip_after = 1500
    result = run(
        fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE, "--format", "json"
    )
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["complete"] is False and doc["summary"]["sessions_not_audited"] == 1
    (session,) = doc["sessions"]
    assert session["files"] == 0 and "cut" in session["problem"]
    assert all(f["where"] == "session metadata" for f in session["findings"])


def test_sessions_that_could_not_be_audited_are_not_a_finding_run(fake_xnat: FakeXNAT) -> None:
    # Both sessions have findings in their XNAT metadata, but neither download arrives whole.
    seed(fake_xnat, "ACC0001", [raw(1, 1)])
    fake_xnat.archive_session("P", "SUBJ02", "ACC0002", [raw(1, 1)])
    fake_xnat.knobs.cut_zip_after = 500
    result = run(fake_xnat, "audit", "--project", "P", "--all", "--script", SITE)
    assert result.exit_code == 2, result.output
    out = result.stdout
    assert "session ACC0001: NOT AUDITED: " in out and "session ACC0002: NOT AUDITED: " in out
    assert "  session metadata: dcmPatientName: " in out  # the findings there are still shown
    findings = out.count(" [A12")
    assert findings >= 2
    assert f"summary: 2 sessions, 0 files, {findings} findings; not audited: 2 sessions, 0 files" in out
    assert "error: the audit is incomplete: 2 sessions could not be audited" in result.stderr
    assert "there may be more" in result.stderr


def _bundled(name: str) -> Path:
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name)
    assert isinstance(found, str)
    return Path(found)


def test_non_dicom_and_truncated_files_are_reported_as_such(fake_xnat: FakeXNAT) -> None:
    truncated = ["MR_truncated.dcm", "rtplan_truncated.dcm"]
    session = seed(fake_xnat, "ACC0001", [raw(1, 1), *(_bundled(name) for name in truncated)])
    fake_xnat.add_resource(session, "1", "secondary", {"notes.txt": b"Report for Doe^Jane, MRN-998877\n"})
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE)
    assert result.exit_code == 2, result.output  # findings, but not everything could be audited
    out = result.stdout
    assert "session ACC0001 (XNAT_E00001): 1 files, " in out and ", 3 files NOT AUDITED" in out
    assert "1/secondary/notes.txt: NOT AUDITED: not a DICOM file" in out
    for name in truncated:
        (line,) = [line for line in out.splitlines() if name in line]  # nothing audited in it
        assert "NOT AUDITED: the file is truncated" in line
    assert "notes.txt: (" not in out  # no "PatientName absent ... the script did not run"
    assert "PatientBirthDate: present, but" in out  # the complete raw file was audited
    assert "not audited: 0 sessions, 3 files" in out
    assert "error: the audit is incomplete: 3 files could not be audited" in result.stderr
    assert "Doe^Jane" not in result.output and "MRN-998877" not in result.output
    doc = json.loads(
        run(
            fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE, "--format", "json"
        ).stdout
    )
    (entry,) = doc["sessions"]
    assert entry["complete"] is False and doc["summary"]["files_not_audited"] == 3
    assert {u["where"] for u in entry["not_audited"]} >= {"1/secondary/notes.txt"}


def test_a_value_that_cannot_be_decoded_makes_the_file_not_audited(fake_xnat: FakeXNAT) -> None:
    ds = anonymized(1, 1)
    ds.Rows = 1
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    rows = b"\x28\x00\x10\x00US\x02\x00\x01\x00"
    assert buffer.getvalue().count(rows) == 1
    odd = buffer.getvalue().replace(rows, b"\x28\x00\x10\x00US\x03\x00\x01\x00\x00")  # 3 bytes of US
    seed(fake_xnat, "ACC0001", [odd])
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE)
    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.stdout.splitlines() if ": NOT AUDITED: " in line]
    assert "(0028,0010)" in line and "cannot be decoded" in line
    assert "\\x01\\x00\\x00" not in result.output  # pydicom's message quotes the bytes


def test_pydicom_warnings_never_reach_the_terminal(fake_xnat: FakeXNAT) -> None:
    import subprocess
    import sys
    import warnings

    odd = anonymized(1, 1, PatientIdentityRemoved="YES", DeidentificationMethod="dicomedit site script v1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns, quoting the value, each time it decodes it
        odd.StudyInstanceUID = "1.2.826.0.1.3680043.MRN998877"  # not a valid UID, and the script hashes it
        seed(fake_xnat, "ACC0001", [odd])
    env = {"XNAT_URL": fake_xnat.url, "XNAT_USER": "admin", "XNAT_PASSWORD": "admin", "HOME": str(SCRIPTS)}
    audit = [sys.executable, "-m", "dicomedit", "audit", "--project", "P", "--session", "ACC0001"]
    deid = str(SCRIPTS / "deid.das")
    for extra in (["--script", deid], ["--script", deid, "--label-is-identifier", "session=AccessionNumber"]):
        done = subprocess.run([*audit, *extra], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "(0020,000D) StudyInstanceUID: is not a 2.25. UID" in done.stdout
        assert "MRN998877" not in done.stdout + done.stderr
        assert "Warning" not in done.stderr and "warn" not in done.stderr, done.stderr


def test_audit_json_and_keep(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "ACC0001", [raw(1, 1)])
    result = run(
        fake_xnat,
        "audit",
        "--project",
        "P",
        "--sample",
        "1",
        "--script",
        SITE,
        "--format",
        "json",
        "--keep",
        str(tmp_path / "kept"),
    )
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["sessions"][0]["label"] == "ACC0001"
    assert all("value" not in f for f in doc["sessions"][0]["findings"])
    assert list((tmp_path / "kept" / "ACC0001").rglob("*.dcm"))


def test_audit_usage_errors_exit_2(fake_xnat: FakeXNAT) -> None:
    assert run(fake_xnat, "audit", "--project", "P").exit_code == 2
    seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    broken = run(fake_xnat, "audit", "--project", "P", "--all", "--script", str(SCRIPTS / "broken.das"))
    assert broken.exit_code == 2  # nothing was audited: not a run with findings
    assert "broken.das:4:" in broken.output and "asserts nothing" in broken.output
    bad = run(fake_xnat, "audit", "--project", "P", "--all", "--label-is-identifier", "visit=AccessionNumber")
    assert bad.exit_code == 2 and "the label must be one of project, subject, session" in bad.output


def test_uids_and_deidentification_method_are_checked(fake_xnat: FakeXNAT) -> None:
    deid = str(SCRIPTS / "deid.das")
    good = anonymized(1, 1, PatientIdentityRemoved="YES", DeidentificationMethod="dicomedit site script v1")
    good.StudyInstanceUID = "2.25.123"
    good.SOPInstanceUID = "2.25.456"
    seed(fake_xnat, "ACC0001", [good])
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", deid)
    assert result.exit_code == 0, result.output
    bad = raw(1, 1)
    bad.StudyInstanceUID = "1.2.840.99.1"
    bad.OtherPatientIDs = "OLD-ID"
    seed(fake_xnat, "ACC0002", [bad])
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0002", "--script", deid)
    assert result.exit_code == 1
    out = result.output
    assert "(0020,000D) StudyInstanceUID: is not a 2.25. UID" in out
    assert "(0008,0018) SOPInstanceUID: is not a 2.25. UID" in out
    assert "(0012,0062) PatientIdentityRemoved: absent, but" in out and "the script did not run" in out
    assert "(0010,1000) OtherPatientIDs: present, but" in out
    assert "(0008,1030) StudyDescription: present" not in out  # deleted only for CT: asserts nothing
    assert "(0008,1030) Study Description: still holds a value" in out  # but the residual scan sees it


def test_residual_scan_finds_what_the_script_never_mentions(fake_xnat: FakeXNAT) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(1, 1, PatientAddress="12 Elm Street, Springfield")])
    result = run(fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE)
    assert result.exit_code == 1
    assert "(0010,1040) Patient's Address: still holds a value" in result.output
    assert "[S:profile-value]" in result.output
    assert "Springfield" not in result.output


# -- expectations at every depth, and audits without a script ------------------------------------

REFERENCE = Path(__file__).parent.parent / "scripts" / "anon_script.das"
SAMPLE = Path(__file__).parent / "fixtures" / "sample" / "study1"
LABELS = ("--var", "project=P", "--var", "subject=SUBJ01", "--var", "session=S")
COPIED_BACK = (
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "AccessionNumber",
    "InstitutionName",
    "ReferringPhysicianName",
    "OperatorsName",
)


def _half_anonymized(tmp_path: Path) -> list[pydicom.Dataset]:
    """The sample study run through the reference script, with identifying values put back."""
    out = tmp_path / "anon"
    applied = CliRunner().invoke(
        main,
        ["apply", str(REFERENCE), str(SAMPLE), "-o", str(out), "-j", "1", *LABELS],
    )
    assert applied.exit_code == 0, applied.output
    files = []
    for original in sorted(SAMPLE.glob("*.dcm")):
        before = pydicom.dcmread(original)
        after = pydicom.dcmread(out / original.name)
        for keyword in COPIED_BACK:
            setattr(after, keyword, before.data_element(keyword).value)
        nested = pydicom.Dataset()
        nested.InstitutionName = before.InstitutionName
        after.ReferencedStudySequence = pydicom.Sequence([nested])
        files.append(after)
    return files


def test_a_script_asserts_what_it_does_at_every_depth(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "S", list(_half_anonymized(tmp_path)))
    result = run(fake_xnat, "audit", "--project", "P", "--session", "S", "--script", str(REFERENCE))
    assert result.exit_code == 1, result.output
    out = result.output
    for attribute in (
        "(0010,0010) PatientName: does not hold the subject label",
        "(0010,0020) PatientID: does not hold the session label",
        "(0010,0030) PatientBirthDate: holds a value, but ",
        "(0008,0050) AccessionNumber: holds a value, but ",
        "(0008,0090) ReferringPhysicianName: holds a value, but ",
        "(0008,0080) InstitutionName: present, but ",
        "(0008,1070) OperatorsName: present, but ",
        "(0008,1110)[0]/(0008,0080) InstitutionName: present, but ",
    ):
        assert out.count(f": {attribute}") == 3, (attribute, out)  # once in each of the three files
    assert "deletes it (every depth)" in out and "empties it" in out
    for field_name in ("dcmAccessionNumber", "dcmPatientBirthDate", "operator", "acquisition_site"):
        assert f"session metadata: {field_name}: holds a copy of" in out
    for secret in ("DOE^JANE", "MRN0012345", "19610419", "ACC77001234", "Springfield", "HOUSE^", "TECH^"):
        assert secret not in out


def test_the_reference_script_output_itself_passes(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    out = tmp_path / "anon"
    CliRunner().invoke(
        main,
        ["apply", str(REFERENCE), str(SAMPLE), "-o", str(out), "-j", "1", *LABELS],
    )
    seed(fake_xnat, "S", sorted(out.glob("*.dcm")))
    result = run(fake_xnat, "audit", "--project", "P", "--session", "S", "--script", str(REFERENCE))
    assert result.exit_code == 0, result.output
    assert "3 files, 0 findings" in result.output


def test_an_audit_without_a_script_does_not_pass_unanonymized_values(
    fake_xnat: FakeXNAT, tmp_path: Path
) -> None:
    seed(fake_xnat, "S", list(_half_anonymized(tmp_path)))
    result = run(fake_xnat, "audit", "--project", "P", "--session", "S")
    assert result.exit_code == 1, result.output
    assert "0 findings" not in result.output
    for attribute in (
        "(0010,0010) PatientName",
        "(0010,0020) PatientID",
        "(0010,0030) PatientBirthDate",
        "(0008,0050) AccessionNumber",
        "(0008,0080) InstitutionName",
        "(0008,0090) ReferringPhysicianName",
        "(0008,1070) OperatorsName",
    ):
        assert f"{attribute}: holds a value the profile empties or replaces" in result.output, attribute
    assert "DOE^JANE" not in result.output


def test_the_same_session_named_twice_is_audited_once(fake_xnat: FakeXNAT) -> None:
    session = seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    for names in (("ACC0001", "ACC0001"), ("ACC0001", session.id)):
        args = [a for name in names for a in ("--session", name)]
        result = run(fake_xnat, "audit", "--project", "P", *args, "--script", SITE)
        assert result.exit_code == 0, result.output
        assert result.output.count("session ACC0001") == 1
        assert "summary: 1 sessions" in result.output


def test_keep_refuses_a_folder_that_is_not_empty(fake_xnat: FakeXNAT, tmp_path: Path) -> None:
    seed(fake_xnat, "ACC0001", [anonymized(1, 1)])
    keep = tmp_path / "kept"
    first = run(
        fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE, "--keep", str(keep)
    )
    assert first.exit_code == 0, first.output
    assert (keep / "ACC0001").is_dir()
    before = len(fake_xnat.requests)
    again = run(
        fake_xnat, "audit", "--project", "P", "--session", "ACC0001", "--script", SITE, "--keep", str(keep)
    )
    assert again.exit_code == 2, again.output
    assert f"{keep} is not empty" in again.output and "'--keep'" in again.output
    assert len(fake_xnat.requests) == before  # refused before talking to XNAT


@pytest.mark.parametrize("which", [("--all",), ("--sample", "2"), ("--session", "ACC0001")])
def test_audit_of_a_project_that_does_not_exist_says_so(fake_xnat: FakeXNAT, which: tuple[str, ...]) -> None:
    result = run(fake_xnat, "audit", "--project", "NOPE", *which)
    assert result.exit_code == 2, result.output
    assert "project 'NOPE' does not exist" in result.output
    assert "no sessions to audit" not in result.output
