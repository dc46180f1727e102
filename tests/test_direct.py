"""Table scripts run on the bytes (``engine.table`` and ``dicomedit.direct``): which scripts are
tables, and that a file run that way gives exactly what the general path gives (status,
whether modified, messages, warnings, output bytes), or is left to the general path.

``tests/test_fastpath_identity.py`` runs the same comparison over pydicom's test files and the
conformance cases; here the files are built to hold what the byte walk must get right.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicomedit import direct
from dicomedit.engine import RunContext, compile
from dicomedit.io import FileResult, FileStatus, InputFile, process_file
from dicomedit.testing.strategies import PHIDataset, datasets_with_phi

REFERENCE = (Path(__file__).parent.parent / "scripts" / "anon_script.das").read_text(encoding="utf-8")
CT_SMALL = Path(pydicom.__file__).parent / "data" / "test_files" / "CT_small.dcm"
VARIABLES = {"project": "P1", "subject": "S1", "session": "E1"}


def _versioned(text: str) -> str:
    return text if "version" in text else f'version "6.6"\n{text}'


Results = tuple[FileResult, FileResult, bytes | None, bytes | None]


def both(script_text: str, path: Path, out: Path) -> Results:
    """(general result, table result, general output, table output) for one file."""
    script = compile(_versioned(script_text), "test.das")
    item = InputFile(path, Path(path.name))
    general = process_file(script, item, out / "general", variables=VARIABLES, run=RunContext(), fast=False)
    table = process_file(script, item, out / "table", variables=VARIABLES, run=RunContext())
    outputs = [_output(r) for r in (general, table)]
    return general, table, outputs[0], outputs[1]


def _output(result: FileResult) -> bytes | None:
    return result.output.read_bytes() if result.output is not None and result.output.exists() else None


def assert_same(script_text: str, path: Path, out: Path) -> FileResult:
    general, table, a, b = both(script_text, path, out)
    assert (table.status, table.modified, table.message, table.warnings) == (
        general.status,
        general.modified,
        general.message,
        general.warnings,
    )
    if a != b:
        assert a is not None and b is not None
        at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        pytest.fail(f"{path.name}: outputs differ from byte {at} ({len(a)} vs {len(b)} bytes)")
    return table


def ran_direct(script_text: str, path: Path) -> bool:
    table = compile(_versioned(script_text), "test.das").table
    assert table is not None
    bound = table.bind(VARIABLES)
    assert bound is not None
    return direct.run(bound, path) is not None


# ---------------------------------------------------------------------------------------------
# which scripts are tables

TABLES = {
    "reference": REFERENCE,
    "delete everywhere": 'version "6.6"\n-*/(0010,0010)\n-*/(50X@,XXXX)\n',
    "top level": '(0010,0010) := "x"\n-(0010,0030)\n(0008,0050) ?= ""\n',
    "hash": "hashUIDList[*/(0008,0018), (0002,0003), {*/(0020,000D)}]\n",
    "private first": "removeAllPrivateTags\n-*/(0010,1000)\n*/(0010,0020) ?= session\n",
    "variable guard": 'project != "Unassigned" ? (0008,1030) := project\n',
    "reject guard": '(0028,0301) = "YES" ? reject[]\n-*/(0010,0010)\n',
}
NOT_TABLES = {
    "private after an edit": "-*/(0010,0010)\nremoveAllPrivateTags\n",
    "if": 'if ((0010,0010) = "A") {\n  -(0010,0020)\n}\n',
    "value from a tag": "(0010,0010) := (0010,0020)\n",
    "character set": "-*/(0008,0005)\n",
    "pixel data": "-*/(7FE0,0010)\n",
    "group 0002 by wildcard": "-*/(000@,0010)\n",
    "one or more levels": "-+/(0010,0010)\n",
    "item": "-(0008,1110)[0]/(0008,1155)\n",
    "private tag": '(0009,{ACME}10) := "a"\n',
    "guarded edit on a tag": '(0010,0010) = "A" ? (0010,0020) := "B"\n',
    "condition after an edit of its tag": '-*/(0010,0010)\n(0010,0010) = "A" ? reject[]\n',
    "script variable": 'name := "a"\n(0010,0010) := name\n',
    "echo": 'echo "x"\n-(0010,0010)\n',
    "other function": '(0008,0020) := shiftDateByIncrement[(0008,0020), 1, "days"]\n',
    "create a sequence": '(0008,1110) := "x"\n',
    "only a version": 'version "6.6"\n',
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_tables(name: str) -> None:
    assert compile(_versioned(TABLES[name]), "t.das").table is not None


@pytest.mark.parametrize("name", sorted(NOT_TABLES))
def test_not_tables(name: str) -> None:
    assert compile(_versioned(NOT_TABLES[name]), "t.das", strict=False).table is None


def test_reference_script_table() -> None:
    table = compile(REFERENCE, "anon_script.das").table
    assert table is not None and table.remove_private
    bound = table.bind(VARIABLES)
    assert bound is not None
    assert bound.meta_hashes == (0x00020003,)
    assert [(g.tag, g.op, g.literal, g.then) for g in bound.rejects] == [(0x00280301, "=", "YES", None)]
    assert 0x00081030 in bound.creatable and 0x00100010 in bound.creatable
    # a variable the script reads without a value: the general path reports it
    assert table.bind({"subject": "S1", "session": "E1"}) is None
    # the guard on a variable is decided once: with "Unassigned" nothing creates (0008,1030)
    unassigned = table.bind({**VARIABLES, "project": "Unassigned"})
    assert unassigned is not None and 0x00081030 not in unassigned.creatable


# ---------------------------------------------------------------------------------------------
# files built to hold what the byte walk must get right


def _item(**values: str) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _ct(tmp: Path, name: str, *, rows: int = 512, undefined: bool = True, private: bool = True) -> Path:
    ds = pydicom.dcmread(CT_SMALL)
    if rows != ds.Rows:
        ds.PixelData = np.zeros((rows, rows), dtype=np.int16).tobytes()
        ds.Rows = ds.Columns = rows
    inner = _item(ReferencedSOPClassUID="1.2.840.10008.5.1.4.1.1.2", ReferencedSOPInstanceUID="1.2.3.4.5")
    inner.add_new(0x00091010, "LO", "private inside an item")
    nested = _item(PatientName="NESTED^NAME", AccessionNumber="A-NESTED")
    nested.ReferencedImageSequence = Sequence([_item(ReferencedSOPInstanceUID="1.2.3.9")])
    ds.ReferencedImageSequence = Sequence([inner, _item(ReferencedSOPInstanceUID="1.2.3.4.6")])
    ds.SourceImageSequence = Sequence([nested])
    ds.OtherPatientIDsSequence = Sequence([_item(PatientID="OTHER-ID")])
    ds.AccessionNumber = ""
    ds.InstitutionName = "ST ELSEWHERE"
    if undefined:
        ds["ReferencedImageSequence"].is_undefined_length = True
        ds.ReferencedImageSequence[0].is_undefined_length_sequence_item = True
        ds["SourceImageSequence"].is_undefined_length = False
    if not private:
        for tag in [e.tag for e in ds if e.tag.is_private]:
            del ds[tag]
        del ds.ReferencedImageSequence[0][0x00091010]
    ds.DataSetTrailingPadding = b"\x00" * 16  # an element after the pixel data
    path = tmp / name
    ds.save_as(path, enforce_file_format=True)
    return path


def _insert(path: Path, after_meta: bytes) -> None:
    """Put raw element bytes first in the dataset (right after group 0002)."""
    data = path.read_bytes()
    pos = 132
    while struct.unpack_from("<H", data, pos)[0] == 2:
        length = struct.unpack_from("<H", data, pos + 6)[0]
        if data[pos + 4 : pos + 6] in (b"OB", b"UN", b"SQ", b"UT", b"OW"):
            length = struct.unpack_from("<L", data, pos + 8)[0] + 4
        pos += 8 + length
    path.write_bytes(data[:pos] + after_meta + data[pos:])


@pytest.mark.parametrize("rows", [128, 512])
@pytest.mark.parametrize("undefined", [False, True])
def test_reference_script_on_ct(tmp_path: Path, rows: int, undefined: bool) -> None:
    path = _ct(tmp_path, "ct.dcm", rows=rows, undefined=undefined)
    assert ran_direct(REFERENCE, path)
    result = assert_same(REFERENCE, path, tmp_path)
    assert result.status is FileStatus.WRITTEN and result.modified and result.fast_path
    out = pydicom.dcmread(result.output)
    assert out.PatientName == "S1" and out.StudyDescription == "P1"
    assert "OtherPatientIDsSequence" not in out and not any(e.tag.is_private for e in out.iterall())
    assert out.SourceImageSequence[0].PatientName == "S1"
    original = pydicom.dcmread(path).SOPInstanceUID
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID != original


SCRIPTS = {
    "reference": REFERENCE,
    "top level": '(0010,0010) := "x"\n-(0010,0030)\n(0008,0050) ?= ""\n(0008,0080) ?= "ST ELSEWHERE"\n',
    "sequences": '-*/(0008,1150)\n*/(0010,0010) ?= "y"\nhashUIDList[*/(0008,1155)]\n-*/(0008,2112)\n',
    "create and delete": '(0012,0062) := "YES"\n-*/(0012,0062)\n(0040,A124) := "1.2"\n',
    "nothing changes": '-*/(0040,A124)\n*/(0010,4000) ?= "x"\n',
    "empty to empty": '*/(0008,0050) ?= ""\n',
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
@pytest.mark.parametrize("private", [True, False])
def test_scripts_on_ct(tmp_path: Path, name: str, private: bool) -> None:
    path = _ct(tmp_path, "ct.dcm", rows=256, private=private)
    expected_direct = private is False or "removeAllPrivateTags" in SCRIPTS[name]
    assert ran_direct(SCRIPTS[name], path) is expected_direct
    assert_same(SCRIPTS[name], path, tmp_path)


def test_unchanged_file_is_reported_unchanged(tmp_path: Path) -> None:
    path = _ct(tmp_path, "ct.dcm", rows=128, private=False)
    result = assert_same(SCRIPTS["nothing changes"], path, tmp_path)
    assert not result.modified and result.fast_path
    assert result.output is not None and result.output.read_bytes() == path.read_bytes()


def test_group_length_elements_are_dropped(tmp_path: Path) -> None:
    path = _ct(tmp_path, "ct.dcm", rows=128)
    _insert(path, b"\x08\x00\x00\x00UL\x04\x00" + struct.pack("<L", 1234))
    assert ran_direct(REFERENCE, path)
    result = assert_same(REFERENCE, path, tmp_path)
    assert result.output is not None and b"\x08\x00\x00\x00UL" not in result.output.read_bytes()


DELETES = {
    # deleted by the loop over the headers (short and long VRs), next to elements it keeps
    "short and long VRs": "-(0008,0080)\n-(0018,0022)\n-(0028,0030)\n-(7FE0,0001)\n-(FFFC,FFFC)\n",
    # a tag a rejection reads, deleted after it: read first, then left out
    "read by a rejection": '(0028,0301) = "YES" ? reject[]\n-(0028,0301)\n',
    # the delete is not the only edit: decided element by element
    "set then deleted": '(0008,0080) ?= "x"\n-(0008,0080)\n',
    # sequences and group lengths are never decided from the header alone
    "a sequence": "-(0008,1140)\n-(0008,2112)\n",
    "a group length": "-(0008,0000)\n",
}


@pytest.mark.parametrize("name", sorted(DELETES))
@pytest.mark.parametrize("private", [True, False])
def test_deleted_elements(tmp_path: Path, name: str, private: bool) -> None:
    path = _ct(tmp_path, "ct.dcm", rows=128, private=private)
    ds = pydicom.dcmread(path)
    ds.BurnedInAnnotation = "NO"
    ds[0x00180022] = pydicom.DataElement(0x00180022, "CS", "PFP")
    ds.save_as(path, enforce_file_format=True)
    if name == "a group length":
        _insert(path, b"\x08\x00\x00\x00UL\x04\x00" + struct.pack("<L", 1234))
    script = ("removeAllPrivateTags\n" if private else "") + DELETES[name]
    assert ran_direct(script, path) is (name != "a group length")
    assert assert_same(script, path, tmp_path).modified


def test_deleted_tags_are_known_by_their_edits() -> None:
    table = compile(_versioned(DELETES["set then deleted"] + "-(0010,0030)\n-*/(0010,1000)\n")).table
    assert table is not None
    bound = table.bind(VARIABLES)
    assert bound is not None
    for tag in (0x00080080, 0x00100030, 0x00101000, 0x00100010):
        bound.for_tag(tag, True)
        bound.for_tag(tag, False)
    assert set(bound.top_deletes_known) == {0x00100030, 0x00101000}


@pytest.mark.parametrize(
    ("what", "script", "change"),
    [
        ("rejected", REFERENCE, lambda ds: setattr(ds, "BurnedInAnnotation", "YES")),
        ("hash of a name warns", "hashUIDList[*/(0010,0010)]\n", None),
        ("private kept", "-*/(0010,0010)\n", None),
        ("item's own character set", REFERENCE, lambda ds: _item_charset(ds)),
        ("UN element", REFERENCE, lambda ds: ds.add_new(0x00189999, "UN", b"1234")),
        ("implicit VR", REFERENCE, "implicit"),
    ],
)
def test_left_to_the_general_path(tmp_path: Path, what: str, script: str, change: object) -> None:
    path = _ct(tmp_path, "ct.dcm", rows=128)
    ds = pydicom.dcmread(path)
    if change == "implicit":
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
        ds.save_as(path, implicit_vr=True, little_endian=True)
    elif callable(change):
        change(ds)
        ds.save_as(path, enforce_file_format=True)
    assert not ran_direct(script, path), what
    result = assert_same(script, path, tmp_path)
    if what == "rejected":
        assert result.status is FileStatus.REJECTED
    if what == "hash of a name warns":
        assert any("not UI" in w for w in result.warnings)


def test_odd_length_pixel_data(tmp_path: Path) -> None:
    """pydicom pads odd pixel data when it writes them: left to the general path."""
    path = _ct(tmp_path, "ct.dcm", rows=128)
    ds = pydicom.dcmread(path)
    del ds.PixelData, ds.DataSetTrailingPadding
    ds.save_as(path, enforce_file_format=True)
    with path.open("ab") as fh:
        fh.write(b"\xe0\x7f\x10\x00OB\x00\x00" + struct.pack("<L", 3) + b"ABC")
    assert not ran_direct(REFERENCE, path)
    assert_same(REFERENCE, path, tmp_path)


def _item_charset(ds: Dataset) -> None:
    ds.SourceImageSequence[0].SpecificCharacterSet = "ISO_IR 100"


def test_missing_input_and_unwritable_output(tmp_path: Path) -> None:
    script = compile(REFERENCE, "anon_script.das")
    missing = InputFile(tmp_path / "gone.dcm", Path("gone.dcm"))
    general = process_file(script, missing, tmp_path / "a", variables=VARIABLES, fast=False)
    table = process_file(script, missing, tmp_path / "b", variables=VARIABLES)
    assert (table.status, table.message) == (general.status, general.message)
    path = _ct(tmp_path, "ct.dcm", rows=128)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be")
    item = InputFile(path, Path("ct.dcm"))
    general = process_file(script, item, blocker / "a", variables=VARIABLES, fast=False)
    table = process_file(script, item, blocker / "b", variables=VARIABLES)
    assert table.status is general.status is FileStatus.FAILED
    assert "cannot write" in (table.message or "") and not list(tmp_path.glob("blocker*/**"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phi=datasets_with_phi())
def test_generated_datasets(tmp_path_factory: pytest.TempPathFactory, phi: PHIDataset) -> None:
    tmp = tmp_path_factory.mktemp("generated")
    path = tmp / "generated.dcm"
    phi.dataset.save_as(path, enforce_file_format=True)
    assert_same(REFERENCE, path, tmp)


# ---------------------------------------------------------------------------------------------
# cases an independent review found, each once a difference between the two paths

SOP = [(0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.2\x00"), (0x00080018, "UI", b"1.2.3.4\x00")]
NAME = [(0x00100010, "PN", b"DOE^J ")]
NOOP = "-*/(0010,1010)\n"
_LONG = {"OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV", "SV", "UV"}


def _element(tag: int, vr: str, value: bytes) -> bytes:
    if vr in _LONG:
        return struct.pack("<HH2sHL", tag >> 16, tag & 0xFFFF, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr.encode(), len(value)) + value


def _meta(vrs: dict[int, str] | None = None, **replaced: bytes) -> bytes:
    values = {
        0x00020001: ("OB", b"\x00\x01"),
        0x00020002: ("UI", b"1.2.840.10008.5.1.4.1.1.2\x00"),
        0x00020003: ("UI", b"1.2.3.4\x00"),
        0x00020010: ("UI", b"1.2.840.10008.1.2.1\x00"),
        0x00020012: ("UI", b"1.2.3\x00"),
        0x00020013: ("SH", b"X "),
    }
    for name, value in replaced.items():
        tag = int(name.removeprefix("e"), 16)
        values[tag] = (values[tag][0], value)
    for tag, vr in (vrs or {}).items():
        values[tag] = (vr, values.get(tag, (vr, b""))[1])
    body = b"".join(_element(tag, vr, value) for tag, (vr, value) in sorted(values.items()))
    return _element(0x00020000, "UL", struct.pack("<L", len(body))) + body


def _raw_file(tmp: Path, elements: list[tuple[int, str, bytes]], meta: bytes | None = None) -> Path:
    path = tmp / "raw.dcm"
    body = b"".join(_element(*e) for e in sorted(elements))
    path.write_bytes(b"\x00" * 128 + b"DICM" + (meta or _meta()) + body)
    return path


def test_a_rejection_reads_the_value_before_later_edits(tmp_path: Path) -> None:
    ds = pydicom.dcmread(_ct(tmp_path, "ct.dcm", rows=128))
    ds.BurnedInAnnotation = "YES"
    path = tmp_path / "burned.dcm"
    ds.save_as(path, enforce_file_format=True)
    result = assert_same(REFERENCE + '\n(0028,0301) ?= "NO"\n', path, tmp_path)
    assert result.status is FileStatus.REJECTED
    ds.PatientName = "A"
    ds.save_as(path, enforce_file_format=True)
    deleted = '(0010,0010) = "A" ? reject[]\n-(0010,0010)\n'
    assert assert_same(deleted, path, tmp_path).status is FileStatus.REJECTED
    del ds.PatientName
    ds.save_as(path, enforce_file_format=True)
    created = '(0010,0010) != "X" ? reject[]\n(0010,0010) := "X"\n'
    assert assert_same(created, path, tmp_path).status is FileStatus.REJECTED


def test_a_rejection_on_a_group_length_is_not_a_table(tmp_path: Path) -> None:
    script = '(0010,0000) = "8" ? reject[]\n-*/(0010,1010)\n'
    assert compile(_versioned(script), "t.das").table is None
    path = _raw_file(tmp_path, [*SOP, (0x00100000, "UL", struct.pack("<L", 8)), *NAME])
    assert assert_same(script, path, tmp_path).status is FileStatus.REJECTED


@pytest.mark.parametrize(
    "meta",
    [
        {"e00020010": b"1.2.840.10008.1.2.1"},  # odd length: pydicom pads it
        {"e00020003": b"1.2.3.4 "},  # padded with a space: pydicom writes a NUL
        {"e00020001": b"\x00\x01\x02"},
        {"e00020012": b"1.2.3"},
    ],
)
def test_file_meta_values_pydicom_rewrites(tmp_path: Path, meta: dict[str, bytes]) -> None:
    path = _raw_file(tmp_path, [*SOP, *NAME], _meta(**meta))
    assert_same(NOOP, path, tmp_path)


@pytest.mark.parametrize(
    "vrs",
    [
        {0x00020001: "UN"},  # pydicom writes it as OB
        {0x00020001: "SH"},  # rewritten as text
        {0x00020016: "UN"},  # empty: pydicom takes the dictionary's VR
        {0x00020100: "UN"},
    ],
)
def test_file_meta_vrs_pydicom_rewrites(tmp_path: Path, vrs: dict[int, str]) -> None:
    path = _raw_file(tmp_path, [*SOP, *NAME], _meta(vrs))
    assert_same('(0010,0010) ?= "X"\n', path, tmp_path)


@pytest.mark.parametrize(
    "value",
    [b"1.2.3.4", b"1.2.3.4 ", b" 1.2.3.4", b"1.2.3\x00\x00\x00", b"1.2.3.4\\1.5 "],
)
def test_sop_instance_uids_pydicom_rewrites(tmp_path: Path, value: bytes) -> None:
    path = _raw_file(tmp_path, [SOP[0], (0x00080018, "UI", value), *NAME])
    assert not ran_direct(NOOP, path)
    assert_same(NOOP, path, tmp_path)


@pytest.mark.parametrize("value", [b"ISO_IR 100\\ISO_IR 126", b"ISO_IR 100  ", b"ISO_IR 100\x00\x00", b"  "])
def test_character_sets_pydicom_rewrites(tmp_path: Path, value: bytes) -> None:
    path = _raw_file(tmp_path, [(0x00080005, "CS", value), *SOP, *NAME])
    assert not ran_direct(NOOP, path)
    assert_same(NOOP, path, tmp_path)


def test_canonical_values_still_take_the_table_path(tmp_path: Path) -> None:
    charset = (0x00080005, "CS", b"ISO_IR 100\\ISO_IR 126 ")
    path = _raw_file(tmp_path, [charset, *SOP, *NAME])
    assert ran_direct(NOOP, path)
    assert_same(NOOP, path, tmp_path)


@pytest.mark.parametrize("tag", ["(0002,0012)", "(0002,0003)"])
def test_a_file_meta_uid_hashed_twice(tmp_path: Path, tag: str) -> None:
    script = f"hashUIDList[{tag}]\nhashUIDList[{tag}]\n"
    path = _raw_file(tmp_path, [SOP[0], *NAME])  # no (0008,0018): nothing syncs (0002,0003) back
    assert ran_direct(script, path)
    assert_same(script, path, tmp_path)


def test_pixel_data_with_a_short_vr(tmp_path: Path) -> None:
    path = _raw_file(tmp_path, [*SOP, *NAME, (0x7FE00010, "US", b"\x01\x00\x02")])
    assert not ran_direct("-*/(0010,0010)\n", path)
    general, table, _, _ = both("-*/(0010,0010)\n", path, tmp_path)
    assert table.status is general.status is FileStatus.FAILED  # pydicom cannot write it
    assert (table.message or "").replace("/table/", "/") == (general.message or "").replace("/general/", "/")
