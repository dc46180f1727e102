"""The table path's pydicom-free pieces hold what pydicom (and the engine built on it) holds:
the VRs and empty values of ``layout``, the values ``textvalues`` reads and writes, the VRs
``dictionary.dictionary_vr`` gives; and a run of a table script never imports pydicom."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom import config
from pydicom._dicom_dict import DicomDictionary, RepeatersDictionary
from pydicom.dataelem import RawDataElement, empty_value_for_VR
from pydicom.filereader import ENCODED_VR
from pydicom.tag import Tag
from pydicom.valuerep import EXPLICIT_VR_LENGTH_32

from dicomedit import dictionary, layout, textvalues
from dicomedit.engine import elements
from dicomedit.engine.dicomobject import declared_charset
from dicomedit.engine.errors import EvaluationError

REPO = Path(__file__).parent.parent
CT_SMALL = Path(pydicom.__file__).parent / "data" / "test_files" / "CT_small.dcm"
ALL_VRS = sorted(layout.VRS.values())
CHARSETS = [["iso8859"], ["latin_1"], ["UTF8"], ["iso8859_2"], ["shift_jis"], ["iso8859", "latin_1"]]


def test_vrs_are_pydicoms() -> None:
    assert set(layout.VRS) == {vr for vr in ENCODED_VR if len(vr) == 2}
    assert {str(vr).encode() for vr in EXPLICIT_VR_LENGTH_32} == layout.LONG_VRS


@pytest.mark.parametrize("none_for_text", [False, True])
def test_empty_values_are_pydicoms(none_for_text: bool) -> None:
    old = config.use_none_as_empty_text_VR_value
    config.use_none_as_empty_text_VR_value = none_for_text
    try:
        for vr in [*ALL_VRS, None]:
            assert layout.empty_value(vr) == empty_value_for_VR(vr, raw=True), vr
    finally:
        config.use_none_as_empty_text_VR_value = old


def test_dictionary_vrs_are_the_engines() -> None:
    tags = [*DicomDictionary, 0x00091010, 0x00090010, 0x001100FF, 0x00110100, 0x7FE10010, 0x00990099]
    for mask in RepeatersDictionary:  # each repeating group at a few of its members
        tags += [int(mask.replace("x", digit), 16) for digit in "0AE"]
    for tag in tags:
        assert dictionary.dictionary_vr(tag) == elements.dictionary_vr(tag), f"{tag:08X}"


@settings(max_examples=300, deadline=None)
@given(tag=st.integers(0, 0xFFFFFFFF))
def test_dictionary_vrs_of_any_tag(tag: int) -> None:
    assert dictionary.dictionary_vr(tag) == elements.dictionary_vr(tag)


def _engine_read(vr: str, data: bytes | None, charset: list[str]) -> str:
    raw = RawDataElement(Tag(0x00100010), vr, len(data or b""), data, 0, False, True)
    return elements.read_string(raw, charset)


_bytes = st.one_of(
    st.binary(max_size=24),
    st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=24).map(str.encode),
    st.sampled_from([b"", b" ", b"\x00", b"1.2.3\x00", b" A\\B ", b"\x1b$B", b"ISO_IR 100", b"\\"]),
)


@settings(max_examples=1500, deadline=None)
@given(vr=st.sampled_from(ALL_VRS), data=st.one_of(st.none(), _bytes), charset=st.sampled_from(CHARSETS))
def test_reading_text_as_the_engine_does(vr: str, data: bytes | None, charset: list[str]) -> None:
    text = textvalues.read_text(vr, data, charset)
    if text is not None:
        assert text == _engine_read(vr, data, charset)
    elif vr in textvalues.TEXT_VRS and data and data.isascii() and b"\x1b" not in data:
        assert vr in textvalues.CHARSET_VRS and charset not in (["iso8859"], ["latin_1"], ["UTF8"])


_texts = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    st.text(max_size=12),
    st.sampled_from(["", " ", "A^B", "1.2.840.10008", "a\\b", "Ü", "\x1b"]),
)


@settings(max_examples=1500, deadline=None)
@given(vr=st.sampled_from(ALL_VRS), text=_texts, charset=st.sampled_from(CHARSETS))
def test_writing_text_as_the_engine_does(vr: str, text: str, charset: list[str]) -> None:
    data = textvalues.encode_text_value(vr, text, charset)
    if data is None:
        return
    try:
        expected = elements.encode_value(vr, text, charset, True)
    except EvaluationError:
        pytest.fail(f"the engine cannot write {text!r} as {vr}, textvalues wrote {data!r}")
    assert data == expected


@pytest.mark.parametrize(
    "value",
    [None, b"", b"ISO_IR 100", b"ISO_IR 192", b"ISO_IR 6 ", b" ISO_IR 100", b"\\ISO 2022 IR 100", b"GB18030"],
)
def test_declared_character_sets_as_the_engine_reads_them(value: bytes | None) -> None:
    found = textvalues.declared_charset(value)
    raw = RawDataElement(Tag(0x00080005), "CS", len(value or b""), value, 0, False, True)
    if found is not None:
        assert found == declared_charset(raw)
    else:
        assert value not in (None, b"", b"ISO_IR 100", b"ISO_IR 192")


def test_a_table_run_does_not_import_pydicom(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    (source / "ct.dcm").write_bytes(CT_SMALL.read_bytes())
    code = (
        "import sys\n"
        "from dicomedit.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    print('pydicom' in sys.modules, 'numpy' in sys.modules)\n"
    )
    script = REPO / "scripts" / "anon_script.das"
    args = [str(script), str(source), "-o", str(tmp_path / "out"), "--jobs", "1"]
    args += ["--var", "project=P", "--var", "subject=S", "--var", "session=E"]
    done = subprocess.run(
        [sys.executable, "-c", code, "apply", *args], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines()[-1] == "False False", done.stdout + done.stderr
    written = pydicom.dcmread(tmp_path / "out" / "ct.dcm")
    assert written.PatientName == "S" and written.PatientID == "E"
