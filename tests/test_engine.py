"""The interpreter on small synthetic objects: the unit cases of spec §11.2 and the rules of §4–§7."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

import dicomedit
from dicomedit import Outcome, RunContext, Status, read_value
from dicomedit.engine.plan import _GUARDABLE_CALLS
from dicomedit.functions import builtins, registry
from dicomedit.releases import parse_release


def run(script: str, ds: Dataset, **kwargs: object) -> Outcome:
    compiled = dicomedit.compile('version "6.6"\n' + script, strict=False)
    return compiled.apply(ds, **kwargs)  # type: ignore[arg-type]


def ok(script: str, ds: Dataset, **kwargs: object) -> Dataset:
    outcome = run(script, ds, **kwargs)
    assert outcome.status in (Status.MODIFIED, Status.UNCHANGED), outcome
    assert outcome.dataset is not None
    return outcome.dataset


def value(ds: Dataset, path: str) -> str | None:
    return read_value(ds, path)


def tags(ds: Dataset) -> list[int]:
    keys = list(ds.keys())  # keys only: iterating a dataset yields elements
    return [int(t) for t in keys]


def item(**elements: object) -> Dataset:
    ds = Dataset()
    for keyword, v in elements.items():
        setattr(ds, keyword, v)
    return ds


# -- U-01 assignment ---------------------------------------------------------------------------------


def test_assign_overwrites_and_creates() -> None:
    ds = item(InstitutionName="Some Institution")
    assert value(ok('(0008,0080) := "New Institute"', ds), "(0008,0080)") == "New Institute"
    assert value(ok('(0008,0080) := "New Institute"', Dataset()), "(0008,0080)") == "New Institute"
    assert value(ds, "(0008,0080)") == "Some Institution"  # the input is not modified


def test_assign_private_reserves_the_next_free_slot() -> None:
    ds = Dataset()
    ds.add_new(0x00190010, "LO", "GE")
    ds.add_new(0x00191010, "LO", "GE private string")
    out = ok('(0019,{SIEMENS}10) := "Edited SIEMENS pvt tag"', ds)
    assert out[0x00190011].value == "SIEMENS"
    assert value(out, "(0019,{SIEMENS}10)") == "Edited SIEMENS pvt tag"
    assert out[0x00191010].value == "GE private string"


def test_assign_into_items_creates_missing_items() -> None:
    ds = Dataset()
    ds.add_new(0x00081032, "SQ", Sequence([item(PatientName="s0")]))
    out = ok('(0008,1032)[1]/(0010,0010) := "Assigned string."', ds)
    assert value(out, "(0008,1032)[0]/(0010,0010)") == "s0"
    assert value(out, "(0008,1032)[1]/(0010,0010)") == "Assigned string."


def test_assign_private_sequence_on_empty_object() -> None:
    out = ok('(0021,{PVT ID}01)[1]/(0010,0010) := "Assigned string."', Dataset())
    assert out[0x00210010].value == "PVT ID"
    seq = out[0x00211001].value
    assert len(seq) == 2 and len(seq[0]) == 0
    assert value(out, "(0021,{PVT ID}01)[1]/(0010,0010)") == "Assigned string."


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ('(002#,{PVT}01)[1]/(0010,0010) := "x"', "maps to multiple attributes"),
        ("(0010,0010) := (0008,002X)", "Path matching multiple tags not allowed as term"),
        ('+/(0010,0010) := "anonymized"', "in not supported. TagPath: +/00100010"),
        ('(0018,901X) := "NO"', "Assigning to a tagpath that maps to multiple attributes in not supported. "
         "TagPath: 0018901X"),
        ("(0010,0010) := nope", "Unknown variable: nope"),
        ("(0010,0010) := fubar[]", "Failed to find function: fubar"),
        ("(0010,0010) := removeTags[(0010,0020)]", "Assigned value is VOID."),
        ('version "5.9"', "Unsupported version: 5.9"),
    ],
)  # fmt: skip
def test_errors_leave_the_object_unchanged(script: str, message: str) -> None:
    ds = item(PatientName="Patient^Name")
    outcome = run(script, ds)
    assert outcome.status is Status.ERROR
    assert outcome.dataset is None
    assert message in (outcome.message or "")
    assert value(ds, "(0010,0010)") == "Patient^Name"


def test_error_reports_line_and_tag_path() -> None:
    outcome = run('(0010,0010) := "a"\n(0018,901X) := "NO"', Dataset())
    assert outcome.line == 3
    assert outcome.tag_path == "(0018,901X)"


def test_values_number_copy_and_concatenate() -> None:
    ds = item(PatientName="Patient^Name", StudyDate="fubar", ReferringPhysicianName="x")
    assert value(ok("(0010,0010) := 666", ds), "(0010,0010)") == "666"
    out = ok("(0010,0010) := (0008,0020)", ds)
    assert value(out, "(0010,0010)") == "fubar" and value(out, "(0008,0020)") == "fubar"
    out = ok('(0010,0010) := concatenate["situation normal ", (0008,0020), (0008,9999)]', ds)
    assert value(out, "(0010,0010)") == "situation normal fubarnull"


def test_absent_rhs_is_a_silent_no_op_with_a_de47_warning() -> None:
    ds = item(PatientMotherBirthName="NAME^NAME")
    outcome = run("(0010,1060) := (0010,0022)\n(0010,1050) := (0010,0022)", ds)
    assert outcome.status is Status.UNCHANGED
    assert outcome.dataset is not None and value(outcome.dataset, "(0010,1060)") == "NAME^NAME"
    assert "(0010,1050)" not in [str(t) for t in tags(outcome.dataset)]
    assert any("DE-47" in w for w in outcome.warnings)


def test_multivalue_and_empty_assignment() -> None:
    out = ok('(0018,0022) := "1\\\\2\\\\3\\\\4"\n(0010,1010) := ""', Dataset())
    assert value(out, "(0018,0022)") == "1\\2\\3\\4"
    assert list(out.ScanOptions) == ["1", "2", "3", "4"]
    assert value(out, "(0010,1010)") == ""


# -- U-02 assign-if-exists -------------------------------------------------------------------------


def nested() -> Dataset:
    ds = item(PatientName="t2", PatientID="t1")
    inner = item(PatientName="t1_0_t2", PatientID="t1_0_t1")
    inner.add_new(0x00420010, "SQ", Sequence([item(PatientName="t1_0_t1_0_t2", PatientID="t1_0_t1_0_t1")]))
    ds.add_new(0x00420010, "SQ", Sequence([inner, item(PatientName="t1_1_t2", PatientID="t1_1_t1")]))
    return ds


IDS = ["(0010,0020)", "(0042,0010)[0]/(0010,0020)", "(0042,0010)[0]/(0042,0010)[0]/(0010,0020)",
       "(0042,0010)[1]/(0010,0020)"]  # fmt: skip


@pytest.mark.parametrize(
    ("script", "changed"),
    [
        ('*/(0010,0020) ?= "A"', [True, True, True, True]),
        ('+/(0010,0020) ?= "A"', [False, True, True, True]),
        ('./(0010,0020) ?= "A"', [False, True, False, True]),
        ('(0042,0010)[%]/(0010,0020) ?= "A"', [False, True, False, True]),
        ('(0042,0010)[1]/(0010,0020) ?= "A"', [False, False, False, True]),
        ('(0010,0020) ?= "A"', [True, False, False, False]),
    ],
)
def test_assign_if_exists_levels(script: str, changed: list[bool]) -> None:
    ds = nested()
    out = ok(script, ds)
    assert [value(out, p) == "A" for p in IDS] == changed
    assert value(out, "(0010,0010)") == "t2"


def test_assign_if_exists_never_creates() -> None:
    out = ok('(0010,0010) ?= "snafu"\n(0042,0010)[2]/(0010,0010) ?= "x"', item(InstitutionName="x"))
    assert "PatientName" not in out
    ds = Dataset()
    ds.add_new(0x00190010, "LO", "GE creator ID")
    ds.add_new(0x00191022, "LO", "p1")
    out = ok('(0019,{GE creator ID}22) ?= "snafu"\n(0019,{GE creator ID}44) ?= "snafu"', ds)
    assert out[0x00191022].value == "snafu" and 0x00191044 not in out


def test_assign_if_exists_digit_wildcards() -> None:
    ds = Dataset()
    for e in range(0x0100, 0x0110):
        if e not in (0x0103, 0x0104, 0x0107, 0x010E):
            ds.add_new(0x00300000 | e, "LO", "old")
    out = ok('(0030,010@) ?= "new"', ds)
    assert {t & 0xFFFF for t in tags(out) if out[t].value == "new"} == {
        0x100,
        0x102,
        0x106,
        0x108,
        0x10A,
        0x10C,
    }
    out = ok('(0030,010X) ?= "new"', ds)
    assert len(out) == 12 and all(e.value == "new" for e in out)


def test_assign_if_exists_keeps_the_vr() -> None:
    ds = Dataset()
    ds.add_new(0x00181020, "LO", ["2.6.3", "2.6.3.4"])
    out = ok('(0018,1020) ?= "1.0"', ds)
    assert out[0x00181020].VR == "LO" and value(out, "(0018,1020)") == "1.0"


# -- U-03 digit wildcards and deletion -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [("900@", "odd"), ("900#", "even"), ("900X", "none")],
)
def test_delete_digit_wildcards(pattern: str, kept: str) -> None:
    ds = Dataset()
    for e in range(16):
        if e != 6:
            ds.add_new(0x00189000 + e, "CS", "YES")
    out = ok(f"-(0018,{pattern})", ds)
    left = {t & 0xF for t in tags(out)}
    expected = {
        "odd": {e for e in range(16) if e % 2},
        "even": {e for e in range(16) if e % 2 == 0 and e != 6},
    }
    assert left == expected.get(kept, set())


def test_delete_sequence_item_keeps_empty_item_de91() -> None:
    ds = Dataset()
    code = item(CodeValue="C-21047", CodeMeaning="Ethanol")
    first = item(DistanceSourceToDetector="150000")
    second = item(ContrastBolusAgent="x")
    second.add_new(0x00180029, "SQ", Sequence([code]))
    ds.add_new(0x00180026, "SQ", Sequence([first, second]))
    outcome = run("-(0018,0026)[1]", ds)
    out = outcome.dataset
    assert out is not None
    seq = out[0x00180026].value
    assert len(seq) == 2 and len(seq[0]) == 1
    assert [t for t in tags(seq[1])] == [0x00180029]  # nested sequence kept with an empty item
    assert len(seq[1][0x00180029].value) == 1 and len(seq[1][0x00180029].value[0]) == 0
    assert any("DE-91" in w for w in outcome.warnings)
    old = run("-(0018,0026)[1]", ds, run=RunContext(xnat=parse_release("1.8.6")))
    assert old.dataset is not None and len(old.dataset[0x00180026].value) == 1


def test_delete_whole_sequence_and_everywhere() -> None:
    ds = nested()
    ds.add_new(0x00080100, "SH", "top")
    ds.add_new(0x00120064, "SQ", Sequence([item(CodeValue="a", CodeMeaning="m")]))
    out = ok("-(0042,0010)\n-*/(0008,0100)", ds)
    assert 0x00420010 not in out and 0x00080100 not in out
    assert (
        value(out, "(0012,0064)[0]/(0008,0104)") == "m" and value(out, "(0012,0064)[0]/(0008,0100)") is None
    )
    out = ok("-+/(0010,0020)", nested())
    assert value(out, "(0010,0020)") == "t1" and value(out, IDS[1]) is None and value(out, IDS[2]) is None


def test_delete_keeps_private_creators_and_hits_duplicate_blocks() -> None:
    ds = Dataset()
    ds.add_new(0x00290010, "LO", "REASONABLE")
    ds.add_new(0x00290012, "LO", "NAUGHTY PERSON")
    ds.add_new(0x002900E1, "LO", "NAUGHTY PERSON")
    for tag in (0x00291008, 0x00291201, 0x002912AA, 0x0029E101):
        ds.add_new(tag, "LO", "v")
    out = ok("-(0029,{NAUGHTY PERSON}XX)", ds)
    assert sorted(out.keys()) == [0x00290010, 0x00290012, 0x002900E1, 0x00291008]
    old = ok("-(0029,{NAUGHTY PERSON}XX)", ds, run=RunContext(xnat=parse_release("1.8.6")))
    assert sorted(old.keys()) == [0x00290010, 0x00291008]


def test_delete_private_sequence_by_block_element() -> None:
    ds = Dataset()
    ds.add_new(0x00090012, "LO", "EMAGEON JPEG2K INFO")
    ds.add_new(0x00091200, "SQ", Sequence([item(PatientName="x")]))
    out = ok("- (0009,{EMAGEON JPEG2K INFO}00)", ds)
    assert 0x00091200 not in out and 0x00090012 in out


# -- U-04 conditions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ('(0008,0080) ~ "Some Institution" ? (0008,0080) := "New"', "New"),
        ('(0008,0080) ~ "Some" ? (0008,0080) := "T" : (0008,0080) := "F"', "F"),  # whole-string match
        ('(0008,0080) !~ "Some" ? (0008,0080) := "T" : (0008,0080) := "F"', "T"),
        ('(0008,0080) = "Some Institution" ? (0008,0080) := "T" : (0008,0080) := "F"', "T"),
        ('(0008,0080) != "Some Institution" ? (0008,0080) := "T" : (0008,0080) := "F"', "F"),
        ('(0008,0080) ~ "Some \\\\p{Alpha}+" ? (0008,0080) := "T" : (0008,0080) := "F"', "T"),
    ],
)
def test_conditions(script: str, expected: str) -> None:
    assert value(ok(script, item(InstitutionName="Some Institution")), "(0008,0080)") == expected


@pytest.mark.parametrize(
    ("state", "eq", "not_match"), [(None, None, "1020"), ("1010", "1010", "1010"), ("", "1020", "1020")]
)
def test_absent_tag_never_equals(state: str | None, eq: str | None, not_match: str | None) -> None:
    ds = item(PatientID="1020")
    if state is not None:
        ds.PatientName = state
    assert value(ok('(0010,0010) = "" ? (0010,0010) := (0010,0020)', ds), "(0010,0010)") == eq
    assert value(ok('(0010,0010) !~ ".+" ? (0010,0010) := (0010,0020)', ds), "(0010,0010)") == not_match


def test_if_elseif_else_and_global_variables() -> None:
    script = """
modality := (0008,0060)
if (modality = "CT") {
  (0008,1030) := "ct"
} elseif (modality = "MR") {
  (0008,1030) := "mr"
  later := "set in a block"
} elseif (modality = "MR") {
  (0008,1030) := "never"
} else {
  (0008,1030) := "other"
}
(0008,1090) := later
"""
    out = ok(script, item(Modality="MR"))
    assert value(out, "(0008,1030)") == "mr" and value(out, "(0008,1090)") == "set in a block"
    assert (
        value(ok(script.replace("(0008,1090) := later", ""), item(Modality="US")), "(0008,1030)") == "other"
    )


def test_function_conditions() -> None:
    out = ok(
        'true[] ? (0008,0080) := "yes"\nisPresent[(0010,0010)] ? (0008,1030) := "p" : (0008,1030) := "a"',
        Dataset(),
    )
    assert value(out, "(0008,0080)") == "yes" and value(out, "(0008,1030)") == "a"


def test_no_separator_needed() -> None:
    script = (
        'sPatientName := (0010,0010)sPatientName = "Doe^John" ? (0010,0010) := "Handsome!" '
        ': (0010,0010) := "Ugly!!"'
    )
    assert value(ok(script, item(PatientName="Doe^John")), "(0010,0010)") == "Handsome!"


def test_host_variables_only_when_read_as_values() -> None:
    script = "(0008,1030) := project\n(0010,0010) := subject\n(0010,0020) := session"
    out = ok(script, Dataset(), variables={"project": "P", "subject": "S", "session": "E"})
    assert [value(out, p) for p in ("(0008,1030)", "(0010,0010)", "(0010,0020)")] == ["P", "S", "E"]
    outcome = run("(0008,1030) := lowercase[project]", Dataset(), variables={"project": "P"})
    assert outcome.status is Status.ERROR and "NullPointerException" in (outcome.message or "")


def test_echo_goes_to_the_outcome_and_the_sink() -> None:
    lines: list[str] = []
    outcome = run("echo (0008,0080)\necho (0008,0081)", item(InstitutionName="Some Institution"),
                  run=RunContext(echo=lines.append))  # fmt: skip
    assert outcome.echoed == ("Some Institution", "null") and lines == list(outcome.echoed)
    assert outcome.status is Status.UNCHANGED


# -- functions ---------------------------------------------------------------------------------------


def test_string_functions() -> None:
    script = (
        '(0010,1000) := format["{0}_{1}_{2}_{3}", lowercase[(0008,0060)], uppercase[(0008,103E)], '
        'replace[substring["0123456789", 0, 8], "3", "0"], concatenate["10", "20", "30"]]\n'
        '(0010,1001) := match["aba", "(a(b)?)+", 2]\n'
        '(0008,1010) := ismatch[(0008,0020), "\\\\d{8}"]\n'
        '(0008,1040) := ismatch[(0008,0020), "\\\\d{7}"]\n'
        "(0008,0080) := format[\"it''s '{0}' {0} {1}\", \"x\"]"
    )
    out = ok(script, item(Modality="MR", SeriesDescription="pdw_tse", StudyDate="20100430"))
    assert value(out, "(0010,1000)") == "mr_PDW_TSE_01204567_102030"
    assert value(out, "(0010,1001)") == "b"
    assert value(out, "(0008,1010)") == "true" and value(out, "(0008,1040)") == "false"
    assert value(out, "(0008,0080)") == "it's {0} x {1}"


@pytest.mark.parametrize(
    "script",
    ["(0008,0080) := lowercase[(0008,0081)]", '(0008,0080) := substring["abc", 0, 8]',
     '(0008,0080) := match[(0008,0081), "a", 0]', '(0008,0080) := format["{0", "a"]'],
)  # fmt: skip
def test_string_function_errors(script: str) -> None:
    assert run(script, Dataset()).status is Status.ERROR


def test_normalize_string() -> None:
    ds = item(SpecificCharacterSet="ISO_IR 100", SeriesDescription="Déscrîptîøn plüs $pec|ål ¢haraçtêrs")
    out = ok("(0008,103E) := normalizeString[(0008,103E)]\n(0008,0112) ?= normalizeString[(0008,0112)]", ds)
    assert value(out, "(0008,103E)") == "D_scr_pt__n pl_s $pec|_l _hara_t_rs"
    assert "0x00080112" not in [hex(t) for t in tags(out)]
    out = ok('(0008,103E) := normalizeString[(0008,103E), ":)"]', ds)
    assert value(out, "(0008,103E)") == "D:)scr:)pt:):)n pl:)s $pec|:)l :)hara:)t:)rs"
    jp = Dataset()
    jp.SpecificCharacterSet = ["", "ISO 2022 IR 87"]
    jp.PatientName = "Yamada^Tarou=山田^太郎=やまだ^たろう"
    out = ok("(0010,0010) := normalizeString[(0010,0010)]", jp)
    assert value(out, "(0010,0010)") == "Yamada^Tarou=__^__=___^___"


def test_hash_uid_and_hash_uid_list() -> None:
    ds = item(StudyInstanceUID="1.2.3.444.555", SeriesInstanceUID="1.2.3.444.555")
    ds.add_new(
        0x0008001A, "UI", ["1.2.3.4.5", "1.2.3.4.5.6", "99.99999.99999999999.999999999999999.999999999"]
    )
    ds.add_new(0x00490010, "LO", "PrivateCreator")
    ds.add_new(0x00491010, "UI", "1.2.3.444.555")
    out = ok("(0008,1150) := hashUID[(0020,000D)]\nhashUIDList[(0008,001a), (0049,{PrivateCreator}10)]", ds)
    assert value(out, "(0008,1150)") == "2.25.151084009948217556417582685022853404996"
    assert value(out, "(0008,001A)") == (
        "2.25.281097975800109040096884226991818420711\\2.25.262228503153619312954819897114011402300"
        "\\2.25.25035822876724830630813723844719420300"
    )
    assert out[0x00491010].value == "2.25.151084009948217556417582685022853404996"
    assert out[0x00490010].value == "PrivateCreator"
    assert value(out, "(0020,000E)") == "1.2.3.444.555"


def test_hash_uid_list_resyncs_group_2_and_reads_it() -> None:
    ds = item(SOPClassUID="1.2.840.10008.5.1.4.1.1.4", SOPInstanceUID="1.2.3.4")
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.file_meta.ImplementationClassUID = "1.2.3"
    out = ok("hashUIDList[(0008,0018), (0002,0012)]", ds)
    assert out.file_meta.MediaStorageSOPInstanceUID == "2.25.12977335313771255011876057319581175462"
    assert out.file_meta.MediaStorageSOPClassUID == "1.2.840.10008.5.1.4.1.1.4"
    assert out.file_meta.ImplementationClassUID == "2.25.148370922854076938159295778886134140470"
    out = ok("-(0002,0012)", ds)
    assert "ImplementationClassUID" not in out.file_meta


def test_hash_uid_list_from_a_list_variable() -> None:
    ds = item(SOPInstanceUID="1.2.3.4", SeriesInstanceUID="1.2.3")
    out = ok("tags := {(0008,0018), (0020,000E)}\nhashUIDList[tags]", ds)
    assert value(out, "(0020,000E)") == "2.25.148370922854076938159295778886134140470"


def test_map_uid_and_map_referenced_uids_share_a_run() -> None:
    context = RunContext()
    a = item(StudyInstanceUID="1.2.3")
    b = item(StudyInstanceUID="1.2.3")
    script = (
        'mapReferencedUIDs["1.2.826.0.1.3680043.10.9", "*/(0020,000D)"]\n'
        '(0008,1150) := mapUID[(0020,000D), "1.666"]'
    )
    out_a, out_b = ok(script, a, run=context), ok(script, b, run=context)
    assert value(out_a, "(0020,000D)") == value(out_b, "(0020,000D)")
    assert (value(out_a, "(0020,000D)") or "").startswith("1.2.826.0.1.3680043.10.9.")
    assert value(out_a, "(0008,1150)") == value(out_b, "(0008,1150)")
    assert (value(out_a, "(0008,1150)") or "").startswith("1.666.")


def test_shift_functions() -> None:
    ds = item(StudyDate="20120919", SeriesDate="20131231", AcquisitionDateTime="20100430130441.40")
    script = (
        '(0008,0020) := shiftDateByIncrement[(0008,0020), "14"]\n'
        '(0008,0021) := shiftDateByIncrement[(0008,0021), 1209600, "seconds"]\n'
        "(0008,002A) := shiftDateTimeByIncrement[(0008,002A), 360]"
    )
    out = ok(script, ds)
    assert [value(out, p) for p in ("(0008,0020)", "(0008,0021)", "(0008,002A)")] == [
        "20121003", "20140114", "20100430131041.40"]  # fmt: skip
    bad = run("(0008,0022) := shiftDateByIncrement[(0008,002A), 360]", item(AcquisitionDateTime="date"))
    assert bad.status is Status.ERROR and "Error evaluating shiftDateByIncrement" in (bad.message or "")
    absent = run("(0008,0022) := shiftDateTimeByIncrement[(0008,002A), 360]", Dataset())
    assert "Failed to parse DICOM time string" in (absent.message or "")


def test_shift_in_place_by_string_paths() -> None:
    ds = Dataset()
    ds.add_new(0x52009230, "SQ", Sequence([item(AcquisitionDateTime="20100430130441.40") for _ in range(3)]))
    out = ok('shiftDateTimeSequenceByIncrement["86400", "*/(0008,002A)"]', ds)
    assert value(out, "(5200,9230)[2]/(0008,002A)") == "20100501130441.40"
    outcome = run("shiftDateTimeSequenceByIncrement[86400, */(0008,002A)]", ds)
    assert outcome.status is Status.UNCHANGED and outcome.warnings


@pytest.mark.parametrize(
    ("study", "dob", "age", "new_dob", "new_age"),
    [
        ("20000131", "19000101", "100Y", "19110201", "089Y"),
        ("20000131", "19500101", "050Y", "19500101", "050Y"),
        ("", "", "090Y", "", "089Y"),
        ("", "19500101", "500Y", "19500101", "500Y"),
        ("20230410", "20230101", "099D", "20230101", "099D"),
    ],
)
def test_scale_patient_age(study: str, dob: str, age: str, new_dob: str, new_age: str) -> None:
    ds = item(StudyDate=study, PatientBirthDate=dob, PatientAge=age)
    ds.add_new(0x00850010, "LO", "PRIVATE")
    ds.add_new(0x00851010, "SQ", Sequence([item(PatientBirthDate=dob, PatientAge=age)]))
    out = ok("scalePatientAgeAndDobFromStudyDate[]", ds)
    assert value(out, "(0010,0030)") == new_dob and value(out, "(0010,1010)") == new_age
    assert value(out, "(0085,{PRIVATE}10)[0]/(0010,1010)") == new_age


def test_scale_patient_age_errors_and_absence() -> None:
    assert run("scalePatientAgeAndDobFromStudyDate[]", item(PatientAge="45")).status is Status.ERROR
    assert run("scalePatientAgeAndDobFromStudyDate[]", item(StudyDate="19801010")).status is Status.UNCHANGED


def test_lookup() -> None:
    context = RunContext()
    context.add_lookup_entries("pn", {"PatientName1": "MappedPatientName1"})
    context.add_lookup_entries("pid", {"PatientID2": "MappedPatientID2"})
    script = (
        '(0010,0010) := lookup["pn", (0010,0010)]\n(0010,0020) := lookup["pid", (0010,0020)]\n'
        '(0008,0080) := lookup["pid", "missing"]'
    )
    out = ok(script, item(PatientName="PatientName1", PatientID="PatientID2"), run=context)
    assert (
        value(out, "(0010,0010)") == "MappedPatientName1" and value(out, "(0010,0020)") == "MappedPatientID2"
    )
    assert value(out, "(0008,0080)") is None


def test_get_url_is_refused_without_permission() -> None:
    outcome = run('(0010,1000) := getURL["http://127.0.0.1:9/x"]', Dataset())
    assert outcome.status is Status.ERROR and "network access is off" in (outcome.message or "")


def test_reject() -> None:
    ds = item(SOPInstanceUID="1.2.3")
    outcome = run('(0010,0010) := "x"\nreject[]', ds)
    assert outcome.status is Status.REJECTED and outcome.message == "Rejected: SOPInstanceUID 1.2.3"
    assert run("reject[false[]]", ds).status is Status.UNCHANGED
    disabled = run("reject[]", ds, run=RunContext(reject_enabled=False))
    assert disabled.status is Status.UNCHANGED and disabled.warnings


def test_set_and_delete_direct_notation() -> None:
    ds = Dataset()
    ds.add_new(0x00E110C2, "UI", "1.2.3")
    out = ok('set["(00e1,0010)", "INSERTED PRIVATE ID"]\n(0008,1150) := (00e1,{INSERTED PRIVATE ID}c2)', ds)
    assert value(out, "(0008,1150)") == "1.2.3"
    ds = item(InstitutionName="x")
    ds.add_new(0x00189112, "SQ", Sequence([item(InstitutionName="y", StationName="z")]))
    out = ok('delete["(0018,9112)[0]/(0008,0080)"]\ndelete["(0008,0080)"]', ds)
    assert "InstitutionName" not in out and value(out, "(0018,9112)[0]/(0008,1010)") == "z"


def test_read_of_unknown_creator_reserves_the_slot() -> None:
    ds = Dataset()
    ds.add_new(0x00211010, "LO", "Simple PT")
    outcome = run("(0010,0020) := (0021,{PT Test Creator ID}10)", ds)
    assert outcome.dataset is not None
    assert value(outcome.dataset, "(0010,0020)") == "Simple PT"
    assert outcome.dataset[0x00210010].value == "PT Test Creator ID"
    assert outcome.warnings
    assert run('isPresent[(0021,{PT Test Creator ID}10)] ? (0010,0020) := "x"', ds).status is Status.UNCHANGED


def test_collect_and_blank_values() -> None:
    ds = item(Manufacturer="CHOCOLATE", InstitutionName="CHOCOLATE", StationName=" CHOCOLATE ")
    ds.add_new(0x00181204, "DA", "20100430")
    ds.add_new(0x00200013, "IS", "1")
    ds.add_new(0x00280002, "US", 1)
    ds.add_new(0x00491010, "UN", b"CHOCOLATE\x00")
    ds.add_new(0x00120010, "SQ", Sequence([item(InstitutionName="CHOCOLATE", StudyDescription="chocolate")]))
    out = ok('known := collectValues[(0008,0070), "20100430", (0020,0013)]\nblankValues[known]', ds)
    assert [value(out, p) for p in ("(0008,0070)", "(0008,0080)", "(0008,1010)", "(0018,1204)", "(0020,0013)",
                                    "(0028,0002)")] == [""] * 6  # fmt: skip
    assert out[0x00281002 - 0x1000].VR == "US" and out[0x00181204].VR == "DA"
    assert (
        value(out, "(0012,0010)[0]/(0008,0080)") == ""
        and value(out, "(0012,0010)[0]/(0008,1030)") == "chocolate"
    )
    assert out[0x00491010].value == b"CHOCOLATE\x00"


def test_remove_all_and_retain_private_tags() -> None:
    ds = item(PatientName="x")
    ds.add_new(0x00650010, "LO", "AE 1")
    ds.add_new(0x00650011, "LO", "AE 2")
    ds.add_new(0x00651010, "LO", "hello there")
    inner = Dataset()
    inner.add_new(0x00770010, "LO", "AE 3")
    inner.add_new(0x00771035, "LO", "retained")
    ds.add_new(0x00651040, "SQ", Sequence([inner]))
    ds.add_new(0x00651120, "LO", "hello again")
    fid = item(CodeValue="sticking around")
    fid.add_new(0x00650010, "LO", "AE 1")
    fid.add_new(0x00650011, "LO", "AE 2")
    fid.add_new(0x00651010, "LO", "inner")
    fid.add_new(0x00651120, "LO", "inner again")
    ds.add_new(0x00700311, "SQ", Sequence([fid]))
    ds.add_new(0x00710010, "LO", "OTHER")
    ds.add_new(0x00711001, "LO", "dropped")
    ds.add_new(0xF2150010, "LO", "XNAT QA HIGH GROUP")
    ds.add_new(0xF2151050, "LO", "retained")
    out = ok("removeAllPrivateTags", ds)
    assert all(t >> 16 not in (0x65, 0x71, 0xF215) for t in tags(out))
    assert len(out[0x00700311].value[0]) == 1
    script = (
        "retainPrivateTags[(0065,{AE 1}10), (0065,{AE 1}40), */(0065,{AE 2}20), "
        '"(F215,{XNAT QA HIGH GROUP}50)"]'
    )
    out = ok(script, ds)
    assert out[0x00650010].value == "AE 1" and out[0x00651010].value == "hello there"
    assert out[0x00651040].value[0][0x00771035].value == "retained"
    assert 0x00711001 not in out and 0x00710010 not in out
    fid_out = out[0x00700311].value[0]
    assert sorted(fid_out.keys()) == [0x00080100, 0x00650011, 0x00651120]
    assert out[0xF2151050].value == "retained"
    old = ok(script, ds, run=RunContext(xnat=parse_release("1.10.0")))
    assert 0xF2151050 not in old
    bad = run("retainPrivateTags[(0010,0010)]", ds)
    assert bad.message == "TagPath argument in retainPrivateTags is not private"


def test_remove_tags_lists_and_strings() -> None:
    ds = item(StudyDate="1", SeriesDate="2", AcquisitionDate="3", PatientName="Sample Patient")
    out = ok('rm := {(0008,0020), "(0008,0021)"}\nremoveTags[rm, {(0008,0022)}]', ds)
    assert [k for k in out.dir() if "Date" in k] == [] and value(out, "(0010,0010)") == "Sample Patient"
    assert run('removeTags["not a path"]', ds).status is Status.ERROR


def test_vr_conversions() -> None:
    script = (
        '(0018,9182) := "30.0"\n(0010,21C0) := "1234567"\n(0028,0808) := "00100010"\n'
        "(0070,0262) := 3.333000\n"
        '(0400,0520) := "New Institute"\n(6666,6666) := "New Institute"\n(300A,00B0) := "New Institute"\n'
        "(0018,6020) := -999\n(300A,0306) := -333\n(0008,1161) := 666"
    )
    out = ok(script, Dataset())
    got = [value(out, p) for p in ("(0018,9182)", "(0010,21C0)", "(0028,0808)", "(0070,0262)", "(0400,0520)",
                                   "(6666,6666)", "(0018,6020)", "(300A,0306)", "(0008,1161)")]  # fmt: skip
    assert got == [
        "30",
        "54919",
        "00100010",
        "3.333",
        "New Institute",
        "New Institute",
        "-999",
        "-333",
        "666",
    ]
    assert out[0x300A00B0].VR == "SQ" and len(out[0x300A00B0].value) == 0
    assert out[0x66666666].VR == "UN" and out[0x66666666].value == b"New Institute\x00"
    for bad in ('(0018,9182) := "fubar"', '(0010,21C0) := "fubar"', '(0008,040C) := "1"'):
        assert run(bad, Dataset()).status is Status.ERROR


def test_at_values_read_as_hex() -> None:
    ds = Dataset()
    ds.add_new(0x00209222, "SQ", Sequence([Dataset()]))
    ds[0x00209222].value[0].add_new(0x00209165, "AT", 0x00209056)
    out = ok("(0040,1002) := (0020,9222)[0]/(0020,9165)", ds)
    assert value(out, "(0040,1002)") == "00209056"
    outcome = run("(0040,1002) := (0020,9222)/(0020,9165)", ds)
    assert outcome.status is Status.ERROR and "item number" in (outcome.message or "")


def test_alter_pixels_fills_every_frame() -> None:
    import numpy as np

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    ds.Rows, ds.Columns, ds.NumberOfFrames = 8, 10, 2
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 16, 16, 15
    ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
    ds.PixelData = np.full((2, 8, 10), 7, dtype=np.uint16).tobytes()
    out = ok('alterPixels["rectangle", "l=2, t=1, r=5, b=20", "solid", "v=100"]', ds)
    pixels = np.frombuffer(out.PixelData, dtype=np.uint16).reshape(2, 8, 10)
    assert (pixels[:, 1:8, 2:5] == 100).all() and pixels.sum() == 7 * (160 - 42) + 100 * 42
    assert out.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert run('alterPixels["circle", "l=0", "solid", "v=1"]', ds).message.startswith("No PixelEditHandler")  # type: ignore[union-attr]


def test_compile_refuses_scripts_with_errors() -> None:
    with pytest.raises(dicomedit.ScriptError) as err:
        dicomedit.compile('version "6.6"\n(0018,901X) := "NO"\n')
    assert err.value.diagnostics
    with pytest.raises(dicomedit.ScriptError):
        dicomedit.compile('version "6.6"\n(0010,0010) := \n', strict=False)


def test_in_place() -> None:
    ds = item(PatientName="x")
    outcome = dicomedit.compile('version "6.6"\n(0010,0010) := "y"').apply(ds, in_place=True)
    assert outcome.dataset is ds and ds.PatientName == "y"


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ('(0010,21C0) := "99999999999"', None),  # Integer.parseInt fails beyond a Java int
        ('(0010,21C0) := ""', None),
        ('(0010,21C0) := " 12 "', "12"),  # parseInt after trim
        ('(0010,21C0) := "-1"', "65535"),  # narrowed to 16 bits, as Java does
        ('(0018,9219) := "-1"', "-1"),  # SS
        ('(0028,9003) := "4294967295"', "4294967295"),  # UL holds the unsigned range
        ('(0018,9182) := "1e3"', "1000"),  # Double.parseDouble
        ('(0018,9182) := "2.5d"', "2.5"),
        ('(0018,9182) := "0x1p4"', "16"),
        ('(0018,9182) := "1,5"', None),
    ],
)
def test_numbers_are_read_as_java_reads_them(assignment: str, expected: str | None) -> None:
    outcome = run(assignment, Dataset())
    if expected is None:
        assert outcome.status is Status.ERROR and "Cannot store" in str(outcome.message)
    else:
        assert outcome.dataset is not None, outcome
        assert value(outcome.dataset, assignment.split(" ")[0]) == expected


def test_error_messages_have_a_form_without_the_values() -> None:
    ds = item(PatientName="Doe^Jane", PatientBirthDate="19701301")
    outcome = run("(0028,0010) := (0010,0010)", ds)
    assert outcome.message == "Cannot store 'Doe^Jane' in a US element: not a Java int"
    assert outcome.safe_message == "Cannot store '<value hidden>' in a US element: not a Java int"
    outcome = run('(0010,0030) := shiftDateByIncrement[(0010,0030), "1"]', ds)
    assert outcome.status is Status.ERROR and "19701301" in str(outcome.message)
    assert "19701301" not in str(outcome.safe_message) and "<value hidden>" in str(outcome.safe_message)
    outcome = run("(0010,0010) := format[(0010,0010)]", item(PatientName="{Doe}"))
    assert "Doe" not in str(outcome.safe_message)


def test_a_sequence_hidden_in_a_un_element_is_reported() -> None:
    sequence_item = b"\xfe\xff\x00\xe0\x0c\x00\x00\x00\x10\x00\x10\x00\x04\x00\x00\x00Doe "
    ds = item(PatientName="Doe")
    ds.add_new(0x00090010, "LO", "ACME")
    ds.add_new(0x00091001, "UN", sequence_item)
    outcome = run("-(0010,0010)", ds)
    assert any(w.startswith("(0009,1001) is UN but holds a sequence") for w in outcome.warnings)
    assert run("removeAllPrivateTags", ds).warnings == ()


def test_the_calls_a_plan_guards_are_implemented() -> None:
    # engine.plan guards removeTags and hashUIDList without asking: compiling imports no
    # implementation
    assert builtins is not None  # imported: the implementations are registered
    assert all(registry.implementation(name) is not None for name in _GUARDABLE_CALLS)
