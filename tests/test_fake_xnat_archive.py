"""The fake's archived-data routes follow spec §8 and §7 items 21-29 (plain requests)."""

from __future__ import annotations

import io
import zipfile

import pydicom
import requests
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from dicomedit.testing.fake_xnat import ArchivedSession, FakeXNAT

pytest_plugins = ["dicomedit.testing.fake_xnat.fixture"]


def get(
    fake: FakeXNAT, path: str, auth: tuple[str, str] = ("admin", "admin"), **headers: str
) -> requests.Response:
    return requests.get(
        fake.url + path,
        auth=auth,
        headers={"User-Agent": "t/1", **headers},
        timeout=10,
        allow_redirects=False,
    )


def dataset(series: int, instance: int) -> pydicom.Dataset:
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = f"2.25.{series}{instance}"
    ds.SOPInstanceUID = f"2.25.{series}{instance}"
    ds.SeriesNumber, ds.InstanceNumber, ds.Modality = series, instance, "DX"
    ds.SeriesDescription = "AP view"
    ds.PatientName, ds.PatientID, ds.StudyDate = "Doe^J", "MRN1", "20230405"
    return ds


def archive(fake: FakeXNAT) -> ArchivedSession:
    fake.add_user("bob", "pw")
    fake.add_project("P", members=["bob"])
    fake.add_project("SECRET")
    session = fake.archive_session("P", "S1", "ACC1", [dataset(1, 1), dataset(1, 2), dataset(2, 1)])
    fake.add_resource(session, "1", "SNAPSHOTS", {"t.gif": b"GIF"}, format="GIF")
    fake.archive_session("SECRET", "S2", "ACC2", [dataset(1, 1)])
    return session


def test_lists_are_result_sets_of_strings(fake_xnat: FakeXNAT) -> None:
    archive(fake_xnat)
    doc = get(fake_xnat, "/data/projects").json()  # no format: JSON for Accept */*
    assert doc["ResultSet"]["totalRecords"] == "2"
    assert all(isinstance(v, str) for row in doc["ResultSet"]["Result"] for v in row.values())
    bob = get(fake_xnat, "/data/projects?format=json", auth=("bob", "pw")).json()["ResultSet"]["Result"]
    assert [p["ID"] for p in bob] == ["P"]
    hidden = get(fake_xnat, "/data/projects/SECRET?format=json", auth=("bob", "pw"))
    assert hidden.status_code == 404 and hidden.headers["Content-Type"].startswith("text/html")


def test_experiment_lists_differ_like_xnat(fake_xnat: FakeXNAT) -> None:
    session = archive(fake_xnat)
    fake_xnat.projects["P"].hidden_from_project_list.add("xnat:dxSessionData")
    assert get(fake_xnat, "/data/projects/P/experiments?format=json").json()["ResultSet"]["Result"] == []
    rows = get(fake_xnat, "/data/experiments?project=P&format=json").json()["ResultSet"]["Result"]
    assert [r["ID"] for r in rows] == [session.id]
    paged = get(fake_xnat, "/data/experiments?project=P&limit=10&format=json").json()["ResultSet"]
    assert "totalRecords" not in paged
    assert get(fake_xnat, "/data/experiments?project=P&label=AC*&format=json").json()["ResultSet"]["Result"]
    unreadable = get(fake_xnat, "/data/experiments?project=SECRET&format=json", auth=("bob", "pw"))
    assert unreadable.status_code == 200 and unreadable.json()["ResultSet"]["Result"] == []
    assert (
        get(fake_xnat, "/data/projects/SECRET/experiments?format=json", auth=("bob", "pw")).status_code == 403
    )


def test_experiment_lookup_by_id_first_then_label(fake_xnat: FakeXNAT) -> None:
    session = archive(fake_xnat)
    other = fake_xnat.experiments["XNAT_E00002"]
    by_id = get(fake_xnat, f"/data/projects/P/experiments/{other.id}?format=json").json()
    assert by_id["items"][0]["data_fields"]["project"] == "SECRET"
    doc = get(fake_xnat, "/data/projects/P/experiments/ACC1?format=json").json()
    fields = doc["items"][0]["data_fields"]
    assert fields["subject_ID"] == session.subject_id and fields["dcmPatientName"] == "Doe^J"
    assert get(fake_xnat, f"/data/experiments/{session.id}").headers["Content-Type"].startswith("text/html")
    missing = get(fake_xnat, "/data/projects/P/experiments/NOPE?format=json")
    assert missing.status_code == 404 and "Unable to find the specified experiment." in missing.text
    # No scan route under /data/projects/{p}/experiments/{e}/: the experiment document answers.
    prefix = get(fake_xnat, "/data/projects/P/experiments/ACC1/scans?format=json").json()
    assert "items" in prefix


def test_scans_resources_files_and_downloads(fake_xnat: FakeXNAT) -> None:
    session = archive(fake_xnat)
    base = f"/data/experiments/{session.id}/scans"
    scans = get(fake_xnat, f"{base}?format=json").json()["ResultSet"]["Result"]
    assert [s["ID"] for s in scans] == ["1", "2"]
    resources = get(fake_xnat, f"{base}/1/resources?format=json").json()["ResultSet"]["Result"]
    assert [r["label"] for r in resources] == ["DICOM", "SNAPSHOTS"] and "URI" not in resources[0]
    files = get(fake_xnat, f"{base}/ALL/resources/DICOM,secondary/files?format=json").json()["ResultSet"]
    assert len(files["Result"]) == 3 and "totalRecords" not in files
    first = files["Result"][0]
    single = get(fake_xnat, first["URI"].replace(f"/resources/{first['cat_ID']}/", "/resources/DICOM/"))
    assert single.headers["Content-Type"] == "application/octet-stream" and single.headers["Content-Length"]
    assert get(fake_xnat, f"{base}/1/resources/DICOM/files/none.dcm").status_code == 404
    assert get(fake_xnat, f"{base}/1/resources/DICOM/files/none.dcm?accept-not-found=true").status_code == 204
    zipped = get(fake_xnat, f"{base}/ALL/resources/DICOM/files?format=zip")
    assert zipped.headers["Content-Type"] == "application/zip" and "Content-Length" not in zipped.headers
    assert zipped.headers["Content-Disposition"] == 'attachment; filename="ACC1.zip"'
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert names[0].startswith("ACC1/scans/1-AP_view/resources/DICOM/files/")
    assert all(
        i.compress_type == zipfile.ZIP_STORED for i in zipfile.ZipFile(io.BytesIO(zipped.content)).infolist()
    )
    simple = get(fake_xnat, f"{base}/ALL/resources/DICOM/files?format=zip&structure=simplified")
    assert zipfile.ZipFile(io.BytesIO(simple.content)).namelist()[0].startswith("ACC1/scans/1/DICOM/")
    assert get(fake_xnat, f"{base}/ALL/resources/NIFTI/files?format=zip").status_code == 404
    assert get(fake_xnat, f"{base}/ALL/resources/NIFTI/files?format=json").json()["ResultSet"]["Result"] == []
    assert get(fake_xnat, "/data/experiments/XNAT_E99/scans/ALL/files?format=zip").status_code == 500
    assert get(fake_xnat, f"/data/archive/experiments/{session.id}/scans?format=json").status_code == 200
