"""Reading, writing and batches (dicomedit.io), including every DICOM file bundled with pydicom."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pydicom
import pytest

import dicomedit
from dicomedit import fastpath, fsutil, io

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"

# A representative anonymization script: every kind of walk and write, no pixel edit.
SCRIPT = """version "6.6"
(0010,0010) := "ANON"
(0010,0020) := hashUID[(0010,0020)]
-(0010,0030)
(0008,0050) ?= "REMOVED"
-*/(0008,0090)
hashUIDList[*/(0020,000D), */(0008,1155)]
(0008,0020) ?= "20000101"
blankValues[(0008,0080)]
*/(0010,1010) ?= "089Y"
removeAllPrivateTags
"""

BUNDLED = sorted(p for p in TEST_FILES.rglob("*") if p.is_file())
NOT_DICOM = {"README.txt", "README", "crayons.icc", "no_meta.dcm", "rtplan.dump", "rtstruct.dump",
             "test1.json", "test_PN.json", "zipMR.gz"}  # fmt: skip
TRUNCATED = {"MR_truncated.dcm", "rtplan_truncated.dcm"}


@pytest.fixture(scope="module")
def script() -> dicomedit.CompiledScript:
    return dicomedit.compile(SCRIPT)


@pytest.mark.parametrize("source", BUNDLED, ids=lambda p: str(p.relative_to(TEST_FILES)))
def test_every_bundled_file(source: Path, script: dicomedit.CompiledScript, tmp_path: Path) -> None:
    item = io.InputFile(source, Path(source.name))
    result = io.process_file(script, item, tmp_path)
    if source.name in NOT_DICOM:
        assert result.status is io.FileStatus.SKIPPED, result
        return
    if source.name in TRUNCATED:
        assert result.status is io.FileStatus.FAILED and "truncated" in (result.message or "")
        assert list(tmp_path.iterdir()) == []
        return
    assert result.status is io.FileStatus.WRITTEN, result
    assert result.output is not None
    before = pydicom.dcmread(source, force=True)
    after = pydicom.dcmread(result.output)
    assert after.file_meta.TransferSyntaxUID == before.file_meta.get(
        "TransferSyntaxUID", "1.2.840.10008.1.2.1"
    )
    if "PixelData" in before:
        assert after.PixelData == before.PixelData
    if "PatientName" in before:
        assert after.PatientName == "ANON"
    assert "PatientBirthDate" not in after
    keys = list(after.keys())
    assert not any(t.group % 2 for t in keys)
    if "SOPInstanceUID" in after:
        assert after.file_meta.MediaStorageSOPInstanceUID == after.SOPInstanceUID
    assert [p.name for p in tmp_path.iterdir()] == [source.name]  # no temporary file left


def test_file_without_preamble_is_read(tmp_path: Path) -> None:
    ds = io.read_dicom(TEST_FILES / "ExplVR_LitEndNoMeta.dcm")
    assert ds.SOPInstanceUID
    assert getattr(ds, "preamble", None) is None


@pytest.mark.parametrize(
    ("content", "reason", "not_dicom"),
    [
        (b"hello, this is text and not DICOM at all" * 10, "not a DICOM file", True),
        (b"", "not a DICOM file", True),
        (b"\x00" * 128 + b"DICM" + b"\x02\x00", "no DICOM elements", False),
    ],
)
def test_bad_inputs(tmp_path: Path, content: bytes, reason: str, not_dicom: bool) -> None:
    path = tmp_path / "bad.dcm"
    path.write_bytes(content)
    with pytest.raises(io.DicomReadError) as err:
        io.read_dicom(path)
    assert reason in err.value.reason and err.value.not_dicom is not_dicom
    assert str(path) in str(err.value)


def test_truncated_copy_is_reported(tmp_path: Path) -> None:
    data = (TEST_FILES / "CT_small.dcm").read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[: len(data) - 1000])
    with pytest.raises(io.DicomReadError, match="truncated"):
        io.read_dicom(path)


def test_unreadable_path() -> None:
    with pytest.raises(io.DicomReadError, match="cannot read the file"):
        io.read_dicom("/nonexistent/file.dcm")


def test_batch_continues_and_mirrors_paths(tmp_path: Path, script: dicomedit.CompiledScript) -> None:
    src = tmp_path / "in"
    (src / "a" / "b").mkdir(parents=True)
    shutil.copy(TEST_FILES / "CT_small.dcm", src / "a" / "b" / "ct.dcm")
    shutil.copy(TEST_FILES / "MR_small.dcm", src / "mr.dcm")
    (src / "notes.txt").write_text("not dicom")
    (src / "a" / "cut.dcm").write_bytes((TEST_FILES / "CT_small.dcm").read_bytes()[:3000])
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    results = {r.source.name: r for r in (io.process_file(script, i, out) for i in io.find_inputs([src]))}
    assert {k: v.status for k, v in results.items()} == {
        "ct.dcm": io.FileStatus.WRITTEN,
        "mr.dcm": io.FileStatus.WRITTEN,
        "notes.txt": io.FileStatus.SKIPPED,
        "cut.dcm": io.FileStatus.FAILED,
    }
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == ["a/b/ct.dcm", "mr.dcm"]
    assert before == {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}  # inputs untouched


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    ds = io.read_dicom(TEST_FILES / "CT_small.dcm")
    ds.add_new(0x00091001, "XX", b"x")  # pydicom cannot write an unknown VR
    with pytest.raises(io.DicomWriteError):
        io.write_dicom(ds, tmp_path / "out.dcm")
    assert list(tmp_path.iterdir()) == []


def test_alter_pixels_writes_explicit_little_endian(tmp_path: Path) -> None:
    script = dicomedit.compile(
        'version "6.6"\nalterPixels["rectangle", "l=0, t=0, r=10, b=10", "solid", "v=0"]'
    )
    for name in ("MR_small_bigendian.dcm", "MR_small_implicit.dcm", "MR_small_RLE.dcm"):
        result = io.process_file(script, io.InputFile(TEST_FILES / name, Path(name)), tmp_path)
        assert result.status is io.FileStatus.WRITTEN, result
        after = pydicom.dcmread(tmp_path / name)
        assert after.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
        pixels = after.pixel_array
        original = pydicom.dcmread(TEST_FILES / name).pixel_array
        assert (pixels[:10, :10] == 0).all()
        assert (pixels[10:, :] == original[10:, :]).all() and (pixels[:, 10:] == original[:, 10:]).all()


def test_overlapping_output(tmp_path: Path) -> None:
    assert io.overlapping_output([tmp_path], tmp_path)
    assert io.overlapping_output([tmp_path], tmp_path / "sub")
    assert io.overlapping_output([tmp_path / "x.dcm"], tmp_path)
    assert io.overlapping_output([tmp_path / "in"], tmp_path / "out") is None


def test_group_2_is_completed_on_write(tmp_path: Path) -> None:
    ds = io.read_dicom(TEST_FILES / "ExplVR_LitEndNoMeta.dcm")
    io.write_dicom(ds, tmp_path / "x.dcm")
    after = pydicom.dcmread(tmp_path / "x.dcm")
    assert after.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert after.file_meta.MediaStorageSOPInstanceUID == after.SOPInstanceUID
    assert os.path.getsize(tmp_path / "x.dcm") > 132


REFERENCE_SCRIPT = Path(__file__).parents[1] / "scripts" / "anon_script.das"
HOST = {"project": "PROJ", "subject": "SUBJ", "session": "SESS"}


@pytest.fixture(scope="module")
def reference() -> dicomedit.CompiledScript:
    return dicomedit.compile(REFERENCE_SCRIPT.read_text(), str(REFERENCE_SCRIPT))


@pytest.mark.parametrize("source", BUNDLED, ids=lambda p: str(p.relative_to(TEST_FILES)))
def test_every_bundled_file_with_the_reference_script(
    source: Path, reference: dicomedit.CompiledScript, tmp_path: Path
) -> None:
    result = io.process_file(reference, io.InputFile(source, Path(source.name)), tmp_path, variables=HOST)
    if source.name in NOT_DICOM or source.name in TRUNCATED:
        assert result.status in (io.FileStatus.SKIPPED, io.FileStatus.FAILED)
        return
    assert result.status in (io.FileStatus.WRITTEN, io.FileStatus.REJECTED), result
    if result.status is io.FileStatus.REJECTED:
        assert not (tmp_path / source.name).exists()
        return
    before = pydicom.dcmread(source, force=True)
    after = pydicom.dcmread(tmp_path / source.name)
    if "PixelData" in before:
        assert after.PixelData == before.PixelData
    if "PatientName" in before:
        assert after.PatientName == "SUBJ"


def _latin1_file(path: Path) -> Path:
    ds = pydicom.dcmread(TEST_FILES / "CT_small.dcm")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "Müller^Jörg"
    ds.save_as(path)
    return path


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "general path"])
def test_changing_the_character_set_keeps_the_bytes_of_other_text(tmp_path: Path, fast: bool) -> None:
    # XNAT writes only what the script assigned; pydicom would re-encode every decoded text
    source = _latin1_file(tmp_path / "in.dcm")
    script = dicomedit.compile('version "6.6"\n(0008,0005) := "ISO_IR 192"\n(0008,1030) := "Ünïcode"\n')
    result = io.process_file(script, io.InputFile(source, Path("out.dcm")), tmp_path / "o", fast=fast)
    assert result.status is io.FileStatus.WRITTEN and result.fast_path is fast, result
    assert any("changed (0008,0005)" in w for w in result.warnings)
    written = pydicom.dcmread(tmp_path / "o" / "out.dcm")
    assert written.get_item(0x00100010).value == "Müller^Jörg ".encode("latin-1")  # untouched
    assert written.get_item(0x00081030).value.rstrip(b" ") == "Ünïcode".encode()  # written as UTF-8


def test_outputs_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fsutil._umask.cache_clear()
        io.write_dicom(io.read_dicom(TEST_FILES / "CT_small.dcm"), tmp_path / "x.dcm")
    finally:
        os.umask(old)
        fsutil._umask.cache_clear()
    assert (tmp_path / "x.dcm").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("mode", [0o600, 0o666, 0o640])
def test_a_replaced_output_keeps_its_permissions(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "x.dcm"
    target.write_bytes(b"old")
    target.chmod(mode)
    old = os.umask(0o022)
    try:
        fsutil._umask.cache_clear()
        io.write_dicom(io.read_dicom(TEST_FILES / "CT_small.dcm"), target)
    finally:
        os.umask(old)
        fsutil._umask.cache_clear()
    assert target.stat().st_mode & 0o777 == mode
    assert [p.name for p in tmp_path.iterdir()] == ["x.dcm"]


@pytest.mark.parametrize("name", ["x.dcm", "new/folders/x.dcm", "new/x.dcm/", "./x.dcm"])
def test_atomic_output_takes_relative_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with fsutil.atomic_output(name, durable=False) as fh:
        fh.write(b"data")
    assert (tmp_path / name).read_bytes() == b"data"
    assert sorted(p.name for p in (tmp_path / name).parent.iterdir()) == ["x.dcm"]


def test_an_interrupted_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pydicom, "dcmwrite", interrupt)
    with pytest.raises(KeyboardInterrupt):
        io.write_dicom(io.read_dicom(TEST_FILES / "CT_small.dcm"), tmp_path / "x.dcm")
    assert list(tmp_path.iterdir()) == []


def test_undecodable_data_is_a_read_error_that_quotes_nothing() -> None:
    broken = Path(__file__).parent / "fixtures" / "scan" / "undecodable" / "bad_deflate.dcm"
    with pytest.raises(io.DicomReadError) as err:
        io.read_dicom(broken)
    assert err.value.reason == "cannot parse the DICOM data (zlib.error)"
    assert err.value.detail  # zlib's own words, shown only when values are asked for


def test_colliding_outputs(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name / "s").mkdir(parents=True)
    (tmp_path / "a" / "s" / "x.dcm").write_bytes(b"")
    (tmp_path / "b" / "s" / "y.dcm").write_bytes(b"")
    assert io.colliding_outputs([tmp_path / "a"]) is None
    assert io.colliding_outputs([tmp_path / "a", tmp_path / "b"]) is None
    (tmp_path / "b" / "s" / "x.dcm").write_bytes(b"")
    assert "would both be written to s/x.dcm" in str(io.colliding_outputs([tmp_path / "a", tmp_path / "b"]))
    files = [tmp_path / "a" / "s" / "x.dcm", tmp_path / "b" / "s" / "x.dcm"]
    assert "would both be written to x.dcm" in str(io.colliding_outputs(files))


def test_output_directory_problem(tmp_path: Path) -> None:
    assert io.output_directory_problem(tmp_path / "new" / "deeper") is None
    (tmp_path / "file").write_text("")
    assert "is not a directory" in str(io.output_directory_problem(tmp_path / "file" / "out"))
    assert not (tmp_path / "new").exists()  # nothing is created


@pytest.mark.parametrize("most", [1, 3, 1 << 20])
def test_pieces_are_written_whole_when_the_kernel_takes_them_in_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    source = tmp_path / "source"
    source.write_bytes(bytes(range(256)) * 4)
    real_writev = os.writev

    def partial(fd: int, buffers: list[bytes]) -> int:  # takes at most ``most`` bytes a call
        data = b"".join(bytes(b) for b in buffers)[:most]
        return real_writev(fd, [data])

    monkeypatch.setattr(os, "writev", partial)
    many = [bytes([n % 251]) * (n % 3) for n in range(2500)]  # more than IOV_MAX, some empty
    pieces: list[fastpath.Piece | fastpath.FileRange] = [
        b"head",
        memoryview(b"-view-")[1:5],
        fastpath.FileRange(10, 300),
        bytearray(b"tail"),
        *many,
        fastpath.FileRange(1000, 24),
    ]
    target = tmp_path / "out"
    with target.open("wb") as fh:
        fsutil.write_pieces(fh.fileno(), pieces, str(source))
    data = source.read_bytes()
    expected = b"headview" + data[10:310] + b"tail" + b"".join(many) + data[1000:1024]
    assert target.read_bytes() == expected
