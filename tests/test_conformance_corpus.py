"""The corpus itself: complete, readable, and its fixtures faithful to spec §11.1.

These tests need no engine: they keep the oracle honest while the engine changes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conformance import fixtures
from conformance.cases import KNOWN_KEYS, Case, load_all, load_vectors
from conformance.expect import OBJECT_CHECKS, PATH_CHECKS
from conformance.paths import parse, resolve
from conformance.render import as_text
from conformance.spec import build_dataset

CASES = load_all()
IDS = {case.id for case in CASES}
# U-10 lives in the date vector table; U-12 is the front end's (it tests dicomedit.source).
TABLE_GROUPS = {"U-10"}


def test_every_u_group_is_present() -> None:
    groups = {cid[:4] for cid in IDS if cid.startswith("U-")}
    assert groups | TABLE_GROUPS == {f"U-{n:02d}" for n in range(1, 23)}
    assert any(v["id"].startswith("U-10/") for v in load_vectors("dateshift.json")["vectors"])


def test_every_r_case_is_present() -> None:
    numbers = {int(cid[2:5]) for cid in IDS if cid.startswith("R-")}
    assert numbers == set(range(1, 164))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_is_readable(case: Case) -> None:
    assert set(case.data) <= KNOWN_KEYS
    assert case.get("title") and case.get("source"), "every case says what it tests and where it comes from"
    for keys in case.variants():
        for name in _scripts(keys):
            assert case.script_path(name).is_file(), name
        for expectation in keys.get("expect", []):
            checks = set(expectation) - {"path", "instance", "why"}
            allowed = PATH_CHECKS if "path" in expectation else OBJECT_CHECKS
            assert checks and checks <= allowed, expectation
            if "path" in expectation:
                parse(expectation["path"])
        if "fixture" in keys:
            assert keys["fixture"] in fixtures.NAMES
    if case.skip_reason:
        assert re.search(r"xfail\(DE-\d+\)|front-end|records only", case.skip_reason), case.skip_reason


def _scripts(keys: dict[str, Any]) -> list[str | None]:
    if "pipeline" in keys:
        return [n for n in (keys["pipeline"].get("site"), keys["pipeline"].get("project")) if n]
    if keys.get("skip") and not keys.get("expect"):
        return []
    return [keys.get("script")]


@pytest.mark.parametrize("name", fixtures.NAMES)
def test_fixture_builds_and_reads(name: str) -> None:
    datasets = fixtures.load(name)
    assert datasets
    for ds in datasets:
        assert ds.file_meta.TransferSyntaxUID


# spec §11.1, a sample of every kind of value the look-alike must carry
ANON2_VALUES = {
    "(0002,0016)": "DicomBrowser",
    "(0008,0008)": "ORIGINAL\\PRIMARY\\PROTON_DENSITY\\NONE",
    "(0008,0018)": "1.3.46.670589.11.5730.5.20.1.1.3144.2010043013044142001",
    "(0008,002A)": "20100430130441.40",
    "(0008,1110)[0]/(0008,1155)": "1.3.46.670589.11.5730.5.0.1744.2010043012343685002",
    "(0008,1111)[0]/(0008,1150)": "1.2.840.10008.3.1.2.3.3",
    "(0010,1002)[2]/(0010,1002)[0]/(0010,0020)": "PATIENT_0003",
    "(0018,0026)[0]/(0018,0029)[0]/(0008,0104)": "Ethanol",
    "(0018,9112)[0]/(0018,9239)[1]/(0018,9179)": "IEC_WHOLE_BODY",
    "(0020,9222)[0]/(0020,9165)": "00209056",
    "(0028,0011)": "1024",
    "(0040,0260)[0]/(0008,010B)": "N",
    "(2001,{Philips Imaging DD 001}83)": "127.787174999999",
    "(2001,{Philips Imaging DD 001}5f)[0]/(2005,{Philips MR Imaging DD 001}81)": "FH",
    "(2005,{Philips MR Imaging DD 004}27)": "REAL",
    "(5200,9229)[0]/(2005,{Philips MR Imaging DD 005}0e)[0]/(0018,0089)": "319",
    "(5200,9230)[1]/(2005,140F)[0]/(0008,0018)": "1.3.46.670589.11.5730.5.0.3144.2010043013074550011",
    "(5200,9230)[2]/(0020,9111)[0]/(0018,9074)": "20100430130441.40",
}
ANON2_ABSENT = [
    "(0008,0061)",
    "(0008,0019)",
    "(0012,0010)",
    "(0010,0021)",
    "(0018,0022)",
    "(0099,XXXX)",
    "(0040,100A)",
]


@pytest.mark.parametrize("path", sorted(ANON2_VALUES))
def test_anon2_carries_the_spec_values(path: str) -> None:
    for ds in fixtures.load("anon2"):
        found = resolve(ds, path)
        assert [as_text(f.element) for f in found if f.element is not None] == [ANON2_VALUES[path]]


def test_anon2_instances_share_one_sop_instance_uid_and_lack_absent_elements() -> None:
    first, second = fixtures.load("anon2")
    assert first.SOPInstanceUID == second.SOPInstanceUID
    assert first.pixel_array.shape == (3, 1024, 1024)
    for path in ANON2_ABSENT:
        assert not resolve(first, path), path


def test_resolver_private_blocks_wildcards_and_file_meta() -> None:
    ds = build_dataset(
        {
            "(0002,0016) AE": "SRC",
            "(0019,0010) LO": "GE",
            "(0019,0011) LO": "SIEMENS",
            "(0019,1010) LO": "ge",
            "(0019,1110) LO": "siemens",
            "(0019,11AB) LO": "odd",
            "(0008,1032) SQ": [{"(0010,0010) PN": "a"}, {"(0010,0010) PN": "b"}],
        }
    )
    assert [as_text(f.element) for f in resolve(ds, "(0019,{SIEMENS}10)")] == ["siemens"]
    assert [as_text(f.element) for f in resolve(ds, "(0019,{SIEMENS}X#)")] == ["odd"]
    assert len(resolve(ds, "(0019,{GE}1@)")) == 1
    assert not resolve(ds, "(0019,{GE}@@)")
    assert [as_text(f.element) for f in resolve(ds, "(0008,1032)[%]/(0010,0010)")] == ["a", "b"]
    assert [as_text(f.element) for f in resolve(ds, "*/(0010,0010)")] == ["a", "b"]
    assert resolve(ds, "(0008,1032)[1]")[0].is_item
    assert not resolve(ds, "(0008,1032)[2]")
    assert [as_text(f.element) for f in resolve(ds, "(0002,0016)")] == ["SRC"]
