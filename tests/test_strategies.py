"""The hypothesis strategies: valid datasets, planted values really planted, every case reachable."""

from __future__ import annotations

import io

import pydicom
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings

import dicomedit
from dicomedit.testing.phi import PHILeak, assert_no_phi, find_planted, written_bytes
from dicomedit.testing.strategies import (
    CHARACTER_SETS,
    PHIDataset,
    Planted,
    datasets_with_phi,
    identifying_text,
)
from tests.conftest import FIXTURES

needs_engine = pytest.mark.skipif(not hasattr(dicomedit, "compile"), reason="the engine is not there yet")
QUICK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@QUICK
@given(datasets_with_phi())
def test_datasets_write_read_back_and_hold_every_planted_value(phi: PHIDataset) -> None:
    data = written_bytes(phi.dataset)
    back = pydicom.dcmread(io.BytesIO(data))
    assert back.SOPInstanceUID == phi.dataset.SOPInstanceUID
    assert phi.planted
    found, _ = find_planted(data, phi.values, [*phi.encodings, "utf-8"])
    assert set(phi.values) - set(found) == set()


def _depth(path: str) -> int:
    return path.count("[")


KINDS = {
    "nested three levels deep": lambda p: any(_depth(x.path) >= 3 for x in p.planted),
    "in a private block": lambda p: any("{ACME" in x.path for x in p.planted),
    "in a private sequence": lambda p: any("{ACME" in x.path and "[" in x.path for x in p.planted),
    "multi-valued": lambda p: any(isinstance(e.value, pydicom.multival.MultiValue) for e in p.dataset),
    "a person name": lambda p: any(x.vr == "PN" for x in p.planted),
    "a date": lambda p: any(x.vr == "DA" for x in p.planted),
    "UTF-8": lambda p: p.dataset.get("SpecificCharacterSet") == "ISO_IR 192",
    "ISO 2022 with kanji": lambda p: any(ord(c) > 0x3000 for x in p.planted for c in x.text),
}


def test_every_kind_of_dataset_is_generated() -> None:
    seen: set[str] = set()

    @settings(max_examples=300, phases=[Phase.generate], database=None, derandomize=True, deadline=None)
    @given(datasets_with_phi())
    def sample(phi: PHIDataset) -> None:
        seen.update(name for name, condition in KINDS.items() if condition(phi))

    sample()
    assert seen == set(KINDS)


def test_character_sets_cover_iso_2022() -> None:
    assert ("", "ISO 2022 IR 87") in CHARACTER_SETS
    with pytest.raises(ValueError, match="no identifying values"):
        find(identifying_text("US"), lambda _: True)


@needs_engine
def test_a_relabelling_script_leaks_and_the_helper_says_so() -> None:
    ds = pydicom.dcmread(FIXTURES / "scan" / "original.dcm")
    ds.InstitutionalDepartmentName = "QzkvRadiology"
    planted = (Planted("QzkvRadiology", "(0008,1040)", 0x00081040, "LO"),)
    with pytest.raises(PHILeak) as caught:
        assert_no_phi(FIXTURES / "lint" / "xnat_default.das", PHIDataset(ds, planted))
    assert caught.value.found == ("QzkvRadiology",)
    assert "(0008,1040)" in str(caught.value)


@needs_engine
def test_plain_values_and_rejection(tmp_path: object) -> None:
    ds = pydicom.dcmread(FIXTURES / "scan" / "original.dcm")
    with pytest.raises(PHILeak):
        assert_no_phi(FIXTURES / "lint" / "xnat_default.das", ds, ["Saint Hubert Infirmary"])
    rejecting = dicomedit.compile('version "6.6"\nreject[]\n')
    assert assert_no_phi(rejecting, ds, ["Quirke^Mildred"]) == b""
