"""Write the sample study used by the README quick start (tests/fixtures/sample/).

Three images from pydicom's bundled test data (two CT slices, one MR) dressed with invented
identifying values everywhere a script has to find them: top level, nested sequences, a private
block and UID references.  Run it again to regenerate the files:

    python tools/make_sample_data.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sample"

PATIENT = {
    "PatientName": "DOE^JANE^Q",
    "PatientID": "MRN0012345",
    "PatientBirthDate": "19610419",
    "PatientSex": "F",
    "PatientAge": "063Y",
    "PatientAddress": "12 Hospital Road, Springfield",
    "AccessionNumber": "ACC77001234",
    "InstitutionName": "Springfield General Hospital",
    "InstitutionAddress": "1 Main Street, Springfield",
    "ReferringPhysicianName": "HOUSE^GREGORY",
    "OperatorsName": "TECH^ANNA",
    "StationName": "SGH-CT01",
    "StudyDate": "20240312",
    "SeriesDate": "20240312",
    "StudyTime": "101502",
    "StudyID": "S0312",
    "StudyDescription": "CT CHEST DOE JANE",
}


def _uid(*parts: str) -> str:
    """A deterministic 2.25 UID, so that regenerating gives the same files."""
    digest = hashlib.sha256("/".join(["dicomedit sample", *parts]).encode()).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def _dress(ds: Dataset, study: str, series: str, number: int) -> Dataset:
    for keyword, value in PATIENT.items():
        setattr(ds, keyword, value)
    ds.StudyInstanceUID = _uid(study)
    ds.SeriesInstanceUID = _uid(study, series)
    ds.SOPInstanceUID = _uid(study, series, str(number))
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.FrameOfReferenceUID = _uid(study, "frame")
    ds.InstanceNumber = number
    other = Dataset()
    other.PatientID = "HOSP-998877"
    other.IssuerOfPatientID = "Springfield General"
    other.PatientName = "DOE^JANE"
    ds.OtherPatientIDsSequence = Sequence([other])
    ref = Dataset()
    ref.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    ref.ReferencedSOPInstanceUID = _uid(study, "procedure")
    ds.ReferencedStudySequence = Sequence([ref])
    block = ds.private_block(0x0029, "SAMPLE HOSPITAL PACS", create=True)
    block.add_new(0x10, "LO", "MRN0012345")
    block.add_new(0x11, "LO", "Ward 7B")
    return ds


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    plan = [("CT_small.dcm", "ct", 1), ("CT_small.dcm", "ct", 2), ("MR_small.dcm", "mr", 1)]
    for source, series, number in plan:
        ds = pydicom.dcmread(TEST_FILES / source)
        for tag in [elem.tag for elem in ds if elem.tag.is_private]:
            del ds[tag]
        _dress(ds, "sample-study", series, number)
        target = OUT / "study1" / f"{series}_{number}.dcm"
        target.parent.mkdir(parents=True, exist_ok=True)
        ds.save_as(target, enforce_file_format=True)
        print(target.relative_to(OUT.parents[2]))


if __name__ == "__main__":
    main()
