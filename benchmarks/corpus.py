"""Benchmark corpora made from ``CT_small.dcm``, the CT image bundled with pydicom.

* ``ct``: the image as it is (128×128, 39 KB), once per file;
* ``ct512``: the same header over 512×512 pixels (the 128×128 image scaled up, 513 KB).

Each file gets fresh study, series, instance and frame-of-reference UIDs and invented
identifying values (patient name and ID, birth date, accession number, institution, dates),
grouped into studies of 50 slices, so a run does the work it would do on a real export.
Generation is seeded: the same sizes give the same files.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset

SOURCE = Path(pydicom.__file__).parent / "data" / "test_files" / "CT_small.dcm"
SLICES_PER_STUDY = 50
ROOT = "1.2.826.0.1.3680043.10.1341"  # a benchmark-only UID root

_GIVEN = ["ANNA", "BRUNO", "CARLA", "DAVID", "EMMA", "FELIX", "GRETA", "HUGO"]
_FAMILY = ["ADLER", "BAUER", "CORTEZ", "DUBOIS", "EKLUND", "FISCHER", "GARCIA", "HANSEN"]


def make(kind: str, count: int, directory: Path, *, seed: int = 1341) -> list[Path]:
    """Write ``count`` files of ``kind`` (``ct`` or ``ct512``) into ``directory``; return them."""
    directory.mkdir(parents=True, exist_ok=True)
    template = pydicom.dcmread(SOURCE)
    if kind == "ct512":
        pixels = template.pixel_array
        template.Rows, template.Columns = 512, 512
        template.PixelData = np.kron(pixels, np.ones((4, 4), dtype=pixels.dtype)).tobytes()
    elif kind != "ct":
        raise ValueError(f"unknown corpus kind {kind!r}")
    rng = random.Random(seed)
    paths = []
    for n in range(count):
        study, slice_number = divmod(n, SLICES_PER_STUDY)
        ds = _slice(template, rng, study, slice_number)
        path = directory / f"{kind}-{n:06d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _slice(template: Dataset, rng: random.Random, study: int, number: int) -> Dataset:
    ds = template.copy()
    ds.file_meta = template.file_meta.copy()
    patient = random.Random(study)  # every slice of a study belongs to the same patient
    ds.PatientName = f"{patient.choice(_FAMILY)}^{patient.choice(_GIVEN)}"
    ds.PatientID = f"PID{patient.randrange(10**7):07d}"
    year, month, day = patient.randrange(30, 99), patient.randrange(1, 13), patient.randrange(1, 29)
    ds.PatientBirthDate = f"19{year}{month:02d}{day:02d}"
    ds.AccessionNumber = f"ACC{study:06d}"
    ds.InstitutionName = rng.choice(["ST MARY HOSPITAL", "CITY CLINIC", "NORTH IMAGING"])
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = f"2024{study % 12 + 1:02d}{study % 28 + 1:02d}"
    ds.StudyInstanceUID = f"{ROOT}.1.{study}"
    ds.SeriesInstanceUID = f"{ROOT}.2.{study}.1"
    ds.FrameOfReferenceUID = f"{ROOT}.3.{study}"
    ds.SOPInstanceUID = f"{ROOT}.4.{study}.{number}"
    ds.InstanceNumber = number + 1
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds
